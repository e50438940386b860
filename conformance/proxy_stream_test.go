package conformance_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chatwork-go/chatwork/api/apitest"
	"github.com/chatwork-go/chatwork/conformance"
)

// hang bounds a wait on a condition that only a broken proxy never meets.
const hang = time.Minute

// await waits for ch to close, or fails the test with why after hang.
func await(t *testing.T, ch <-chan struct{}, why string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(hang):
		t.Fatal(why)
	}
}

// signalOnFirstByte is a request body that closes ch when its first bytes
// are read.
type signalOnFirstByte struct {
	io.ReadCloser
	once sync.Once
	ch   chan struct{}
}

func (s *signalOnFirstByte) Read(p []byte) (int, error) {
	n, err := s.ReadCloser.Read(p)
	if n > 0 {
		s.once.Do(func() { close(s.ch) })
	}
	return n, err
}

// TestProxyStreamsRequestBodies sends a 3 MiB binary upload through the
// proxy from a slow client: the upstream must see its first bytes while
// the client still holds back the rest, the fake must store the file
// byte for byte, and the proxy must still validate the whole body once it
// has gone through (0 violations, with no note that it was not validated).
// A second upload as large, with the message part repeated, must be
// reported.
func TestProxyStreamsRequestBodies(t *testing.T) {
	t.Parallel()
	var upstreamSaw chan struct{}
	var mu sync.Mutex
	f := newProxyFixture(t, nil)
	watcher := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		ch := upstreamSaw
		mu.Unlock()
		if ch != nil && r.Method == http.MethodPost {
			r.Body = &signalOnFirstByte{ReadCloser: r.Body, ch: ch}
		}
		f.srv.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(watcher.Close)
	pt := startProxy(t, conformance.ProxyConfig{Upstream: watcher.URL + "/v2"})
	target := pt.ts.URL + "/v2/rooms/" + strconv.FormatInt(f.room, 10) + "/files"

	content := make([]byte, 3<<20)
	rand.Read(content)
	content[0] = 0xff // never valid UTF-8
	body, ct := multipartUpload(t, content, "binary")

	mu.Lock()
	upstreamSaw = make(chan struct{})
	mu.Unlock()
	pr, pw := io.Pipe()
	t.Cleanup(func() { pw.CloseWithError(io.ErrUnexpectedEOF) }) // a test that failed midway leaves no request hanging
	req, err := http.NewRequest(http.MethodPost, target, pr)
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = int64(len(body))
	req.Header.Set("Content-Type", ct)
	req.Header.Set("X-ChatWorkToken", f.srv.Token())
	type answer struct {
		resp *http.Response
		body []byte
		err  error
	}
	answered := make(chan answer, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			answered <- answer{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		answered <- answer{resp, b, err}
	}()
	const first = 64 << 10
	if _, err := pw.Write(body[:first]); err != nil {
		t.Fatal(err)
	}
	await(t, upstreamSaw, "the upstream saw nothing of the body while the client held back its end: the proxy holds request bodies")
	for rest := body[first:]; len(rest) > 0; {
		n := min(len(rest), 256<<10)
		if _, err := pw.Write(rest[:n]); err != nil {
			t.Fatal(err)
		}
		rest = rest[n:]
	}
	pw.Close()
	a := <-answered
	if a.err != nil {
		t.Fatal(a.err)
	}
	if a.resp.StatusCode != http.StatusOK {
		t.Fatalf("upload: %d %s", a.resp.StatusCode, a.body)
	}
	if h := a.resp.Header.Get(conformance.ConformanceHeader); h != "0 violations" {
		t.Errorf("%s: %q; want 0 violations: the streamed body validated once complete", conformance.ConformanceHeader, h)
	}
	var got struct {
		FileID int64 `json:"file_id"`
	}
	if err := json.Unmarshal(a.body, &got); err != nil {
		t.Fatal(err)
	}
	if file, ok := f.srv.File(got.FileID); !ok || !bytes.Equal(file.Content, content) {
		t.Errorf("the fake stored %d bytes that differ from the %d sent", len(file.Content), len(content))
	}

	mu.Lock()
	upstreamSaw = nil
	mu.Unlock()

	// The same file with its message part twice: a violation of the body,
	// found after it streamed through.
	twice, twiceCT := multipartUpload(t, content, "one", "two")
	bad, err := http.NewRequest(http.MethodPost, target, io.MultiReader(bytes.NewReader(twice))) // no length: sent chunked
	if err != nil {
		t.Fatal(err)
	}
	bad.Header.Set("Content-Type", twiceCT)
	bad.Header.Set("X-ChatWorkToken", f.srv.Token())
	resp, err := http.DefaultClient.Do(bad)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if h := resp.Header.Get(conformance.ConformanceHeader); !strings.HasPrefix(h, "1 violations; uploadFile request: body.message: ") || !strings.Contains(h, "repeated part") {
		t.Errorf("%s: %q; want the repeated message part", conformance.ConformanceHeader, h)
	}
}

// TestProxyStreamsResponseBodies puts behind the proxy a server that sends
// half of a list of rooms, then waits for the client to have received it
// before it sends the rest, whose last room is broken. The client must get
// the first half while the server holds back the second, the whole body
// byte for byte, and the broken room must be reported once the body has
// gone through.
func TestProxyStreamsResponseBodies(t *testing.T) {
	t.Parallel()
	f := newProxyFixture(t, nil)
	f.srv.AddRoom(apitest.Room{Name: "second", AdminIDs: []int64{f.srv.Me().AccountID}})
	resp, list := f.do(t, http.MethodGet, "/rooms", "", nil) //nolint:bodyclose // do closes the body
	resp.Header.Del(conformance.ConformanceHeader)
	i := bytes.LastIndex(list, []byte(`"type":"group"`))
	if i < 0 {
		t.Fatalf("no group chat in %s", list)
	}
	list = append(append(append([]byte(nil), list[:i]...), `"type":"bogus"`...), list[i+len(`"type":"group"`):]...)
	slow := serveInHalves(t, resp.Header, list)
	pt := startProxy(t, conformance.ProxyConfig{Upstream: slow.URL + "/v2"})

	req, _ := http.NewRequest(http.MethodGet, pt.ts.URL+"/v2/rooms", nil)
	req.Header.Set("X-ChatWorkToken", f.srv.Token())
	got, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer got.Body.Close()
	if h := got.Header.Get(conformance.ConformanceHeader); h != "0 violations" {
		t.Errorf("%s: %q; want 0 violations in the request and the answer's head", conformance.ConformanceHeader, h)
	}
	slow.readInHalves(t, got.Body, "the proxy holds answers")
	pt.stop() // every exchange over
	reports := pt.reported()
	if len(reports) != 1 || reports[0].OperationID != "listRooms" || !strings.HasPrefix(reports[0].Field, "body") || !strings.Contains(reports[0].Field+reports[0].Value, "type") {
		t.Errorf("reports %v; want the bogus type of listRooms' last room", reports)
	}
	if s := pt.proxy.Summary(); s.Violations["listRooms"] != 1 {
		t.Errorf("summary %+v; want 1 violation of listRooms", s)
	}
}

// halvesServer sends one answer in two halves: the second once the
// client has read the first.
type halvesServer struct {
	*httptest.Server
	body      []byte
	half      int
	clientGot chan struct{}
}

// serveInHalves serves body, with head's headers and its Content-Length,
// to every request, in two halves.
func serveInHalves(t *testing.T, head http.Header, body []byte) *halvesServer {
	t.Helper()
	h := &halvesServer{body: body, half: len(body) / 2, clientGot: make(chan struct{})}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		for k, v := range head {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		_, _ = w.Write(body[:h.half])
		_ = http.NewResponseController(w).Flush()
		select {
		case <-h.clientGot:
		case <-time.After(hang):
		}
		_, _ = w.Write(body[h.half:])
	}))
	t.Cleanup(h.Close)
	return h
}

// readInHalves reads the answer's first half from r while the server
// holds back the second (failing with why when it does not come), lets
// the server send the second, reads it, and compares the whole with what
// the server sent.
func (h *halvesServer) readInHalves(t *testing.T, r io.Reader, why string) {
	t.Helper()
	firstHalf := make([]byte, h.half)
	read := make(chan error, 1)
	go func() {
		_, err := io.ReadFull(r, firstHalf)
		read <- err
	}()
	select {
	case err := <-read:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(hang):
		t.Fatal("the client got nothing while the server held back the end of the answer: " + why)
	}
	close(h.clientGot)
	rest, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	if whole := append(firstHalf, rest...); !bytes.Equal(whole, h.body) {
		t.Errorf("the answer through the proxy differs from the server's:\n%s\n%s", whole, h.body)
	}
}

// TestProxyRequestExpectingContinue sends an upload that waits for "100
// Continue" with a wrong token: the fake answers 401 without asking for
// the body, and the proxy must pass the 401 on (not wait for a body that
// the client holds back until it is asked), noting that the body was not
// validated.
func TestProxyRequestExpectingContinue(t *testing.T) {
	t.Parallel()
	f := newProxyFixture(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel) // before the proxy closes: a hung exchange ends with the test
	body, ct := multipartUpload(t, []byte("content"), "hi")
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, f.url+"/rooms/"+strconv.FormatInt(f.room, 10)+"/files", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", ct)
	req.Header.Set("X-ChatWorkToken", "not-the-token")
	req.Header.Set("Expect", "100-continue")
	client := &http.Client{Transport: &http.Transport{ExpectContinueTimeout: hang}} // the body waits to be asked for
	t.Cleanup(client.CloseIdleConnections)
	answered := make(chan struct{})
	var resp *http.Response
	go func() {
		defer close(answered)
		resp, err = client.Do(req) //nolint:bodyclose // closed below
	}()
	await(t, answered, "no answer: the proxy waits for a body that the upstream did not ask for")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if h := resp.Header.Get(conformance.ConformanceHeader); resp.StatusCode != http.StatusUnauthorized || !strings.Contains(h, "body: not validated: only 0 bytes of it went through") {
		t.Errorf("%d, %s: %q; want the fake's 401 and a note that the body was not validated", resp.StatusCode, conformance.ConformanceHeader, h)
	}
}
