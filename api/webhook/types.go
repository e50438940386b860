package webhook

import "github.com/chatwork-go/chatwork/gen"

// MessageEvent is the payload of message_created and message_updated
// events: the message, its sender (AccountID) and its raw notation body.
// UpdateTime is the zero time for a new message.
type MessageEvent = gen.WebhookMessageEvent

// MentionEvent is the payload of mention_to_me events, sent when a message
// mentions ([To:…]) or replies to ([rp …]) the account. The sender is
// FromAccountID; ToAccountID is the account mentioned.
type MentionEvent = gen.WebhookMentionEvent

type envelope = gen.WebhookEnvelope
