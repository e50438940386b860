package oauth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/chatwork-go/chatwork/api"
	"github.com/chatwork-go/chatwork/internal/limits"
)

// Config is an OAuth 2.0 client registered with Chatwork, using the
// authorization code grant with PKCE (S256).
//
// Chatwork documents expires_in two ways (seconds, or a string of epoch
// milliseconds), so this package ignores it: a token's expiry comes from
// the access token's own exp claim (it is a JWT), else 15 minutes from
// issue. Tokens are refreshed ten seconds before they expire, never sent
// expired.
type Config struct {
	ClientID     string
	ClientSecret string // empty for a public client
	RedirectURL  string // needed when the client has several
	Scopes       []string

	// AuthURL and TokenURL default to the package's AuthURL and TokenURL.
	AuthURL, TokenURL string
	// HTTPClient, if set, is used for the token endpoint.
	HTTPClient *http.Client
}

func (c *Config) oauth2() *oauth2.Config {
	cfg := &oauth2.Config{
		ClientID:     c.ClientID,
		ClientSecret: c.ClientSecret,
		RedirectURL:  c.RedirectURL,
		Scopes:       c.Scopes,
		Endpoint: oauth2.Endpoint{
			AuthURL:  AuthURL,
			TokenURL: TokenURL,
			// Confidential clients authenticate with HTTP Basic: Chatwork
			// rejects the credentials in the body.
			AuthStyle: oauth2.AuthStyleInHeader,
		},
	}
	if c.AuthURL != "" {
		cfg.Endpoint.AuthURL = c.AuthURL
	}
	if c.TokenURL != "" {
		cfg.Endpoint.TokenURL = c.TokenURL
	}
	if c.ClientSecret == "" {
		cfg.Endpoint.AuthStyle = oauth2.AuthStyleInParams
	}
	return cfg
}

func (c *Config) ctx(ctx context.Context) context.Context {
	if c.HTTPClient != nil {
		return context.WithValue(ctx, oauth2.HTTPClient, c.HTTPClient)
	}
	return ctx
}

// NewVerifier returns a new random PKCE code verifier. Keep it with the
// state until the user comes back, then pass it to Exchange.
func NewVerifier() string { return oauth2.GenerateVerifier() }

// AuthCodeURL returns the consent page's URL, with state against CSRF and
// the S256 challenge of verifier.
func (c *Config) AuthCodeURL(state, verifier string) string {
	return c.oauth2().AuthCodeURL(state, oauth2.S256ChallengeOption(verifier))
}

// Exchange trades the code from the redirect (valid for one minute) and the
// verifier for a token.
func (c *Config) Exchange(ctx context.Context, code, verifier string) (*oauth2.Token, error) {
	if code == "" {
		return nil, &api.InputError{Field: "code", Reason: "is empty"}
	}
	tok, err := c.oauth2().Exchange(c.ctx(ctx), code, oauth2.VerifierOption(verifier))
	if err != nil {
		return nil, oauthError(err)
	}
	return withExpiry(tok, time.Now()), nil
}

// Refresh trades a refresh token for a new token.
func (c *Config) Refresh(ctx context.Context, refreshToken string) (*oauth2.Token, error) {
	if refreshToken == "" {
		return nil, &api.InputError{Field: "refresh_token", Reason: "is empty"}
	}
	// An empty access token makes the source refresh at once.
	tok, err := c.oauth2().TokenSource(c.ctx(ctx), &oauth2.Token{RefreshToken: refreshToken}).Token()
	if err != nil {
		return nil, oauthError(err)
	}
	if tok.RefreshToken == "" {
		tok.RefreshToken = refreshToken
	}
	return withExpiry(tok, time.Now()), nil
}

// TokenSource returns a source that gives tok while it is valid and
// refreshes it when it is about to expire. It is safe for concurrent use
// and refreshes once at a time (two racing refreshes would make Chatwork
// answer invalid_grant). Pass it to api.NewOAuthClient.
func (c *Config) TokenSource(ctx context.Context, tok *oauth2.Token) oauth2.TokenSource {
	if tok != nil {
		tok = withExpiry(tok, time.Now())
	}
	return oauth2.ReuseTokenSource(tok, &refresher{cfg: c, ctx: ctx, last: tok})
}

type refresher struct {
	cfg  *Config
	ctx  context.Context
	mu   sync.Mutex
	last *oauth2.Token
}

func (r *refresher) Token() (*oauth2.Token, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.last == nil || r.last.RefreshToken == "" {
		return nil, errors.New("chatwork: oauth: the token has expired and there is no refresh token")
	}
	tok, err := r.cfg.Refresh(r.ctx, r.last.RefreshToken)
	if err != nil {
		return nil, err
	}
	r.last = tok
	return tok, nil
}

// withExpiry sets tok.Expiry from the access token's exp claim, else to 15
// minutes from issued.
func withExpiry(tok *oauth2.Token, issued time.Time) *oauth2.Token {
	t := *tok
	if exp, ok := jwtExpiry(t.AccessToken); ok {
		t.Expiry = exp
	} else {
		t.Expiry = issued.Add(limits.AccessTokenLifetime)
	}
	t.ExpiresIn = 0
	return &t
}

// jwtExpiry reads the exp claim of a JWT without checking its signature:
// it only decides when to refresh, the API checks the token.
func jwtExpiry(token string) (time.Time, bool) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return time.Time{}, false
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return time.Time{}, false
	}
	var claims struct {
		Exp json.Number `json:"exp"`
	}
	if json.Unmarshal(payload, &claims) != nil {
		return time.Time{}, false
	}
	exp, err := claims.Exp.Int64()
	if err != nil || exp <= 0 {
		return time.Time{}, false
	}
	return time.Unix(exp, 0), true
}

// oauthError keeps the token endpoint's error code and description and
// drops the raw body, which may echo credentials.
func oauthError(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		msg := "chatwork: oauth token endpoint"
		if re.Response != nil {
			msg += ": " + re.Response.Status
		}
		if re.ErrorCode != "" {
			msg += ": " + re.ErrorCode
		}
		if re.ErrorDescription != "" {
			msg += ": " + re.ErrorDescription
		}
		return errors.New(msg)
	}
	return err
}
