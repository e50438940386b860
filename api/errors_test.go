package api_test

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/chatwork-go/chatwork/api"
	"github.com/chatwork-go/chatwork/api/apitest"
)

// TestAPIErrors: an answer outside 2xx is an *APIError with the method,
// path, status, rate limit and the API's messages, matching exactly one
// sentinel (ErrBadRequest ... ErrServer); a 401's WWW-Authenticate, a 404's
// free-plan limitation and a 429's reset are kept.
func TestAPIErrors(t *testing.T) {
	c, ts := setup(t, api.WithMaxRateLimitWait(0))
	ts.handle("/v2/rooms/{room}", func(w http.ResponseWriter, r *http.Request) {
		status := map[string]int{"400": 400, "401": 401, "403": 403, "404": 404, "429": 429, "500": 500}[r.PathValue("room")[:3]]
		switch status {
		case 401:
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token", error_description="The access token expired"`)
		case 404:
			w.Header().Set("Chatwork-Message-Limitation", "true")
		}
		if status == 500 {
			reply(w, 500, "<html>oops</html>")
			return
		}
		reply(w, status, `{"errors":["problem `+r.PathValue("room")[:3]+`"]}`)
	})
	cases := []struct {
		room     int64
		sentinel error
	}{
		{400111, api.ErrBadRequest}, {401111, api.ErrUnauthorized}, {403111, api.ErrForbidden},
		{404111, api.ErrNotFound}, {429111, api.ErrRateLimited}, {500111, api.ErrServer},
	}
	for _, tc := range cases {
		_, r, err := c.Rooms.Get(t.Context(), tc.room)
		var ae *api.APIError
		if !errors.As(err, &ae) {
			t.Fatalf("room %d: %v is not an *APIError", tc.room, err)
		}
		if !errors.Is(err, tc.sentinel) {
			t.Errorf("room %d: errors.Is(%v, %v) is false", tc.room, err, tc.sentinel)
		}
		for _, other := range cases {
			if other.room != tc.room && errors.Is(err, other.sentinel) {
				t.Errorf("room %d: also matches %v", tc.room, other.sentinel)
			}
		}
		if ae.Method != "GET" || ae.Path != "/v2/rooms/"+itoa(int(tc.room)) || ae.RateLimit.Limit != 300 || r == nil || r.StatusCode != ae.StatusCode {
			t.Errorf("room %d: %+v", tc.room, ae)
		}
		if tc.room != 500111 && (len(ae.Errors) != 1 || !strings.Contains(err.Error(), ae.Errors[0])) {
			t.Errorf("room %d: errors %v not in %q", tc.room, ae.Errors, err)
		}
		switch tc.room {
		case 401111:
			if ae.Auth == nil || ae.Auth.Scheme != "Bearer" || ae.Auth.Code != "invalid_token" || ae.Auth.Description != "The access token expired" {
				t.Errorf("WWW-Authenticate parsed as %+v", ae.Auth)
			}
		case 404111:
			if !ae.MessageLimited {
				t.Error("the free-plan limitation flag is lost")
			}
		case 429111:
			var rl *api.RateLimitError
			if !errors.As(err, &rl) || rl.PerRoom || rl.Reset.Before(time.Now()) {
				t.Errorf("429: %#v", err)
			}
		}
	}
}

// TestErrorBodiesAreCapped: an error body beyond 1 MiB is not read whole
// and does not end up in the error.
func TestErrorBodiesAreCapped(t *testing.T) {
	c, ts := setup(t)
	ts.handle("/", func(w http.ResponseWriter, r *http.Request) {
		rateHeaders(w, 1)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(400)
		_, _ = io.WriteString(w, `{"errors":["`)
		chunk := bytes.Repeat([]byte("x"), 64<<10)
		for range 64 { // 4 MiB, more than the 1 MiB cap
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
		_, _ = io.WriteString(w, `"]}`)
	})
	_, _, err := c.Me.Get(t.Context())
	var ae *api.APIError
	if !errors.As(err, &ae) || ae.StatusCode != 400 || len(ae.Errors) != 0 || len(err.Error()) > 1000 {
		t.Fatalf("err = %.200v", err)
	}
}

// TestRejectedOAuthToken: a rejected OAuth access token gets, as from
// Chatwork, a 401 with no body and no rate-limit headers, its reason only
// in WWW-Authenticate (the fake answers so, and the spec allows it). The
// client's error is ErrUnauthorized with WWW-Authenticate's error and
// error_description, and says them; it does not call the empty body
// unexpected.
func TestRejectedOAuthToken(t *testing.T) {
	s := apitest.NewServer(t, apitest.WithoutListener())
	c, err := api.NewOAuthClient(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "revoked-or-never-issued", TokenType: "Bearer"}),
		api.WithBaseURL(s.URL()), api.WithHTTPClient(&http.Client{Transport: s.Transport()}))
	if err != nil {
		t.Fatal(err)
	}
	_, r, err := c.Me.Get(t.Context())
	var ae *api.APIError
	if !errors.As(err, &ae) || !errors.Is(err, api.ErrUnauthorized) {
		t.Fatalf("err = %v, want an *APIError matching ErrUnauthorized", err)
	}
	if r == nil || r.StatusCode != http.StatusUnauthorized || len(ae.Errors) != 0 {
		t.Errorf("response %v, errors %q: want a 401 without an error body", r, ae.Errors)
	}
	if ae.Auth == nil || ae.Auth.Scheme != "Bearer" || ae.Auth.Code != "invalid_token" || ae.Auth.Description != "The access token is invalid" {
		t.Errorf("WWW-Authenticate read as %+v", ae.Auth)
	}
	if msg := err.Error(); !strings.Contains(msg, "invalid_token: The access token is invalid") || strings.Contains(msg, "revoked-or-never-issued") {
		t.Errorf("the error says %q: want the challenge, and never the token", msg)
	}
}
