package api

import (
	"context"
	"net/http"

	"github.com/chatwork-go/chatwork/api/wire"
	"github.com/chatwork-go/chatwork/gen"
)

// MessagesService covers the messages of a chat and the account's read
// position in it.
//
// Reading has two explicit calls because the API's default is stateful:
// ListNew returns what the account has not fetched yet and moves a
// server-side cursor; ListLatest returns the latest 100 and moves nothing.
type MessagesService service

// ListNew returns the messages of the chat that the account has not fetched
// since its previous ListNew, at most 100, oldest first, and moves the
// server's cursor past them (force=0). A second call, or another program
// using the same account, gets only what arrived in between. Nothing new
// gives an empty slice.
//
// GET /rooms/{room_id}/messages?force=0
func (s *MessagesService) ListNew(ctx context.Context, roomID int64) ([]Message, *Response, error) {
	return s.list(ctx, roomID, false)
}

// ListLatest returns the latest 100 messages of the chat, oldest first,
// without moving the cursor of ListNew (force=1).
//
// GET /rooms/{room_id}/messages?force=1
func (s *MessagesService) ListLatest(ctx context.Context, roomID int64) ([]Message, *Response, error) {
	return s.list(ctx, roomID, true)
}

func (s *MessagesService) list(ctx context.Context, roomID int64, force bool) ([]Message, *Response, error) {
	if err := checkID("room_id", roomID); err != nil {
		return nil, nil, err
	}
	params := gen.ListMessagesParams{Force: wire.FlagOf(force)}
	return list[Message](ctx, clientOf(s), func(raw *gen.RawClient) (*http.Response, error) { return raw.ListMessages(ctx, roomID, &params) })
}

// PostMessageOptions are the optional settings of Messages.Post.
type PostMessageOptions struct {
	// SelfUnread leaves the new message unread for the account itself.
	SelfUnread bool
}

// Post posts a message and returns its ID. body is 1 to 65,535 characters
// of text in Chatwork notation (see package notation). opt may be nil.
//
// Posts and task creations share a limit of 10 per 10 seconds per chat; the
// client paces itself to it. A post is never sent twice: after a failure
// that leaves unclear whether the server stored it, the error is returned
// rather than the post retried.
//
// POST /rooms/{room_id}/messages
func (s *MessagesService) Post(ctx context.Context, roomID int64, body string, opt *PostMessageOptions) (string, *Response, error) {
	if err := checkID("room_id", roomID); err != nil {
		return "", nil, err
	}
	if err := checkBody("body", body); err != nil {
		return "", nil, err
	}
	form := gen.PostMessageFormdataRequestBody{Body: body}
	if opt != nil && opt.SelfUnread {
		form.SelfUnread = wire.FlagOf(true)
	}
	out, r, err := one[gen.MessageIDResult](ctx, clientOf(s), func(raw *gen.RawClient) (*http.Response, error) {
		return raw.PostMessageWithFormdataBody(withPostRoom(ctx, roomID), roomID, form)
	})
	if err != nil {
		return "", r, err
	}
	return out.MessageID, r, nil
}

// MarkRead marks the chat's messages up to and including messageID as read
// and returns the chat's counts. The API answers 400 when they are already
// read. An empty messageID leaves the choice to the API (not documented).
//
// PUT /rooms/{room_id}/messages/read
func (s *MessagesService) MarkRead(ctx context.Context, roomID int64, messageID string) (*ReadResult, *Response, error) {
	if err := checkID("room_id", roomID); err != nil {
		return nil, nil, err
	}
	var form gen.MarkMessagesReadFormdataRequestBody
	if messageID != "" {
		if err := checkMessageRef(messageID); err != nil {
			return nil, nil, err
		}
		form.MessageID = &messageID
	}
	return one[ReadResult](ctx, clientOf(s), func(raw *gen.RawClient) (*http.Response, error) {
		return raw.MarkMessagesReadWithFormdataBody(ctx, roomID, form)
	})
}

// MarkUnread marks messageID and every later message of the chat as unread
// and returns the chat's counts.
//
// PUT /rooms/{room_id}/messages/unread
func (s *MessagesService) MarkUnread(ctx context.Context, roomID int64, messageID string) (*ReadResult, *Response, error) {
	if err := checkID("room_id", roomID); err != nil {
		return nil, nil, err
	}
	if err := checkMessageRef(messageID); err != nil {
		return nil, nil, err
	}
	form := gen.MarkMessagesUnreadFormdataRequestBody{MessageID: messageID}
	return one[ReadResult](ctx, clientOf(s), func(raw *gen.RawClient) (*http.Response, error) {
		return raw.MarkMessagesUnreadWithFormdataBody(ctx, roomID, form)
	})
}

// Get returns one message. On the free plan a message outside the viewable
// window gives an *APIError with status 404 and MessageLimited set.
//
// GET /rooms/{room_id}/messages/{message_id}
func (s *MessagesService) Get(ctx context.Context, roomID int64, messageID string) (*Message, *Response, error) {
	if err := checkID("room_id", roomID); err != nil {
		return nil, nil, err
	}
	if err := checkMessageRef(messageID); err != nil {
		return nil, nil, err
	}
	return one[Message](ctx, clientOf(s), func(raw *gen.RawClient) (*http.Response, error) { return raw.GetMessage(ctx, roomID, messageID) })
}

// Update replaces the body of one of the account's messages.
//
// PUT /rooms/{room_id}/messages/{message_id}
func (s *MessagesService) Update(ctx context.Context, roomID int64, messageID, body string) (*Response, error) {
	if err := checkID("room_id", roomID); err != nil {
		return nil, err
	}
	if err := checkMessageRef(messageID); err != nil {
		return nil, err
	}
	if err := checkBody("body", body); err != nil {
		return nil, err
	}
	form := gen.UpdateMessageFormdataRequestBody{Body: body}
	_, r, err := one[gen.MessageIDResult](ctx, clientOf(s), func(raw *gen.RawClient) (*http.Response, error) {
		return raw.UpdateMessageWithFormdataBody(ctx, roomID, messageID, form)
	})
	return r, err
}

// Delete deletes one of the account's messages.
//
// DELETE /rooms/{room_id}/messages/{message_id}
func (s *MessagesService) Delete(ctx context.Context, roomID int64, messageID string) (*Response, error) {
	if err := checkID("room_id", roomID); err != nil {
		return nil, err
	}
	if err := checkMessageRef(messageID); err != nil {
		return nil, err
	}
	var out gen.MessageIDResult
	return clientOf(s).call(ctx, func(raw *gen.RawClient) (*http.Response, error) { return raw.DeleteMessage(ctx, roomID, messageID) }, &out,
		expectResultOr204, func() string { return missing(&out) })
}
