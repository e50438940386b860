package oauth_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/chatwork-go/chatwork/api"
	"github.com/chatwork-go/chatwork/api/oauth"
	"github.com/chatwork-go/chatwork/internal/limits"
)

// jwt returns an unsigned JWT-shaped token with the given exp claim.
func jwt(exp int64) string {
	enc := base64.RawURLEncoding
	payload, _ := json.Marshal(map[string]any{"exp": exp, "iss": "https://oauth.chatwork.com"})
	return enc.EncodeToString([]byte(`{"alg":"RS256"}`)) + "." + enc.EncodeToString(payload) + ".sig"
}

// tokenEndpoint is a fake token endpoint that checks client authentication
// and answers with expires_in as Chatwork's own example does: a string of
// epoch milliseconds.
func tokenEndpoint(t *testing.T, accessExp func() int64) (*httptest.Server, *atomic.Int32) {
	var refreshes atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, pass, ok := r.BasicAuth()
		if !ok || user != "client-id" || pass != "s3cret" {
			t.Errorf("client authentication: basic auth %v %q", ok, user)
		}
		if err := r.ParseForm(); err != nil {
			t.Fatal(err)
		}
		if r.PostForm.Get("client_secret") != "" {
			t.Error("the client secret was sent in the body; Chatwork wants HTTP Basic")
		}
		switch r.PostForm.Get("grant_type") {
		case "authorization_code":
			if r.PostForm.Get("code") != "the-code" || len(r.PostForm.Get("code_verifier")) < 43 {
				t.Errorf("exchange form %v", r.PostForm)
			}
		case "refresh_token":
			refreshes.Add(1)
			if r.PostForm.Get("refresh_token") == "" {
				t.Error("refresh without refresh_token")
			}
		default:
			t.Errorf("grant_type %q", r.PostForm.Get("grant_type"))
		}
		w.Header().Set("Content-Type", "application/json")
		n := refreshes.Load()
		fmt.Fprintf(w, `{"access_token":%q,"token_type":"Bearer","expires_in":"1501138041000","refresh_token":"refresh-%d","scope":"rooms.all:read_write"}`,
			jwt(accessExp()), n)
	}))
	t.Cleanup(srv.Close)
	return srv, &refreshes
}

// TestOAuthAuthCodeURL: the consent URL has Chatwork's endpoint, the
// client, state, scopes and redirect URL, and a PKCE S256 challenge of the
// verifier.
func TestOAuthAuthCodeURL(t *testing.T) {
	cfg := &oauth.Config{ClientID: "client-id", ClientSecret: "s3cret", RedirectURL: "https://example.com/cb",
		Scopes: []string{oauth.ScopeRoomsAllReadWrite, oauth.ScopeUsersProfileMeRead}}
	verifier := oauth.NewVerifier()
	u, err := url.Parse(cfg.AuthCodeURL("state-123", verifier))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if u.Scheme+"://"+u.Host+u.Path != oauth.AuthURL {
		t.Errorf("endpoint %s", u)
	}
	want := map[string]string{"response_type": "code", "client_id": "client-id", "state": "state-123",
		"scope": "rooms.all:read_write users.profile.me:read", "code_challenge_method": "S256", "redirect_uri": "https://example.com/cb"}
	for k, v := range want {
		if q.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, q.Get(k), v)
		}
	}
	if c := q.Get("code_challenge"); c != oauth2.S256ChallengeFromVerifier(verifier) || len(c) != 43 {
		t.Errorf("code_challenge %q", c)
	}
}

// TestOAuthExpiryComesFromTheJWT: a token's expiry is the exp claim of the
// access token, not Chatwork's expires_in (milliseconds since the epoch,
// as a string).
func TestOAuthExpiryComesFromTheJWT(t *testing.T) {
	exp := time.Now().Add(15 * time.Minute).Unix()
	srv, _ := tokenEndpoint(t, func() int64 { return exp })
	cfg := &oauth.Config{ClientID: "client-id", ClientSecret: "s3cret", TokenURL: srv.URL}
	tok, err := cfg.Exchange(t.Context(), "the-code", oauth.NewVerifier())
	if err != nil {
		t.Fatal(err)
	}
	// expires_in "1501138041000" read as seconds would mean 68 years.
	if !tok.Expiry.Equal(time.Unix(exp, 0)) {
		t.Errorf("expiry %v, want the exp claim %v", tok.Expiry, time.Unix(exp, 0))
	}
	if tok.RefreshToken != "refresh-0" {
		t.Errorf("refresh token %q", tok.RefreshToken)
	}
}

// TestOAuthWithoutJWTExpiresAfterTheAccessTokenLifetime: an access token
// that is not a JWT is taken to expire after the lifetime openapi.yaml
// gives access tokens.
func TestOAuthWithoutJWTExpiresAfterTheAccessTokenLifetime(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"access_token":"opaque","token_type":"Bearer","expires_in":"1501138041000","refresh_token":"r"}`)
	}))
	defer srv.Close()
	cfg := &oauth.Config{ClientID: "client-id", ClientSecret: "s3cret", TokenURL: srv.URL}
	before := time.Now()
	tok, err := cfg.Exchange(t.Context(), "the-code", oauth.NewVerifier())
	if err != nil {
		t.Fatal(err)
	}
	if d := tok.Expiry.Sub(before); d < limits.AccessTokenLifetime-time.Second || d > limits.AccessTokenLifetime+time.Second {
		t.Errorf("expiry in %v, want %v", d, limits.AccessTokenLifetime)
	}
}

// TestOAuthClientRefreshesBeforeUse: an expired access token is never sent;
// the source refreshes first, once, even with concurrent callers.
func TestOAuthClientRefreshesBeforeUse(t *testing.T) {
	srv, refreshes := tokenEndpoint(t, func() int64 { return time.Now().Add(15 * time.Minute).Unix() })
	expired := jwt(time.Now().Add(-time.Minute).Unix())
	var sent []string
	api1 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sent = append(sent, strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"unread_room_num":0,"mention_room_num":0,"mytask_room_num":0,"unread_num":0,"mention_num":0,"mytask_num":0}`)
	}))
	defer api1.Close()
	cfg := &oauth.Config{ClientID: "client-id", ClientSecret: "s3cret", TokenURL: srv.URL}
	ts := cfg.TokenSource(t.Context(), &oauth2.Token{AccessToken: expired, RefreshToken: "refresh-old"})
	c, err := api.NewOAuthClient(ts, api.WithBaseURL(api1.URL+"/v2"))
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, _, err := c.Me.Status(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	if refreshes.Load() != 1 {
		t.Errorf("%d refreshes, want 1", refreshes.Load())
	}
	for _, tok := range sent {
		if tok == expired {
			t.Fatal("an expired access token was sent")
		}
	}
}

// TestOAuthErrorKeepsTheCode: a refused refresh names the OAuth error code
// and not the refresh token; an empty refresh token is refused before
// sending.
func TestOAuthErrorKeepsTheCode(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(400)
		fmt.Fprint(w, `{"error":"invalid_grant","error_description":"The refresh token is expired","error_uri":null}`)
	}))
	defer srv.Close()
	cfg := &oauth.Config{ClientID: "client-id", ClientSecret: "s3cret", TokenURL: srv.URL}
	_, err := cfg.Refresh(t.Context(), "old-refresh-token")
	if err == nil || !strings.Contains(err.Error(), "invalid_grant") || strings.Contains(err.Error(), "old-refresh-token") {
		t.Errorf("err = %v", err)
	}
	if _, err := cfg.Refresh(t.Context(), ""); !errors.Is(err, api.ErrInvalidInput) {
		t.Errorf("empty refresh token: %v", err)
	}
}
