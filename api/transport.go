package api

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"time"

	"github.com/chatwork-go/chatwork/internal/wait"
)

// authTransport sets the one authentication header and the User-Agent on a
// clone of each request. It removes both auth headers from every request,
// and adds credentials back only to requests for the base URL's origin
// (scheme and host): whatever reaches it, such as a redirect the caller's
// policy let through, no other host receives the token. With auth nil it
// adds none, which is how download URLs on other hosts are fetched.
type authTransport struct {
	next      http.RoundTripper
	auth      func(http.Header) error
	userAgent []string // one value, len == cap: shared read-only by every request
	home      origin   // the base URL's scheme and host
}

func newAuthTransport(next http.RoundTripper, auth func(http.Header) error, userAgent string, home origin) *authTransport {
	return &authTransport{next: next, auth: auth, userAgent: []string{userAgent}[:1:1], home: home}
}

func (t *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	// A shallow copy with its own Header: this layer changes nothing else.
	r := new(http.Request)
	*r = *req
	r.Header = make(http.Header, len(req.Header)+2)
	for k, v := range req.Header {
		if k != "X-Chatworktoken" && k != "Authorization" {
			r.Header[k] = v[:len(v):len(v)] // an append by a later layer copies
		}
	}
	if t.auth != nil && req.URL != nil && t.home.is(req.URL) {
		if err := t.auth(r.Header); err != nil {
			closeBody(req)
			return nil, err
		}
	}
	r.Header["User-Agent"] = t.userAgent
	return t.next.RoundTrip(r)
}

// postRoomKey is the context key of the room whose posting budget a
// request spends.
type postRoomKey struct{}

// withPostRoom marks the requests made with ctx as spending the posting
// budget of room (the operations the spec marks x-chatwork-room-post-limit:
// Messages.Post and Tasks.Create, which know the room).
func withPostRoom(ctx context.Context, room int64) context.Context {
	return context.WithValue(ctx, postRoomKey{}, room)
}

// postRoom returns the room whose posting budget req spends, 0 for none.
func postRoom(req *http.Request) int64 {
	room, _ := req.Context().Value(postRoomKey{}).(int64)
	return room
}

// retryTransport paces and retries. Before each attempt it waits for the
// Limiter, and it tells the Limiter what each answer said. It retries what
// is safe to retry: a 429 (the server refused the request, whatever the
// method) after the limit resets, and for GET, PUT and DELETE also 502, 503,
// 504 and network errors, with backoff. A POST is retried after a network
// error only when the connection was never made, so the server cannot have
// acted on it. Pacing and 429 waits of one call together stay within the
// maximum rate-limit wait.
type retryTransport struct {
	next http.RoundTripper
	c    *Client
}

func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	cfg := &t.c.cfg
	log := t.c.logger()
	room := postRoom(req)
	var waited time.Duration
	retries := 0
	for attempt := 0; ; attempt++ {
		r := req
		if attempt > 0 {
			var err error
			if r, err = replay(req); err != nil {
				return nil, err
			}
		}
		start := time.Now()
		if err := t.c.lim.Wait(ctx, room, max(cfg.maxRateLimitWait-waited, 0)); err != nil {
			closeBody(r)
			var rle *RateLimitError
			if errors.As(err, &rle) {
				rle.Method, rle.Path = req.Method, req.URL.Path
			}
			return nil, err
		}
		now := time.Now()
		waited += now.Sub(start)
		start = now
		resp, err := t.next.RoundTrip(r)
		if err != nil {
			t.c.lim.Observe(room, Observation{})
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if retries < cfg.maxRetries && replayable(req) && safeAfterError(req, err) {
				d := backoff(cfg, retries)
				log.InfoContext(ctx, "chatwork: retrying after network error", "method", req.Method, "path", req.URL.Path, "wait", d, "error", err.Error())
				retries++
				if err := wait.Sleep(ctx, d); err != nil {
					return nil, err
				}
				continue
			}
			return nil, err
		}
		obs := observe(resp)
		t.c.lim.Observe(room, obs)
		if log.Enabled(ctx, slog.LevelDebug) {
			log.DebugContext(ctx, "chatwork: request", "method", req.Method, "path", req.URL.Path, "status", resp.StatusCode,
				"duration", time.Since(start), "ratelimit_remaining", resp.Header.Get("X-Ratelimit-Remaining"))
		}

		switch s := resp.StatusCode; {
		case s == http.StatusTooManyRequests:
			d := t.rateLimitWait(resp, obs)
			if !replayable(req) || waited+d > cfg.maxRateLimitWait {
				return resp, nil
			}
			drain(resp)
			log.InfoContext(ctx, "chatwork: rate limited; waiting", "method", req.Method, "path", req.URL.Path, "wait", d)
			if err := wait.Sleep(ctx, d); err != nil {
				return nil, err
			}
			waited += d
		case (s == http.StatusBadGateway || s == http.StatusServiceUnavailable || s == http.StatusGatewayTimeout) &&
			req.Method != http.MethodPost && retries < cfg.maxRetries && replayable(req):
			drain(resp)
			d := backoff(cfg, retries)
			log.InfoContext(ctx, "chatwork: retrying after server error", "method", req.Method, "path", req.URL.Path, "status", s, "wait", d)
			retries++
			if err := wait.Sleep(ctx, d); err != nil {
				return nil, err
			}
		default:
			return resp, nil
		}
	}
}

// observe is what resp says about the budgets, for the Limiter: the
// checked x-ratelimit-* headers and, for a 429, whose limit it was. That is
// told by the body (the per-room limit has its own message), which is read
// and put back for the caller.
func observe(resp *http.Response) Observation {
	o := Observation{StatusCode: resp.StatusCode}
	o.RateLimit = parseRateLimit(resp.Header)
	if resp.StatusCode != http.StatusTooManyRequests {
		return o
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	msgs, _ := errorMessages(body)
	o.RoomLimited = isRoomLimit(msgs)
	return o
}

// rateLimitWait is how long to wait after a 429: until x-ratelimit-reset
// for the account's limit, a whole window for the per-room limit, plus up to
// a tenth (at most a second) of jitter.
func (t *retryTransport) rateLimitWait(resp *http.Response, o Observation) time.Duration {
	var d time.Duration
	if o.RoomLimited {
		d = t.c.cfg.roomWindow
	} else if !o.RateLimit.IsZero() {
		d = time.Until(o.RateLimit.Reset)
		if date, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
			// The reset is the server's clock; measure from the server's now.
			// Date has a resolution of a second, so keep the later of the two.
			d = max(d, o.RateLimit.Reset.Sub(date))
		}
	}
	if d <= 0 || d > apiWindow+resetSlack {
		d = t.c.cfg.roomWindow // no usable reset: a short, bounded wait
	}
	jitter := min(d/10, time.Second)
	if jitter > 0 {
		d += rand.N(jitter)
	}
	return d
}

// safeAfterError reports whether a request that failed with err may be
// sent again: always for GET, PUT and DELETE; for POST only when the
// connection was never established, so nothing reached the server.
func safeAfterError(req *http.Request, err error) bool {
	if req.Method != http.MethodPost {
		return true
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}

func replayable(req *http.Request) bool { return req.Body == nil || req.GetBody != nil }

func replay(req *http.Request) (*http.Request, error) {
	r := req.Clone(req.Context())
	if req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			return nil, err
		}
		r.Body = body
	}
	return r, nil
}

// backoff is base·2ⁿ capped at max, less up to a quarter of jitter.
func backoff(cfg *config, n int) time.Duration {
	d := cfg.backoffBase << min(n, 30)
	if d > cfg.backoffMax || d <= 0 {
		d = cfg.backoffMax
	}
	if q := d / 4; q > 0 {
		d -= rand.N(q)
	}
	return d
}

func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody))
	resp.Body.Close()
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}
