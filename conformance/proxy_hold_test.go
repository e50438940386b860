package conformance_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/chatwork-go/chatwork/api/apitest"
	"github.com/chatwork-go/chatwork/conformance"
	"github.com/chatwork-go/chatwork/conformance/har"
)

// quotedMessageID is a message ID as the API sends it: a string of digits.
var quotedMessageID = regexp.MustCompile(`"message_id":"(\d+)"`)

// numericMessageIDs is a server in front of srv that sends every message
// ID as a number, which the spec forbids, and gzips its answers for a
// client that accepts gzip.
func numericMessageIDs(srv *apitest.Server) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, r)
		body := quotedMessageID.ReplaceAll(rec.Body.Bytes(), []byte(`"message_id":$1`))
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			var b bytes.Buffer
			zw := gzip.NewWriter(&b)
			_, _ = zw.Write(body)
			_ = zw.Close()
			body = b.Bytes()
			w.Header().Set("Content-Encoding", "gzip")
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(rec.Code)
		_, _ = w.Write(body)
	})
}

// rawClient gets answers as they are sent: it does not ask for gzip, nor
// decode it.
var rawClient = &http.Client{Transport: &http.Transport{DisableCompression: true}}

// fetched is an answer, its body as far as it was read, and how reading
// it ended.
type fetched struct {
	resp    *http.Response
	body    []byte
	readErr error
}

// fetch GETs url with token, accepting encoding when it is not empty.
func fetch(t *testing.T, url, token, encoding string) fetched {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-ChatWorkToken", token)
	if encoding != "" {
		req.Header.Set("Accept-Encoding", encoding)
	}
	resp, err := rawClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return fetched{resp, b, err}
}

// TestProxyHoldCountsTheAnswersBody puts behind the proxy a server that
// answers getMessage with a numeric message_id, plain and gzipped. Held,
// the answer's header counts the violation and names it; streamed (the
// default) it says 0 violations, the body being checked after the head
// has gone out. Either way the client gets the server's bytes, length and
// coding, and the violation is reported; the HAR file records the held
// answer's header and its decoded body.
func TestProxyHoldCountsTheAnswersBody(t *testing.T) {
	t.Parallel()
	srv := apitest.NewServer(t)
	room := srv.AddRoom(apitest.Room{Name: "hold", AdminIDs: []int64{srv.Me().AccountID}}).RoomID
	msg := srv.AddMessage(apitest.Message{RoomID: room, AccountID: srv.Me().AccountID, Body: "hello"})
	up := httptest.NewServer(numericMessageIDs(srv))
	t.Cleanup(up.Close)
	path := "/v2/rooms/" + strconv.FormatInt(room, 10) + "/messages/" + msg.MessageID

	for _, hold := range []bool{false, true} {
		harPath := filepath.Join(t.TempDir(), "hold.har")
		w, err := har.Create(harPath, har.Creator{Name: "test", Version: "1"})
		if err != nil {
			t.Fatal(err)
		}
		pt := startProxy(t, conformance.ProxyConfig{Upstream: up.URL + "/v2", HoldResponses: hold, Record: w})
		for _, coding := range []string{"", "gzip"} {
			direct := fetch(t, up.URL+path, srv.Token(), coding)
			got := fetch(t, pt.ts.URL+path, srv.Token(), coding)
			if direct.readErr != nil || got.readErr != nil {
				t.Fatalf("hold %v, %q: reading the answers: %v, %v", hold, coding, direct.readErr, got.readErr)
			}
			if got.resp.Header.Get("Content-Encoding") != coding || direct.resp.Header.Get("Content-Encoding") != coding {
				t.Fatalf("hold %v: Content-Encoding %q through the proxy, %q directly; want %q", hold, got.resp.Header.Get("Content-Encoding"), direct.resp.Header.Get("Content-Encoding"), coding)
			}
			if !bytes.Equal(got.body, direct.body) || got.resp.ContentLength != direct.resp.ContentLength || got.resp.ContentLength != int64(len(direct.body)) {
				t.Errorf("hold %v, %q: %d bytes (Content-Length %d) through the proxy, %d (Content-Length %d) directly; want the same bytes",
					hold, coding, len(got.body), got.resp.ContentLength, len(direct.body), direct.resp.ContentLength)
			}
			h := got.resp.Header.Get(conformance.ConformanceHeader)
			want := "0 violations"
			if hold {
				want = "1 violations; getMessage response 200: body.message_id: "
			}
			if !strings.HasPrefix(h, want) || hold != strings.HasSuffix(h, "must be a string") {
				t.Errorf("hold %v, %q: %s %q; want %q and why", hold, coding, conformance.ConformanceHeader, h, want)
			}
		}
		pt.stop() // every exchange over
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		reports := pt.reported()
		if len(reports) != 2 || reports[0].Field != "body.message_id" || reports[1].Field != "body.message_id" {
			t.Errorf("hold %v: reports %v; want message_id in both answers", hold, reports)
		}
		h, err := har.ReadFile(harPath)
		if err != nil {
			t.Fatal(err)
		}
		for i, e := range h.Log.Entries {
			var header string
			for _, nv := range e.Response.Headers {
				if strings.EqualFold(nv.Name, conformance.ConformanceHeader) {
					header = nv.Value
				}
			}
			if hold != strings.HasPrefix(header, "1 violations") || !strings.Contains(e.Response.Content.Text, `"message_id":`+msg.MessageID) {
				t.Errorf("hold %v: HAR entry %d: %s %q, text %.60q; want the header as sent and the decoded body", hold, i, conformance.ConformanceHeader, header, e.Response.Content.Text)
			}
		}
	}
}

// roomList returns the fake's GET /rooms answer, its head and body.
func roomList(t *testing.T, srv *apitest.Server) (http.Header, []byte) {
	t.Helper()
	srv.AddRoom(apitest.Room{Name: "second", AdminIDs: []int64{srv.Me().AccountID}})
	req := httptest.NewRequest(http.MethodGet, "/v2/rooms", nil)
	req.Header.Set("X-ChatWorkToken", srv.Token())
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /rooms: %d %s", rec.Code, rec.Body)
	}
	return rec.Header(), rec.Body.Bytes()
}

// TestProxyHoldStreamsABodyOverTheLimit holds answers with a limit
// smaller than the list of rooms that a slow server sends in two halves,
// waiting for the client to have the first before it sends the second:
// the proxy must send the head with a note that the body was not
// validated as soon as it has more than its limit, then pass on the first
// half and the rest as they come, byte for byte.
func TestProxyHoldStreamsABodyOverTheLimit(t *testing.T) {
	t.Parallel()
	srv := apitest.NewServer(t)
	head, list := roomList(t, srv)
	const limit = 100
	if len(list)/2 <= limit {
		t.Fatalf("the list of rooms has %d bytes; the test needs more than %d in its first half", len(list), limit)
	}
	slow := serveInHalves(t, head, list)
	pt := startProxy(t, conformance.ProxyConfig{Upstream: slow.URL + "/v2", HoldResponses: true, MaxBodySize: limit})

	req, _ := http.NewRequest(http.MethodGet, pt.url+"/rooms", nil)
	req.Header.Set("X-ChatWorkToken", srv.Token())
	got, err := rawClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer got.Body.Close()
	want := "0 violations; body: not validated: the body is larger than 100 bytes"
	if h := got.Header.Get(conformance.ConformanceHeader); h != want || got.ContentLength != int64(len(list)) {
		t.Errorf("%s: %q, Content-Length %d; want %q and %d", conformance.ConformanceHeader, h, got.ContentLength, want, len(list))
	}
	slow.readInHalves(t, got.Body, "the proxy holds an answer over its limit whole")
	pt.stop()
	if s := pt.proxy.Summary(); s.Notes != 1 || len(s.Violations) != 0 {
		t.Errorf("summary %+v; want the one note", s)
	}
}

// TestProxyHoldPassesOnABodyThatFails puts behind the proxy a server that
// dies halfway through its answer, of known length and chunked: held, the
// answer must reach the client as it would without the proxy (the head,
// the bytes sent, then an error, never a complete body), with a note that
// the body was not validated.
func TestProxyHoldPassesOnABodyThatFails(t *testing.T) {
	t.Parallel()
	srv := apitest.NewServer(t)
	head, list := roomList(t, srv)
	half := len(list) / 2
	dying := dyingUpstream(t, head, list)
	pt := startProxy(t, conformance.ProxyConfig{Upstream: dying.URL + "/v2", HoldResponses: true})
	for _, framing := range []string{"length", "chunked"} {
		direct := fetch(t, dying.URL+"/v2/rooms?framing="+framing, srv.Token(), "")
		got := fetch(t, pt.url+"/rooms?framing="+framing, srv.Token(), "")
		if direct.readErr == nil || !bytes.Equal(direct.body, list[:half]) {
			t.Fatalf("%s: directly, %d bytes and %v; want the half sent and an error", framing, len(direct.body), direct.readErr)
		}
		if got.readErr == nil || !bytes.HasPrefix(list[:half], got.body) || got.resp.StatusCode != direct.resp.StatusCode || got.resp.ContentLength != direct.resp.ContentLength {
			t.Errorf("%s: through the proxy, %d %d bytes (Content-Length %d) and %v; want what the client gets directly: %d, %d bytes (Content-Length %d) and an error",
				framing, got.resp.StatusCode, len(got.body), got.resp.ContentLength, got.readErr, direct.resp.StatusCode, len(direct.body), direct.resp.ContentLength)
		}
		want := "0 violations; body: not validated: reading it failed after " + strconv.Itoa(half) + " bytes: "
		if h := got.resp.Header.Get(conformance.ConformanceHeader); !strings.HasPrefix(h, want) {
			t.Errorf("%s: %s %q; want %q and the error", framing, conformance.ConformanceHeader, h, want)
		}
	}
	pt.stop()
	if s := pt.proxy.Summary(); s.Notes != 2 || len(s.Violations) != 0 {
		t.Errorf("summary %+v; want a note for each answer", s)
	}
}

// dyingUpstream serves the head and the first half of list, then cuts the
// connection: with Content-Length when the query says framing=length,
// chunked otherwise.
func dyingUpstream(t *testing.T, head http.Header, list []byte) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for k, v := range head {
			w.Header()[k] = v
		}
		w.Header().Del("Content-Length")
		if r.URL.Query().Get("framing") == "length" {
			w.Header().Set("Content-Length", strconv.Itoa(len(list)))
		}
		_, _ = w.Write(list[:len(list)/2])
		_ = http.NewResponseController(w).Flush()
		panic(http.ErrAbortHandler) // the connection is cut
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestProxyLogsNothingOfItsOwn: an answer that breaks off in the middle is
// reported as a note, and nothing goes to the standard logger (which
// httputil.ReverseProxy uses unless told otherwise), so the proxy's output
// holds only its reports. Not parallel: it swaps the standard logger's
// output, and parallel tests start only after it.
func TestProxyLogsNothingOfItsOwn(t *testing.T) {
	var logged bytes.Buffer
	defer log.SetOutput(log.Writer())
	log.SetOutput(&logged)
	srv := apitest.NewServer(t)
	head, list := roomList(t, srv)
	pt := startProxy(t, conformance.ProxyConfig{Upstream: dyingUpstream(t, head, list).URL + "/v2"})
	for _, framing := range []string{"length", "chunked"} {
		if got := fetch(t, pt.url+"/rooms?framing="+framing, srv.Token(), ""); got.readErr == nil {
			t.Errorf("%s: %d bytes and no error; want the half sent and an error", framing, len(got.body))
		}
	}
	pt.stop()
	if s := pt.proxy.Summary(); s.Notes != 2 {
		t.Errorf("summary %+v; want a note for each answer that broke off", s)
	}
	if logged.Len() > 0 {
		t.Errorf("the proxy wrote to the standard logger: %q", logged.String())
	}
}
