// Package webhook receives Chatwork webhooks: it verifies their signatures
// and decodes their events.
//
// Chatwork POSTs a JSON body to the URL of each webhook setting and signs
// it with the setting's token: the signature is
// base64(HMAC-SHA256(key = base64-decode(token), raw body)), sent in the
// X-ChatWorkWebhookSignature header and in the chatwork_webhook_signature
// query parameter. An account has up to five settings, each with its own
// token, so every function here accepts several tokens.
//
// # Handler
//
// [Handler] is an [net/http.Handler] that does everything Chatwork
// expects from a receiver: it accepts only POST, caps the body size,
// verifies the signature before any of your code runs, decodes the event,
// calls the callback registered for its type and answers 200 with an empty
// body (Chatwork treats bodies over 2,048 bytes as errors).
//
//	h, err := webhook.NewHandler([]string{os.Getenv("CHATWORK_WEBHOOK_TOKEN")})
//	if err != nil { … }
//	h.OnMentionToMe(func(ctx context.Context, e *webhook.Event) error {
//		log.Printf("mentioned by %d: %s", e.Mention.FromAccountID, e.Mention.Body)
//		return nil
//	})
//	http.Handle("/chatwork", h)
//
// Chatwork does not resend failed deliveries, and when too many fail it
// marks the webhook setting invalid until a user re-enables it. Return an
// error from a callback only for failures you want counted that way.
//
// # Lower-level functions
//
// [ParseRequest] verifies and decodes a request in one call; [Verify] and
// [Parse] do one step each. [RequestSignature] reads the signature from a
// request. [Sign] and [NewRequest] produce signed deliveries for tests.
//
// # Events
//
// Event types are open-ended: besides message_created, message_updated
// and mention_to_me, which are decoded into [MessageEvent] and
// [MentionEvent], any other type is passed through as raw JSON so that a
// type added by Chatwork does not break a receiver. Message IDs are strings
// of digits, since they exceed 2^53.
//
// # Replays
//
// The signature covers no timestamp and no delivery ID, so a captured
// request verifies for ever. Two opt-in options of [Handler] limit
// replays: [WithMaxEventAge] refuses (400) deliveries whose
// webhook_event_time is too old, or further in the future than
// [MaxClockSkew], and [WithReplayGuard] ignores (200, without a callback)
// a delivery identical to one of the last n it accepted, in memory that
// grows with the deliveries up to n. Use both: the age bounds how long a capture
// is useful, the guard covers that window. Both are off by default, so
// that published test vectors and old recorded deliveries still verify.
//
// # Dependencies
//
// This package owns the receiving side of webhooks: signatures, payload
// decoding, the Handler and its replay defences. It needs no API client:
// it imports the generated payload types of package gen (and package
// wire through them) and nothing else of this module; in particular not
// package api (enforced by internal/checks TestImportRules).
package webhook
