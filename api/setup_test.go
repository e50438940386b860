package api_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chatwork-go/chatwork/api"
	"github.com/chatwork-go/chatwork/conformance"
)

const testToken = "test-token-1234"

// recorded is one request as the test server saw it.
type recorded struct {
	Method, Path, RawQuery, ContentType string
	Header                              http.Header
	Body                                []byte
}

// testServer is an httptest server under /v2 whose handlers are set per
// test. It validates every request it receives against openapi.yaml and
// records it.
type testServer struct {
	t   *testing.T
	mux *http.ServeMux
	srv *httptest.Server

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

func setup(t *testing.T, opts ...api.Option) (*api.Client, *testServer) {
	t.Helper()
	ts := &testServer{t: t, mux: http.NewServeMux()}
	ts.srv = httptest.NewServer(http.HandlerFunc(ts.serve))
	t.Cleanup(ts.srv.Close)
	opts = append([]api.Option{api.WithBaseURL(ts.srv.URL + "/v2"), api.WithRetries(3, time.Millisecond, 4*time.Millisecond)}, opts...)
	c, err := api.NewClient(testToken, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c, ts
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
