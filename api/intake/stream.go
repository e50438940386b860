package intake

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/chatwork-go/chatwork/api/webhook"
	"github.com/chatwork-go/chatwork/gen"
)

// DefaultName is the name of the stream unless WithName says otherwise.
const DefaultName = "chatwork:events"

// Where an entry of the stream came from (Delivery.Source).
const (
	SourceWebhook = "webhook" // a verified delivery from Chatwork
	SourcePoll    = "poll"    // a message found by Poll
	SourceReplay  = "replay"  // a dead letter sent again by Replay
)

// Defaults of the options.
const (
	DefaultHorizon     = 24 * time.Hour
	DefaultMaxAttempts = 5
	DefaultClaimIdle   = 30 * time.Second
)

// Stream is a Redis stream of Chatwork events with its companions: the
// deduplication keys, the dead letters, and Poll's leases and marks, all
// under one name. Create one per process with New; it is safe for
// concurrent use, and the replicas of a fleet share one name.
type Stream struct {
	rdb  redis.UniversalClient
	name string
	keys keyNames

	horizon     time.Duration
	maxLen      int64
	callTimeout time.Duration
	maxAttempts int
	backoffBase time.Duration
	backoffMax  time.Duration
	claimIdle   time.Duration
	metrics     Metrics
	log         *slog.Logger
}

// keyNames are the Redis keys of a stream named n. They share the hash
// tag {n}, so that the scripts work on Redis Cluster too.
type keyNames struct {
	stream, dead, counts, marks, turn, replicas, seenPrefix, leasePrefix string
}

func newKeyNames(name string) keyNames {
	base := "{" + name + "}"
	return keyNames{
		stream: base, dead: base + ":dead", counts: base + ":counts", marks: base + ":marks",
		turn: base + ":turn", replicas: base + ":replicas", seenPrefix: base + ":seen:", leasePrefix: base + ":lease:",
	}
}

// Metrics receives the counters of a Stream as they change, for a user to
// export; *expvar.Map implements it, so that
//
//	intake.New(rdb, intake.WithMetrics(expvar.NewMap("chatwork_intake")))
//
// publishes them on /debug/vars. The names are:
//
//	delivered     a webhook delivery stored in the stream
//	recovered     a message found by Poll that no delivery had stored
//	deduplicated  an event dropped because the stream already had it
//	refused       a delivery that could not be stored (answered 500)
//	handled       an entry a handler returned nil for (acknowledged)
//	failed        a handler error (the entry is retried, or dead)
//	retried       an entry taken again after a handler error
//	redelivered   an entry taken over from a consumer that stopped
//	dead          an entry moved to the dead-letter stream
//	replayed      a dead letter sent again by Replay
//	gaps          more than 100 messages arrived in a room between polls
//	errors        a Redis or API call that failed (and is tried again)
//
// The counts are this process's; Stream.Counts returns the fleet's, kept
// in Redis.
type Metrics interface {
	Add(name string, delta int64)
}

type noMetrics struct{}

func (noMetrics) Add(string, int64) {}

// Option configures a Stream.
type Option func(*Stream)

// WithName sets the name the stream and its companion keys are derived
// from (default DefaultName): "{NAME}" is the stream, "{NAME}:dead" the
// dead letters. Every replica, consumer and command of a fleet must use
// the same name; one name per Chatwork account.
func WithName(name string) Option { return func(s *Stream) { s.name = name } }

// WithHorizon sets how long an event's key is remembered, so that the
// same event from another replica or source is dropped (default
// DefaultHorizon). An event arriving again after the horizon is stored
// again.
func WithHorizon(d time.Duration) Option { return func(s *Stream) { s.horizon = d } }

// WithMaxLen trims the stream to about n entries as new ones are added
// (XADD MAXLEN ~). The default, 0, never trims. A trimmed entry is gone
// even if a group has not handled it yet: choose n well above what the
// consumers can fall behind by.
func WithMaxLen(n int64) Option { return func(s *Stream) { s.maxLen = n } }

// WithCallTimeout bounds each Redis call (default 2 s). A webhook delivery
// whose event cannot be stored in that time is answered with an error.
func WithCallTimeout(d time.Duration) Option { return func(s *Stream) { s.callTimeout = d } }

// WithMaxAttempts sets how many times a consumer group tries an entry
// before it moves it to the dead-letter stream (default
// DefaultMaxAttempts).
func WithMaxAttempts(n int) Option { return func(s *Stream) { s.maxAttempts = n } }

// WithBackoff sets the wait before an entry is tried again after a handler
// error: base after the first attempt, doubling with each attempt, at most
// max (default 1 s and 1 minute).
func WithBackoff(base, max time.Duration) Option {
	return func(s *Stream) { s.backoffBase, s.backoffMax = base, max }
}

// WithClaimIdle sets how long an entry may stay with a consumer that does
// not renew it before another consumer takes it over (default
// DefaultClaimIdle). A running handler renews its entry every third of
// it, so only a consumer that died or lost Redis loses its entries.
func WithClaimIdle(d time.Duration) Option { return func(s *Stream) { s.claimIdle = d } }

// WithMetrics sets where the counters go (default: nowhere).
func WithMetrics(m Metrics) Option { return func(s *Stream) { s.metrics = m } }

// WithLogger sets where failures that the Stream recovers from are
// logged: Redis unreachable, handler errors, dead letters (default:
// discarded). No record holds a token or an event's body.
func WithLogger(l *slog.Logger) Option { return func(s *Stream) { s.log = l } }

// New returns the Stream kept in rdb (a *redis.Client, *redis.ClusterClient
// or any redis.UniversalClient). Give rdb ContextTimeoutEnabled
// (redis.Options), so that the call timeout bounds its network reads and
// writes too.
func New(rdb redis.UniversalClient, opts ...Option) *Stream {
	s := &Stream{
		rdb: rdb, name: DefaultName, horizon: DefaultHorizon, callTimeout: 2 * time.Second,
		maxAttempts: DefaultMaxAttempts, backoffBase: time.Second, backoffMax: time.Minute,
		claimIdle: DefaultClaimIdle, metrics: noMetrics{}, log: slog.New(slog.DiscardHandler),
	}
	for _, o := range opts {
		o(s)
	}
	if s.name == "" {
		s.name = DefaultName
	}
	if s.horizon <= 0 {
		s.horizon = DefaultHorizon
	}
	if s.callTimeout <= 0 {
		s.callTimeout = 2 * time.Second
	}
	if s.maxAttempts <= 0 {
		s.maxAttempts = DefaultMaxAttempts
	}
	if s.backoffBase <= 0 {
		s.backoffBase = time.Second
	}
	s.backoffMax = max(s.backoffMax, s.backoffBase)
	if s.claimIdle <= 0 {
		s.claimIdle = DefaultClaimIdle
	}
	if s.metrics == nil {
		s.metrics = noMetrics{}
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.keys = newKeyNames(s.name)
	return s
}

// Name returns the stream's name (see WithName).
func (s *Stream) Name() string { return s.name }

// Key returns the key that identifies e whatever its source: the event
// type, the room and the message ID, and
//
//   - for message_updated, the update time (each edit is an event);
//   - for mention_to_me, the account mentioned;
//   - for a type this package does not know, a hash of the event.
//
// For example "message_created:123:1928374655918273645",
// "mention_to_me:123:1928374655918273645:42" and
// "message_updated:123:1928374655918273645:1700000000". The same message
// as message_created and as mention_to_me is two events, with two keys;
// the same message_created from two replicas, or from a webhook and a
// poll, is one. A stream keeps each key for its horizon (WithHorizon) and
// drops an event whose key it has; a handler can use the key to make its
// own effects happen once.
func Key(e *webhook.Event) string {
	switch {
	case e.Message != nil && e.Type == webhook.TypeMessageUpdated:
		return fmt.Sprintf("%s:%d:%s:%d", e.Type, e.Message.RoomID, e.Message.MessageID, e.Message.UpdateTime.Seconds())
	case e.Message != nil:
		return fmt.Sprintf("%s:%d:%s", e.Type, e.Message.RoomID, e.Message.MessageID)
	case e.Mention != nil:
		return fmt.Sprintf("%s:%d:%s:%d", e.Type, e.Mention.RoomID, e.Mention.MessageID, e.Mention.ToAccountID)
	default:
		sum := sha256.Sum256(e.Raw)
		return e.Type + ":" + hex.EncodeToString(sum[:16])
	}
}

// Handler returns the intake: an http.Handler that receives Chatwork's
// webhooks, verifies each delivery against tokens (as webhook.Handler
// does, with its opts), adds its event to the stream unless the stream
// has it already, and answers 200 with an empty body. Nothing else runs
// before the answer: consumers take the event from the stream. A delivery
// whose event cannot be stored (Redis down or too slow) is answered 500,
// so that the failure shows in Chatwork's error rate and in the
// "refused" counter, instead of being dropped silently.
func (s *Stream) Handler(tokens []string, opts ...webhook.Option) (http.Handler, error) {
	h, err := webhook.NewHandler(tokens, opts...)
	if err != nil {
		return nil, err
	}
	store := func(ctx context.Context, e *webhook.Event) error {
		if _, err := s.Add(ctx, SourceWebhook, e); err != nil {
			s.metrics.Add("refused", 1)
			return err
		}
		return nil
	}
	h.OnMessageCreated(store)
	h.OnMessageUpdated(store)
	h.OnMentionToMe(store)
	h.OnUnknown(store)
	return h, nil
}

// Add stores e in the stream with its source unless the stream already
// has its Key, and reports whether it was stored. The Handler and Poll
// call it; a program can add events from other sources.
func (s *Stream) Add(ctx context.Context, source string, e *webhook.Event) (bool, error) {
	body, err := envelope(e)
	if err != nil {
		return false, err
	}
	counter := "delivered"
	switch source {
	case SourcePoll:
		counter = "recovered"
	case SourceReplay:
		counter = "replayed"
	}
	key := Key(e)
	ctx, cancel := context.WithTimeout(ctx, s.callTimeout)
	defer cancel()
	err = addScript.Run(ctx, s.rdb, []string{s.keys.stream, s.keys.seenPrefix + key, s.keys.counts},
		s.horizon.Milliseconds(), s.maxLen, counter,
		fieldKey, key, fieldSource, source, fieldType, e.Type, fieldBody, body).Err()
	switch {
	case errors.Is(err, redis.Nil):
		s.metrics.Add("deduplicated", 1)
		return false, nil
	case err != nil:
		s.metrics.Add("errors", 1)
		return false, fmt.Errorf("intake: storing %s: %w", key, err)
	}
	s.metrics.Add(counter, 1)
	return true, nil
}

// The fields of a stream entry.
const (
	fieldKey      = "key"
	fieldSource   = "source"
	fieldType     = "type"
	fieldBody     = "body"      // the webhook body, as Chatwork sends it
	fieldGroup    = "group"     // replays: the only group that handles it
	fieldReplayOf = "replay_of" // replays: the dead letter's ID
	fieldError    = "error"     // dead letters: the last handler error
	fieldAttempts = "attempts"  // dead letters
	fieldID       = "id"        // dead letters: the entry's ID in the stream
	fieldConsumer = "consumer"  // dead letters: who tried last
)

// addScript adds an event unless its key is known: KEYS stream, seen key,
// counts; ARGV horizon (ms), max length (0: no trimming), the counter to
// increment, then the entry's fields and values. It returns the entry's
// ID, or nil for a duplicate. The key is set after XADD, so a failed XADD
// leaves no key behind.
var addScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[2]) == 1 then
	redis.call('HINCRBY', KEYS[3], 'deduplicated', 1)
	return false
end
local id
local n = tonumber(ARGV[2])
if n > 0 then
	id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', n, '*', unpack(ARGV, 4))
else
	id = redis.call('XADD', KEYS[1], '*', unpack(ARGV, 4))
end
redis.call('SET', KEYS[2], id, 'PX', ARGV[1])
redis.call('HINCRBY', KEYS[3], ARGV[3], 1)
return id
`)

// envelope returns e as the JSON body Chatwork sends.
func envelope(e *webhook.Event) ([]byte, error) {
	raw := e.Raw
	if len(raw) == 0 {
		raw = json.RawMessage("null")
	}
	var at gen.UnixTime
	if !e.Time.IsZero() {
		at = gen.UnixTime{Time: e.Time}
	}
	return json.Marshal(gen.WebhookEnvelope{WebhookSettingID: e.SettingID, WebhookEventType: e.Type, WebhookEventTime: at, WebhookEvent: raw})
}

// Counts returns the fleet's counters, kept in Redis by every replica and
// consumer of the stream: delivered, recovered, deduplicated, handled
// (per group: "handled:GROUP"), dead, replayed. See Metrics for this
// process's.
func (s *Stream) Counts(ctx context.Context) (map[string]int64, error) {
	ctx, cancel := context.WithTimeout(ctx, s.callTimeout)
	defer cancel()
	m, err := s.rdb.HGetAll(ctx, s.keys.counts).Result()
	if err != nil {
		return nil, fmt.Errorf("intake: reading the counts: %w", err)
	}
	out := make(map[string]int64, len(m))
	for k, v := range m {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("intake: count %s is %q, not a number", k, v)
		}
		out[k] = n
	}
	return out, nil
}

// uniqueName returns a name for a consumer or a replica: the host, the
// process and random hex.
func uniqueName() string {
	host, _ := os.Hostname()
	var b [4]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}
