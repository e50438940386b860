package webhook

import "github.com/chatwork-go/chatwork/gen"

// MessageEvent is the payload of message_created and message_updated
// events.
//
//	MessageID  string        // a string of digits
//	RoomID     int64
//	AccountID  int64         // the sender
//	Body       string        // the raw text, in notation
//	SendTime   wire.UnixTime // embeds time.Time
//	UpdateTime wire.UnixTime // the zero time for a new message
type MessageEvent = gen.WebhookMessageEvent

// MentionEvent is the payload of mention_to_me events, sent when a message
// mentions ([To:…]) or replies to ([rp …]) the account.
//
//	MessageID     string        // a string of digits
//	RoomID        int64
//	FromAccountID int64         // the sender
//	ToAccountID   int64         // the account mentioned
//	Body          string        // the raw text, in notation
//	SendTime      wire.UnixTime // embeds time.Time
//	UpdateTime    wire.UnixTime // the zero time unless edited
type MentionEvent = gen.WebhookMentionEvent

type envelope = gen.WebhookEnvelope
