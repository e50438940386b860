package conformance_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chatwork-go/chatwork/api"
	"github.com/chatwork-go/chatwork/conformance"
)

// scriptedServer answers its n-th request with script[n] (the last one
// repeats), written raw on the hijacked connection, which is then closed:
// it can send what net/http's server never would.
type scriptedServer struct {
	*httptest.Server
	mu     sync.Mutex
	script []string
	n      int
}

func newScriptedServer(t *testing.T) *scriptedServer {
	s := &scriptedServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		s.mu.Lock()
		raw := s.script[min(s.n, len(s.script)-1)]
		s.n++
		s.mu.Unlock()
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close()
		_, _ = buf.WriteString(raw)
		_ = buf.Flush()
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *scriptedServer) play(script ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.script, s.n = script, 0
}

func (s *scriptedServer) requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

// raw builds a response: status line, headers, a blank line, body.
func raw(status string, body string, headers ...string) string {
	var b strings.Builder
	b.WriteString("HTTP/1.1 " + status + "\r\nConnection: close\r\n")
	for _, h := range headers {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("\r\n" + body)
	return b.String()
}

func length(n int) string { return fmt.Sprintf("Content-Length: %d", n) }

const jsonCT = "Content-Type: application/json"

// outcome is everything a caller can observe of one call.
type outcome struct {
	Status   int
	Err      string
	ErrType  string
	Body     string
	ReadErr  string
	Requests int
}

// ports hides the ephemeral local port of connection errors, which differs
// from one connection to the next.
var ports = regexp.MustCompile(`127\.0\.0\.1:\d+->`)

func errText(err error) (string, string) {
	if err == nil {
		return "", ""
	}
	typ := fmt.Sprintf("%T", err)
	if u := errors.Unwrap(err); u != nil {
		typ += "/" + fmt.Sprintf("%T", u)
	}
	return ports.ReplaceAllString(err.Error(), "127.0.0.1:PORT->"), typ
}

// TestCanaryChangesNoOutcome drives a plain http.Client and an api.Client,
// each with and without the conformance transport in reporting mode,
// against a server that answers with truncated bodies, lying lengths,
// broken chunks, bad gzip, garbage and dropped connections, and compares
// everything the caller sees: status, error text and type, body bytes and
// read error, and the number of requests the server received.
func TestCanaryChangesNoOutcome(t *testing.T) {
	me := `{"account_id":123,"room_id":322,"name":"John Smith","chatwork_id":"tarochatworkid","organization_id":101,"organization_name":"Hello Company","department":"Marketing","title":"CMO","url":"","introduction":"","mail":"","tel_organization":"","tel_extension":"","tel_mobile":"","skype":"","facebook":"","twitter":"","avatar_image_url":"https://example.com/abc.png","login_mail":"account@example.com"}`
	posted := `{"message_id":"1928374655918273645"}`
	roomLimit := `{"errors":["Rate limit for message posting per room exceeded."]}`
	big := `{"errors":["` + strings.Repeat("x", 3000) + `"]}`
	cases := []struct {
		name   string
		script []string
	}{
		{"valid", []string{raw("200 OK", me, jsonCT, length(len(me)))}},
		{"truncated 200", []string{raw("200 OK", me[:40], jsonCT, length(len(me)))}},
		{"truncated 200 then valid", []string{raw("200 OK", me[:40], jsonCT, length(len(me))), raw("200 OK", posted, jsonCT, length(len(posted)))}},
		{"Content-Length shorter than the body", []string{raw("200 OK", me, jsonCT, length(30))}},
		{"no Content-Length, closed early", []string{raw("200 OK", me[:50], jsonCT)}},
		{"broken chunked body", []string{raw("200 OK", "5\r\n{\"acc\r\nzz\r\n", jsonCT, "Transfer-Encoding: chunked")}},
		{"chunked body cut short", []string{raw("200 OK", "10\r\n{\"account_id\":1", jsonCT, "Transfer-Encoding: chunked")}},
		{"bad gzip", []string{raw("200 OK", "not gzip at all", jsonCT, "Content-Encoding: gzip", length(15))}},
		{"hijacked and closed", []string{""}},
		{"closed then valid", []string{"", raw("200 OK", posted, jsonCT, length(len(posted)))}},
		{"garbage status line", []string{"HTTP/1.1 OK fine\r\n\r\n"}},
		{"not HTTP", []string{"hello there\r\n\r\n"}},
		{"headers cut short", []string{"HTTP/1.1 200 OK\r\nContent-Ty"}},
		{"204 with a body", []string{raw("204 No Content", "hello", length(5))}},
		{"invalid JSON 200", []string{raw("200 OK", "{nope", jsonCT, length(5))}},
		{"truncated 400", []string{raw("400 Bad Request", `{"errors":["bad`, jsonCT, length(200))}},
		{"truncated 503 then valid", []string{raw("503 Service Unavailable", `{"err`, jsonCT, length(100)), raw("200 OK", me, jsonCT, length(len(me)))}},
		{"truncated 429 then valid", []string{raw("429 Too Many Requests", roomLimit, jsonCT, length(len(roomLimit)+20)), raw("200 OK", posted, jsonCT, length(len(posted)))}},
		{"body over the cap", []string{raw("400 Bad Request", big, jsonCT, length(len(big)))}},
		{"undeclared status", []string{raw("418 I'm a teapot", "{}", jsonCT, length(2))}},
	}
	srv := newScriptedServer(t)
	var mu sync.Mutex
	var reports []error
	v := validator(t)
	canary := func(next http.RoundTripper) http.RoundTripper {
		return v.Transport(next, conformance.MaxBodySize(1024), conformance.ReportTo(func(err error) {
			mu.Lock()
			reports = append(reports, err)
			mu.Unlock()
		}))
	}
	transports := map[bool]func() http.RoundTripper{
		false: func() http.RoundTripper { return &http.Transport{DisableKeepAlives: true} },
		true:  func() http.RoundTripper { return canary(&http.Transport{DisableKeepAlives: true}) },
	}
	plain := func(method string, withCanary bool) outcome {
		hc := &http.Client{Transport: transports[withCanary]()}
		path, body := "/v2/me", ""
		if method == http.MethodPost {
			path, body = "/v2/rooms/1/messages", "body=hello"
		}
		req, _ := http.NewRequestWithContext(t.Context(), method, srv.URL+path, strings.NewReader(body))
		req.Header.Set("X-Chatworktoken", testToken)
		if body != "" {
			req.Header.Set("Content-Type", formCT)
		}
		var o outcome
		resp, err := hc.Do(req)
		o.Err, o.ErrType = errText(err)
		if resp != nil {
			o.Status = resp.StatusCode
			b, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			o.Body = string(b)
			o.ReadErr, _ = errText(err)
		}
		o.Requests = srv.requests()
		return o
	}
	client := func(method string, withCanary bool) outcome {
		c, err := api.NewClient(testToken, api.WithBaseURL(srv.URL+"/v2"),
			api.WithHTTPClient(&http.Client{Transport: transports[withCanary]()}),
			api.WithRetries(2, time.Millisecond, 2*time.Millisecond), api.WithRoomPostLimit(10, 20*time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		var o outcome
		if method == http.MethodGet {
			m, r, err := c.Me.Get(t.Context())
			o.Err, o.ErrType = errText(err)
			if m != nil {
				o.Body = m.Name
			}
			if r != nil {
				o.Status = r.StatusCode
			}
		} else {
			id, r, err := c.Messages.Post(t.Context(), 1, "hello", nil)
			o.Err, o.ErrType = errText(err)
			o.Body = id
			if r != nil {
				o.Status = r.StatusCode
			}
		}
		o.Requests = srv.requests()
		return o
	}
	for _, tc := range cases {
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			for name, run := range map[string]func(string, bool) outcome{"http.Client": plain, "api.Client": client} {
				srv.play(tc.script...)
				without := run(method, false)
				srv.play(tc.script...)
				with := run(method, true)
				if with != without {
					t.Errorf("%s, %s %s: the canary changed the outcome\nwithout: %+v\nwith:    %+v", tc.name, name, method, without, with)
				}
			}
		}
	}
	mu.Lock()
	defer mu.Unlock()
	var tooLarge, unread bool
	for _, err := range reports {
		if errors.Is(err, conformance.ErrNotValidated) {
			tooLarge = tooLarge || strings.Contains(err.Error(), "larger than 1024 bytes")
			unread = unread || strings.Contains(err.Error(), "reading the body failed")
		}
	}
	if !tooLarge || !unread {
		t.Errorf("want notes for the body over the cap and the broken bodies; got %d reports: %v", len(reports), reports)
	}
}

// TestCanaryStreamsLargeBodies: a body far over the cap reaches the caller
// byte for byte, while the canary holds at most the cap; the report says
// the body was not validated.
func TestCanaryStreamsLargeBodies(t *testing.T) {
	const size = 8 << 20
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rateHeadersTo(w.Header())
		w.Header().Set("Content-Type", "application/json")
		bw := bufio.NewWriter(w)
		_, _ = bw.WriteString(`{"errors":["`)
		for i := 0; i < size; i++ {
			_ = bw.WriteByte('a' + byte(i%26))
		}
		_, _ = bw.WriteString(`"]}`)
		_ = bw.Flush()
	}))
	defer srv.Close()
	for _, reporting := range []bool{true, false} {
		var reported []error
		opts := []conformance.TransportOption{conformance.MaxBodySize(64 << 10)}
		if reporting {
			opts = append(opts, conformance.ReportTo(func(err error) { reported = append(reported, err) }))
		}
		hc := &http.Client{Transport: validator(t).Transport(nil, opts...)}
		req, _ := http.NewRequestWithContext(t.Context(), "GET", srv.URL+"/v2/me", nil)
		req.Header.Set("X-Chatworktoken", testToken)
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		n, err := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil || n != int64(size+len(`{"errors":[""]}`)) {
			t.Errorf("reporting %v: read %d bytes, %v", reporting, n, err)
		}
		if reporting && (len(reported) != 1 || !errors.Is(reported[0], conformance.ErrNotValidated) ||
			!strings.Contains(reported[0].Error(), "larger than 65536 bytes")) {
			t.Errorf("reports: %v", reported)
		}
	}
}

func rateHeadersTo(h http.Header) {
	for k, v := range rateHeaders() {
		h[k] = v
	}
}

// zeros is an endless stream of a byte, for bodies of any size without
// holding them.
type zeros struct{ n int64 }

func (z *zeros) Read(p []byte) (int, error) {
	if z.n <= 0 {
		return 0, io.EOF
	}
	n := min(int64(len(p)), z.n)
	for i := range p[:n] {
		p[i] = 'a'
	}
	z.n -= n
	return int(n), nil
}

// BenchmarkCanaryLargeBody streams a 64 MiB response body through the
// canary in reporting mode: B/op shows that memory stays near the cap
// (default 16 MiB) when the length is unknown, and near nothing when the
// Content-Length already says the body is over the cap.
func BenchmarkCanaryLargeBody(b *testing.B) {
	const size = 64 << 20
	for _, known := range []bool{false, true} {
		b.Run(fmt.Sprintf("content-length-known=%v", known), func(b *testing.B) {
			next := roundTripFunc(func(r *http.Request) (*http.Response, error) {
				resp := &http.Response{StatusCode: 200, Header: rateHeaders(), Body: io.NopCloser(&zeros{n: size}), Request: r, ContentLength: -1}
				if known {
					resp.ContentLength = size
				}
				return resp, nil
			})
			tr := validator(b).Transport(next, conformance.ReportTo(func(error) {}))
			buf := make([]byte, 32<<10)
			b.SetBytes(size)
			b.ReportAllocs()
			for b.Loop() {
				req, _ := http.NewRequest("GET", "https://api.chatwork.com/v2/me", nil)
				req.Header.Set("X-Chatworktoken", testToken)
				resp, err := tr.RoundTrip(req)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := io.CopyBuffer(io.Discard, resp.Body, buf); err != nil {
					b.Fatal(err)
				}
				resp.Body.Close()
			}
		})
	}
}

// TestCanaryMemoryFollowsBytesReceived: 200 concurrent responses that
// announce a body of the cap (16 MiB) and send none of it cost the canary
// almost nothing: its buffers grow as bytes arrive, not as they are
// announced. The heap is measured with the answers pending, once through a
// plain client and once through the canary in reporting mode; the
// difference is what the canary holds. Not parallel: the heap is the
// whole process's.
func TestCanaryMemoryFollowsBytesReceived(t *testing.T) {
	const (
		responses = 200
		limit     = 4 << 20 // what the canary may add for all of them
	)
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rateHeadersTo(w.Header())
		w.Header().Set("Content-Length", fmt.Sprint(conformance.DefaultMaxBodySize))
		w.WriteHeader(http.StatusOK)
		http.NewResponseController(w).Flush()
		select { // the body never comes
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)

	// heapWithPending measures the heap once every response has arrived
	// and while none has ended; the callers then close them.
	heapWithPending := func(tr http.RoundTripper) uint64 {
		hc := &http.Client{Transport: tr}
		var arrived, closed sync.WaitGroup
		measured := make(chan struct{})
		for range responses {
			arrived.Add(1)
			closed.Go(func() {
				req, _ := http.NewRequestWithContext(t.Context(), "GET", srv.URL+"/v2/me", nil)
				req.Header.Set("X-Chatworktoken", testToken)
				resp, err := hc.Do(req)
				arrived.Done()
				if err != nil {
					t.Error(err)
					return
				}
				defer resp.Body.Close()
				if resp.ContentLength != conformance.DefaultMaxBodySize {
					t.Errorf("Content-Length %d", resp.ContentLength)
				}
				<-measured
			})
		}
		arrived.Wait()
		var m runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m)
		close(measured)
		closed.Wait()
		return m.HeapAlloc
	}

	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	plain := heapWithPending(&http.Transport{})
	reports := make(chan error, 2*responses)
	canary := heapWithPending(validator(t).Transport(&http.Transport{}, conformance.ReportTo(func(err error) { reports <- err })))
	added := int64(canary) - int64(plain)
	t.Logf("heap with %d responses pending: %.1f MiB before, %.1f MiB through a plain client, %.1f MiB through the canary (%+.2f MiB)",
		responses, mib(before.HeapAlloc), mib(plain), mib(canary), float64(added)/(1<<20))
	if added > limit {
		t.Errorf("the canary added %.1f MiB for %d responses that sent nothing, want at most %.0f MiB",
			float64(added)/(1<<20), responses, float64(limit)/(1<<20))
	}
	// Each body closed before its end is reported as not validated.
	for range responses {
		if err := <-reports; !errors.Is(err, conformance.ErrNotValidated) {
			t.Fatalf("report: %v", err)
		}
	}
}

func mib(n uint64) float64 { return float64(n) / (1 << 20) }
