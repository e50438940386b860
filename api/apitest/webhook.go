package apitest

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/chatwork-go/chatwork/api/wire"
	"github.com/chatwork-go/chatwork/gen"
)

// The event types the fake sends: the spec's values, which package
// api/webhook exports as TypeMessageCreated, TypeMessageUpdated and
// TypeMentionToMe.
const (
	evMessageCreated = string(gen.WebhookMessageCreatedWebhookEventTypeMessageCreated)
	evMessageUpdated = string(gen.WebhookMessageUpdatedWebhookEventTypeMessageUpdated)
	evMentionToMe    = string(gen.WebhookMentionToMeWebhookEventTypeMentionToMe)
)

// A Webhook is a webhook setting, as configured in Chatwork's UI. The fake
// POSTs to URL whenever one of Events happens, signed with Token.
type Webhook struct {
	// WebhookID is the webhook_setting_id; chosen when zero.
	WebhookID int64 `json:"webhook_id,omitempty"`
	// URL receives the POST requests. The fake adds the query parameter
	// chatwork_webhook_signature.
	URL string `json:"url"`
	// Token is the webhook token, Base64 as Chatwork shows it; a random
	// one when empty.
	Token string `json:"token,omitempty"`
	// Events lists the webhook_event_type values to send (the Type
	// constants of package api/webhook): message_created and
	// message_updated for RoomID, mention_to_me for AccountID.
	Events []string `json:"events"`
	// RoomID is the room whose message events are sent.
	RoomID int64 `json:"room_id,omitempty"`
	// AccountID is the account whose mentions are sent.
	AccountID int64 `json:"account_id,omitempty"`
}

// check refuses a setting the fake could not deliver.
func (h Webhook) check() error {
	if h.Token != "" {
		if _, err := base64.StdEncoding.DecodeString(h.Token); err != nil {
			return inField(fmt.Errorf("the webhook token is not Base64: %w", err), "token")
		}
	}
	if u, err := url.Parse(h.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return inField(fmt.Errorf("invalid webhook URL %q: an absolute http or https URL", h.URL), "url")
	}
	for i, e := range h.Events {
		if e != evMessageCreated && e != evMessageUpdated && e != evMentionToMe {
			return inField(fmt.Errorf("unknown event type %q: %s, %s or %s", e, evMessageCreated, evMessageUpdated, evMentionToMe), "events", i)
		}
	}
	return nil
}

// A WebhookDelivery records one POST the fake made to a webhook URL.
type WebhookDelivery struct {
	WebhookID int64  `json:"webhook_id"`
	EventType string `json:"event_type"`
	// URL is the URL posted to, with the signature query parameter.
	URL string `json:"url"`
	// Body is the exact JSON body that was signed and sent.
	Body string `json:"body"`
	// Signature is the value of X-ChatWorkWebhookSignature.
	Signature string `json:"signature"`
	// StatusCode is the receiver's status, 0 when the request failed.
	StatusCode int `json:"status_code"`
	// Error is why the request failed; empty when a response arrived.
	Error string `json:"error,omitempty"`
	// Time is when the event happened, by the fake's clock.
	Time time.Time `json:"time"`
}

// A WebhookEvent asks for one delivery now, to one webhook: the event of a
// message of the fake, or a synthetic one. See [Server.DeliverWebhook].
type WebhookEvent struct {
	WebhookID int64 `json:"webhook_id"`
	// EventType is the webhook_event_type to send; message_created when
	// empty.
	EventType string `json:"event_type,omitempty"`
	// MessageID names the message to send the event of: message_created
	// or message_updated for a message of the webhook's room,
	// mention_to_me for one that mentions the webhook's account.
	MessageID string `json:"message_id,omitempty"`
	// Event, when MessageID is empty, is the webhook_event object to send
	// as it is, whatever its type: a synthetic event, or one the fake
	// would never make.
	Event json.RawMessage `json:"event,omitempty"`
}

// An event is a webhook delivery waiting to be sent. Events are collected
// under the state lock and sent after it is released.
type event struct {
	hook Webhook
	typ  string
	body []byte
	at   time.Time
}

func messagePayload(m *message) gen.WebhookMessageEvent {
	return gen.WebhookMessageEvent{
		MessageID:  strconv.FormatInt(m.id, 10),
		RoomID:     m.roomID,
		AccountID:  m.accountID,
		Body:       m.body,
		SendTime:   wire.Unix(m.sendTime),
		UpdateTime: wire.Unix(m.updateTime),
	}
}

func mentionPayload(m *message, to int64) gen.WebhookMentionEvent {
	return gen.WebhookMentionEvent{
		FromAccountID: m.accountID,
		ToAccountID:   to,
		RoomID:        m.roomID,
		MessageID:     strconv.FormatInt(m.id, 10),
		Body:          m.body,
		SendTime:      wire.Unix(m.sendTime),
		UpdateTime:    wire.Unix(m.updateTime),
	}
}

// messageEvent is the event of type typ for message m, to webhook h.
func messageEvent(h Webhook, typ string, m *message, now int64) event {
	id, t := strconv.FormatInt(h.WebhookID, 10), wire.Unix(now)
	var v any
	switch typ {
	case evMentionToMe:
		v = gen.WebhookMentionToMe{WebhookSettingID: id, WebhookEventTime: t, WebhookEvent: mentionPayload(m, h.AccountID),
			WebhookEventType: gen.WebhookMentionToMeWebhookEventTypeMentionToMe}
	case evMessageUpdated:
		v = gen.WebhookMessageUpdated{WebhookSettingID: id, WebhookEventTime: t, WebhookEvent: messagePayload(m),
			WebhookEventType: gen.WebhookMessageUpdatedWebhookEventTypeMessageUpdated}
	default:
		v = gen.WebhookMessageCreated{WebhookSettingID: id, WebhookEventTime: t, WebhookEvent: messagePayload(m),
			WebhookEventType: gen.WebhookMessageCreatedWebhookEventTypeMessageCreated}
	}
	body, err := json.Marshal(v)
	if err != nil {
		panic(err) // generated structs of strings and integers
	}
	return event{hook: h, typ: typ, body: body, at: time.Unix(now, 0)}
}

// messageEvents returns the events that message m causes: typ
// (message_created or message_updated) for the room's webhooks, and, on
// creation, mention_to_me for every addressed account ([To:ID] or
// [rp aid=ID]) other than the author.
func (st *state) messageEvents(m *message, typ string, now int64) []event {
	if len(st.webhooks) == 0 {
		return nil
	}
	var out []event
	var to []int64
	if typ == evMessageCreated {
		to = addressees(m.body)
	}
	for _, h := range st.webhooks {
		if h.RoomID == m.roomID && slices.Contains(h.Events, typ) {
			out = append(out, messageEvent(*h, typ, m, now))
		}
		if h.AccountID != 0 && h.AccountID != m.accountID && slices.Contains(to, h.AccountID) &&
			slices.Contains(h.Events, evMentionToMe) {
			out = append(out, messageEvent(*h, evMentionToMe, m, now))
		}
	}
	return out
}

// webhookEvent builds the event that e asks for.
func (st *state) webhookEvent(e WebhookEvent, now int64) (event, error) {
	i := slices.IndexFunc(st.webhooks, func(h *Webhook) bool { return h.WebhookID == e.WebhookID })
	if i < 0 {
		return event{}, fmt.Errorf("unknown webhook %d", e.WebhookID)
	}
	h := *st.webhooks[i]
	typ := e.EventType
	if typ == "" {
		typ = evMessageCreated
	}
	if e.MessageID == "" {
		if !json.Valid(e.Event) || !bytes.HasPrefix(bytes.TrimSpace(e.Event), []byte("{")) {
			return event{}, errors.New("a webhook event needs a message_id, or an event that is a JSON object")
		}
		body, err := json.Marshal(gen.WebhookEnvelope{WebhookSettingID: strconv.FormatInt(h.WebhookID, 10),
			WebhookEventType: typ, WebhookEventTime: wire.Unix(now), WebhookEvent: e.Event})
		if err != nil {
			return event{}, err
		}
		return event{hook: h, typ: typ, body: body, at: time.Unix(now, 0)}, nil
	}
	if len(e.Event) > 0 {
		return event{}, errors.New("a webhook event has a message_id or an event, not both")
	}
	r, m, err := st.findMessage(e.MessageID)
	if err != nil {
		return event{}, err
	}
	switch typ {
	case evMessageCreated, evMessageUpdated:
		if r.id != h.RoomID {
			return event{}, fmt.Errorf("message %s is not in room %d, the room of webhook %d", e.MessageID, h.RoomID, h.WebhookID)
		}
	case evMentionToMe:
		if h.AccountID == 0 || !slices.Contains(addressees(m.body), h.AccountID) {
			return event{}, fmt.Errorf("message %s does not mention account %d, the account of webhook %d", e.MessageID, h.AccountID, h.WebhookID)
		}
	default:
		return event{}, fmt.Errorf("the fake makes no %q event of a message: send a synthetic event", typ)
	}
	return messageEvent(h, typ, m, now), nil
}

// sign returns base64(HMAC-SHA256(key = base64decode(token), body)).
func sign(token string, body []byte) (string, error) {
	key, err := base64.StdEncoding.DecodeString(token)
	if err != nil {
		return "", fmt.Errorf("apitest: webhook token is not Base64: %w", err)
	}
	mac := hmac.New(sha256.New, key)
	mac.Write(body)
	return base64.StdEncoding.EncodeToString(mac.Sum(nil)), nil
}

// dispatch sends events, in the background unless WithSyncWebhooks was
// given. It must be called without s.mu held.
func (s *Server) dispatch(events []event) {
	if len(events) == 0 {
		return
	}
	if s.cfg.syncWebhooks {
		for _, e := range events {
			s.deliver(e)
		}
		return
	}
	s.hookWG.Add(1)
	go func() {
		defer s.hookWG.Done()
		for _, e := range events {
			s.deliver(e)
		}
	}()
}

// deliver makes one POST, as Chatwork does: no retries.
func (s *Server) deliver(e event) WebhookDelivery {
	d := WebhookDelivery{WebhookID: e.hook.WebhookID, EventType: e.typ, Body: string(e.body), Time: e.at}
	defer func() {
		s.hookMu.Lock()
		s.deliveries = append(s.deliveries, d)
		s.hookMu.Unlock()
	}()
	sig, err := sign(e.hook.Token, e.body)
	if err != nil {
		d.Error = err.Error()
		return d
	}
	d.Signature = sig
	sep := "?"
	if strings.Contains(e.hook.URL, "?") {
		sep = "&"
	}
	d.URL = e.hook.URL + sep + "chatwork_webhook_signature=" + url.QueryEscape(sig)
	req, err := http.NewRequest(http.MethodPost, d.URL, bytes.NewReader(e.body))
	if err != nil {
		d.Error = err.Error()
		return d
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "ChatWork-Webhook/1.0.0")
	req.Header.Set("X-Chatworkwebhooksignature", sig)
	resp, err := s.webhookClient.Do(req)
	if err != nil {
		d.Error = err.Error()
		return d
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	_ = resp.Body.Close()
	d.StatusCode = resp.StatusCode
	return d
}
