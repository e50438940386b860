package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/oauth2"

	"github.com/chatwork-go/chatwork/api/pacing"
	"github.com/chatwork-go/chatwork/gen"
)

// DefaultBaseURL is the Chatwork API v2 endpoint.
const DefaultBaseURL = "https://api.chatwork.com/v2"

// Version is this package's version, sent in the default User-Agent.
const Version = "0.1.0"

const (
	maxErrorBody   = 1 << 20  // error bodies are read up to 1 MiB
	maxSuccessBody = 64 << 20 // 100 messages of 65,535 characters fit easily
)

// Client is a Chatwork API v2 client. It is safe for concurrent use; one
// Client per account is the intended use, so that the account's rate limits
// are shared by every goroutine.
type Client struct {
	raw      *gen.RawClient // the services' requests, over hc
	rawDo    *gen.RawClient // Raw's requests, through Do
	hc       *http.Client   // the client every request goes through
	dl       *http.Client   // for download URLs: the same transport minus auth
	home     origin         // the base URL's scheme and host
	basePath string         // the base URL's path, without a final slash
	cfg      config
	lim      pacing.Limiter

	secret func() string // the credential last sent, to cut out of bodies kept in errors

	common service // shared by the services below

	mu       sync.Mutex
	lastRate RateLimit

	Me               *MeService               // GET /me, /my/status, /my/tasks
	Contacts         *ContactsService         // GET /contacts
	Rooms            *RoomsService            // /rooms and /rooms/{room_id}
	Members          *MembersService          // /rooms/{room_id}/members
	Messages         *MessagesService         // /rooms/{room_id}/messages
	Tasks            *TasksService            // /rooms/{room_id}/tasks
	Files            *FilesService            // /rooms/{room_id}/files
	Links            *LinksService            // /rooms/{room_id}/link
	IncomingRequests *IncomingRequestsService // /incoming_requests
}

type service struct{ c *Client }

// NewClient returns a client that authenticates with an API token, sent in
// the X-ChatWorkToken header. The token must be non-empty and free of
// control characters; options are checked too, so a misconfiguration fails
// here rather than on the first call.
func NewClient(token string, opts ...Option) (*Client, error) {
	if err := checkToken(token); err != nil {
		return nil, err
	}
	value := []string{token}[:1:1] // shared read-only by every request
	return newClient(func(h http.Header) error {
		h["X-Chatworktoken"] = value
		return nil
	}, func() string { return token }, opts)
}

// NewOAuthClient returns a client that authenticates with OAuth 2.0 access
// tokens from ts, sent as "Authorization: Bearer". Each request asks ts for
// a token, so a source that refreshes (see package api/oauth) keeps
// the client working past the 15-minute life of an access token.
func NewOAuthClient(ts oauth2.TokenSource, opts ...Option) (*Client, error) {
	if ts == nil {
		return nil, &InputError{Field: "ts", Reason: "is nil"}
	}
	var last atomic.Pointer[string]
	return newClient(func(h http.Header) error {
		tok, err := ts.Token()
		if err != nil {
			return fmt.Errorf("chatwork: oauth token: %w", err)
		}
		if tok == nil {
			return errors.New("chatwork: oauth token: the token source returned no token and no error")
		}
		if err := checkToken(tok.AccessToken); err != nil {
			return err
		}
		h.Set("Authorization", "Bearer "+tok.AccessToken)
		last.Store(&tok.AccessToken)
		return nil
	}, func() string {
		if p := last.Load(); p != nil {
			return *p
		}
		return ""
	}, opts)
}

func checkToken(token string) error {
	if token == "" {
		return &InputError{Field: "token", Reason: "is empty"}
	}
	if strings.ContainsAny(token, "\r\n") {
		return &InputError{Field: "token", Reason: "contains a line break"}
	}
	for _, r := range token {
		if r < 0x20 || r == 0x7f {
			return &InputError{Field: "token", Reason: "contains a control character"}
		}
	}
	return nil
}

func newClient(auth func(http.Header) error, secret func() string, opts []Option) (*Client, error) {
	cfg := defaultConfig()
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&cfg); err != nil {
			return nil, err
		}
	}
	base, err := url.Parse(cfg.baseURL)
	if err != nil { // WithBaseURL checked it; DefaultBaseURL parses
		return nil, &InputError{Field: "WithBaseURL", Reason: "does not parse"}
	}
	if !cfg.insecureHTTP {
		if err := insecureBaseURL(base); err != nil {
			return nil, err
		}
	}
	home := originOf(base)

	c := &Client{cfg: cfg, secret: secret, home: home, basePath: strings.TrimSuffix(base.Path, "/")}
	c.lim = cfg.limiter
	if c.lim == nil {
		c.lim = pacing.NewLocal(pacing.Budgets{Limit: cfg.globalLimit, Window: cfg.globalWindow, RoomLimit: cfg.roomLimit, RoomWindow: cfg.roomWindow})
	}

	next := http.DefaultTransport
	hc := &http.Client{}
	if cfg.httpClient != nil {
		*hc = *cfg.httpClient // a copy: the caller's client is never changed
		if hc.Transport != nil {
			next = hc.Transport
		}
	}
	// Download URLs live on other hosts and may redirect: that client keeps
	// the caller's redirect policy and sends no credentials at all.
	dl := *hc
	dl.Transport = newAuthTransport(next, nil, cfg.userAgent, home)
	c.dl = &dl

	// One stack, in one order: pace and retry → authenticate → send. The
	// redirect policy refuses other origins whatever the caller's policy,
	// and the auth layer adds credentials only for the base URL's origin.
	hc.CheckRedirect = redirectPolicy(home, hc.CheckRedirect, c.redact)
	hc.Transport = &retryTransport{next: newAuthTransport(next, auth, cfg.userAgent, home), c: c}
	c.hc = hc

	raw, err := gen.NewClient(cfg.baseURL, gen.WithHTTPClient(hc))
	if err != nil {
		return nil, fmt.Errorf("chatwork: %w", err)
	}
	c.raw = raw
	if c.rawDo, err = gen.NewClient(cfg.baseURL, gen.WithHTTPClient(c)); err != nil {
		return nil, fmt.Errorf("chatwork: %w", err)
	}
	c.common.c = c
	c.Me = (*MeService)(&c.common)
	c.Contacts = (*ContactsService)(&c.common)
	c.Rooms = (*RoomsService)(&c.common)
	c.Members = (*MembersService)(&c.common)
	c.Messages = (*MessagesService)(&c.common)
	c.Tasks = (*TasksService)(&c.common)
	c.Files = (*FilesService)(&c.common)
	c.Links = (*LinksService)(&c.common)
	c.IncomingRequests = (*IncomingRequestsService)(&c.common)
	return c, nil
}

// Raw returns a generated client for what this package does not cover.
// Its requests go through [Client.Do]: the same authentication, pacing and
// retries as the services' requests, a room's posting budget included.
func (c *Client) Raw() *gen.RawClient {
	if c == nil {
		return nil
	}
	return c.rawDo
}

// Do sends req through the client's whole stack, as the services send
// their requests: credentials for the base URL's origin only, pacing,
// retries and the redirect rules. It is for requests built by the caller,
// such as a tool that sends any operation (chatwork api); req's URL must
// be under the base URL. A request for an operation that spends a room's
// posting budget (those openapi.yaml marks x-chatwork-room-post-limit:
// posting a message, creating tasks) spends the budget of the room its
// path names, as Messages.Post does, so that a burst of them is paced to
// the room's limit and not only the account's.
//
// As with http.Client.Do, an answer with an error status is no error: the
// caller reads it and closes its body. A request that the pacing cannot
// send within the allowed wait fails with a *RateLimitError, a redirect to
// another origin with a *RedirectError; neither error holds the token.
func (c *Client) Do(req *http.Request) (*http.Response, error) {
	if c == nil || c.hc == nil {
		return nil, &InputError{Field: "Client", Reason: "is nil or was not made by NewClient or NewOAuthClient"}
	}
	if req == nil || req.URL == nil {
		return nil, &InputError{Field: "req", Reason: "is nil or has no URL"}
	}
	rel, under := strings.CutPrefix(req.URL.Path, c.basePath)
	if !c.home.is(req.URL) || !under || !strings.HasPrefix(rel, "/") {
		return nil, &InputError{Field: "req", Reason: "is not for a path under the base URL"}
	}
	ctx := req.Context()
	if room := postRoomOf(req.Method, rel); room > 0 {
		req = req.WithContext(withPostRoom(ctx, room))
	}
	resp, err := c.hc.Do(req) //nolint:gosec // G704: the URL is the caller's by design, checked above to be under the base URL
	if err != nil {
		return nil, c.sendError(ctx, err)
	}
	c.noteRate(parseRateLimit(resp.Header))
	return resp, nil
}

// RateLimit returns the latest rate-limit state the API reported, or the
// zero RateLimit before the first response.
func (c *Client) RateLimit() RateLimit {
	if c == nil {
		return RateLimit{}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lastRate
}

func (c *Client) noteRate(r RateLimit) {
	if r.IsZero() {
		return
	}
	c.mu.Lock()
	c.lastRate = r
	c.mu.Unlock()
}

// request sends one generated request with the client's generated client.
// Services reach the client in one way: clientOf(s) gives it (nil for a nil
// service), and call hands its generated client to the request.
type request func(raw *gen.RawClient) (*http.Response, error)

// call runs one generated request and decodes the answer into out (nil
// for none). want says what a 2xx must carry; check, if not nil, says what
// the decoded out lacks ("" when complete).
func (c *Client) call(ctx context.Context, send request, out any, want expect, check func() string) (*Response, error) {
	if c == nil || c.raw == nil {
		return nil, &InputError{Field: "Client", Reason: "is nil or was not made by NewClient or NewOAuthClient"}
	}
	if ctx == nil {
		return nil, &InputError{Field: "ctx", Reason: "is nil: pass context.Background() or a request's context"}
	}
	resp, err := send(c.raw)
	if err != nil {
		return nil, c.sendError(ctx, err)
	}
	defer resp.Body.Close()
	r := newResponse(resp)
	c.noteRate(r.RateLimit)

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return r, c.apiError(resp, r)
	}
	if resp.StatusCode == http.StatusNoContent || out == nil || want == expectNothing {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody))
		if want == expectResult {
			return r, c.unexpected(resp, nil, nil, "no content where a result is always returned")
		}
		return r, nil
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxSuccessBody+1))
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return r, ctxErr
		}
		method, path := requestLine(resp)
		return r, fmt.Errorf("chatwork: %s %s: reading body: %w", method, path, err)
	}
	if len(body) > maxSuccessBody {
		method, path := requestLine(resp)
		return r, fmt.Errorf("chatwork: %s %s: body larger than %d bytes", method, path, maxSuccessBody)
	}
	trimmed := bytes.TrimSpace(body)
	switch {
	case len(trimmed) == 0:
		return r, c.unexpected(resp, body, nil, "empty body where a result is always returned")
	case emptyJSON(trimmed):
		return r, c.unexpected(resp, body, nil, "%s where a result is always returned", trimmed)
	}
	if err := json.Unmarshal(body, out); err != nil {
		return r, c.unexpected(resp, body, err, "decoding: %v", err)
	}
	if check != nil {
		if reason := check(); reason != "" {
			return r, c.unexpected(resp, body, nil, "%s", reason)
		}
	}
	return r, nil
}

// one runs a request that answers one object and returns it.
func one[T any](ctx context.Context, c *Client, send request) (*T, *Response, error) {
	var out T
	r, err := c.call(ctx, send, &out, expectResult, func() string { return missing(&out) })
	if err != nil {
		return nil, r, err
	}
	return &out, r, nil
}

// list runs a request that answers a list; a 204 gives an empty slice.
// A null or non-array body is an error, and so is a 200 with fewer items
// than the spec's minItems (the rooms always hold My Chat), but the items
// are returned as the server sent them: one odd item must not make a whole
// room unreadable (Messages.Watch reports and skips items without a valid

// sendError is the error of a request that got no answer: the context's
// error when it ended, a *RedirectError or a *RateLimitError as they are,
// else err without the URL that net/http repeats.
func (c *Client) sendError(ctx context.Context, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return ctxErr
	}
	var re *RedirectError
	if errors.As(err, &re) {
		return re // it names the method, path and target itself
	}
	var paced *RateLimitError // not sent: the pacing wait was too long
	if errors.As(err, &paced) {
		return paced
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		// url.Error repeats the whole URL; keep the operation, method and cause.
		return fmt.Errorf("chatwork: %s %s: %w", ue.Op, c.redact(pathOf(ue.URL)), ue.Err)
	}
	return fmt.Errorf("chatwork: %w", err)
}

// message ID).
func list[T any](ctx context.Context, c *Client, send request) ([]T, *Response, error) {
	out := []T{}
	r, err := c.call(ctx, send, &out, expectList, func() string { return missing(&out) })
	if err != nil {
		return nil, r, err
	}
	return out, r, nil
}

func (c *Client) apiError(resp *http.Response, r *Response) error {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	e := APIError{
		StatusCode:     resp.StatusCode,
		Header:         resp.Header,
		RateLimit:      r.RateLimit,
		MessageLimited: r.MessageLimited,
		Auth:           parseAuthChallenge(resp.Header.Get("Www-Authenticate")),
	}
	e.Method, e.Path = requestLine(resp)
	if msgs, ok := errorMessages(body); ok {
		e.Errors = msgs
		for i, msg := range e.Errors {
			e.Errors[i] = c.redact(msg) // a server may echo the token
		}
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		perRoom := isRoomLimit(e.Errors)
		reset := r.RateLimit.Reset
		switch we := waitErrorOf(resp); {
		case we != nil:
			reset = we.Reset // the Limiter's word: see pacing.Limiter
		case perRoom || reset.IsZero():
			reset = time.Now().Add(c.cfg.roomWindow) // a request that could not be retried
		}
		return &RateLimitError{APIError: e, Reset: reset, PerRoom: perRoom}
	}
	return &e
}

func isRoomLimit(errs []string) bool {
	for _, s := range errs {
		if strings.Contains(s, roomLimitMessage) || strings.Contains(strings.ToLower(s), "per room") {
			return true
		}
	}
	return false
}

func pathOf(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Path
	}
	return "request"
}

// logger returns the configured logger; never nil.
func (c *Client) logger() *slog.Logger { return c.cfg.logger }
