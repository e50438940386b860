package conformance_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"encoding/json"
	"errors"
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

// proxyUnderTest is a Proxy served on loopback, with what it reported.
type proxyUnderTest struct {
	proxy *conformance.Proxy
	ts    *httptest.Server
	url   string // the proxy's base URL, ending in /v2

	mu   sync.Mutex
	seen []*conformance.Error
}

// startProxy serves the proxy of cfg; what it reports is collected unless
// cfg has its own Report.
func startProxy(t *testing.T, cfg conformance.ProxyConfig) *proxyUnderTest {
	t.Helper()
	pt := &proxyUnderTest{}
	if cfg.Report == nil {
		cfg.Report = func(e *conformance.Error) {
			pt.mu.Lock()
			defer pt.mu.Unlock()
			pt.seen = append(pt.seen, e)
		}
	}
	p, err := validator(t).NewProxy(cfg)
	if err != nil {
		t.Fatal(err)
	}
	pt.proxy = p
	pt.ts = httptest.NewServer(p)
	t.Cleanup(pt.ts.Close)
	pt.url = pt.ts.URL + "/v2"
	return pt
}

// stop closes the proxy's server once every exchange is over: the answers
// have streamed through, their bodies are validated and recorded.
func (pt *proxyUnderTest) stop() { pt.ts.Close() }

func (pt *proxyUnderTest) reported() []*conformance.Error {
	pt.mu.Lock()
	defer pt.mu.Unlock()
	return append([]*conformance.Error(nil), pt.seen...)
}

// proxyFixture is a fake Chatwork, with a room, behind a validating proxy.
type proxyFixture struct {
	*proxyUnderTest
	srv  *apitest.Server
	room int64
}

func newProxyFixture(t *testing.T, edit func(*conformance.ProxyConfig)) *proxyFixture {
	t.Helper()
	f := &proxyFixture{srv: apitest.NewServer(t)}
	f.room = f.srv.AddRoom(apitest.Room{Name: "proxy", AdminIDs: []int64{f.srv.Me().AccountID}}).RoomID
	cfg := conformance.ProxyConfig{Upstream: f.srv.URL()}
	if edit != nil {
		edit(&cfg)
	}
	f.proxyUnderTest = startProxy(t, cfg)
	return f
}

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
	pt := startProxy(t, conformance.ProxyConfig{Upstream: up.URL + "/v2"})

	// An absolute-form request line naming the other server, and a Host
	// header naming it too.
	for _, raw := range []string{
		"GET " + other.URL + "/v2/me HTTP/1.1\r\nHost: " + strings.TrimPrefix(other.URL, "http://") + "\r\nX-ChatWorkToken: " + srv.Token() + "\r\nConnection: close\r\n\r\n",
		"GET /v2/redirect HTTP/1.1\r\nHost: " + strings.TrimPrefix(pt.ts.URL, "http://") + "\r\nX-ChatWorkToken: " + srv.Token() + "\r\nConnection: close\r\n\r\n",
	} {
		resp := rawRequest(t, pt.ts.URL, raw) //nolint:bodyclose // do and rawRequest close the body
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
	pt := startProxy(t, conformance.ProxyConfig{Upstream: up.URL + "/v2"})
	req, _ := http.NewRequest(http.MethodGet, pt.ts.URL+"/v2/me", nil)
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
	if s := pt.proxy.Summary(); s.Violations["getMe"] != 1 {
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

// TestProxyDecodesCompressedAnswers puts behind the proxy a server that
// compresses its answers, as many do for a client that accepts gzip: the
// proxy must validate the decoded JSON (not report gzip as invalid JSON),
// record it decoded in the HAR file as HAR wants, and note a coding it
// does not decode.
func TestProxyDecodesCompressedAnswers(t *testing.T) {
	t.Parallel()
	srv := apitest.NewServer(t)
	compressing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, r)
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Del("Content-Length")
		if r.URL.Query().Get("coding") == "br" {
			w.Header().Set("Content-Encoding", "br") // not decoded by the proxy
			w.WriteHeader(rec.Code)
			_, _ = w.Write(rec.Body.Bytes())
			return
		}
		w.Header().Set("Content-Encoding", "gzip")
		w.WriteHeader(rec.Code)
		zw := gzip.NewWriter(w)
		_, _ = zw.Write(rec.Body.Bytes())
		_ = zw.Close()
	}))
	t.Cleanup(compressing.Close)
	path := filepath.Join(t.TempDir(), "gzip.har")
	w, err := har.Create(path, har.Creator{Name: "test", Version: "1"})
	if err != nil {
		t.Fatal(err)
	}
	pt := startProxy(t, conformance.ProxyConfig{Upstream: compressing.URL + "/v2", Record: w})
	var bodies []string
	for _, target := range []string{"/v2/rooms", "/v2/me?coding=br"} {
		req, _ := http.NewRequest(http.MethodGet, pt.ts.URL+target, nil)
		req.Header.Set("X-ChatWorkToken", srv.Token())
		if strings.Contains(target, "br") {
			req.Header.Set("Accept-Encoding", "br")
		} // else Go's client asks for gzip, and decodes it
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		bodies = append(bodies, string(b))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d", target, resp.StatusCode)
		}
	}
	pt.stop() // every exchange over
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	reports := pt.reported()
	if !strings.HasPrefix(bodies[0], "[{") {
		t.Errorf("the client got %.40q; want the JSON list, gzipped by the server and decoded by the client", bodies[0])
	}
	if len(reports) != 1 || reports[0].OperationID != "getMe" || !errors.Is(reports[0], conformance.ErrNotValidated) ||
		!strings.Contains(reports[0].Reason, `Content-Encoding "br" is not decoded`) {
		t.Errorf("reports %v; want only the note on getMe's br answer", reports)
	}
	h, err := har.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	gz := h.Log.Entries[0].Response
	if !strings.HasPrefix(gz.Content.Text, "[{") || gz.Content.Encoding != "" || gz.Content.Size != int64(len(gz.Content.Text)) ||
		gz.BodySize <= 0 || gz.Content.Compression != gz.Content.Size-gz.BodySize {
		t.Errorf("gzip answer recorded as body size %d, content %+v; want the decoded JSON and the wire size", gz.BodySize, gz.Content)
	}
	if rep := validator(t).CheckHAR(h, conformance.HARConfig{}); rep.Checked != 2 || rep.ViolationCount() != 0 {
		t.Errorf("check of the recording: %d checked, %d violations; want 2 and none", rep.Checked, rep.ViolationCount())
	}
}
