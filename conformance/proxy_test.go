package conformance_test

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/json"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/chatwork-go/chatwork/api/apitest"
	"github.com/chatwork-go/chatwork/conformance"
	"github.com/chatwork-go/chatwork/conformance/har"
)

// proxyFixture is a fake Chatwork behind a validating proxy.
type proxyFixture struct {
	srv   *apitest.Server
	proxy *conformance.Proxy
	ts    *httptest.Server
	url   string // the proxy's base URL, ending in /v2
	room  int64

	mu   sync.Mutex
	seen []*conformance.Error
}

func newProxyFixture(t *testing.T, edit func(*conformance.ProxyConfig)) *proxyFixture {
	t.Helper()
	f := &proxyFixture{srv: apitest.NewServer(t)}
	f.room = f.srv.AddRoom(apitest.Room{Name: "proxy", AdminIDs: []int64{f.srv.Me().AccountID}}).RoomID
	cfg := conformance.ProxyConfig{
		Upstream: f.srv.URL(),
		Report: func(e *conformance.Error) {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.seen = append(f.seen, e)
		},
	}
	if edit != nil {
		edit(&cfg)
	}
	p, err := validator(t).NewProxy(cfg)
	if err != nil {
		t.Fatal(err)
	}
	f.proxy = p
	f.ts = httptest.NewServer(p)
	t.Cleanup(f.ts.Close)
	f.url = f.ts.URL + "/v2"
	return f
}

// stop closes the proxy's server once every exchange is over: the answers
// have streamed through, their bodies are validated and recorded.
func (f *proxyFixture) stop() { f.ts.Close() }

// do sends a request through the proxy with the fake's token and returns
// the response with its body read.
func (f *proxyFixture) do(t *testing.T, method, path, ct string, body []byte) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, f.url+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-ChatWorkToken", f.srv.Token())
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

func (f *proxyFixture) reported() []*conformance.Error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*conformance.Error(nil), f.seen...)
}

func TestProxyForwardsAConformingExchangeUnchanged(t *testing.T) {
	t.Parallel()
	f := newProxyFixture(t, nil)
	resp, body := f.do(t, http.MethodGet, "/me", "", nil) //nolint:bodyclose // do and rawRequest close the body
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	if got := resp.Header.Get(conformance.ConformanceHeader); got != "0 violations" {
		t.Errorf("%s: %q; want 0 violations", conformance.ConformanceHeader, got)
	}
	// The same call made directly gives the same body.
	req, _ := http.NewRequest(http.MethodGet, f.srv.URL()+"/me", nil)
	req.Header.Set("X-ChatWorkToken", f.srv.Token())
	direct, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer direct.Body.Close()
	want, _ := io.ReadAll(direct.Body)
	if !bytes.Equal(body, want) {
		t.Errorf("body through the proxy\n%s\ndiffers from the direct one\n%s", body, want)
	}
	if resp.Header.Get("X-Ratelimit-Limit") == "" {
		t.Error("the upstream's rate-limit headers were not forwarded")
	}
	if s := f.proxy.Summary(); s.Exchanges != 1 || len(s.Violations) != 0 {
		t.Errorf("summary %+v; want 1 exchange, no violation", s)
	}
}

func TestProxyReportsRequestViolations(t *testing.T) {
	t.Parallel()
	f := newProxyFixture(t, nil)
	path := "/rooms/" + strconv.FormatInt(f.room, 10) + "/messages?body=hello"
	resp, body := f.do(t, http.MethodPost, path, "", nil) //nolint:bodyclose // do and rawRequest close the body
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("status %d; want the fake's 400, forwarded: %s", resp.StatusCode, body)
	}
	h := resp.Header.Get(conformance.ConformanceHeader)
	if !strings.HasPrefix(h, "2 violations; postMessage request: ") {
		t.Errorf("%s: %q; want 2 violations and the first", conformance.ConformanceHeader, h)
	}
	var fields []string
	for _, e := range f.reported() {
		fields = append(fields, e.Field)
		b, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), f.srv.Token()) {
			t.Errorf("the report leaks the token: %s", b)
		}
	}
	if got := strings.Join(fields, " "); got != "query.body body" {
		t.Errorf("reported fields %q; want query.body and body", got)
	}
	if s := f.proxy.Summary(); s.Violations["postMessage"] != 2 {
		t.Errorf("summary %+v; want 2 violations of postMessage", s)
	}
}

func TestProxyFailModeAnswers422WithoutForwarding(t *testing.T) {
	t.Parallel()
	f := newProxyFixture(t, func(c *conformance.ProxyConfig) { c.Fail = true })
	before := len(f.srv.Requests())
	form := "name=Team&members_admin_ids=" + strconv.FormatInt(f.srv.Me().AccountID, 10) + "&members_admin_ids=2"
	resp, body := f.do(t, http.MethodPost, "/rooms", formCT, []byte(form)) //nolint:bodyclose // do and rawRequest close the body
	if resp.StatusCode != http.StatusUnprocessableEntity || resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("status %d, Content-Type %q; want 422 application/problem+json", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var problem struct {
		Type, Title, Detail, Operation string
		Status                         int
		Violations                     []struct{ Operation, Part, Field, Reason string }
	}
	if err := json.Unmarshal(body, &problem); err != nil {
		t.Fatalf("problem body %s: %v", body, err)
	}
	if problem.Type != conformance.ProblemType || problem.Status != 422 || problem.Title == "" || problem.Operation != "createRoom" ||
		len(problem.Violations) != 1 || problem.Violations[0].Field != "body.members_admin_ids" || problem.Violations[0].Reason == "" {
		t.Errorf("problem %+v; want createRoom's repeated members_admin_ids", problem)
	}
	if n := len(f.srv.Requests()) - before; n != 0 {
		t.Errorf("the fake received %d requests; a refused request must not be forwarded", n)
	}
	// A conforming request still goes through.
	if resp, body := f.do(t, http.MethodGet, "/me", "", nil); resp.StatusCode != http.StatusOK { //nolint:bodyclose // do and rawRequest close the body
		t.Errorf("GET /me: %d %s", resp.StatusCode, body)
	}
	if s := f.proxy.Summary(); s.Refused != 1 || s.Exchanges != 2 {
		t.Errorf("summary %+v; want 1 refused of 2", s)
	}
}

// multipartUpload returns an upload body with a file of content, and a
// message part for each of messages.
func multipartUpload(t *testing.T, content []byte, messages ...string) ([]byte, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="file"; filename="data.bin"`)
	h.Set("Content-Type", "application/octet-stream")
	w, err := mw.CreatePart(h)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = w.Write(content)
	for _, m := range messages {
		_ = mw.WriteField("message", m)
	}
	mw.Close()
	return b.Bytes(), mw.FormDataContentType()
}

// TestProxyBinaryUploads sends binary files, one held and validated, one
// larger than the proxy's memory limit and streamed: both must reach the
// fake byte for byte, and the HAR file must keep the small one and elide
// the large one with its length and SHA-256.
func TestProxyBinaryUploads(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "upload.har")
	w, err := har.Create(path, har.Creator{Name: "test", Version: "1"})
	if err != nil {
		t.Fatal(err)
	}
	f := newProxyFixture(t, func(c *conformance.ProxyConfig) {
		c.MaxBodySize = 64 << 10
		c.Record = w
		c.RecordMaxBodySize = 16 << 10
	})
	for _, size := range []int{1000, 200 << 10} {
		content := make([]byte, size)
		rand.Read(content)
		content[0] = 0xff // never valid UTF-8
		body, ct := multipartUpload(t, content, "binary")
		resp, rb := f.do(t, http.MethodPost, "/rooms/"+strconv.FormatInt(f.room, 10)+"/files", ct, body) //nolint:bodyclose // do and rawRequest close the body
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("upload of %d bytes: %d %s", size, resp.StatusCode, rb)
		}
		var got struct {
			FileID int64 `json:"file_id"`
		}
		if err := json.Unmarshal(rb, &got); err != nil {
			t.Fatal(err)
		}
		file, ok := f.srv.File(got.FileID)
		stored := file.Content
		if !ok || !bytes.Equal(stored, content) {
			t.Errorf("upload of %d bytes: the fake stored %d bytes that differ from the file", size, len(stored))
		}
		h := resp.Header.Get(conformance.ConformanceHeader)
		if size > 64<<10 && !strings.Contains(h, "not validated") {
			t.Errorf("streamed upload: %s %q; want a note that it was not validated", conformance.ConformanceHeader, h)
		}
		if size < 64<<10 && h != "0 violations" {
			t.Errorf("held upload: %s %q; want 0 violations", conformance.ConformanceHeader, h)
		}
	}
	f.stop()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	h, err := har.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Log.Entries) != 2 {
		t.Fatalf("%d entries; want 2", len(h.Log.Entries))
	}
	small, large := h.Log.Entries[0].Request.PostData, h.Log.Entries[1].Request.PostData
	if small == nil || small.Encoding != "base64" || small.Text == "" {
		t.Errorf("small upload recorded as %+v; want its bytes in base64", small)
	}
	if large == nil || large.Text != "" || large.Size != h.Log.Entries[1].Request.BodySize || len(large.SHA256) != 64 ||
		!strings.Contains(large.Comment, strconv.FormatInt(large.Size, 10)+" bytes") {
		t.Errorf("large upload recorded as %+v; want it elided with its length and SHA-256", large)
	}
	// The validator sees the small upload's bytes again, and notes the
	// elided one.
	rep := validator(t).CheckHAR(h, conformance.HARConfig{})
	if rep.Checked != 2 || rep.ViolationCount() != 0 || len(rep.Findings) != 1 || len(rep.Findings[0].Notes) == 0 {
		t.Errorf("check of the recording: %+v; want 2 checked, no violation, a note for the elided body", rep)
	}
}

// TestProxyRecordRedactsCredentials records requests full of credentials
// and looks for them in the file.
func TestProxyRecordRedactsCredentials(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "secrets.har")
	w, err := har.Create(path, har.Creator{Name: "test", Version: "1"})
	if err != nil {
		t.Fatal(err)
	}
	f := newProxyFixture(t, func(c *conformance.ProxyConfig) { c.Record = w })
	const cookie, bearer, query = "cookie-SECRET-1", "bearer-SECRET-2", "query-SECRET-3"
	req, _ := http.NewRequest(http.MethodGet, f.url+"/rooms?access_token="+query+"&x=1", nil)
	req.Header.Set("X-ChatWorkToken", f.srv.Token())
	req.Header.Set("Authorization", "Bearer "+bearer)
	req.AddCookie(&http.Cookie{Name: "sid", Value: cookie})
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	f.stop()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{f.srv.Token(), cookie, bearer, query} {
		if bytes.Contains(raw, []byte(s)) {
			t.Errorf("the HAR file contains the credential %q", s)
		}
	}
	h, err := har.Read(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	e := h.Log.Entries[0]
	redacted := map[string]bool{}
	for _, nv := range e.Request.Headers {
		if nv.Value == har.Redacted {
			redacted[strings.ToLower(nv.Name)] = true
		}
	}
	for _, name := range []string{"x-chatworktoken", "authorization", "cookie"} {
		if !redacted[name] {
			t.Errorf("header %s is not REDACTED: %+v", name, e.Request.Headers)
		}
	}
	if len(e.Request.Cookies) != 1 || e.Request.Cookies[0].Value != har.Redacted {
		t.Errorf("cookies %+v; want sid REDACTED", e.Request.Cookies)
	}
	if !strings.Contains(e.Request.URL, "access_token="+har.Redacted+"&x=1") {
		t.Errorf("URL %s; want access_token REDACTED and the rest kept", e.Request.URL)
	}
	// The proxy also reported the token in the query, without its value.
	var found bool
	for _, v := range f.reported() {
		if v.Field == "query.access_token" {
			found = !strings.Contains(v.Value, query)
		}
	}
	if !found {
		t.Errorf("no redacted violation for the token in the query: %v", f.reported())
	}
}

// TestProxySendsCredentialsOnlyUpstream tries to make the proxy send the
// token elsewhere: an absolute URL, a Host header, and a redirect from the
// upstream. Only the upstream may see the token.
func TestProxySendsCredentialsOnlyUpstream(t *testing.T) {
	t.Parallel()
	var elsewhere atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { elsewhere.Add(1) }))
	t.Cleanup(other.Close)
	srv := apitest.NewServer(t)
	upstream := http.NewServeMux()
	upstream.HandleFunc("/v2/redirect", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/v2/me", http.StatusFound)
	})
	upstream.Handle("/", srv.Handler())
	up := httptest.NewServer(upstream)
	t.Cleanup(up.Close)
	p, err := validator(t).NewProxy(conformance.ProxyConfig{Upstream: up.URL + "/v2"})
	if err != nil {
		t.Fatal(err)
	}
	ps := httptest.NewServer(p)
	t.Cleanup(ps.Close)

	// An absolute-form request line naming the other server, and a Host
	// header naming it too.
	for _, raw := range []string{
		"GET " + other.URL + "/v2/me HTTP/1.1\r\nHost: " + strings.TrimPrefix(other.URL, "http://") + "\r\nX-ChatWorkToken: " + srv.Token() + "\r\nConnection: close\r\n\r\n",
		"GET /v2/redirect HTTP/1.1\r\nHost: " + strings.TrimPrefix(ps.URL, "http://") + "\r\nX-ChatWorkToken: " + srv.Token() + "\r\nConnection: close\r\n\r\n",
	} {
		resp := rawRequest(t, ps.URL, raw) //nolint:bodyclose // do and rawRequest close the body
		if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusFound {
			t.Errorf("status %d", resp.StatusCode)
		}
	}
	if n := elsewhere.Load(); n != 0 {
		t.Errorf("the other server received %d requests through the proxy", n)
	}
	if n := len(srv.Requests()); n != 1 {
		t.Errorf("the upstream fake received %d requests; want the one GET /v2/me", n)
	}
}

func rawRequest(t *testing.T, base, raw string) *http.Response {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, raw); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// TestProxyReportsResponseViolations puts a broken server behind the
// proxy: each broken answer must be reported in the header.
func TestProxyReportsResponseViolations(t *testing.T) {
	t.Parallel()
	srv := apitest.NewServer(t)
	broken := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, r)
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Del("X-Ratelimit-Reset")
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	})
	up := httptest.NewServer(broken)
	t.Cleanup(up.Close)
	p, err := validator(t).NewProxy(conformance.ProxyConfig{Upstream: up.URL + "/v2"})
	if err != nil {
		t.Fatal(err)
	}
	ps := httptest.NewServer(p)
	t.Cleanup(ps.Close)
	req, _ := http.NewRequest(http.MethodGet, ps.URL+"/v2/me", nil)
	req.Header.Set("X-ChatWorkToken", srv.Token())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	want := "1 violations; getMe response 200: header.x-ratelimit-reset: required header is missing"
	if got := resp.Header.Get(conformance.ConformanceHeader); got != want {
		t.Errorf("%s: %q; want %q", conformance.ConformanceHeader, got, want)
	}
	if s := p.Summary(); s.Violations["getMe"] != 1 {
		t.Errorf("summary %+v", s)
	}
}

func TestNewProxyRefusesABadUpstream(t *testing.T) {
	t.Parallel()
	for _, u := range []string{"ftp://example.com/v2", "/v2", "https://user:pw@example.com/v2", "https://example.com/v2?token=x"} {
		if _, err := validator(t).NewProxy(conformance.ProxyConfig{Upstream: u}); err == nil {
			t.Errorf("upstream %q accepted", u)
		} else if strings.Contains(err.Error(), "pw@") {
			t.Errorf("error leaks credentials: %v", err)
		}
	}
	p, err := validator(t).NewProxy(conformance.ProxyConfig{})
	if err != nil || p == nil {
		t.Errorf("default upstream: %v", err)
	}
}
