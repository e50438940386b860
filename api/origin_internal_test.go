package api

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

type headerCatcher struct{ got http.Header }

func (h *headerCatcher) RoundTrip(req *http.Request) (*http.Response, error) {
	h.got = req.Header
	return &http.Response{StatusCode: 204, Body: http.NoBody, Request: req}, nil
}

// TestAuthOnlyForTheHomeOrigin: whatever reaches the auth layer (a
// redirect a caller's policy let through, a hand-made request through
// Raw), credentials are added only for the base URL's scheme and host,
// compared without case and default port.
func TestAuthOnlyForTheHomeOrigin(t *testing.T) {
	base, _ := url.Parse("https://API.chatwork.com/v2")
	catcher := &headerCatcher{}
	at := newAuthTransport(catcher, func(h http.Header) error {
		h["X-Chatworktoken"] = []string{"secret"}
		return nil
	}, "ua", originOf(base))
	cases := map[string]bool{
		"https://api.chatwork.com/v2/me":      true,
		"https://api.chatwork.com:443/v2/me":  true,
		"https://Api.Chatwork.Com/v2/me":      true,
		"http://api.chatwork.com/v2/me":       false,
		"https://api.chatwork.com:8443/v2/me": false,
		"https://evil.example.com/v2/me":      false,
		"https://api.chatwork.com.evil/v2/me": false,
	}
	for raw, want := range cases {
		req, _ := http.NewRequest("GET", raw, nil)
		req.Header.Set("X-Chatworktoken", "smuggled")
		req.Header.Set("Authorization", "Bearer smuggled")
		resp, err := at.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := catcher.got.Get("X-Chatworktoken") == "secret"; got != want {
			t.Errorf("%s: token sent %v, want %v", raw, got, want)
		}
		if strings.Contains(catcher.got.Get("X-Chatworktoken")+catcher.got.Get("Authorization"), "smuggled") {
			t.Errorf("%s: a caller's auth header went through", raw)
		}
	}
}
