package webhook

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"
)

// EventFunc handles a verified event. ctx is the request's context.
type EventFunc func(ctx context.Context, e *Event) error

// Handler is an [http.Handler] that receives Chatwork webhooks. Create it
// with [NewHandler] and register callbacks with its On methods before it
// serves requests; the On methods are not safe to call concurrently with
// ServeHTTP.
//
// ServeHTTP answers, always with an empty body:
//   - 405 to methods other than POST;
//   - 413 to bodies larger than the limit ([WithMaxBodySize]);
//   - 401 to requests without a valid signature for one of the tokens;
//   - 400 to bodies that do not decode ([Parse]) and to events older than
//     the maximum age or dated in the future ([WithMaxEventAge]);
//   - 500 when the callback returns an error;
//   - 200 otherwise, including for event types without a callback and for
//     replays ignored by [WithReplayGuard].
//
// No callback runs unless the signature is valid. Chatwork counts every
// answer but 200 as a failed delivery; see the package documentation.
type Handler struct {
	keys [][]byte
	config

	onCreated, onUpdated, onMention, onUnknown EventFunc
}

// config is what the options set.
type config struct {
	maxBody int64
	maxAge  time.Duration
	replay  *replayGuard // nil unless WithReplayGuard
	now     func() time.Time
	log     *slog.Logger
}

// Option configures a [Handler], in the functional-option style of package
// api.
type Option func(*config) error

// NewHandler returns a Handler that accepts deliveries signed with any of
// tokens, the tokens of your webhook settings. It fails with [ErrNoToken]
// without tokens, with an error wrapping [ErrMalformedToken] if a token is
// not base64, and with the error of an invalid option.
func NewHandler(tokens []string, opts ...Option) (*Handler, error) {
	keys, err := decodeTokens(tokens)
	if err != nil {
		return nil, err
	}
	h := &Handler{keys: keys, config: config{
		maxBody: DefaultMaxBodySize,
		now:     time.Now,
		log:     slog.New(slog.DiscardHandler),
	}}
	for _, opt := range opts {
		if err := opt(&h.config); err != nil {
			return nil, err
		}
	}
	return h, nil
}

// WithMaxBodySize sets the largest body the Handler reads, in bytes;
// larger requests get 413. The default is [DefaultMaxBodySize].
func WithMaxBodySize(n int64) Option {
	return func(c *config) error {
		if n <= 0 {
			return fmt.Errorf("webhook: max body size must be positive, got %d", n)
		}
		c.maxBody = n
		return nil
	}
}

// MaxClockSkew is how far in the future an event's webhook_event_time may
// be under [WithMaxEventAge]: the allowance for a clock here that is
// behind Chatwork's.
const MaxClockSkew = time.Minute

// WithMaxEventAge makes the Handler answer 400, without running a
// callback, to events whose webhook_event_time is more than d before the
// current time, more than [MaxClockSkew] after it, or absent. Chatwork
// signs no timestamp, so this is the first defence against replayed
// deliveries ([WithReplayGuard] covers the window it leaves); allow for
// clock skew and delivery delay in d. An event dated in the future is no
// delivery of Chatwork's but a forgery or a clock far off, and it would
// stay fresh for the whole time until its date. Zero, the default, turns
// the check off.
func WithMaxEventAge(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 {
			return fmt.Errorf("webhook: max event age must not be negative, got %v", d)
		}
		c.maxAge = d
		return nil
	}
}

// WithClock sets the function the Handler reads the current time from,
// for [WithMaxEventAge]. The default is [time.Now].
func WithClock(now func() time.Time) Option {
	return func(c *config) error {
		if now == nil {
			return errors.New("webhook: nil clock")
		}
		c.now = now
		return nil
	}
}

// WithLogger makes the Handler log rejected requests (at level Warn),
// callback errors (Error) and accepted events (Debug). Log records never
// hold a token or a signature. nil turns logging off, the default.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			l = slog.New(slog.DiscardHandler)
		}
		c.log = l
		return nil
	}
}

// OnMessageCreated sets the callback for message_created events;
// [Event.Message] is set.
func (h *Handler) OnMessageCreated(fn EventFunc) { h.onCreated = fn }

// OnMessageUpdated sets the callback for message_updated events;
// [Event.Message] is set.
func (h *Handler) OnMessageUpdated(fn EventFunc) { h.onUpdated = fn }

// OnMentionToMe sets the callback for mention_to_me events;
// [Event.Mention] is set.
func (h *Handler) OnMentionToMe(fn EventFunc) { h.onMention = fn }

// OnUnknown sets the callback for event types this package does not know;
// only [Event.Raw] holds the event.
func (h *Handler) OnUnknown(fn EventFunc) { h.onUnknown = fn }

// ServeHTTP verifies, decodes and dispatches one delivery; see [Handler].
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	reject := func(status int, msg string, err error, attrs ...any) {
		attrs = append(attrs, "status", status, "remote_addr", r.RemoteAddr)
		if err != nil {
			attrs = append(attrs, "error", err.Error())
		}
		h.log.WarnContext(ctx, "webhook: "+msg, attrs...)
		w.WriteHeader(status)
	}

	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		reject(http.StatusMethodNotAllowed, "method not allowed", nil, "method", r.Method)
		return
	}
	sig := RequestSignature(r)
	if sig == "" {
		reject(http.StatusUnauthorized, "request rejected", ErrNoSignature)
		return
	}
	body, err := readBody(w, r, h.maxBody)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			reject(http.StatusRequestEntityTooLarge, "body too large", nil, "limit", h.maxBody)
			return
		}
		reject(http.StatusBadRequest, "reading body", err)
		return
	}
	if err := verify(body, sig, h.keys); err != nil {
		reject(http.StatusUnauthorized, "request rejected", err)
		return
	}
	e, err := Parse(body)
	if err != nil {
		reject(http.StatusBadRequest, "bad event", err)
		return
	}
	attrs := []any{"event_type", e.Type, "setting_id", e.SettingID}
	if h.maxAge > 0 {
		switch age := h.now().Sub(e.Time); {
		case e.Time.IsZero() || age > h.maxAge:
			reject(http.StatusBadRequest, "stale event", nil, append(attrs, "event_time", e.Time, "max_age", h.maxAge)...)
			return
		case age < -MaxClockSkew:
			reject(http.StatusBadRequest, "event dated in the future", nil,
				append(attrs, "event_time", e.Time, "max_clock_skew", MaxClockSkew)...)
			return
		}
	}

	var forget func()
	if h.replay != nil {
		var fresh bool
		if fresh, forget = h.replay.add(body); !fresh {
			h.log.WarnContext(ctx, "webhook: replayed delivery ignored", append(attrs, "remote_addr", r.RemoteAddr)...)
			w.WriteHeader(http.StatusOK)
			return
		}
	}
	if err := h.dispatch(ctx, e); err != nil {
		if forget != nil {
			forget() // a failed delivery may come again
		}
		h.log.ErrorContext(ctx, "webhook: callback failed", append(attrs, "error", err.Error())...)
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	h.log.DebugContext(ctx, "webhook: event handled", attrs...)
	w.WriteHeader(http.StatusOK)
}

// dispatch runs the callback registered for the event's type, if any.
func (h *Handler) dispatch(ctx context.Context, e *Event) error {
	var fn EventFunc
	switch e.Type {
	case TypeMessageCreated:
		fn = h.onCreated
	case TypeMessageUpdated:
		fn = h.onUpdated
	case TypeMentionToMe:
		fn = h.onMention
	default:
		fn = h.onUnknown
	}
	if fn == nil {
		return nil
	}
	return fn(ctx, e)
}
