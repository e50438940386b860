package webhook

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Event types Chatwork sends today. Others may be added; see [Event].
const (
	TypeMessageCreated = "message_created"
	TypeMessageUpdated = "message_updated"
	TypeMentionToMe    = "mention_to_me"
)

// Event is one webhook delivery.
type Event struct {
	// SettingID is the ID of the webhook setting (webhook_setting_id).
	SettingID string
	// Type is webhook_event_type, such as [TypeMessageCreated]. It may be
	// a type this package does not know.
	Type string
	// Time is webhook_event_time, in UTC; zero if absent.
	Time time.Time
	// Raw is the webhook_event object exactly as received.
	Raw json.RawMessage

	// Message is set for message_created and message_updated events.
	Message *MessageEvent
	// Mention is set for mention_to_me events.
	Mention *MentionEvent
}

// Parse decodes a webhook body without verifying its signature; use it
// after [Verify], or on bodies from a trusted source. Known event types are
// decoded into [Event.Message] or [Event.Mention]; for other types only
// [Event.Raw] is set. Parse fails if body is not a JSON object with a
// webhook_event_type, or if the event of a known type does not decode.
func Parse(body []byte) (*Event, error) {
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, fmt.Errorf("webhook: decoding body: %w", err)
	}
	if env.WebhookEventType == "" {
		return nil, errors.New("webhook: body has no webhook_event_type")
	}
	e := &Event{
		SettingID: env.WebhookSettingID,
		Type:      env.WebhookEventType,
		Raw:       env.WebhookEvent,
	}
	e.Time = env.WebhookEventTime.Time
	var err error
	switch e.Type {
	case TypeMessageCreated, TypeMessageUpdated:
		e.Message = new(MessageEvent)
		err = decodeEvent(e.Raw, e.Message)
	case TypeMentionToMe:
		e.Mention = new(MentionEvent)
		err = decodeEvent(e.Raw, e.Mention)
	}
	if err != nil {
		return nil, fmt.Errorf("webhook: decoding %s event: %w", e.Type, err)
	}
	return e, nil
}

func decodeEvent(raw json.RawMessage, v any) error {
	if len(raw) == 0 || string(raw) == "null" {
		return errors.New("webhook_event is missing")
	}
	return json.Unmarshal(raw, v)
}
