package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chatwork-go/chatwork/api/notation"
	"github.com/chatwork-go/chatwork/api/wire"
)

// recorder counts callback calls and keeps the last event.
type recorder struct {
	calls atomic.Int32
	last  atomic.Pointer[Event]
	err   error
}

func (rec *recorder) fn(_ context.Context, e *Event) error {
	rec.calls.Add(1)
	rec.last.Store(e)
	return rec.err
}

// handlerWithAll returns a Handler whose four callbacks all record into
// the returned recorders: created, updated, mention, unknown.
func handlerWithAll(t *testing.T, tokens []string, opts ...Option) (*Handler, []*recorder) {
	t.Helper()
	h, err := NewHandler(tokens, opts...)
	if err != nil {
		t.Fatal(err)
	}
	recs := []*recorder{{}, {}, {}, {}}
	h.OnMessageCreated(recs[0].fn)
	h.OnMessageUpdated(recs[1].fn)
	h.OnMentionToMe(recs[2].fn)
	h.OnUnknown(recs[3].fn)
	return h, recs
}

func totalCalls(recs []*recorder) int32 {
	var n int32
	for _, r := range recs {
		n += r.calls.Load()
	}
	return n
}

// serve runs h on a request with body and the signature in the header.
func serve(h http.Handler, body []byte, sig string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, "/hook", bytes.NewReader(body))
	if sig != "" {
		r.Header.Set(SignatureHeader, sig)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func sign(t *testing.T, body []byte, token string) string {
	t.Helper()
	s, err := Sign(body, token)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestHandlerEndToEnd(t *testing.T) {
	t.Parallel()
	h, recs := handlerWithAll(t, []string{tokenB})
	srv := httptest.NewServer(h)
	defer srv.Close()

	req, err := NewRequest(t.Context(), srv.URL+"/hook", []byte(bodyB), tokenB)
	if err != nil {
		t.Fatal(err)
	}
	if req.URL.Query().Get(SignatureParam) == "" || req.Header.Get(SignatureHeader) != sigB {
		t.Fatalf("NewRequest did not sign: %v %v", req.URL, req.Header)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || len(b) != 0 {
		t.Fatalf("got %d %q, want 200 with empty body", resp.StatusCode, b)
	}
	if n := recs[0].calls.Load(); n != 1 || totalCalls(recs) != 1 {
		t.Fatalf("OnMessageCreated called %d times, all callbacks %d", n, totalCalls(recs))
	}
	e := recs[0].last.Load()
	want := MessageEvent{
		AccountID: 1484814, Body: "test", MessageID: "984676321621704704",
		RoomID: 36818150, SendTime: wire.Unix(1511238729),
	}
	if e.Message == nil || *e.Message != want || e.Mention != nil {
		t.Errorf("Message = %+v, Mention = %+v; want %+v", e.Message, e.Mention, want)
	}
	if e.SettingID != "246" || e.Type != TypeMessageCreated || !e.Time.Equal(time.Unix(1511238729, 0)) {
		t.Errorf("envelope = %q %q %v", e.SettingID, e.Type, e.Time)
	}
}

func TestHandlerMentionToMe(t *testing.T) {
	t.Parallel()
	h, recs := handlerWithAll(t, []string{tokenA})
	w := serve(h, []byte(bodyA), sigA)
	if w.Code != http.StatusOK || w.Body.Len() != 0 {
		t.Fatalf("got %d %q", w.Code, w.Body)
	}
	if recs[2].calls.Load() != 1 || totalCalls(recs) != 1 {
		t.Fatalf("OnMentionToMe calls = %d, all = %d", recs[2].calls.Load(), totalCalls(recs))
	}
	m := recs[2].last.Load().Mention
	want := MentionEvent{
		Body:          "[rp aid=2739132 to=93207172-1007287785163345920] sue445\ntest",
		FromAccountID: 2861671, ToAccountID: 2739132, RoomID: 93207172,
		MessageID: "1007287971738591232", SendTime: wire.Unix(1516629766),
	}
	if m == nil || *m != want {
		t.Fatalf("Mention = %+v, want %+v", m, want)
	}
	// The body is notation; the reply in it addresses the mentioned account.
	if !notation.Parse(m.Body).MentionsAccount(m.ToAccountID) {
		t.Errorf("body %q does not mention %d", m.Body, m.ToAccountID)
	}
}

func TestHandlerLongMessageID(t *testing.T) {
	t.Parallel()
	h, recs := handlerWithAll(t, []string{tokenB})
	body := []byte(`{"webhook_setting_id":"1","webhook_event_type":"message_updated","webhook_event_time":1700000000,` +
		`"webhook_event":{"message_id":"1928374655918273645","room_id":9876543210,"account_id":9223372036854775807,"body":"x","send_time":1,"update_time":2}}`)
	if w := serve(h, body, sign(t, body, tokenB)); w.Code != http.StatusOK {
		t.Fatalf("status %d", w.Code)
	}
	e := recs[1].last.Load()
	if e == nil || e.Message.MessageID != "1928374655918273645" || e.Message.RoomID != 9876543210 ||
		e.Message.AccountID != 9223372036854775807 || e.Message.UpdateTime.Seconds() != 2 {
		t.Fatalf("OnMessageUpdated got %+v", e)
	}
}

func TestHandlerRejectsBadSignature(t *testing.T) {
	t.Parallel()
	h, recs := handlerWithAll(t, []string{tokenA})
	tampered := strings.Replace(bodyA, "sue445", "sue446", 1)
	for name, w := range map[string]*httptest.ResponseRecorder{
		"tampered body":   serve(h, []byte(tampered), sigA),
		"other token":     serve(h, []byte(bodyB), sigB),
		"no signature":    serve(h, []byte(bodyA), ""),
		"garbage":         serve(h, []byte(bodyA), "garbage"),
		"raw-key mistake": serve(h, []byte(bodyA), sigARawKey),
	} {
		if w.Code != http.StatusUnauthorized || w.Body.Len() != 0 {
			t.Errorf("%s: got %d %q, want 401 with empty body", name, w.Code, w.Body)
		}
	}
	if n := totalCalls(recs); n != 0 {
		t.Errorf("callbacks ran %d times for rejected requests", n)
	}
}

func TestHandlerBodyLimit(t *testing.T) {
	t.Parallel()
	h, recs := handlerWithAll(t, []string{tokenB}, WithMaxBodySize(int64(len(bodyB))))
	if w := serve(h, []byte(bodyB), sigB); w.Code != http.StatusOK {
		t.Fatalf("body at the limit: status %d", w.Code)
	}
	big := []byte(bodyB + " ")
	if w := serve(h, big, sign(t, big, tokenB)); w.Code != http.StatusRequestEntityTooLarge || w.Body.Len() != 0 {
		t.Errorf("body over the limit: got %d %q, want 413", w.Code, w.Body)
	}
	if n := totalCalls(recs); n != 1 {
		t.Errorf("callbacks ran %d times, want 1", n)
	}

	// The default limit is 1 MiB.
	h, recs = handlerWithAll(t, []string{tokenB})
	huge := append([]byte(bodyB), bytes.Repeat([]byte(" "), DefaultMaxBodySize)...)
	if w := serve(h, huge, sign(t, huge, tokenB)); w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("1 MiB + body: got %d, want 413", w.Code)
	}
	if n := totalCalls(recs); n != 0 {
		t.Errorf("callbacks ran %d times", n)
	}
}

func TestHandlerUnknownEvent(t *testing.T) {
	t.Parallel()
	raw := `{"room_id": 1, "nested": {"message_id": "1928374655918273645"}}`
	body := []byte(`{"webhook_setting_id":"7","webhook_event_type":"room_created","webhook_event_time":1,"webhook_event":` + raw + `}`)
	h, recs := handlerWithAll(t, []string{tokenB})
	w := serve(h, body, sign(t, body, tokenB))
	if w.Code != http.StatusOK || w.Body.Len() != 0 {
		t.Fatalf("got %d %q", w.Code, w.Body)
	}
	if recs[3].calls.Load() != 1 || totalCalls(recs) != 1 {
		t.Fatalf("OnUnknown calls %d, all %d", recs[3].calls.Load(), totalCalls(recs))
	}
	e := recs[3].last.Load()
	if string(e.Raw) != raw || e.Type != "room_created" || e.Message != nil || e.Mention != nil {
		t.Errorf("event = %+v, Raw %s", e, e.Raw)
	}

	// Without callbacks every verified event still gets 200.
	bare, err := NewHandler([]string{tokenB})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range [][]byte{body, []byte(bodyB)} {
		if w := serve(bare, b, sign(t, b, tokenB)); w.Code != http.StatusOK || w.Body.Len() != 0 {
			t.Errorf("no callback: got %d %q", w.Code, w.Body)
		}
	}
}

func TestHandlerSignatureLocation(t *testing.T) {
	t.Parallel()
	body, sig := bodyWithPlus(t)
	h, recs := handlerWithAll(t, []string{tokenB})
	for name, target := range map[string]string{
		"query, '+' raw":     "/hook?chatwork_webhook_signature=" + sig,
		"query, '+' escaped": "/hook?chatwork_webhook_signature=" + strings.NewReplacer("+", "%2B", "/", "%2F", "=", "%3d").Replace(sig),
	} {
		r := httptest.NewRequest(http.MethodPost, target, bytes.NewReader(body))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			t.Errorf("%s: status %d", name, w.Code)
		}
	}
	if w := serve(h, body, sig); w.Code != http.StatusOK {
		t.Errorf("header: status %d", w.Code)
	}
	// A wrong header is not rescued by a right query parameter.
	r := httptest.NewRequest(http.MethodPost, "/hook?chatwork_webhook_signature="+sig, bytes.NewReader(body))
	r.Header.Set(SignatureHeader, sigB)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusUnauthorized {
		t.Errorf("wrong header, right query: status %d", w.Code)
	}
	if n := recs[0].calls.Load(); n != 3 {
		t.Errorf("OnMessageCreated calls = %d, want 3", n)
	}
}

func TestHandlerSeveralTokens(t *testing.T) {
	t.Parallel()
	h, recs := handlerWithAll(t, []string{tokenA, tokenB})
	for _, c := range []struct{ body, sig string }{{bodyA, sigA}, {bodyB, sigB}} {
		if w := serve(h, []byte(c.body), c.sig); w.Code != http.StatusOK {
			t.Errorf("status %d", w.Code)
		}
	}
	if recs[0].calls.Load() != 1 || recs[2].calls.Load() != 1 {
		t.Errorf("calls: created %d, mention %d", recs[0].calls.Load(), recs[2].calls.Load())
	}
}

func TestHandlerMaxEventAge(t *testing.T) {
	t.Parallel()
	now := time.Unix(1511238729, 0).Add(10 * time.Minute) // bodyB's event time + 10m
	for _, c := range []struct {
		age  time.Duration
		want int
	}{
		{5 * time.Minute, http.StatusBadRequest},
		{15 * time.Minute, http.StatusOK},
		{0, http.StatusOK}, // check off
	} {
		h, recs := handlerWithAll(t, []string{tokenB}, WithMaxEventAge(c.age), WithClock(func() time.Time { return now }))
		w := serve(h, []byte(bodyB), sigB)
		if w.Code != c.want || w.Body.Len() != 0 {
			t.Errorf("max age %v: got %d %q, want %d", c.age, w.Code, w.Body, c.want)
		}
		if calls := totalCalls(recs); (calls == 1) != (c.want == http.StatusOK) {
			t.Errorf("max age %v: %d callback calls", c.age, calls)
		}
	}

	// An event without a time is rejected when the check is on.
	h, recs := handlerWithAll(t, []string{tokenB}, WithMaxEventAge(time.Hour))
	body := []byte(`{"webhook_event_type":"x","webhook_event":{}}`)
	if w := serve(h, body, sign(t, body, tokenB)); w.Code != http.StatusBadRequest || totalCalls(recs) != 0 {
		t.Errorf("no event time: got %d, %d calls", w.Code, totalCalls(recs))
	}
}

// TestHandlerRefusesFutureEvents: with a maximum age, an event dated more
// than MaxClockSkew after the current time is refused like a stale one;
// within the allowance it is accepted.
func TestHandlerRefusesFutureEvents(t *testing.T) {
	t.Parallel()
	now := time.Unix(1700000000, 0)
	year := 365 * 24 * time.Hour
	for _, c := range []struct {
		ahead time.Duration
		want  int
	}{
		{0, http.StatusOK},
		{30 * time.Second, http.StatusOK},
		{MaxClockSkew, http.StatusOK},
		{MaxClockSkew + time.Second, http.StatusBadRequest},
		{10 * time.Minute, http.StatusBadRequest},
		{100 * year, http.StatusBadRequest},
		{-4 * time.Minute, http.StatusOK},
		{-6 * time.Minute, http.StatusBadRequest}, // stale
	} {
		var logs bytes.Buffer
		h, recs := handlerWithAll(t, []string{tokenB}, WithMaxEventAge(5*time.Minute),
			WithClock(func() time.Time { return now }), WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
		body := []byte(fmt.Sprintf(`{"webhook_setting_id":"1","webhook_event_type":"x","webhook_event_time":%d,"webhook_event":{}}`,
			now.Add(c.ahead).Unix()))
		w := serve(h, body, sign(t, body, tokenB))
		if w.Code != c.want || (totalCalls(recs) == 1) != (c.want == http.StatusOK) {
			t.Errorf("event %v ahead: got %d, %d calls; want %d", c.ahead, w.Code, totalCalls(recs), c.want)
		}
		if future := strings.Contains(logs.String(), "event dated in the future"); future != (c.want != http.StatusOK && c.ahead > 0) {
			t.Errorf("event %v ahead: log %q", c.ahead, logs.String())
		}
	}
}

func TestHandlerOtherStatuses(t *testing.T) {
	t.Parallel()
	h, recs := handlerWithAll(t, []string{tokenB})
	recs[0].err = errors.New("database down")

	r := httptest.NewRequest(http.MethodGet, "/hook", nil)
	r.Header.Set(SignatureHeader, sigB)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") != "POST" || w.Body.Len() != 0 {
		t.Errorf("GET: got %d Allow=%q %q", w.Code, w.Header().Get("Allow"), w.Body)
	}

	if w := serve(h, []byte(bodyB), sigB); w.Code != http.StatusInternalServerError || w.Body.Len() != 0 {
		t.Errorf("callback error: got %d %q, want 500 with empty body", w.Code, w.Body)
	}

	for _, b := range []string{`not json`, `{"webhook_event_type":"message_created","webhook_event":[1]}`, `{}`} {
		if w := serve(h, []byte(b), sign(t, []byte(b), tokenB)); w.Code != http.StatusBadRequest || w.Body.Len() != 0 {
			t.Errorf("body %q: got %d %q, want 400", b, w.Code, w.Body)
		}
	}
	if n := recs[0].calls.Load(); n != 1 {
		t.Errorf("OnMessageCreated calls = %d, want 1", n)
	}
}

func TestNewHandlerErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		tokens []string
		opts   []Option
		want   error
	}{
		{"no tokens", nil, nil, ErrNoToken},
		{"malformed token", []string{tokenA, "x"}, nil, ErrMalformedToken},
		{"zero body size", []string{tokenA}, []Option{WithMaxBodySize(0)}, nil},
		{"negative age", []string{tokenA}, []Option{WithMaxEventAge(-1)}, nil},
		{"nil clock", []string{tokenA}, []Option{WithClock(nil)}, nil},
		{"zero replay guard", []string{tokenA}, []Option{WithReplayGuard(0)}, nil},
	}
	for _, tt := range tests {
		h, err := NewHandler(tt.tokens, tt.opts...)
		if err == nil || h != nil || (tt.want != nil && !errors.Is(err, tt.want)) {
			t.Errorf("%s: NewHandler = %v, %v; want error %v", tt.name, h, err, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), tokenA) {
			t.Errorf("%s: error reveals the token", tt.name)
		}
	}
	if _, err := NewHandler([]string{tokenA}, WithLogger(nil)); err != nil {
		t.Errorf("WithLogger(nil): %v", err)
	}
}

func TestHandlerLogsNoSecrets(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	h, recs := handlerWithAll(t, []string{tokenA, tokenB}, WithLogger(logger),
		WithMaxEventAge(time.Minute), WithClock(func() time.Time { return time.Unix(1516629767, 0) }))
	recs[2].err = errors.New("callback failed on purpose")

	tampered := []byte(strings.Replace(bodyB, "test", "tset", 1))
	expected := sign(t, tampered, tokenB) // what a leaky verifier would print
	serve(h, tampered, sigB)
	serve(h, []byte(bodyA), sigA)         // callback error
	serve(h, []byte(bodyB), sigB)         // stale
	serve(h, []byte(bodyB), "")           // no signature
	serve(h, []byte(bodyA), sigARawKey)   // raw-key mistake
	serve(h, []byte(bodyA+" "), sigA+"x") // garbage signature
	out := buf.String()
	for _, want := range []string{"request rejected", "callback failed on purpose", "stale event", "signature mismatch"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	keyA, _ := decodeToken(tokenA)
	for _, secret := range []string{tokenA, tokenB, expected, sigA, sigB, sigARawKey, string(keyA)} {
		if strings.Contains(out, secret) {
			t.Errorf("log contains secret %q:\n%s", secret, out)
		}
	}
}

func TestParseRequest(t *testing.T) {
	t.Parallel()
	r := httptest.NewRequest(http.MethodPost, "/?chatwork_webhook_signature="+sigA, strings.NewReader(bodyA))
	e, err := ParseRequest(r, tokenB, tokenA)
	if err != nil || e.Mention == nil || e.Mention.MessageID != "1007287971738591232" {
		t.Fatalf("ParseRequest = %+v, %v", e, err)
	}

	r = httptest.NewRequest(http.MethodPost, "/", strings.NewReader(bodyA))
	if _, err := ParseRequest(r, tokenA); !errors.Is(err, ErrNoSignature) {
		t.Errorf("no signature: %v", err)
	}
	r = httptest.NewRequest(http.MethodPost, "/", strings.NewReader(bodyA+" "))
	r.Header.Set(SignatureHeader, sigA)
	if _, err := ParseRequest(r, tokenA); !errors.Is(err, ErrBadSignature) {
		t.Errorf("tampered: %v", err)
	}
	if _, err := ParseRequest(r, "??"); !errors.Is(err, ErrMalformedToken) {
		t.Errorf("bad token: %v", err)
	}
	huge := append([]byte(bodyB), bytes.Repeat([]byte(" "), DefaultMaxBodySize)...)
	r = httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(huge))
	r.Header.Set(SignatureHeader, sign(t, huge, tokenB))
	var tooLarge *http.MaxBytesError
	if _, err := ParseRequest(r, tokenB); !errors.As(err, &tooLarge) {
		t.Errorf("huge body: %v", err)
	}
	r, _ = http.NewRequest(http.MethodPost, "/", nil) // nil Body
	r.Header.Set(SignatureHeader, sigB)
	if _, err := ParseRequest(r, tokenB); !errors.Is(err, ErrBadSignature) {
		t.Errorf("nil body: %v", err)
	}
}

func TestParse(t *testing.T) {
	t.Parallel()
	e, err := Parse([]byte(bodyB))
	if err != nil || e.Message == nil || e.Message.MessageID != "984676321621704704" || e.Type != TypeMessageCreated {
		t.Fatalf("Parse = %+v, %v", e, err)
	}
	var raw map[string]any
	if err := json.Unmarshal(e.Raw, &raw); err != nil || raw["body"] != "test" {
		t.Errorf("Raw = %s (%v)", e.Raw, err)
	}
	for _, bad := range []string{
		``, `[]`, `null`, `{}`, `{"webhook_event_type":""}`,
		`{"webhook_event_type":"mention_to_me"}`,
		`{"webhook_event_type":"message_created","webhook_event":null}`,
		`{"webhook_event_type":"message_created","webhook_event":{"message_id":1928374655918273645}}`,
	} {
		if e, err := Parse([]byte(bad)); err == nil {
			t.Errorf("Parse(%q) = %+v, want error", bad, e)
		}
	}
	e, err = Parse([]byte(`{"webhook_event_type":"future"}`))
	if err != nil || e.Raw != nil || !e.Time.IsZero() {
		t.Errorf("unknown type without event: %+v, %v", e, err)
	}
}
