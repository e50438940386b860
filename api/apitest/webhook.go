package apitest

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Webhook event types.
const (
	EventMessageCreated = "message_created"
	EventMessageUpdated = "message_updated"
	EventMentionToMe    = "mention_to_me"
)

// A Webhook is a webhook setting, as configured in Chatwork's UI. The fake
// POSTs to URL whenever one of Events happens, signed with Token.
type Webhook struct {
	// ID is the webhook_setting_id; AddWebhook chooses one when it is zero.
	ID int64
	// URL receives the POST requests. The fake adds the query parameter
	// chatwork_webhook_signature.
	URL string
	// Token is the webhook token, Base64 as Chatwork shows it. AddWebhook
	// chooses a random one when it is empty.
	Token string
	// Events lists the event types to send: EventMessageCreated and
	// EventMessageUpdated (for RoomID) and EventMentionToMe (for
	// AccountID).
	Events []string
	// RoomID is the room whose message events are sent.
	RoomID int64
	// AccountID is the account whose mentions are sent.
	AccountID int64
}

// A WebhookDelivery records one POST the fake made to a webhook URL.
type WebhookDelivery struct {
	WebhookID int64
	EventType string
	// URL is the URL posted to, with the signature query parameter.
	URL string
	// Body is the exact JSON body that was signed and sent.
	Body []byte
	// Signature is the value of X-ChatWorkWebhookSignature.
	Signature string
	// StatusCode is the receiver's status, 0 when the request failed.
	StatusCode int
	// Err is the transport error, nil when a response arrived.
	Err error
	// Time is when the event happened.
	Time time.Time
}

// An event is a webhook delivery waiting to be sent. Events are collected
// under the state lock and sent after it is released.
type event struct {
	hook Webhook
	typ  string
	body []byte
	at   time.Time
}

type messageEvent struct {
	MessageID  string `json:"message_id"`
	RoomID     int64  `json:"room_id"`
	AccountID  int64  `json:"account_id"`
	Body       string `json:"body"`
	SendTime   int64  `json:"send_time"`
	UpdateTime int64  `json:"update_time"`
}

type mentionEvent struct {
	FromAccountID int64  `json:"from_account_id"`
	ToAccountID   int64  `json:"to_account_id"`
	RoomID        int64  `json:"room_id"`
	MessageID     string `json:"message_id"`
	Body          string `json:"body"`
	SendTime      int64  `json:"send_time"`
	UpdateTime    int64  `json:"update_time"`
}

// envelope has the field order of Chatwork's documented sample.
type envelope struct {
	WebhookSettingID string `json:"webhook_setting_id"`
	WebhookEventType string `json:"webhook_event_type"`
	WebhookEventTime int64  `json:"webhook_event_time"`
	WebhookEvent     any    `json:"webhook_event"`
}

// messageEvents returns the events that message m causes: typ
// (message_created or message_updated) for the room's webhooks, and, on
// creation, mention_to_me for every addressed account ([To:ID] or
// [rp aid=ID]) other than the author.
func (st *state) messageEvents(m *message, typ string, now int64) []event {
	if len(st.webhooks) == 0 {
		return nil
	}
	at := time.Unix(now, 0)
	var out []event
	var to []int64
	if typ == EventMessageCreated {
		to = addressees(m.body)
	}
	for _, h := range st.webhooks {
		if h.RoomID == m.roomID && slices.Contains(h.Events, typ) {
			out = append(out, newEvent(*h, typ, now, at, messageEvent{
				MessageID:  strconv.FormatInt(m.id, 10),
				RoomID:     m.roomID,
				AccountID:  m.accountID,
				Body:       m.body,
				SendTime:   m.sendTime,
				UpdateTime: m.updateTime,
			}))
		}
		if h.AccountID != 0 && h.AccountID != m.accountID && slices.Contains(to, h.AccountID) &&
			slices.Contains(h.Events, EventMentionToMe) {
			out = append(out, newEvent(*h, EventMentionToMe, now, at, mentionEvent{
				FromAccountID: m.accountID,
				ToAccountID:   h.AccountID,
				RoomID:        m.roomID,
				MessageID:     strconv.FormatInt(m.id, 10),
				Body:          m.body,
				SendTime:      m.sendTime,
				UpdateTime:    m.updateTime,
			}))
		}
	}
	return out
}

func newEvent(h Webhook, typ string, now int64, at time.Time, payload any) event {
	body, err := json.Marshal(envelope{
		WebhookSettingID: strconv.FormatInt(h.ID, 10),
		WebhookEventType: typ,
		WebhookEventTime: now,
		WebhookEvent:     payload,
	})
	if err != nil {
		panic(err) // plain structs of strings and integers
	}
	return event{hook: h, typ: typ, body: body, at: at}
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

// AddWebhook registers a webhook setting and returns it with its ID and
// token filled in. It panics if the token is not Base64 or the URL is not
// absolute.
func (s *Server) AddWebhook(h Webhook) Webhook {
	if h.Token == "" {
		h.Token = randomBase64(32)
	}
	if _, err := base64.StdEncoding.DecodeString(h.Token); err != nil {
		panic("apitest: AddWebhook: token is not Base64: " + err.Error())
	}
	if u, err := url.Parse(h.URL); err != nil || u.Scheme == "" || u.Host == "" {
		panic(fmt.Sprintf("apitest: AddWebhook: invalid URL %q", h.URL))
	}
	h.Events = slices.Clone(h.Events)
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.addWebhook(h)
}

// WebhookDeliveries returns the deliveries made so far, in the order they
// finished. Call [Server.FlushWebhooks] first to wait for the ones still
// in flight.
func (s *Server) WebhookDeliveries() []WebhookDelivery {
	s.hookMu.Lock()
	defer s.hookMu.Unlock()
	return slices.Clone(s.deliveries)
}

// FlushWebhooks waits until every webhook delivery started so far has
// finished.
func (s *Server) FlushWebhooks() { s.hookWG.Wait() }

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
func (s *Server) deliver(e event) {
	d := WebhookDelivery{WebhookID: e.hook.ID, EventType: e.typ, Body: e.body, Time: e.at}
	defer func() {
		s.hookMu.Lock()
		s.deliveries = append(s.deliveries, d)
		s.hookMu.Unlock()
	}()
	sig, err := sign(e.hook.Token, e.body)
	if err != nil {
		d.Err = err
		return
	}
	d.Signature = sig
	sep := "?"
	if strings.Contains(e.hook.URL, "?") {
		sep = "&"
	}
	d.URL = e.hook.URL + sep + "chatwork_webhook_signature=" + url.QueryEscape(sig)
	req, err := http.NewRequest(http.MethodPost, d.URL, bytes.NewReader(e.body))
	if err != nil {
		d.Err = err
		return
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "ChatWork-Webhook/1.0.0")
	req.Header.Set("X-Chatworkwebhooksignature", sig)
	resp, err := s.webhookClient.Do(req)
	if err != nil {
		d.Err = err
		return
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	_ = resp.Body.Close()
	d.StatusCode = resp.StatusCode
}
