package api

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/chatwork-go/chatwork/api/pacing"
	"github.com/chatwork-go/chatwork/internal/budgets"
)

// Option configures a Client. Options check their input and make NewClient
// fail on a bad value; their order does not matter.
type Option func(*config) error

type config struct {
	baseURL      string
	insecureHTTP bool // plain http allowed to any host (WithInsecureHTTP)
	httpClient   *http.Client
	userAgent    string
	logger       *slog.Logger

	// pacing
	globalLimit  int            // requests per globalWindow; 0 turns pacing off
	globalWindow time.Duration  //
	roomLimit    int            // posts and task creations per room per roomWindow; 0 turns it off
	roomWindow   time.Duration  //
	limiter      pacing.Limiter // nil: pacing.NewLocal to the budgets above

	// retries
	maxRateLimitWait time.Duration // total wait allowed for 429s of one call
	maxRetries       int           // retries of 5xx and network errors
	backoffBase      time.Duration
	backoffMax       time.Duration
}

func defaultConfig() config {
	return config{
		baseURL:          DefaultBaseURL,
		userAgent:        "chatwork-go/" + Version,
		logger:           slog.New(slog.DiscardHandler),
		globalLimit:      budgets.AccountLimit,
		globalWindow:     budgets.AccountWindow,
		roomLimit:        budgets.RoomLimit,
		roomWindow:       budgets.RoomWindow,
		maxRateLimitWait: apiWindow + resetSlack, // a whole window of the account, with room to spare
		maxRetries:       3,
		backoffBase:      500 * time.Millisecond,
		backoffMax:       8 * time.Second,
	}
}

// WithBaseURL sets the API endpoint, for a proxy or a fake server such as
// package apitest. It must be an absolute http or https URL without user
// info, query or fragment; the default is DefaultBaseURL. Plain http is
// accepted only for loopback hosts (127.0.0.0/8, ::1, localhost) and names
// under .invalid, unless WithInsecureHTTP is given too: the token would
// cross the network in clear.
//
// Credentials are sent only to the scheme and host of this URL; see the
// package documentation on redirects.
func WithBaseURL(raw string) Option {
	return func(c *config) error {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return &InputError{Field: "WithBaseURL", Reason: fmt.Sprintf("%q is not an absolute http(s) URL", redactURL(raw))}
		}
		if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || u.User != nil {
			return &InputError{Field: "WithBaseURL", Reason: fmt.Sprintf("%q must have no query, fragment or user info", redactURL(raw))}
		}
		c.baseURL = strings.TrimSuffix(u.String(), "/")
		return nil
	}
}

// WithInsecureHTTP allows a plain http base URL to a host that is not
// loopback, such as a proxy on a trusted network. The token then travels
// in clear: anyone on the path can read it and act as the account. Without
// this option NewClient refuses such a URL.
func WithInsecureHTTP() Option {
	return func(c *config) error {
		c.insecureHTTP = true
		return nil
	}
}

// WithHTTPClient sends requests through a copy of hc, keeping its transport,
// timeout, cookie jar and redirect policy; a redirect to another origin than
// the base URL's is refused whatever that policy says. hc itself is never
// changed.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) error {
		if hc == nil {
			return &InputError{Field: "WithHTTPClient", Reason: "is nil"}
		}
		c.httpClient = hc
		return nil
	}
}

// WithUserAgent sets the User-Agent header of every request.
func WithUserAgent(ua string) Option {
	return func(c *config) error {
		if ua == "" || strings.ContainsAny(ua, "\r\n") {
			return &InputError{Field: "WithUserAgent", Reason: "must be one non-empty line"}
		}
		c.userAgent = ua
		return nil
	}
}

// WithLogger logs each request at debug level (method, path, status,
// duration, remaining rate limit) and each wait at info level. Tokens are
// never logged.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return &InputError{Field: "WithLogger", Reason: "is nil"}
		}
		c.logger = l
		return nil
	}
}

// WithRateLimit sets the account's budget the client paces itself to:
// limit requests per window (300 per 5 minutes by default). The client also
// follows the x-ratelimit-* headers it receives. A limit of 0 turns pacing
// off; 429 answers are still waited out and retried.
func WithRateLimit(limit int, window time.Duration) Option {
	return func(c *config) error {
		if limit < 0 || (limit > 0 && window <= 0) {
			return &InputError{Field: "WithRateLimit", Reason: fmt.Sprintf("%d per %v is not a budget", limit, window)}
		}
		c.globalLimit, c.globalWindow = limit, window
		return nil
	}
}

// WithRoomPostLimit sets the per-room budget shared by message posts and
// task creation (10 per 10 seconds by default). A limit of 0 turns it off.
func WithRoomPostLimit(limit int, window time.Duration) Option {
	return func(c *config) error {
		if limit < 0 || (limit > 0 && window <= 0) {
			return &InputError{Field: "WithRoomPostLimit", Reason: fmt.Sprintf("%d per %v is not a budget", limit, window)}
		}
		c.roomLimit, c.roomWindow = limit, window
		if window <= 0 {
			c.roomWindow = budgets.RoomWindow
		}
		return nil
	}
}

// WithLimiter paces the client with l instead of the in-memory limiter
// built from WithRateLimit and WithRoomPostLimit (which then do not apply:
// l's budgets do, for pacing and after a 429 alike). Use it to share one
// budget among several processes on one token, with package redislimit.
// The client checks the x-ratelimit-* headers and tells a room's 429 from
// the account's before l sees them (see pacing.Observation).
func WithLimiter(l pacing.Limiter) Option {
	return func(c *config) error {
		if l == nil {
			return &InputError{Field: "WithLimiter", Reason: "is nil"}
		}
		c.limiter = l
		return nil
	}
}

// WithMaxRateLimitWait sets the longest one call may wait in total for its
// Limiter, before its attempts and after 429s (6 minutes by default: a
// whole window of the account's budget, with room to spare; 0: never
// wait). The context's deadline may make it shorter: see the package
// documentation, Rate limits.
func WithMaxRateLimitWait(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 {
			return &InputError{Field: "WithMaxRateLimitWait", Reason: "is negative"}
		}
		c.maxRateLimitWait = d
		return nil
	}
}

// WithRetries sets how often a call is retried after a 502, 503 or 504 or a
// network error (3 by default), and the backoff: base·2ⁿ, capped at max,
// less up to a quarter of jitter. Only requests the server certainly did not
// act on are retried when they are POSTs; see the package documentation.
func WithRetries(n int, base, max time.Duration) Option {
	return func(c *config) error {
		if n < 0 || base < 0 || max < base {
			return &InputError{Field: "WithRetries", Reason: fmt.Sprintf("%d retries, backoff %v..%v is not a policy", n, base, max)}
		}
		c.maxRetries, c.backoffBase, c.backoffMax = n, base, max
		return nil
	}
}
