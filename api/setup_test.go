package api_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chatwork-go/chatwork/api"
	"github.com/chatwork-go/chatwork/api/apitest"
	"github.com/chatwork-go/chatwork/conformance"
)

const testToken = "test-token-1234"

// testBaseURL is the base URL of the test clients: a name that never
// resolves, since their requests are answered in memory.
const testBaseURL = "https://api.chatwork.invalid/v2"

// newTestClient is how api's tests make a client: a client of token that
// sends every request (download URLs included) through rt, after the
// whole client (pacing, retries, authentication). With an in-memory rt
// (handlerTransport, or apitest's Server.Transport, which answers any host)
// no socket is opened, so the test may run inside a synctest bubble. opts come after the base
// URL, testBaseURL, and the transport.
func newTestClient(t *testing.T, token string, rt http.RoundTripper, opts ...api.Option) *api.Client {
	t.Helper()
	c, err := api.NewClient(token, append([]api.Option{api.WithBaseURL(testBaseURL),
		api.WithHTTPClient(&http.Client{Transport: rt})}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// handlerTransport answers requests with h in memory: a server written for
// the test. Like net/http's transport, it sends nothing once the request's
// context is done; h sees the request as a server would (a body, never
// nil).
type handlerTransport struct{ h http.HandlerFunc }

func (t handlerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := req.Context().Err(); err != nil {
		return nil, err
	}
	in := req.Clone(req.Context())
	if in.Body == nil {
		in.Body = http.NoBody
	}
	rec := httptest.NewRecorder()
	t.h(rec, in)
	resp := rec.Result()
	resp.Request = req
	return resp, nil
}

// fakeClient returns an in-memory fake Chatwork (apitest without a
// listener, so that it runs inside a synctest bubble) and a client of its
// default account.
func fakeClient(t *testing.T, srvOpts []apitest.Option, opts ...api.Option) (*apitest.Server, *api.Client) {
	t.Helper()
	s := apitest.NewServer(t, append([]apitest.Option{apitest.WithoutListener()}, srvOpts...)...)
	return s, newTestClient(t, s.Token(), s.Transport(), opts...)
}

// recorded is one request as the test server saw it.
type recorded struct {
	Method, Path, RawQuery, ContentType string
	Header                              http.Header
	Body                                []byte
}

// testServer is a scripted server under /v2 whose handlers are set per
// test. It validates every request it receives against openapi.yaml and
// records it.
type testServer struct {
	t   *testing.T
	mux *http.ServeMux

	mu   sync.Mutex
	reqs []recorded
}

var validator = func() *conformance.Validator {
	v, err := conformance.New()
	if err != nil {
		panic(err)
	}
	return v
}()

// setup returns a scripted server and a client of it that retries
// quickly; opts come last.
func setup(t *testing.T, opts ...api.Option) (*api.Client, *testServer) {
	t.Helper()
	ts := &testServer{t: t, mux: http.NewServeMux()}
	opts = append([]api.Option{api.WithRetries(3, time.Millisecond, 4*time.Millisecond)}, opts...)
	return newTestClient(t, testToken, handlerTransport{ts.serve}, opts...), ts
}

func (ts *testServer) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	ts.mu.Lock()
	ts.reqs = append(ts.reqs, recorded{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("Content-Type"), r.Header.Clone(), body})
	ts.mu.Unlock()
	r.Body = io.NopCloser(strings.NewReader(string(body)))
	if strings.HasPrefix(r.URL.Path, "/dl/") { // a download URL, outside the API
		ts.mux.ServeHTTP(w, r)
		return
	}
	if !strings.HasPrefix(r.URL.Path, "/v2/") {
		ts.t.Errorf("request to %s lost the /v2 prefix", r.URL.Path)
	}
	if err := validator.ValidateRequest(r); err != nil {
		ts.t.Errorf("request does not conform to openapi.yaml: %v", err)
	}
	r.Body = io.NopCloser(strings.NewReader(string(body)))
	ts.mux.ServeHTTP(w, r)
}

func (ts *testServer) handle(pattern string, h http.HandlerFunc) { ts.mux.HandleFunc(pattern, h) }

func (ts *testServer) requests() []recorded {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return append([]recorded(nil), ts.reqs...)
}

func (ts *testServer) last() recorded {
	ts.t.Helper()
	reqs := ts.requests()
	if len(reqs) == 0 {
		ts.t.Fatal("no request reached the server")
	}
	return reqs[len(reqs)-1]
}

// reply writes a JSON answer with the rate-limit headers Chatwork sends.
func reply(w http.ResponseWriter, status int, body any) {
	rateHeaders(w, 299)
	if body == nil {
		w.WriteHeader(status)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	switch b := body.(type) {
	case string:
		_, _ = io.WriteString(w, b)
	default:
		_ = json.NewEncoder(w).Encode(b)
	}
}

func rateHeaders(w http.ResponseWriter, remaining int) {
	w.Header().Set("X-Ratelimit-Limit", "300")
	w.Header().Set("X-Ratelimit-Remaining", itoa(remaining))
	w.Header().Set("X-Ratelimit-Reset", itoa(int(time.Now().Add(5*time.Minute).Unix())))
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func rateHeadersOf(w http.ResponseWriter, limit, remaining, reset string) {
	w.Header().Set("X-Ratelimit-Limit", limit)
	w.Header().Set("X-Ratelimit-Remaining", remaining)
	w.Header().Set("X-Ratelimit-Reset", reset)
}

func unixIn(d time.Duration) string { return strconv.FormatInt(time.Now().Add(d).Unix(), 10) }

const meJSON = `{"account_id":1,"room_id":2,"name":"a","chatwork_id":"","organization_id":0,"organization_name":"","department":"","title":"","url":"","introduction":"","mail":"","tel_organization":"","tel_extension":"","tel_mobile":"","skype":"","facebook":"","twitter":"","avatar_image_url":"","login_mail":""}`

// groupRooms creates n group chats administered by the default account.
func groupRooms(s *apitest.Server, n int) []int64 {
	rooms := make([]int64, n)
	for i := range rooms {
		rooms[i] = s.AddRoom(apitest.Room{Name: fmt.Sprintf("room %d", i), AdminIDs: []int64{s.Me().AccountID}}).RoomID
	}
	return rooms
}
