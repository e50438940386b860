package apitest

import (
	"net/http"
	"strconv"

	"github.com/chatwork-go/chatwork/gen"
)

// ListMessages implements GET /rooms/{room_id}/messages. With force=1 it
// returns the latest 100 messages. Without force, or with force=0, it
// returns the messages after the account's cursor, the oldest 100 of them
// when there are more, and moves the cursor past the last one returned, so
// that a backlog drains over successive calls. The cursor belongs to the
// account (every token of it) and only moves with new messages: edits are
// not returned again.
func (h *handlers) ListMessages(w http.ResponseWriter, r *http.Request, roomID gen.RoomID, params gen.ListMessagesParams) {
	h.do(w, r, func(c *call) (any, error) {
		rm, err := c.room(roomID)
		if err != nil {
			return nil, err
		}
		var msgs []*message
		if params.Force != nil && bool(*params.Force) {
			msgs = rm.messages[max(len(rm.messages)-maxList, 0):]
		} else {
			msgs = c.st.readNew(rm, c.acct, maxList)
		}
		out := make([]gen.Message, len(msgs))
		for i, m := range msgs {
			out[i] = m.api(c.st)
		}
		return list(out), nil
	})
}

// PostMessage implements POST /rooms/{room_id}/messages. With self_unread=0
// (the default) the author's read position moves to the new message.
func (h *handlers) PostMessage(w http.ResponseWriter, r *http.Request, roomID gen.RoomID) {
	h.do(w, r, func(c *call) (any, error) {
		rm, body, err := c.post(roomID)
		if err != nil {
			return nil, err
		}
		selfUnread, err := c.flag("self_unread", false)
		if err != nil {
			return nil, err
		}
		m, events := c.st.postMessage(rm, c.acct, body, selfUnread, c.now)
		c.events = events
		return gen.MessageIDResult{MessageID: strconv.FormatInt(m.id, 10)}, nil
	})
}

// MarkMessagesRead implements PUT /rooms/{room_id}/messages/read. Without
// message_id every message is marked read. Marking read what is already
// read gives 400.
func (h *handlers) MarkMessagesRead(w http.ResponseWriter, r *http.Request, roomID gen.RoomID) {
	h.do(w, r, func(c *call) (any, error) {
		rm, err := c.room(roomID)
		if err != nil {
			return nil, err
		}
		var target int64
		if c.form.Has("message_id") {
			if target, err = c.formMessage(rm); err != nil {
				return nil, err
			}
		} else if len(rm.messages) > 0 {
			target = rm.messages[len(rm.messages)-1].id
		}
		if target <= rm.readPos[c.acct] {
			return nil, badRequest("The messages are already read")
		}
		c.st.setReadPos(rm, c.acct, target)
		return c.readResult(rm), nil
	})
}

// MarkMessagesUnread implements PUT /rooms/{room_id}/messages/unread:
// message_id and every later message become unread. Marking unread a
// message that is already unread gives 400 (as some clients report;
// unverified).
func (h *handlers) MarkMessagesUnread(w http.ResponseWriter, r *http.Request, roomID gen.RoomID) {
	h.do(w, r, func(c *call) (any, error) {
		rm, err := c.room(roomID)
		if err != nil {
			return nil, err
		}
		if _, err := c.required("message_id"); err != nil {
			return nil, err
		}
		id, err := c.formMessage(rm)
		if err != nil {
			return nil, err
		}
		if id > rm.readPos[c.acct] {
			return nil, badRequest("The message is already unread")
		}
		c.st.setReadPos(rm, c.acct, id-1)
		return c.readResult(rm), nil
	})
}

// formMessage returns the ID of the message named by the form field
// message_id, which must exist in rm.
func (c *call) formMessage(rm *room) (int64, error) {
	id, ok := messageID(c.form.Get("message_id"))
	if _, m := rm.findMessage(id); !ok || m == nil {
		return 0, invalid("message_id")
	}
	return id, nil
}

func (c *call) readResult(rm *room) gen.ReadResult {
	n := c.st.roomCounts(rm, c.acct)
	return gen.ReadResult{UnreadNum: n.unread, MentionNum: n.mention}
}

// GetMessage implements GET /rooms/{room_id}/messages/{message_id}.
func (h *handlers) GetMessage(w http.ResponseWriter, r *http.Request, roomID gen.RoomID, messageIDParam gen.MessageID) {
	h.do(w, r, func(c *call) (any, error) {
		_, m, err := c.message(roomID, messageIDParam, false)
		if err != nil {
			return nil, err
		}
		return m.api(c.st), nil
	})
}

// UpdateMessage implements PUT /rooms/{room_id}/messages/{message_id}. Only
// the author may edit a message (403 otherwise); update_time is set.
func (h *handlers) UpdateMessage(w http.ResponseWriter, r *http.Request, roomID gen.RoomID, messageIDParam gen.MessageID) {
	h.do(w, r, func(c *call) (any, error) {
		rm, m, err := c.message(roomID, messageIDParam, true)
		if err != nil {
			return nil, err
		}
		body, err := c.required("body")
		if err != nil {
			return nil, err
		}
		c.events = c.st.editMessage(rm, m, body, c.now)
		return gen.MessageIDResult{MessageID: messageIDParam}, nil
	})
}

// DeleteMessage implements DELETE /rooms/{room_id}/messages/{message_id}.
// Only the author may delete a message (403 otherwise).
func (h *handlers) DeleteMessage(w http.ResponseWriter, r *http.Request, roomID gen.RoomID, messageIDParam gen.MessageID) {
	h.do(w, r, func(c *call) (any, error) {
		rm, m, err := c.message(roomID, messageIDParam, true)
		if err != nil {
			return nil, err
		}
		c.st.deleteMessage(rm, m, c.now)
		return gen.MessageIDResult{MessageID: messageIDParam}, nil
	})
}

// message returns a message of a room the account is in, or 404; with
// own, a message of another account is 403.
func (c *call) message(roomID int64, idParam string, own bool) (*room, *message, error) {
	rm, err := c.room(roomID)
	if err != nil {
		return nil, nil, err
	}
	id, _ := messageID(idParam)
	_, m := rm.findMessage(id)
	switch {
	case m == nil:
		return nil, nil, errNotFound
	case own && m.accountID != c.acct:
		return nil, nil, errNotOwnMsg
	}
	return rm, m, nil
}
