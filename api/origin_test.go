package api_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"golang.org/x/oauth2"

	"github.com/chatwork-go/chatwork/api"
)

// elsewhere is a server on another origin than the API's: it records what
// reaches it and answers like the API would, so that a client following a
// redirect there would take its answer for success.
type elsewhere struct {
	*httptest.Server
	mu   sync.Mutex
	hits []recorded
}

func newElsewhere(t *testing.T) *elsewhere {
	e := &elsewhere{}
	e.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		e.mu.Lock()
		e.hits = append(e.hits, recorded{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Body: body})
		e.mu.Unlock()
		reply(w, 200, `{"message_id":"1","room_id":1,"account_id":1}`)
	}))
	t.Cleanup(e.Close)
	return e
}

func (e *elsewhere) received() []recorded {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]recorded(nil), e.hits...)
}

// TestRedirectToAnotherHostIsRefused: the API host answers every request
// with a redirect to another origin. No request, and so neither the token
// nor a message body, reaches it, whatever the method and redirect status,
// with the client's own http.Client and with a caller's that follows every
// redirect; the call fails with a *RedirectError.
func TestRedirectToAnotherHostIsRefused(t *testing.T) {
	evil := newElsewhere(t)
	for _, status := range []int{301, 302, 303, 307, 308} {
		api1 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			w.Header().Set("Location", evil.URL+r.URL.Path)
			w.WriteHeader(status)
		}))
		t.Cleanup(api1.Close)
		followAll := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return nil }}
		clients := map[string]*api.Client{}
		clients["token"], _ = api.NewClient(testToken, api.WithBaseURL(api1.URL+"/v2"))
		clients["token, caller's http.Client"], _ = api.NewClient(testToken, api.WithBaseURL(api1.URL+"/v2"), api.WithHTTPClient(followAll))
		clients["oauth"], _ = api.NewOAuthClient(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: testToken}), api.WithBaseURL(api1.URL+"/v2"))
		for name, c := range clients {
			ctx := t.Context()
			calls := map[string]func() error{
				"GET":    func() error { _, _, err := c.Me.Get(ctx); return err },
				"POST":   func() error { _, _, err := c.Messages.Post(ctx, 1, "secret message", nil); return err },
				"PUT":    func() error { _, err := c.Rooms.Update(ctx, 1, api.UpdateRoomParams{Name: "n"}); return err },
				"DELETE": func() error { _, err := c.Messages.Delete(ctx, 1, "5"); return err },
			}
			for method, call := range calls {
				err := call()
				var re *api.RedirectError
				if !errors.As(err, &re) || !errors.Is(err, api.ErrRedirect) {
					t.Errorf("%d, %s, %s: err = %v, want a *RedirectError", status, name, method, err)
					continue
				}
				if re.StatusCode != status || re.Method != method || !strings.HasPrefix(re.Location, evil.URL) {
					t.Errorf("%d, %s, %s: %+v", status, name, method, re)
				}
				if strings.Contains(err.Error(), testToken) {
					t.Errorf("the error leaks the token: %v", err)
				}
			}
		}
	}
	for _, h := range evil.received() {
		t.Errorf("the other host received %s %s (token %q, bearer %q, body %q)", h.Method, h.Path,
			h.Header.Get("X-Chatworktoken"), h.Header.Get("Authorization"), h.Body)
	}
}

// TestRedirectWithinTheAPIHostIsFollowed: a redirect to the base URL's own
// origin keeps working, with the token, as net/http's would.
func TestRedirectWithinTheAPIHostIsFollowed(t *testing.T) {
	c, ts := setup(t)
	ts.handle("GET /v2/me", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/v2/my/status", http.StatusFound)
	})
	ts.handle("GET /v2/my/status", func(w http.ResponseWriter, r *http.Request) {
		reply(w, 200, `{"account_id":7,"room_id":8,"name":"x"}`)
	})
	me, _, err := c.Me.Get(t.Context())
	if err != nil || me.AccountID != 7 {
		t.Fatalf("%+v, %v", me, err)
	}
	if reqs := ts.requests(); len(reqs) != 2 || reqs[1].Header.Get("X-Chatworktoken") != testToken {
		t.Errorf("requests %+v", reqs)
	}
}

// TestPlainHTTPRefusedForRemoteHosts: http:// sends the token in clear, so
// it is refused unless the host is loopback or the caller opts in; no
// error repeats a password written into the URL.
func TestPlainHTTPRefusedForRemoteHosts(t *testing.T) {
	refused := []string{
		"http://chatwork.example.com/v2",
		"http://10.0.0.1/v2",
		"http://localhost.example.com/v2",
		"http://[2001:db8::1]:8080/v2",
		"HTTP://API.CHATWORK.COM/v2",
	}
	for _, u := range refused {
		_, err := api.NewClient(testToken, api.WithBaseURL(u))
		var ie *api.InputError
		if !errors.As(err, &ie) || ie.Field != "WithBaseURL" || !strings.Contains(err.Error(), "WithInsecureHTTP") {
			t.Errorf("%s: err = %v, want an *InputError about plain http naming WithInsecureHTTP", u, err)
		}
		// The opt-in works whatever the order of the options.
		if _, err := api.NewClient(testToken, api.WithInsecureHTTP(), api.WithBaseURL(u)); err != nil {
			t.Errorf("%s with WithInsecureHTTP: %v", u, err)
		}
	}
	allowed := []string{
		"https://chatwork.example.com/v2",
		"http://127.0.0.1:8080/v2",
		"http://127.45.0.9/v2",
		"http://[::1]:9000/v2",
		"http://localhost:3000/v2",
		"http://apitest.invalid/v2",
	}
	for _, u := range allowed {
		if _, err := api.NewClient(testToken, api.WithBaseURL(u)); err != nil {
			t.Errorf("%s: %v", u, err)
		}
	}
	const password = "s3cr3t-passw0rd"
	for _, u := range []string{
		"https://user:" + password + "@chatwork.example.com/v2",
		"http://user:" + password + "@[::1/v2",
		"user:" + password + "@chatwork.example.com/v2",
		"https://user:" + password + "/x@chatwork.example.com/v2",
		"https://chatwork.example.com/v2?token=" + password,
		"ht\ttp://user:" + password + "@x/v2",
	} {
		_, err := api.NewClient(testToken, api.WithBaseURL(u))
		if !errors.Is(err, api.ErrInvalidInput) {
			t.Errorf("%q: err = %v, want ErrInvalidInput", u, err)
		}
		if err != nil && strings.Contains(err.Error(), password) {
			t.Errorf("%q: the error repeats the password: %v", u, err)
		}
	}
}
