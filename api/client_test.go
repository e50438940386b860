package api_test

import (
	"bytes"
	"context"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/chatwork-go/chatwork/api"
)

// TestEveryOperationHasAMethod reads the "METHOD /path" line of every method
// comment in this package and matches them with the operations of
// openapi.yaml (as package conformance describes them), both ways.
func TestEveryOperationHasAMethod(t *testing.T) {
	spec := map[string]string{}
	for _, op := range validator.Operations() {
		spec[op.Method+" "+op.Path] = op.ID
	}
	fset := token.NewFileSet()
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	var files []*ast.File
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, e.Name(), nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	line := regexp.MustCompile(`^(GET|POST|PUT|DELETE) (/[^\s?]*)`)
	covered := map[string][]string{}
	for _, f := range files {
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Recv == nil || fn.Doc == nil || !fn.Name.IsExported() {
				continue
			}
			for _, c := range fn.Doc.List {
				m := line.FindStringSubmatch(strings.TrimSpace(strings.TrimPrefix(c.Text, "//")))
				if m == nil {
					continue
				}
				key := m[1] + " " + m[2]
				if _, ok := spec[key]; !ok {
					t.Errorf("%s documents %s, which openapi.yaml does not have", fn.Name.Name, key)
				}
				covered[key] = append(covered[key], fn.Name.Name)
			}
		}
	}
	for key, id := range spec {
		if len(covered[key]) == 0 {
			t.Errorf("operation %s (%s) has no method", id, key)
		}
	}
}

// TestNewClientRefusesBadConfiguration: a bad token (empty, with a line
// break or a control character) or a bad option fails NewClient with
// ErrInvalidInput, not the first call.
func TestNewClientRefusesBadConfiguration(t *testing.T) {
	cases := map[string]func() error{
		"empty token":     func() error { _, err := api.NewClient(""); return err },
		"token with LF":   func() error { _, err := api.NewClient("abc\nX-Evil: 1"); return err },
		"token with CR":   func() error { _, err := api.NewClient("abc\r"); return err },
		"token with NUL":  func() error { _, err := api.NewClient("abc\x00"); return err },
		"relative URL":    func() error { _, err := api.NewClient("t", api.WithBaseURL("/v2")); return err },
		"ftp URL":         func() error { _, err := api.NewClient("t", api.WithBaseURL("ftp://x/v2")); return err },
		"URL with query":  func() error { _, err := api.NewClient("t", api.WithBaseURL("https://x/v2?a=1")); return err },
		"nil http client": func() error { _, err := api.NewClient("t", api.WithHTTPClient(nil)); return err },
		"nil logger":      func() error { _, err := api.NewClient("t", api.WithLogger(nil)); return err },
		"bad user agent":  func() error { _, err := api.NewClient("t", api.WithUserAgent("a\nb")); return err },
		"bad rate limit":  func() error { _, err := api.NewClient("t", api.WithRateLimit(10, 0)); return err },
		"negative wait":   func() error { _, err := api.NewClient("t", api.WithMaxRateLimitWait(-1)); return err },
		"bad retries":     func() error { _, err := api.NewClient("t", api.WithRetries(-1, 0, 0)); return err },
		"nil source":      func() error { _, err := api.NewOAuthClient(nil); return err },
	}
	for name, fn := range cases {
		if err := fn(); !errors.Is(err, api.ErrInvalidInput) {
			t.Errorf("%s: err = %v, want ErrInvalidInput", name, err)
		}
	}
}

// TestEmptyListsAreEmptySlices: a list operation's 204 is an empty,
// non-nil slice and no error, and the 204 of leaving a room or rejecting a
// request is a success that still reports the rate limit.
func TestEmptyListsAreEmptySlices(t *testing.T) {
	c, ts := setup(t)
	ts.handle("/", func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodDelete && strings.Contains(r.URL.Path, "/messages/") {
			reply(w, 200, `{"message_id":"1928374655918273645"}`)
			return
		}
		reply(w, http.StatusNoContent, nil)
	})
	ctx := t.Context()
	lists := map[string]func() (int, bool, error){
		"my tasks":          func() (int, bool, error) { v, _, err := c.Me.Tasks(ctx, nil); return len(v), v != nil, err },
		"contacts":          func() (int, bool, error) { v, _, err := c.Contacts.List(ctx); return len(v), v != nil, err },
		"new messages":      func() (int, bool, error) { v, _, err := c.Messages.ListNew(ctx, 1); return len(v), v != nil, err },
		"latest messages":   func() (int, bool, error) { v, _, err := c.Messages.ListLatest(ctx, 1); return len(v), v != nil, err },
		"room tasks":        func() (int, bool, error) { v, _, err := c.Tasks.List(ctx, 1, nil); return len(v), v != nil, err },
		"files":             func() (int, bool, error) { v, _, err := c.Files.List(ctx, 1, nil); return len(v), v != nil, err },
		"incoming requests": func() (int, bool, error) { v, _, err := c.IncomingRequests.List(ctx); return len(v), v != nil, err },
	}
	for name, fn := range lists {
		n, nonNil, err := fn()
		if err != nil || n != 0 || !nonNil {
			t.Errorf("%s: len %d, non-nil %v, err %v; want an empty slice and no error", name, n, nonNil, err)
		}
	}
	deletes := map[string]func() (*api.Response, error){
		"leave room":     func() (*api.Response, error) { return c.Rooms.Leave(ctx, 1) },
		"reject request": func() (*api.Response, error) { return c.IncomingRequests.Reject(ctx, 1) },
		"delete message": func() (*api.Response, error) { return c.Messages.Delete(ctx, 1, "1928374655918273645") },
	}
	for name, fn := range deletes {
		if r, err := fn(); err != nil || r.RateLimit.Remaining != 299 {
			t.Errorf("%s: %v, %+v", name, err, r)
		}
	}
}

// TestTokenNeverLeaks drives every kind of failure with a canary token and
// checks every error string and log line.
func TestTokenNeverLeaks(t *testing.T) {
	const canary = "CANARY-7f3a9c2e-token"
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := newTestClient(t, canary, handlerTransport{func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Chatworktoken") != canary {
			t.Errorf("token header %q", r.Header.Get("X-Chatworktoken"))
		}
		switch r.URL.Path {
		case "/v2/me":
			reply(w, 401, `{"errors":["Invalid API token"]}`)
		case "/v2/contacts":
			reply(w, 503, `{"errors":["down"]}`)
		default:
			reply(w, 429, `{"errors":["Rate limit for message posting per room exceeded."]}`)
		}
	}}, api.WithLogger(logger), api.WithMaxRateLimitWait(0), api.WithRetries(1, time.Millisecond, time.Millisecond))
	ctx := t.Context()
	var errs []error
	_, _, err := c.Me.Get(ctx)
	errs = append(errs, err)
	_, _, err = c.Contacts.List(ctx)
	errs = append(errs, err)
	_, _, err = c.Messages.Post(ctx, 1, "hi", nil)
	errs = append(errs, err)
	_, _, err = c.Messages.Post(ctx, 1, "", nil)
	errs = append(errs, err)
	closed, _ := api.NewClient(canary, api.WithBaseURL("http://127.0.0.1:1/v2"), api.WithLogger(logger), api.WithRetries(0, 0, 0))
	_, _, err = closed.Me.Get(ctx)
	errs = append(errs, err)
	for i, err := range errs {
		if err == nil {
			t.Errorf("call %d succeeded", i)
			continue
		}
		if strings.Contains(err.Error(), canary) || strings.Contains(strings.ToLower(err.Error()), strings.ToLower(canary)) {
			t.Errorf("error %d leaks the token: %v", i, err)
		}
		var ae *api.APIError
		if errors.As(err, &ae) {
			for k, v := range ae.Header {
				if strings.Contains(k+strings.Join(v, ""), canary) {
					t.Errorf("APIError headers leak the token")
				}
			}
		}
	}
	if logs.Len() == 0 {
		t.Fatal("nothing was logged; the test proves nothing")
	}
	if strings.Contains(logs.String(), canary) {
		t.Errorf("the log leaks the token:\n%s", logs.String())
	}
}

// TestExactlyOneAuthHeader: a token client sends X-ChatWorkToken only, an
// OAuth client one Authorization: Bearer only, both with the package's
// User-Agent.
func TestExactlyOneAuthHeader(t *testing.T) {
	var got []http.Header
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.Header.Clone())
		reply(w, 200, `{"unread_room_num":0,"mention_room_num":0,"mytask_room_num":0,"unread_num":0,"mention_num":0,"mytask_num":0}`)
	}))
	defer ts.Close()
	tokenClient, _ := api.NewClient("tok", api.WithBaseURL(ts.URL+"/v2"))
	oauthClient, _ := api.NewOAuthClient(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "acc"}), api.WithBaseURL(ts.URL+"/v2"))
	for _, c := range []*api.Client{tokenClient, oauthClient} {
		if _, _, err := c.Me.Status(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	if got[0].Get("X-Chatworktoken") != "tok" || got[0].Get("Authorization") != "" {
		t.Errorf("token client sent %v", got[0])
	}
	if got[1].Get("Authorization") != "Bearer acc" || got[1].Get("X-Chatworktoken") != "" || len(got[1].Values("Authorization")) != 1 {
		t.Errorf("OAuth client sent %v", got[1])
	}
	for i, h := range got {
		if !strings.HasPrefix(h.Get("User-Agent"), "chatwork-go/") {
			t.Errorf("request %d: User-Agent %q", i, h.Get("User-Agent"))
		}
	}
}

// TestHTTPClientIsCopiedNotChanged: WithHTTPClient leaves the caller's
// *http.Client as it was.
func TestHTTPClientIsCopiedNotChanged(t *testing.T) {
	hc := &http.Client{Timeout: 7 * time.Second}
	if _, err := api.NewClient("t", api.WithHTTPClient(hc)); err != nil {
		t.Fatal(err)
	}
	if hc.Transport != nil || hc.Timeout != 7*time.Second {
		t.Errorf("the caller's *http.Client was changed: %+v", hc)
	}
}

// TestRateLimitIsReported: the x-ratelimit-* headers of an answer are in
// Response.RateLimit and, after it, in Client.RateLimit (zero before the
// first answer).
func TestRateLimitIsReported(t *testing.T) {
	c, ts := setup(t)
	if !c.RateLimit().IsZero() {
		t.Error("rate limit known before any response")
	}
	ts.handle("/", func(w http.ResponseWriter, r *http.Request) {
		rateHeaders(w, 42)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"unread_room_num":0,"mention_room_num":0,"mytask_room_num":0,"unread_num":0,"mention_num":0,"mytask_num":0}`)
	})
	_, r, err := c.Me.Status(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if r.RateLimit.Limit != 300 || r.RateLimit.Remaining != 42 || r.RateLimit.Reset.Before(time.Now()) {
		t.Errorf("Response.RateLimit = %+v", r.RateLimit)
	}
	if c.RateLimit() != r.RateLimit {
		t.Errorf("Client.RateLimit() = %+v, want %+v", c.RateLimit(), r.RateLimit)
	}
}

// TestContextCancelledBeforeSend: a call with a cancelled context returns
// context.Canceled and sends nothing.
func TestContextCancelledBeforeSend(t *testing.T) {
	c, ts := setup(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, _, err := c.Me.Get(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if n := len(ts.requests()); n != 0 {
		t.Errorf("%d requests sent with a cancelled context", n)
	}
}

// TestDo: a request built by the caller goes through the client's stack
// (the token is added, the rate limit noted), an error status is an
// answer, not an error; a request outside the base URL, a nil request and
// a Client not made by NewClient are refused before anything is sent.
func TestDo(t *testing.T) {
	c, ts := setup(t)
	ts.handle("GET /v2/me", func(w http.ResponseWriter, r *http.Request) { reply(w, 200, meJSON) })
	ts.handle("GET /v2/rooms/9", func(w http.ResponseWriter, r *http.Request) {
		reply(w, 404, `{"errors":["Resource not found"]}`)
	})
	get := func(u string) *http.Request {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, u, nil)
		if err != nil {
			t.Fatal(err)
		}
		return req
	}
	resp, err := c.Do(get(testBaseURL + "/me"))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET /me: %v, %v", resp, err)
	}
	resp.Body.Close()
	if got := ts.last().Header.Get("X-Chatworktoken"); got != testToken {
		t.Errorf("token header %q", got)
	}
	if rl := c.RateLimit(); rl.Remaining != 299 {
		t.Errorf("rate limit after Do: %+v", rl)
	}
	resp, err = c.Do(get(testBaseURL + "/rooms/9"))
	if err != nil || resp.StatusCode != 404 {
		t.Fatalf("GET /rooms/9: %v, %v; want the 404 as an answer", resp, err)
	}
	resp.Body.Close()

	sent := len(ts.requests())
	for name, req := range map[string]*http.Request{
		"another host":       get("https://elsewhere.invalid/v2/me"),
		"another scheme":     get("http://api.chatwork.invalid/v2/me"),
		"outside the base":   get("https://api.chatwork.invalid/v3/me"),
		"a prefix of a name": get("https://api.chatwork.invalid/v2me"),
		"a nil request":      nil,
	} {
		resp, err := c.Do(req)
		if resp != nil {
			resp.Body.Close()
		}
		if !errors.Is(err, api.ErrInvalidInput) {
			t.Errorf("%s: %v, want an *InputError", name, err)
		}
	}
	resp, err = (&api.Client{}).Do(get(testBaseURL + "/me"))
	if resp != nil {
		resp.Body.Close()
	}
	if !errors.Is(err, api.ErrInvalidInput) {
		t.Errorf("a Client not made by NewClient: %v", err)
	}
	if n := len(ts.requests()); n != sent {
		t.Errorf("%d refused requests were sent", n-sent)
	}
}
