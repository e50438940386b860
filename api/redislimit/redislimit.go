// Package redislimit shares a Chatwork account's rate budgets among the
// processes that use one token, through Redis.
//
// Chatwork's budgets belong to the account and the room, not to a process:
// 300 requests per 5 minutes per account, 10 message posts or task
// creations per 10 seconds per room, whatever the account. Replicas that
// each pace themselves to the whole budget overshoot together. A Limiter
// keeps the account's window and each room's posting window in Redis,
// updated atomically by Lua scripts, with the rules of package pacing's
// in-memory limiter (Redis's clock standing for ours): a burst goes out at
// once, the whole allowance is used, the server's x-ratelimit-* headers
// correct the shared state, a skewed server clock costs nothing, a 429
// seen by one replica holds back all of them, and a room's posts go in the
// order they came. Plug it into a client with api.WithLimiter.
//
// The account's keys are named after a hash of the account key (the token,
// or any name of the account), never the key itself; a room's keys after
// the room alone, so that every token posting to it through one Redis
// shares its budget. All expire on their own. What is read from Redis is
// checked before it is believed: a key of the wrong type or a value out of
// its bounds is repaired, with one log line, and the calls go on.
//
// Every Redis call has a deadline; when Redis is unavailable the Limiter
// paces locally (pacing.NewLocal), logs it once per outage with what is
// wrong (unreachable, too slow, an untrusted certificate, refused
// credentials, an error), and no call waits beyond its allowance. A wait
// that Redis runs after the replica gave up on it (a stalled Redis) counts
// nothing; one that may have counted a request that was never sent is
// cancelled as soon as Redis answers, and an answer that did not reach
// Redis is told to it then, so a stall leaves nothing behind. A replica
// that dies with requests in flight leaves them counted for at most a
// minute.
//
// It builds on package pacing (the Limiter interface it implements, and
// the in-memory limiter it falls back to) and needs nothing else of this
// module but the budgets generated from the spec (internal/budgets) and
// its internal sleep helper (enforced by internal/checks TestImportRules).
package redislimit

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/chatwork-go/chatwork/api/pacing"
	"github.com/chatwork-go/chatwork/internal/budgets"
	"github.com/chatwork-go/chatwork/internal/wait"
)

const (
	apiWindow  = budgets.AccountWindow   // the API's account window, for a limit the server reports
	resetSlack = time.Minute             // how far beyond the API's window a reset may be believed
	keyPrefix  = "chatwork:{ratelimit}:" // one hash tag: a cluster keeps every key on one node
	owedMax    = 256                     // cancels and answers kept for Redis while it is away
)

// Limiter is a pacing.Limiter whose state lives in Redis. It is safe for
// concurrent use; create one per process and account.
type Limiter struct {
	rdb         redis.Scripter
	acct        string // the account's key prefix: keyPrefix + "acct:<hash>:"
	budgets     pacing.Budgets
	margin      time.Duration
	callTimeout time.Duration
	retryAfter  time.Duration // how long to pace locally before trying Redis again
	poll        time.Duration // how often to look again while a budget waits for answers
	log         *slog.Logger
	local       pacing.Limiter

	replica string // random, tells this process's requests apart
	seq     atomic.Uint64
	dialed  atomic.Pointer[dialFailure] // the client's latest failed dial

	mu      sync.Mutex
	pending map[int64][]ticket // per room (0: not a post), oldest first
	down    bool
	retryAt time.Time
	ahead   []time.Duration // Redis's clock minus ours, at most, from recent calls
	owed    []owed          // what Redis must be told once it answers again
	settler *time.Timer     // tells Redis what it is owed in the background; nil when nothing is owed
}

// A ticket is a request Wait let through, until its answer is observed.
type ticket struct {
	uid   string // its member in Redis; empty when counted locally
	local bool
}

// owed is a call whose outcome Redis may not know: a wait script that may
// have counted a request that was never sent (cancel), or an answer that
// did not reach Redis (observe).
type owed struct {
	at     time.Time // when it became owed: past flightTTL Redis has forgotten it anyway
	room   int64
	uid    string
	cancel bool
	obs    pacing.Observation
}

// dialFailure is a failed dial of the Redis client, seen by its dial hook.
type dialFailure struct {
	at  time.Time
	err error
}

// Option configures a Limiter.
type Option func(*Limiter)

// WithBudgets sets the budgets to pace to (default pacing.Chatwork()).
// Every replica must use the same.
func WithBudgets(b pacing.Budgets) Option { return func(l *Limiter) { l.budgets = b } }

// WithCallTimeout sets the deadline of each Redis call (default 250 ms).
// A call that misses it counts as Redis being unavailable.
func WithCallTimeout(d time.Duration) Option {
	return func(l *Limiter) {
		if d > 0 {
			l.callTimeout = d
		}
	}
}

// WithLogger sets where the Limiter says that it paces locally because
// Redis is unavailable (and why: unreachable, too slow, an untrusted
// certificate, refused credentials, an error), that Redis is back, and
// that it repaired a bad value it found in Redis (default: discarded).
func WithLogger(log *slog.Logger) Option {
	return func(l *Limiter) {
		if log != nil {
			l.log = log
		}
	}
}

// WithRetryAfter sets how long the Limiter paces locally after Redis
// failed before it tries Redis again (default 1 s).
func WithRetryAfter(d time.Duration) Option {
	return func(l *Limiter) {
		if d > 0 {
			l.retryAfter = d
		}
	}
}

// New returns a Limiter that keeps the budgets of the account named by
// accountKey in rdb (a *redis.Client, *redis.ClusterClient or any
// redis.Scripter). accountKey is typically the API token: only its
// SHA-256 goes into key names. Replicas that share a budget must use the
// same accountKey and budgets. A room's budget is keyed by the room alone:
// every token posting to it through the same Redis shares it, as Chatwork
// counts it.
//
// Give rdb ContextTimeoutEnabled (redis.Options), so that the deadline of
// each call bounds its network reads and writes too; without it, rdb's
// ReadTimeout and WriteTimeout (3 s by default) do. When rdb takes hooks
// (AddHook, as *redis.Client does), New adds one that notes failed dials,
// so that an untrusted certificate is reported as such rather than as the
// timeout it ends in. go-redis also logs each failed dial on its own;
// redis.SetLogger quiets it.
func New(rdb redis.Scripter, accountKey string, opts ...Option) *Limiter {
	sum := sha256.Sum256([]byte("chatwork-go/redislimit\x00" + accountKey))
	var id [8]byte
	_, _ = rand.Read(id[:])
	l := &Limiter{
		rdb:         rdb,
		acct:        keyPrefix + "acct:" + hex.EncodeToString(sum[:12]) + ":",
		budgets:     pacing.Chatwork(),
		margin:      100 * time.Millisecond,
		callTimeout: 250 * time.Millisecond,
		retryAfter:  time.Second,
		log:         slog.New(slog.DiscardHandler),
		replica:     hex.EncodeToString(id[:]),
		pending:     map[int64][]ticket{},
	}
	for _, o := range opts {
		o(l)
	}
	if l.budgets.RoomWindow <= 0 {
		l.budgets.RoomWindow = pacing.Chatwork().RoomWindow
	}
	l.poll = max(min(l.budgets.RoomWindow/20, 50*time.Millisecond), time.Millisecond)
	l.local = pacing.NewLocal(l.budgets)
	if h, ok := rdb.(interface{ AddHook(redis.Hook) }); ok {
		h.AddHook(dialHook{&l.dialed})
	}
	return l
}

// keys returns the nine keys of the scripts for room (0: not a post, whose
// room keys are never written).
func (l *Limiter) keys(room int64) []string {
	r := keyPrefix + "room:" + strconv.FormatInt(room, 10) + ":"
	return []string{l.acct + "log", l.acct + "srv", l.acct + "flight", l.acct + "block",
		r + "log", r + "flight", r + "block", r + "queue", r + "alive"}
}

// us is d in microseconds, the unit of the scripts.
func us(d time.Duration) int64 { return d.Microseconds() }

func (l *Limiter) keyTTL() time.Duration {
	return 2*max(apiWindow, l.budgets.Window, l.budgets.RoomWindow) + l.flightTTL()
}

// flightTTL is how long a request may stay unanswered before Redis takes
// it as answered: the bound on what a replica that died mid-request
// leaves behind.
func (l *Limiter) flightTTL() time.Duration { return time.Minute }

// grace is how late a waiter may ask again before it leaves its room's
// queue.
func (l *Limiter) grace() time.Duration { return 2*l.callTimeout + time.Second }

func (l *Limiter) newUID() string { return l.replica + ":" + strconv.FormatUint(l.seq.Add(1), 36) }

// Wait blocks until a request may be sent, and counts it in Redis; see
// pacing.Limiter. When Redis is unavailable it paces locally.
func (l *Limiter) Wait(ctx context.Context, room int64, maxWait time.Duration) error {
	maxWait = pacing.Allowance(ctx, maxWait)
	start := time.Now()
	uid := l.newUID() // one place in the room's queue for the whole wait
	retried := false
	for {
		if l.useLocal() {
			err := l.local.Wait(ctx, room, max(maxWait-time.Since(start), 0))
			if err == nil {
				l.push(room, ticket{local: true})
			}
			return err
		}
		if err := l.settle(); err != nil {
			l.markDown(err)
			continue
		}
		a, err := l.runWait(ctx, room, uid, max(maxWait-time.Since(start), 0))
		if err != nil {
			// The script may have run and counted a request that will not
			// be sent: cancel it, now if Redis answers.
			l.owe(owed{room: room, uid: uid, cancel: true})
			uid = l.newUID()
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if !retried && l.settle() == nil {
				retried = true // a broken connection, Redis still there: once more
				continue
			}
			l.markDown(err)
			continue
		}
		l.markUp()
		if a.wait <= 0 {
			l.push(room, ticket{uid: uid})
			return nil
		}
		due := time.Duration(a.wait) * time.Microsecond
		if time.Since(start)+due > maxWait {
			if room != 0 {
				l.owe(owed{room: room, uid: uid, cancel: true}) // leave the room's queue, if the script did not
			}
			return &pacing.WaitError{Reset: time.Now().Add(due), PerRoom: a.perRoom, Allowed: max(maxWait-time.Since(start), 0)}
		}
		sleep := due
		if a.poll {
			sleep = min(due, l.poll)
		}
		if err := wait.Sleep(ctx, sleep); err != nil {
			l.owe(owed{room: room, uid: uid, cancel: true}) // leave the room's queue
			return err
		}
	}
}

// waitAnswer is the wait script's answer.
type waitAnswer struct {
	wait    int64 // µs; 0: go
	perRoom bool
	poll    bool
}

// errTooLate is the wait script's answer when it ran after the replica had
// given up on it: Redis is too slow.
var errTooLate = errors.New("redislimit: the wait script ran after its deadline")

func (l *Limiter) runWait(ctx context.Context, room int64, uid string, allowed time.Duration) (waitAnswer, error) {
	ctx, cancel := context.WithTimeout(ctx, l.callTimeout)
	defer cancel()
	b := l.budgets
	isRoom := 0
	if room != 0 {
		isRoom = 1
	}
	sent := time.Now()
	var deadline int64 // in Redis's clock: a script run later does nothing
	if ahead, ok := l.redisAhead(); ok {
		dl, _ := ctx.Deadline()
		deadline = dl.Add(ahead).UnixMicro()
	}
	res, err := waitScript.Run(ctx, l.rdb, l.keys(room), uid, b.Limit, us(b.Window), us(l.margin), us(apiWindow),
		b.RoomLimit, us(b.RoomWindow), us(l.flightTTL()), l.keyTTL().Milliseconds(), isRoom, deadline, us(allowed),
		us(l.poll), us(l.grace()), us(resetSlack), us(b.RoomWindow)).Slice()
	if err != nil {
		return waitAnswer{}, err
	}
	head, err := l.answer(res, 5, sent)
	if err != nil {
		return waitAnswer{}, err
	}
	if head[0] < 0 {
		return waitAnswer{}, errTooLate
	}
	return waitAnswer{wait: head[0], perRoom: head[1] == 1, poll: head[2] == 1}, nil
}

// answer reads a script's answer: n numbers (the fourth, or the first when
// n is 1, Redis's clock), then the repairs it made, which it logs.
func (l *Limiter) answer(res []any, n int, sent time.Time) ([]int64, error) {
	if len(res) < n {
		return nil, fmt.Errorf("redislimit: a script answered %d values, want at least %d", len(res), n)
	}
	head := make([]int64, n)
	for i := range head {
		v, ok := res[i].(int64)
		if !ok {
			return nil, fmt.Errorf("redislimit: a script answered %T where a number belongs", res[i])
		}
		head[i] = v
	}
	clock := head[0]
	if n > 1 {
		clock = head[3]
	}
	l.noteClock(time.UnixMicro(clock).Sub(sent))
	if len(res) > n {
		fixed := make([]string, 0, len(res)-n)
		for _, r := range res[n:] {
			fixed = append(fixed, fmt.Sprint(r))
		}
		l.log.Warn("chatwork: redis held values that cannot be right; repaired them and went on", "repaired", strings.Join(fixed, "; "))
	}
	return head, nil
}

// noteClock takes in one call's bound on Redis's clock minus ours: the
// script ran after the call was sent. The least of the recent bounds
// holds, so that a slowly drifting clock is followed.
func (l *Limiter) noteClock(ahead time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.ahead) == 32 {
		l.ahead = l.ahead[1:]
	}
	l.ahead = append(l.ahead, ahead)
}

// redisAhead returns how far Redis's clock is ahead of ours at most, if
// known.
func (l *Limiter) redisAhead() (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.ahead) == 0 {
		return 0, false
	}
	return slices.Min(l.ahead), true
}

// Observe takes in what an answer said, in Redis (and in the local
// limiter, so that it is warm when Redis fails); see pacing.Limiter.
func (l *Limiter) Observe(room int64, o pacing.Observation) {
	l.local.Observe(room, o)
	t, ok := l.pop(room)
	if !ok || t.local {
		return
	}
	if err := l.runObserve(room, t.uid, o); err != nil {
		l.owe(owed{room: room, uid: t.uid, obs: o}) // told again once Redis answers
		l.markDown(err)
	}
}

func (l *Limiter) runObserve(room int64, uid string, o pacing.Observation) error {
	ctx, cancel := context.WithTimeout(context.Background(), l.callTimeout)
	defer cancel()
	hasRL := 0
	if o.HasRateLimit() {
		hasRL = 1
	}
	roomLimited, isRoom := 0, 0
	if o.RoomLimited {
		roomLimited = 1
	}
	if room != 0 {
		isRoom = 1
	}
	b := l.budgets
	sent := time.Now()
	res, err := observeScript.Run(ctx, l.rdb, l.keys(room), uid, o.StatusCode, hasRL, o.Limit, o.Remaining, o.Reset.UnixMicro(),
		roomLimited, isRoom, b.RoomLimit, us(b.RoomWindow), l.keyTTL().Milliseconds(), us(b.RoomWindow),
		b.Limit, us(b.Window), us(l.margin), us(apiWindow), us(l.flightTTL()), us(resetSlack)).Slice()
	if err == nil {
		_, err = l.answer(res, 1, sent)
	}
	return err
}

// owe keeps what Redis must be told once it answers again, and has it
// told in the background, so that an idle replica leaves nothing behind
// either. The oldest go when too many wait; what they leave in Redis
// expires after flightTTL.
func (l *Limiter) owe(o owed) {
	o.at = time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.owed) == owedMax {
		l.owed = l.owed[1:]
	}
	l.owed = append(l.owed, o)
	if l.settler == nil {
		l.settler = time.AfterFunc(l.retryAfter, l.settleLater)
	}
}

// settleLater tells Redis what it is owed, and tries again later while it
// cannot; what Redis has forgotten anyway is dropped.
func (l *Limiter) settleLater() {
	l.mu.Lock()
	l.owed = slices.DeleteFunc(l.owed, func(o owed) bool { return time.Since(o.at) > l.flightTTL() })
	l.mu.Unlock()
	_ = l.settle() // what it could not tell stays owed
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.owed) > 0 { // what failed, or what came meanwhile
		l.settler.Reset(l.retryAfter)
		return
	}
	l.settler = nil
}

// settle tells Redis what it is owed: the cancels of requests that were
// never sent, and the answers that did not reach it. It stops at the first
// failure, keeping the rest.
func (l *Limiter) settle() error {
	for {
		l.mu.Lock()
		if len(l.owed) == 0 {
			l.mu.Unlock()
			return nil
		}
		o := l.owed[0]
		l.mu.Unlock()
		var err error
		if o.cancel {
			err = l.runCancel(o.room, o.uid)
		} else {
			err = l.runObserve(o.room, o.uid, o.obs)
		}
		if err != nil {
			return err
		}
		l.mu.Lock()
		if len(l.owed) > 0 && l.owed[0] == o {
			l.owed = l.owed[1:]
		}
		l.mu.Unlock()
	}
}

func (l *Limiter) runCancel(room int64, uid string) error {
	ctx, cancel := context.WithTimeout(context.Background(), l.callTimeout)
	defer cancel()
	k := l.keys(room)
	keys := []string{k[0], k[2]} // the account's log and flight
	if room != 0 {
		keys = append(keys, k[5], k[7], k[8]) // the room's flight, queue and alive
	}
	return cancelScript.Run(ctx, l.rdb, keys, uid).Err()
}

func (l *Limiter) push(room int64, t ticket) {
	l.mu.Lock()
	l.pending[room] = append(l.pending[room], t)
	l.mu.Unlock()
}

func (l *Limiter) pop(room int64) (ticket, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	q := l.pending[room]
	if len(q) == 0 {
		return ticket{}, false
	}
	t := q[0]
	if len(q) == 1 {
		delete(l.pending, room)
	} else {
		l.pending[room] = q[1:]
	}
	return t, true
}

// useLocal reports whether Redis is taken as down for now.
func (l *Limiter) useLocal() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.down && time.Now().Before(l.retryAt)
}

func (l *Limiter) markDown(err error) {
	l.mu.Lock()
	first := !l.down
	l.down, l.retryAt = true, time.Now().Add(l.retryAfter)
	l.mu.Unlock()
	if first {
		what, err := l.diagnose(err)
		l.log.Warn("chatwork: redis "+what+"; pacing this process alone until it is back", "error", err.Error())
	}
}

func (l *Limiter) markUp() {
	l.mu.Lock()
	was := l.down
	l.down = false
	l.mu.Unlock()
	if was {
		l.log.Info("chatwork: redis reachable again; pacing shared")
	}
}

// diagnose says what went wrong with Redis, and the error that says it
// best: a call that ran out of time while the client's dials failed
// failed because of the dial's error (an untrusted certificate, say).
func (l *Limiter) diagnose(err error) (string, error) {
	if timedOut(err) {
		if d := l.dialed.Load(); d != nil && time.Since(d.at) < l.retryAfter+l.callTimeout {
			err = d.err
		}
	}
	var certErr *tls.CertificateVerificationError
	var authority x509.UnknownAuthorityError
	var host x509.HostnameError
	var invalid x509.CertificateInvalidError
	var record tls.RecordHeaderError
	var redisErr redis.Error
	switch {
	case errors.As(err, &certErr) || errors.As(err, &authority) || errors.As(err, &host) || errors.As(err, &invalid):
		return "presented a certificate that is not trusted", err
	case errors.As(err, &record):
		return "does not speak TLS as the URL says", err
	case errors.As(err, &redisErr) && isAuthError(redisErr.Error()):
		return "refused the credentials", err
	case errors.Is(err, errTooLate) || timedOut(err):
		return "did not answer in time", err
	case errors.As(err, &redisErr):
		return "answered with an error", err
	}
	return "unreachable", err
}

func isAuthError(msg string) bool {
	for _, p := range []string{"NOAUTH", "WRONGPASS", "NOPERM", "ERR invalid password", "ERR AUTH"} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	// Redis cuts off what an unauthenticated client may send.
	return strings.Contains(msg, "unauthenticated")
}

func timedOut(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}

// dialHook notes the client's failed dials.
type dialHook struct{ last *atomic.Pointer[dialFailure] }

func (h dialHook) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := next(ctx, network, addr)
		if err != nil && !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
			h.last.Store(&dialFailure{at: time.Now(), err: err})
		}
		return c, err
	}
}

func (h dialHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook { return next }

func (h dialHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}
