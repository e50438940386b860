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
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/chatwork-go/chatwork/api/apitest"
	"github.com/chatwork-go/chatwork/api/webhook"
	"github.com/chatwork-go/chatwork/internal/budgets"
	"github.com/chatwork-go/chatwork/internal/limits"
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

func TestFaultKinds(t *testing.T) {
	w := newWorld(t)
	post := func() *response {
		return w.cme.send(http.MethodPost, roomPath(w.room, "/messages"), url.Values{"body": {"x"}})
	}

	// A 429 of either kind, answered as the budget itself answers it.
	w.s.InjectFault(apitest.Fault{OperationID: "postMessage", Times: 1, RateLimit: apitest.RateLimitAccount})
	r := post()
	wantError(t, r, http.StatusTooManyRequests, budgets.AccountError)
	if r.header.Get("X-Ratelimit-Remaining") != "0" {
		t.Errorf("account 429 with x-ratelimit-remaining %q", r.header.Get("X-Ratelimit-Remaining"))
	}
	w.s.InjectFault(apitest.Fault{OperationID: "postMessage", Times: 1, RateLimit: apitest.RateLimitRoom})
	wantError(t, post(), http.StatusTooManyRequests, "Rate limit for message posting per room exceeded.")

	// A status with a body of one's own.
	// (An answer the spec does not allow: sent without w.cme's check.)
	w.s.InjectFault(apitest.Fault{OperationID: "getMe", Times: 1, Status: 502, Body: "<html>bad gateway</html>"})
	req, _ := http.NewRequest(http.MethodGet, w.s.URL()+"/me", nil)
	req.Header.Set("X-ChatWorkToken", w.s.Token())
	resp, err := w.s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 502 || string(b) != "<html>bad gateway</html>" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Errorf("body fault: %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}

	// Dropped before processing: nothing stored, recorded as dropped.
	w.s.InjectFault(apitest.Fault{OperationID: "postMessage", Times: 1, DropBeforeProcessing: true})
	req, _ = http.NewRequest(http.MethodPost, w.s.URL()+roomPath(w.room, "/messages"), strings.NewReader("body=lost"))
	req.Header.Set("X-ChatWorkToken", w.s.Token())
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err = w.s.Client().Do(req)
	if err == nil {
		resp.Body.Close()
	}
	if !errors.Is(err, apitest.ErrConnectionDropped) {
		t.Fatalf("dropped before processing: err = %v", err)
	}
	if len(w.s.Messages(w.room)) != 0 {
		t.Fatal("a request dropped before processing was stored")
	}
	if reqs := w.s.Requests(); !reqs[len(reqs)-1].Dropped || reqs[len(reqs)-1].Status != 0 {
		t.Errorf("recorded %+v", reqs[len(reqs)-1])
	}
	if len(w.s.Faults()) != 0 {
		t.Fatalf("faults left: %+v", w.s.Faults())
	}

	// A fraction of the matching requests, evenly spread, counted in Times.
	w.s.InjectFault(apitest.Fault{OperationID: "getMe", Fraction: 0.25, Times: 2, Status: 503})
	var statuses []int
	for range 10 {
		statuses = append(statuses, w.cme.send(http.MethodGet, "/me", nil).status)
	}
	if want := []int{503, 200, 200, 200, 503, 200, 200, 200, 200, 200}; !slices.Equal(statuses, want) {
		t.Errorf("statuses %v, want %v", statuses, want)
	}

	// Faults that cannot apply are refused.
	for _, f := range []apitest.Fault{
		{OperationID: "noSuchOperation", Status: 500},
		{Status: 500, DropAfterProcessing: true},
		{Message: "no status"},
		{RateLimit: "hour"},
		{Fraction: 1.5},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("InjectFault(%+v) did not panic", f)
				}
			}()
			w.s.InjectFault(f)
		}()
	}
}

func TestClock(t *testing.T) {
	s := apitest.NewServer(t, apitest.WithoutListener(), apitest.WithRateLimit(2, time.Minute))
	c := memClient(t, s)
	start := s.SetClock(time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC))
	if start.Before(time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)) || start.Sub(s.Now()) > time.Second {
		t.Fatalf("SetClock = %v, Now = %v", start, s.Now())
	}
	c.must(200, http.MethodGet, "/me", nil)
	c.must(200, http.MethodGet, "/me", nil)
	wantError(t, c.send(http.MethodGet, "/me", nil), http.StatusTooManyRequests, budgets.AccountError)
	s.AdvanceClock(time.Minute)
	c.must(200, http.MethodGet, "/me", nil) // a new window

	// Message times follow the clock.
	id := c.post(s.Me().RoomID, "at nine")
	if m := s.Messages(s.Me().RoomID); len(m) != 1 || m[0].MessageID != id || m[0].SendTime.Unix() != start.Add(time.Minute).Unix() {
		t.Fatalf("messages %+v, want sent at %v", m, start.Add(time.Minute))
	}

	// A download URL dies after its lifetime by the fake's clock (in a new
	// rate-limit window).
	s.AdvanceClock(time.Minute)
	f := s.AddFile(apitest.File{RoomID: s.Me().RoomID, UploaderID: s.Me().AccountID, Name: "a.txt", Content: []byte("a")})
	var info struct {
		DownloadURL string `json:"download_url"`
	}
	c.get(roomPath(s.Me().RoomID, fmt.Sprintf("/files/%d?create_download_url=1", f.FileID)), &info)
	download := func() int {
		resp, err := s.Client().Get(info.DownloadURL)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if status := download(); status != http.StatusOK {
		t.Fatalf("download: %d", status)
	}
	s.AdvanceClock(limits.DownloadURLLifetime)
	if status := download(); status != http.StatusNotFound {
		t.Fatalf("download %v later by the fake's clock: %d", limits.DownloadURLLifetime, status)
	}
}

func TestSeedRoundTripAndReset(t *testing.T) {
	w := newWorld(t, apitest.WithRateLimit(3, time.Hour))
	w.s.AddToken(apitest.Token{AccountID: w.alice.AccountID, Token: "alice-oauth", OAuth: true, Expires: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)})
	w.s.AddMessage(apitest.Message{RoomID: w.room, AccountID: w.alice.AccountID, Body: "hello"})
	w.s.AddTask(apitest.Task{RoomID: w.room, AssigneeID: w.me.AccountID, AssignedByAccountID: w.alice.AccountID, Body: "review"})
	w.s.AddFile(apitest.File{RoomID: w.room, UploaderID: w.alice.AccountID, Name: "big.bin", Size: 100})
	w.s.AddIncomingRequest(apitest.IncomingRequest{AccountID: w.bob.AccountID, ToAccountID: w.alice.AccountID, Message: "hi"})
	w.s.AddWebhook(apitest.Webhook{URL: "https://hooks.example/x", Events: []string{webhook.TypeMessageCreated}, RoomID: w.room})
	seed := w.s.Seed()

	// Another server from the seed is in the same state.
	other := apitest.NewServer(t, apitest.WithoutListener(), apitest.WithSeed(seed), apitest.WithRateLimit(3, time.Hour))
	if got := other.Seed(); !reflect.DeepEqual(got, seed) {
		t.Fatalf("a server from the seed reports\n%+v\nwant\n%+v", got, seed)
	}
	if other.Me() != w.me || other.Token() != w.s.Token() {
		t.Fatalf("default account %+v, want %+v", other.Me(), w.me)
	}
	if f := other.Files(w.room); len(f) != 1 || f[0].Size != 100 || len(f[0].Content) != 100 {
		t.Errorf("files %+v", f)
	}

	// Reset goes back to the state the server started in: its seed, full
	// budgets, no faults, no recorded requests, its own clock.
	c := memClient(t, other)
	c.post(w.room, "after the seed")
	other.UpdateAccount(apitest.Account{AccountID: w.bob.AccountID, Name: "Robert"})
	for range 2 {
		c.must(200, http.MethodGet, "/me", nil)
	}
	wantError(t, c.send(http.MethodGet, "/me", nil), http.StatusTooManyRequests, budgets.AccountError)
	other.InjectFault(apitest.Fault{Status: 500})
	other.AdvanceClock(time.Hour)
	other.Reset()
	if got := other.Seed(); !reflect.DeepEqual(got, seed) {
		t.Fatalf("after Reset the server reports\n%+v\nwant\n%+v", got, seed)
	}
	if len(other.Requests()) != 0 || len(other.Faults()) != 0 || time.Until(other.Now()) > time.Minute {
		t.Fatalf("after Reset: %d requests, faults %+v, clock %v", len(other.Requests()), other.Faults(), other.Now())
	}
	c.must(200, http.MethodGet, "/me", nil) // a full budget again
}

func TestDeliverWebhook(t *testing.T) {
	recv := &hookReceiver{}
	hs := httptest.NewServer(recv)
	defer hs.Close()
	w := newWorld(t)
	roomHook := w.s.AddWebhook(apitest.Webhook{URL: hs.URL, Events: []string{webhook.TypeMessageCreated}, RoomID: w.room})
	mentionHook := w.s.AddWebhook(apitest.Webhook{URL: hs.URL, Events: []string{webhook.TypeMentionToMe}, AccountID: w.me.AccountID})
	m := w.s.AddMessage(apitest.Message{RoomID: w.room, AccountID: w.alice.AccountID, Body: fmt.Sprintf("[To:%d] look", w.me.AccountID)})
	w.s.FlushWebhooks()

	// Again, on demand: the message's event and its mention.
	d := w.s.DeliverWebhook(apitest.WebhookEvent{WebhookID: roomHook.WebhookID, MessageID: m.MessageID})
	if d.StatusCode != 200 || d.EventType != webhook.TypeMessageCreated || webhook.Verify([]byte(d.Body), d.Signature, roomHook.Token) != nil {
		t.Fatalf("delivery %+v", d)
	}
	d = w.s.DeliverWebhook(apitest.WebhookEvent{WebhookID: mentionHook.WebhookID, EventType: webhook.TypeMentionToMe, MessageID: m.MessageID})
	e, err := webhook.Parse([]byte(d.Body))
	if err != nil || e.Mention == nil || e.Mention.ToAccountID != w.me.AccountID || e.Mention.MessageID != m.MessageID {
		t.Fatalf("mention delivery %+v: %v", d, err)
	}
	// A synthetic event, of a type the fake never makes.
	d = w.s.DeliverWebhook(apitest.WebhookEvent{WebhookID: roomHook.WebhookID, EventType: "room_archived", Event: json.RawMessage(`{"room_id":1}`)})
	if e, err := webhook.Parse([]byte(d.Body)); err != nil || e.Type != "room_archived" || string(e.Raw) != `{"room_id":1}` {
		t.Fatalf("synthetic delivery %+v: %v", d, err)
	}
	if got := recv.all(); len(got) != 5 || string(got[4].body) != d.Body {
		t.Fatalf("%d deliveries received", len(got))
	}
	for _, bad := range []apitest.WebhookEvent{
		{WebhookID: 99, MessageID: m.MessageID},
		{WebhookID: roomHook.WebhookID},
		{WebhookID: roomHook.WebhookID, Event: json.RawMessage(`[1]`)},
		{WebhookID: mentionHook.WebhookID, EventType: webhook.TypeMentionToMe, MessageID: w.s.AddMessage(apitest.Message{RoomID: w.room, AccountID: w.alice.AccountID, Body: "no mention"}).MessageID},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("DeliverWebhook(%+v) did not panic", bad)
				}
			}()
			w.s.DeliverWebhook(bad)
		}()
	}
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
	roomHook := w.s.AddWebhook(apitest.Webhook{URL: hs.URL + "/hook", Events: []string{webhook.TypeMessageCreated, webhook.TypeMessageUpdated}, RoomID: w.room})
	mentionHook := w.s.AddWebhook(apitest.Webhook{URL: hs.URL + "/mention?x=1", Token: base64.StdEncoding.EncodeToString([]byte("secret key")), Events: []string{webhook.TypeMentionToMe}, AccountID: w.me.AccountID})

	id := w.calice.post(w.room, fmt.Sprintf("[To:%d] Me, hello", w.me.AccountID))
	w.calice.must(200, http.MethodPut, roomPath(w.room, "/messages/"+id), url.Values{"body": {"edited"}})
	w.calice.post(w.room, fmt.Sprintf("[rp aid=%d to=%d-%s] Me\nthanks", w.me.AccountID, w.room, id))
	w.cme.post(w.room, fmt.Sprintf("[To:%d] myself", w.me.AccountID))                                        // no mention_to_me for the author
	w.s.AddMessage(apitest.Message{RoomID: w.me.RoomID, AccountID: w.me.AccountID, Body: "not in the room"}) // another room
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
		if env.SettingID == fmt.Sprint(mentionHook.WebhookID) {
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
		if env.Type == webhook.TypeMentionToMe {
			var ev struct {
				From int64 `json:"from_account_id"`
				To   int64 `json:"to_account_id"`
			}
			if err := json.Unmarshal(env.Event, &ev); err != nil {
				t.Fatal(err)
			}
			if ev.From != w.alice.AccountID || ev.To != w.me.AccountID {
				t.Errorf("mention event %s", env.Event)
			}
		}
	}
	if types["message_created"] != 3 || types["message_updated"] != 1 || types["mention_to_me"] != 2 {
		t.Fatalf("event types %v", types)
	}
	ds := w.s.WebhookDeliveries()
	if len(ds) != 6 || ds[0].StatusCode != 200 || ds[0].Error != "" || ds[0].Signature == "" {
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
	w.s.AddWebhook(apitest.Webhook{URL: "https://hooks.example/x", Events: []string{webhook.TypeMessageCreated}, RoomID: w.room})
	w.cme.post(w.room, "x")
	// Synchronous: delivered before the answer.
	ds := w.s.WebhookDeliveries()
	if len(ds) != 1 || ds[0].Error == "" || ds[0].StatusCode != 0 || calls != 1 {
		t.Fatalf("deliveries %+v, calls %d", ds, calls)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
