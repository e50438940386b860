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
	"strconv"
	"strings"
	"time"

	"github.com/chatwork-go/chatwork/api/pacing"
	"github.com/chatwork-go/chatwork/internal/budgets"
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

// roomPostOp is an operation that spends a room's posting budget.
type roomPostOp struct {
	method   string
	segments []string // of its path template, "{room_id}" among them
}

// roomPosts are the operations openapi.yaml marks as spending a room's
// posting budget (internal/budgets).
var roomPosts = func() []roomPostOp {
	var ops []roomPostOp
	for _, op := range budgets.RoomPosts() {
		ops = append(ops, roomPostOp{op.Method, strings.Split(op.Path, "/")})
	}
	return ops
}()

// postRoomOf returns the room whose posting budget a request spends, given
// its method and its path under the base URL: for an operation of
// roomPosts, the room its path names; else 0. The services know their
// room and say it with withPostRoom; this is for requests a caller built
// (Client.Do).
func postRoomOf(method, path string) int64 {
	segments := strings.Split(path, "/")
	for _, op := range roomPosts {
		if room, ok := op.match(method, segments); ok {
			return room
		}
	}
	return 0
}

// match reports whether a request for method and the path segments is
// op, and the room the path names (0 when that segment is not an ID: the
// API will refuse the request).
func (op roomPostOp) match(method string, segments []string) (room int64, ok bool) {
	if method != op.method || len(segments) != len(op.segments) {
		return 0, false
	}
	for i, want := range op.segments {
		got := segments[i]
		switch {
		case want == "{"+budgets.RoomParameter+"}":
			room = positiveID(got)
		case strings.HasPrefix(want, "{"):
			if got == "" {
				return 0, false
			}
		case got != want:
			return 0, false
		}
	}
	return room, true
}

// positiveID parses s, digits only, as a positive int64; 0 if it is not one.
func positiveID(s string) int64 {
	if s == "" || strings.TrimLeft(s, "0123456789") != "" {
		return 0
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0
	}
	return id
}

// retryTransport paces and retries. Before each attempt it waits for the
// Limiter, and it tells the Limiter what each answer said. It retries what
// is safe to retry: a 429 (the server refused the request, whatever the
// method) when the Limiter lets the retry go, and for GET, PUT and DELETE
// also 502, 503, 504 and network errors, with backoff. A POST is retried
// after a network error only when the connection was never made, so the
// server cannot have acted on it. The Limiter's waits of one call, before
// attempts and after 429s, stay within the call's allowance (see
// pacing.Allowance).
type retryTransport struct {
	next http.RoundTripper
	c    *Client
}

func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	cfg := &t.c.cfg
	log := t.c.logger()
	room := postRoom(req)
	var (
		waited   time.Duration  // in the Limiter, for the whole call
		retries  int            // after network errors and 5xx
		refusals int            // 429s met
		refused  *http.Response // the latest 429, kept until its retry may go
	)
	for attempt := 0; ; attempt++ {
		r := req
		if attempt > 0 {
			var err error
			if r, err = replay(req); err != nil {
				drainOpt(refused)
				return nil, err
			}
		}
		start := time.Now()
		err := t.pace(ctx, room, cfg.maxRateLimitWait-waited, refusals)
		waited += time.Since(start)
		if err != nil {
			closeBody(r)
			var we *pacing.WaitError
			if !errors.As(err, &we) {
				drainOpt(refused)
				return nil, err
			}
			if refused != nil {
				// The 429 is the answer; its RateLimitError tells when the
				// Limiter says the budget frees up.
				return withWaitError(refused, req, we), nil
			}
			return nil, pacingError(req, we)
		}
		drainOpt(refused)
		refused = nil
		sent := time.Now()
		resp, err := t.next.RoundTrip(r)
		if err != nil {
			t.c.lim.Observe(room, pacing.Observation{Sent: sent})
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
		obs := observe(resp, sent)
		t.c.lim.Observe(room, obs)
		if log.Enabled(ctx, slog.LevelDebug) {
			log.DebugContext(ctx, "chatwork: request", "method", req.Method, "path", req.URL.Path, "status", resp.StatusCode,
				"duration", time.Since(sent), "ratelimit_remaining", resp.Header.Get("X-Ratelimit-Remaining"))
		}

		switch s := resp.StatusCode; {
		case s == http.StatusTooManyRequests:
			if !replayable(req) {
				return resp, nil
			}
			refusals++
			refused = resp
			log.InfoContext(ctx, "chatwork: rate limited; waiting for the limiter", "method", req.Method, "path", req.URL.Path, "per_room", obs.RoomLimited)
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

// pace waits for the Limiter, within what the call may still wait (left,
// and ctx's deadline). After refusals 429s the wait is at least the
// retries' backoff, should the Limiter let the retry go sooner: the
// Limiter decides the wait after a 429, and this floor only keeps a
// Limiter that ignores 429s from hammering the server.
func (t *retryTransport) pace(ctx context.Context, room int64, left time.Duration, refusals int) error {
	start := time.Now()
	if err := t.c.lim.Wait(ctx, room, pacing.Allowance(ctx, left)); err != nil || refusals == 0 {
		return err
	}
	floor := backoff(&t.c.cfg, refusals-1)
	d := floor - time.Since(start)
	if d <= 0 {
		return nil
	}
	if allowed := pacing.Allowance(ctx, left-time.Since(start)); d > allowed {
		// Wait counted a request that will not be sent now.
		t.c.lim.Observe(room, pacing.Observation{Sent: time.Now()})
		return &pacing.WaitError{Reset: time.Now().Add(d), Allowed: allowed}
	}
	return wait.Sleep(ctx, d)
}

// observe is what resp says about the budgets, for the Limiter: the
// checked x-ratelimit-* headers and, for a 429, whose limit it was. That is
// told by the body (the per-room limit has its own message), which is read
// and put back for the caller.
func observe(resp *http.Response, sent time.Time) pacing.Observation {
	o := pacing.Observation{StatusCode: resp.StatusCode, Sent: sent}
	rl := parseRateLimit(resp.Header)
	o.Limit, o.Remaining, o.Reset = rl.Limit, rl.Remaining, rl.Reset
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

// waitErrorKey is the context key, on a 429's Request, of what the Limiter
// said about the retry that was not sent.
type waitErrorKey struct{}

// withWaitError returns the 429 resp to req, carrying the Limiter's *WaitError
// for apiError, which reports its reset.
func withWaitError(resp *http.Response, req *http.Request, we *pacing.WaitError) *http.Response {
	resp.Request = req.WithContext(context.WithValue(req.Context(), waitErrorKey{}, we))
	return resp
}

// waitErrorOf returns the *WaitError withWaitError put on resp, or nil.
func waitErrorOf(resp *http.Response) *pacing.WaitError {
	if resp.Request == nil {
		return nil
	}
	we, _ := resp.Request.Context().Value(waitErrorKey{}).(*pacing.WaitError)
	return we
}

// pacingError is the error of a call that was not sent because its
// Limiter's wait would end too late. It matches ErrRateLimited; StatusCode
// is 429 although no server answered.
func pacingError(req *http.Request, we *pacing.WaitError) *RateLimitError {
	return &RateLimitError{
		APIError: APIError{StatusCode: http.StatusTooManyRequests, Method: req.Method, Path: req.URL.Path, Errors: []string{we.Error()}},
		Reset:    we.Reset,
		PerRoom:  we.PerRoom,
	}
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

// drainOpt drains resp unless it is nil.
func drainOpt(resp *http.Response) {
	if resp != nil {
		drain(resp)
	}
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
