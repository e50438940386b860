package apitest_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/chatwork-go/chatwork/api/apitest"
)

func TestFaultStatus(t *testing.T) {
	w := newWorld(t)
	w.s.InjectFault(apitest.Fault{OperationID: "postMessage", Times: 2, Status: http.StatusServiceUnavailable})
	for range 2 {
		r := w.cme.send(http.MethodPost, roomPath(w.room, "/messages"), url.Values{"body": {"x"}})
		wantError(t, r, http.StatusServiceUnavailable, "Service Unavailable")
		if r.header.Get("X-Ratelimit-Remaining") == "" {
			t.Fatal("no rate-limit headers on a fault")
		}
	}
	w.cme.must(200, http.MethodGet, "/me", nil) // another operation
	w.cme.post(w.room, "third time")
	if n := len(w.s.Messages(w.room)); n != 1 {
		t.Fatalf("%d messages stored", n)
	}
	w.s.InjectFault(apitest.Fault{Status: 500, Message: "boom"})
	wantError(t, w.cme.send(http.MethodGet, "/me", nil), 500, "boom")
	w.s.ClearFaults()
	w.cme.must(200, http.MethodGet, "/me", nil)
}

func TestFaultDropInMemory(t *testing.T) {
	w := newWorld(t)
	w.s.InjectFault(apitest.Fault{OperationID: "postMessage", Times: 1, DropAfterProcessing: true})
	req, _ := http.NewRequest(http.MethodPost, w.s.URL()+roomPath(w.room, "/messages"), strings.NewReader("body=lost+answer"))
	req.Header.Set("X-ChatWorkToken", w.s.Token())
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := w.s.Client().Do(req)
	if err == nil {
		resp.Body.Close()
	}
	if !errors.Is(err, apitest.ErrConnectionDropped) {
		t.Fatalf("err = %v", err)
	}
	// Processed and stored all the same.
	if ms := w.s.Messages(w.room); len(ms) != 1 || ms[0].Body != "lost answer" {
		t.Fatalf("messages = %+v", ms)
	}
	if reqs := w.s.Requests(); !reqs[len(reqs)-1].Dropped {
		t.Fatalf("not recorded as dropped: %+v", reqs[len(reqs)-1])
	}
}

func TestFaultDropOverTCP(t *testing.T) {
	s := apitest.NewServer(t)
	s.InjectFault(apitest.Fault{OperationID: "postMessage", Times: 1, DropAfterProcessing: true})
	req, _ := http.NewRequest(http.MethodPost, s.URL()+roomPath(s.Me().RoomID, "/messages"), strings.NewReader("body=hi"))
	req.Header.Set("X-ChatWorkToken", s.Token())
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	hc := &http.Client{Transport: &http.Transport{}}
	defer hc.CloseIdleConnections()
	resp, err := hc.Do(req)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("got status %d, want a dropped connection", resp.StatusCode)
	}
	if n := len(s.Messages(s.Me().RoomID)); n != 1 {
		t.Fatalf("%d messages stored", n)
	}
}

func TestFaultDelay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t)
		w.s.InjectFault(apitest.Fault{OperationID: "getMe", Delay: time.Minute})
		start := time.Now()
		w.cme.must(200, http.MethodGet, "/me", nil)
		if d := time.Since(start); d != time.Minute {
			t.Fatalf("delayed %v", d)
		}
		// The delay honours the request's context: nothing is processed.
		w.s.InjectFault(apitest.Fault{OperationID: "postMessage", Delay: time.Hour})
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, w.s.URL()+roomPath(w.room, "/messages"), strings.NewReader("body=x"))
		req.Header.Set("X-ChatWorkToken", w.s.Token())
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := w.s.Client().Do(req)
		if err == nil {
			resp.Body.Close()
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v", err)
		}
		if len(w.s.Messages(w.room)) != 0 {
			t.Fatal("a cancelled request was processed")
		}
	})
}

// hookReceiver records webhook requests.
type hookReceiver struct {
	mu   sync.Mutex
	reqs []recordedHook
}

type recordedHook struct {
	header http.Header
	query  url.Values
	body   []byte
}

func (h *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	h.reqs = append(h.reqs, recordedHook{r.Header.Clone(), r.URL.Query(), b})
	h.mu.Unlock()
}

func (h *hookReceiver) all() []recordedHook {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]recordedHook(nil), h.reqs...)
}

func TestWebhooks(t *testing.T) {
	recv := &hookReceiver{}
	hs := httptest.NewServer(recv)
	defer hs.Close()
	w := newWorld(t)
	roomHook := w.s.AddWebhook(apitest.Webhook{URL: hs.URL + "/hook", Events: []string{apitest.EventMessageCreated, apitest.EventMessageUpdated}, RoomID: w.room})
	mentionHook := w.s.AddWebhook(apitest.Webhook{URL: hs.URL + "/mention?x=1", Token: base64.StdEncoding.EncodeToString([]byte("secret key")), Events: []string{apitest.EventMentionToMe}, AccountID: w.me.ID})

	id := w.calice.post(w.room, fmt.Sprintf("[To:%d] Me, hello", w.me.ID))
	w.calice.must(200, http.MethodPut, roomPath(w.room, "/messages/"+id), url.Values{"body": {"edited"}})
	w.calice.post(w.room, fmt.Sprintf("[rp aid=%d to=%d-%s] Me\nthanks", w.me.ID, w.room, id))
	w.cme.post(w.room, fmt.Sprintf("[To:%d] myself", w.me.ID)) // no mention_to_me for the author
	w.s.AddMessage(w.me.RoomID, w.me.ID, "not in the room")    // another room
	w.s.FlushWebhooks()

	got := recv.all()
	if len(got) != 6 {
		t.Fatalf("%d deliveries, want 6 (3 created, 1 updated, 2 mentions)", len(got))
	}
	types := map[string]int{}
	for _, h := range got {
		if err := validator.ValidateWebhook(h.body); err != nil {
			t.Errorf("payload breaks the spec: %v\n%s", err, h.body)
		}
		if h.header.Get("Content-Type") != "application/json" || h.header.Get("User-Agent") != "ChatWork-Webhook/1.0.0" {
			t.Errorf("headers %v", h.header)
		}
		sig := h.header.Get("X-ChatWorkWebhookSignature")
		if sig == "" || h.query.Get("chatwork_webhook_signature") != sig {
			t.Errorf("signature header %q, query %q", sig, h.query.Get("chatwork_webhook_signature"))
		}
		var env struct {
			SettingID string          `json:"webhook_setting_id"`
			Type      string          `json:"webhook_event_type"`
			Time      int64           `json:"webhook_event_time"`
			Event     json.RawMessage `json:"webhook_event"`
		}
		if err := json.Unmarshal(h.body, &env); err != nil {
			t.Fatal(err)
		}
		types[env.Type]++
		token := roomHook.Token
		if env.SettingID == fmt.Sprint(mentionHook.ID) {
			token = mentionHook.Token
			if h.query.Get("x") != "1" {
				t.Errorf("the URL's own query was lost: %v", h.query)
			}
		}
		key, _ := base64.StdEncoding.DecodeString(token)
		mac := hmac.New(sha256.New, key)
		mac.Write(h.body)
		if want := base64.StdEncoding.EncodeToString(mac.Sum(nil)); sig != want {
			t.Errorf("signature %q, want %q", sig, want)
		}
		if env.Type == apitest.EventMentionToMe {
			var ev struct {
				From int64 `json:"from_account_id"`
				To   int64 `json:"to_account_id"`
			}
			if err := json.Unmarshal(env.Event, &ev); err != nil {
				t.Fatal(err)
			}
			if ev.From != w.alice.ID || ev.To != w.me.ID {
				t.Errorf("mention event %s", env.Event)
			}
		}
	}
	if types["message_created"] != 3 || types["message_updated"] != 1 || types["mention_to_me"] != 2 {
		t.Fatalf("event types %v", types)
	}
	ds := w.s.WebhookDeliveries()
	if len(ds) != 6 || ds[0].StatusCode != 200 || ds[0].Err != nil || ds[0].Signature == "" {
		t.Fatalf("deliveries %+v", ds)
	}
}

func TestWebhookFailureNotRetried(t *testing.T) {
	var calls int
	var mu sync.Mutex
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		mu.Lock()
		calls++
		mu.Unlock()
		return nil, errors.New("unreachable")
	})}
	w := newWorld(t, apitest.WithSyncWebhooks(), apitest.WithWebhookClient(hc))
	w.s.AddWebhook(apitest.Webhook{URL: "https://hooks.example/x", Events: []string{apitest.EventMessageCreated}, RoomID: w.room})
	w.cme.post(w.room, "x")
	// Synchronous: delivered before the answer.
	ds := w.s.WebhookDeliveries()
	if len(ds) != 1 || ds[0].Err == nil || ds[0].StatusCode != 0 || calls != 1 {
		t.Fatalf("deliveries %+v, calls %d", ds, calls)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
