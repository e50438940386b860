package conformance_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/chatwork-go/chatwork/conformance"
)

// stubAPI is a tiny server that answers every request with a fixed
// response and records what it received.
type stubAPI struct {
	*httptest.Server
	status int
	header http.Header
	body   string

	hits     atomic.Int32
	mu       sync.Mutex
	lastBody string
}

func newStubAPI(t *testing.T, status int, body string, header http.Header) *stubAPI {
	s := &stubAPI{status: status, header: header, body: body}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		b, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.lastBody = string(b)
		s.mu.Unlock()
		for k, vs := range s.header {
			w.Header()[k] = vs
		}
		w.WriteHeader(s.status)
		_, _ = io.WriteString(w, s.body)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *stubAPI) received() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastBody
}

func post(t *testing.T, hc *http.Client, target, body string) (*http.Response, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), "POST", target, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", formCT)
	req.Header.Set("X-Chatworktoken", testToken)
	return hc.Do(req)
}

func TestTransportPasses(t *testing.T) {
	t.Parallel()
	v := validator(t)
	api := newStubAPI(t, 200, `{"message_id":"1928374655918273645"}`, rateHeaders())
	hc := &http.Client{Transport: v.Transport(nil)}
	resp, err := post(t, hc, api.URL+"/v2/rooms/36818150/messages", "body=hello&self_unread=0")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	if string(got) != `{"message_id":"1928374655918273645"}` {
		t.Errorf("caller reads %q", got)
	}
	if api.received() != "body=hello&self_unread=0" {
		t.Errorf("server received %q", api.received())
	}
}

func TestTransportFailsBadRequestBeforeSending(t *testing.T) {
	t.Parallel()
	v := validator(t)
	api := newStubAPI(t, 200, `{"room_id":1}`, rateHeaders())
	hc := &http.Client{Transport: v.Transport(nil)}
	resp, err := post(t, hc, api.URL+"/v2/rooms", "name=r&members_admin_ids%5B0%5D=1")
	if err == nil {
		resp.Body.Close()
		t.Fatal("a bad request went through")
	}
	if api.hits.Load() != 0 {
		t.Error("the bad request was sent")
	}
	var ue *url.Error
	if !errors.As(err, &ue) {
		t.Errorf("http.Client did not wrap the error: %T", err)
	}
	wantViolation(t, err, "createRoom", "body.members_admin_ids[0]")
	noSecret(t, err)

	// An unknown operation is not sent either.
	resp, err = post(t, hc, api.URL+"/v2/rooms/1/archive", "")
	if err == nil {
		resp.Body.Close()
	}
	if !errors.Is(err, conformance.ErrUnknownOperation) || api.hits.Load() != 0 {
		t.Errorf("unknown operation: %v (hits %d)", err, api.hits.Load())
	}
}

func TestTransportFailsBadResponse(t *testing.T) {
	t.Parallel()
	v := validator(t)
	h := rateHeaders()
	h.Del("X-Ratelimit-Reset")
	api := newStubAPI(t, 200, `{"message_id":5}`, h)
	hc := &http.Client{Transport: v.Transport(nil)}
	resp, err := post(t, hc, api.URL+"/v2/rooms/1/messages", "body=hi")
	if err == nil {
		resp.Body.Close()
		t.Fatal("a bad response went through")
	}
	if api.hits.Load() != 1 {
		t.Errorf("hits = %d, want 1", api.hits.Load())
	}
	wantViolation(t, err, "postMessage", "body.message_id")
	wantViolation(t, err, "postMessage", "header.x-ratelimit-reset")
}

func TestTransportReportTo(t *testing.T) {
	t.Parallel()
	v := validator(t)
	api := newStubAPI(t, 418, `{"errors":["teapot"]}`, rateHeaders())
	var mu sync.Mutex
	var reported []error
	hc := &http.Client{Transport: v.Transport(http.DefaultTransport, conformance.ReportTo(func(err error) {
		mu.Lock()
		reported = append(reported, err)
		mu.Unlock()
	}))}
	// Both sides are wrong: the body is in the query, and 418 is not
	// declared. The call still goes through unchanged.
	resp, err := post(t, hc, api.URL+"/v2/rooms/1/messages?body=hi", "")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 418 {
		t.Errorf("status = %d", resp.StatusCode)
	}
	if b, _ := io.ReadAll(resp.Body); string(b) != `{"errors":["teapot"]}` {
		t.Errorf("body = %q", b)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(reported) != 2 {
		t.Fatalf("reported %d errors, want 2 (request, response): %v", len(reported), reported)
	}
	wantViolation(t, reported[0], "postMessage", "query.body")
	wantViolation(t, reported[1], "postMessage", "status")
}

func TestTransportLogTo(t *testing.T) {
	t.Parallel()
	v := validator(t)
	api := newStubAPI(t, 200, `{"room_id":"1"}`, rateHeaders())
	var buf bytes.Buffer
	var mu sync.Mutex
	logger := slog.New(slog.NewTextHandler(&lockedWriter{w: &buf, mu: &mu}, nil))
	hc := &http.Client{Transport: v.Transport(nil, conformance.LogTo(logger))}
	resp, err := post(t, hc, api.URL+"/v2/rooms?x_chatworktoken="+testToken, "name=r&members_admin_ids=1")
	if err != nil {
		t.Fatal(err)
	}
	// The response is validated as the caller reads it.
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	mu.Lock()
	out := buf.String()
	mu.Unlock()
	for _, want := range []string{"level=WARN", "operation=createRoom", "field=query.x_chatworktoken", "field=body.room_id", "status=200"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, testToken) {
		t.Errorf("log leaks the token:\n%s", out)
	}
}

type lockedWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// recorderTB records Errorf calls (and Logf calls apart). It implements
// conformance.TestingT and nothing else of testing.TB: FailTest needs no
// more.
type recorderTB struct {
	mu    sync.Mutex
	msgs  []string
	notes []string
}

func (r *recorderTB) Logf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.notes = append(r.notes, fmt.Sprintf(format, args...))
}

func (r *recorderTB) Helper() {}
func (r *recorderTB) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, strings.TrimSpace(fmt.Sprintf(format, args...)))
}

func TestTransportFailTest(t *testing.T) {
	t.Parallel()
	v := validator(t)
	h := rateHeaders()
	h.Del("X-Ratelimit-Limit")
	api := newStubAPI(t, 200, `{"room_id":"1"}`, h)
	rec := &recorderTB{}
	hc := &http.Client{Transport: v.Transport(nil, conformance.FailTest(rec))}
	resp, err := post(t, hc, api.URL+"/v2/rooms", "name=r&members_admin_ids=1")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.msgs) != 2 {
		t.Fatalf("Errorf called %d times, want one per violation (2): %q", len(rec.msgs), rec.msgs)
	}
	if !strings.Contains(rec.msgs[0], "header.x-ratelimit-limit") || !strings.Contains(rec.msgs[1], "body.room_id") {
		t.Errorf("messages: %q", rec.msgs)
	}
}

func TestTransportLeavesRequestAlone(t *testing.T) {
	t.Parallel()
	v := validator(t)
	api := newStubAPI(t, 200, `{"message_id":"1"}`, rateHeaders())
	var seen *http.Request
	next := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		seen = r
		// The clone's body can be replayed.
		if r.GetBody == nil {
			t.Error("the clone has no GetBody")
		} else {
			rc, _ := r.GetBody()
			b, _ := io.ReadAll(rc)
			if string(b) != "body=hi" {
				t.Errorf("GetBody replays %q", b)
			}
		}
		return http.DefaultTransport.RoundTrip(r)
	})
	tr := v.Transport(next)
	body := &closeTracker{Reader: strings.NewReader("body=hi")}
	req, _ := http.NewRequestWithContext(t.Context(), "POST", api.URL+"/v2/rooms/1/messages", body)
	req.Header.Set("Content-Type", formCT)
	req.Header.Set("X-Chatworktoken", testToken)
	hdr := req.Header.Clone()
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if seen == req {
		t.Error("the caller's request was sent, not a clone")
	}
	if req.Body != body {
		t.Error("the caller's request body was replaced")
	}
	if !body.closed {
		t.Error("the caller's request body was not closed (RoundTrip must close it)")
	}
	if len(req.Header) != len(hdr) || req.Header.Get("X-Chatworktoken") != testToken {
		t.Errorf("headers changed: %v", req.Header)
	}
	if api.received() != "body=hi" {
		t.Errorf("server received %q", api.received())
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

type closeTracker struct {
	io.Reader
	closed bool
}

func (c *closeTracker) Close() error { c.closed = true; return nil }

func TestTransportConcurrent(t *testing.T) {
	t.Parallel()
	v := validator(t)
	api := newStubAPI(t, 200, meBody, rateHeaders())
	hc := &http.Client{Transport: v.Transport(nil)}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			req, _ := http.NewRequestWithContext(t.Context(), "GET", api.URL+"/v2/me", nil)
			req.Header.Set("X-Chatworktoken", testToken)
			resp, err := hc.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
		})
	}
	wg.Wait()
}

func TestTransportPassesNonAPIRequests(t *testing.T) {
	t.Parallel()
	v := validator(t)
	dl := newStubAPI(t, 200, "file content", http.Header{"Content-Type": {"application/pdf"}})
	hc := &http.Client{Transport: v.Transport(nil)}
	resp, err := hc.Get(dl.URL + "/file/1048576123/draft.pdf?Expires=1")
	if err != nil {
		t.Fatalf("a download outside /v2 was refused: %v", err)
	}
	defer resp.Body.Close()
	if b, _ := io.ReadAll(resp.Body); string(b) != "file content" {
		t.Errorf("body = %q", b)
	}
}
