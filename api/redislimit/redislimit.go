// Package redislimit shares a Chatwork account's rate budgets among the
// processes that use one token, through Redis.
//
// Chatwork's budgets belong to the account and the room, not to a process:
// 300 requests per 5 minutes per account, 10 message posts or task
// creations per 10 seconds per room. Replicas that each pace themselves
// to the whole budget overshoot together. A Limiter keeps the account's
// window and each room's posting window in Redis, updated atomically by Lua
// scripts, with the semantics of package pacing's in-memory limiter: a burst goes
// out at once, the whole allowance is used, the server's x-ratelimit-*
// headers correct the shared state, and a 429 seen by one replica holds
// back all of them. Plug it into a client with api.WithLimiter.
//
// Keys are namespaced by a hash of the account key (the token, or any name
// of the account), never the key itself, and expire on their own. Every
// Redis call has a deadline; when Redis cannot be reached the Limiter paces
// locally (pacing.NewLocal) and logs it once per outage,
// and no call waits beyond its maximum wait.
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
	"encoding/hex"
	"errors"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/chatwork-go/chatwork/api/pacing"
	"github.com/chatwork-go/chatwork/internal/budgets"
	"github.com/chatwork-go/chatwork/internal/wait"
)

const apiWindow = budgets.AccountWindow // the API's account window, for a limit the server reports

// Limiter is an pacing.Limiter whose state lives in Redis. It is safe for
// concurrent use; create one per process and account.
type Limiter struct {
	rdb         redis.Scripter
	prefix      string // "chatwork:{<hash>}:"
	budgets     pacing.Budgets
	margin      time.Duration
	callTimeout time.Duration
	retryAfter  time.Duration // how long to pace locally before trying Redis again
	poll        time.Duration // how often to look again while a budget waits for answers
	log         *slog.Logger
	local       pacing.Limiter

	replica string // random, tells this process's requests apart
	seq     atomic.Uint64

	mu      sync.Mutex
	pending map[int64][]ticket // per room (0: not a post), oldest first
	down    bool
	retryAt time.Time
}

// A ticket is a request Wait let through, until its answer is observed.
type ticket struct {
	uid   string // its member in Redis; empty when counted locally
	local bool
}

// Option configures a Limiter.
type Option func(*Limiter)

// WithBudgets sets the budgets to pace to (default pacing.Chatwork()).
// Every replica must use the same.
func WithBudgets(b pacing.Budgets) Option { return func(l *Limiter) { l.budgets = b } }

// WithCallTimeout sets the deadline of each Redis call (default 250 ms).
// A call that misses it counts as Redis being unreachable.
func WithCallTimeout(d time.Duration) Option {
	return func(l *Limiter) {
		if d > 0 {
			l.callTimeout = d
		}
	}
}

// WithLogger sets where the Limiter says that it paces locally because
// Redis is unreachable, and that Redis is back (default: discarded).
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
// same accountKey and budgets.
//
// Give rdb ContextTimeoutEnabled (redis.Options), so that the deadline of
// each call bounds its network reads and writes too; without it, rdb's
// ReadTimeout and WriteTimeout (3 s by default) do. go-redis also logs each
// failed dial on its own; redis.SetLogger quiets it.
func New(rdb redis.Scripter, accountKey string, opts ...Option) *Limiter {
	sum := sha256.Sum256([]byte("chatwork-go/redislimit\x00" + accountKey))
	var id [8]byte
	_, _ = rand.Read(id[:])
	l := &Limiter{
		rdb:         rdb,
		prefix:      "chatwork:{" + hex.EncodeToString(sum[:12]) + "}:",
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
	return l
}

// keys returns the seven keys of the scripts for room (0: not a post).
func (l *Limiter) keys(room int64) []string {
	r := l.prefix + "room:" + strconv.FormatInt(room, 10) + ":"
	return []string{l.prefix + "acct:log", l.prefix + "acct:srv", l.prefix + "acct:flight", l.prefix + "acct:block",
		r + "log", r + "flight", r + "block"}
}

// us is d in microseconds, the unit of the scripts.
func us(d time.Duration) int64 { return d.Microseconds() }

func (l *Limiter) keyTTL() time.Duration {
	return 2*max(apiWindow, l.budgets.Window, l.budgets.RoomWindow) + l.flightTTL()
}

// flightTTL is how long a request may stay unanswered before Redis takes
// it as answered (a replica that died mid-request).
func (l *Limiter) flightTTL() time.Duration { return time.Minute }

// Wait blocks until a request may be sent, and counts it in Redis; see
// pacing.Limiter. When Redis is unreachable it paces locally.
func (l *Limiter) Wait(ctx context.Context, room int64, maxWait time.Duration) error {
	maxWait = pacing.Allowance(ctx, maxWait)
	start := time.Now()
	for {
		if l.useLocal() {
			err := l.local.Wait(ctx, room, max(maxWait-time.Since(start), 0))
			if err == nil {
				l.push(room, ticket{local: true})
			}
			return err
		}
		uid := l.replica + ":" + strconv.FormatUint(l.seq.Add(1), 36)
		res, err := l.runWait(ctx, room, uid)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			l.markDown(err)
			continue
		}
		l.markUp()
		if res[0] <= 0 {
			l.push(room, ticket{uid: uid})
			return nil
		}
		due := time.Duration(res[0]) * time.Microsecond
		if time.Since(start)+due > maxWait {
			return &pacing.WaitError{Reset: time.Now().Add(due), PerRoom: res[1] == 1, Allowed: max(maxWait-time.Since(start), 0)}
		}
		sleep := due
		if res[2] == 1 {
			sleep = min(due, l.poll)
		}
		if err := wait.Sleep(ctx, sleep); err != nil {
			return err
		}
	}
}

func (l *Limiter) runWait(ctx context.Context, room int64, uid string) ([]int64, error) {
	ctx, cancel := context.WithTimeout(ctx, l.callTimeout)
	defer cancel()
	b := l.budgets
	isRoom := 0
	if room != 0 {
		isRoom = 1
	}
	res, err := waitScript.Run(ctx, l.rdb, l.keys(room), uid, b.Limit, us(b.Window), us(l.margin), us(apiWindow),
		b.RoomLimit, us(b.RoomWindow), us(l.flightTTL()), l.keyTTL().Milliseconds(), isRoom).Int64Slice()
	if err == nil && len(res) != 3 {
		err = errors.New("redislimit: unexpected answer of the wait script")
	}
	return res, err
}

// Observe takes in what an answer said, in Redis (and in the local
// limiter, so that it is warm when Redis fails); see pacing.Limiter.
func (l *Limiter) Observe(room int64, o pacing.Observation) {
	l.local.Observe(room, o)
	t, ok := l.pop(room)
	if !ok || t.local {
		return
	}
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
	err := observeScript.Run(ctx, l.rdb, l.keys(room), t.uid, o.StatusCode, hasRL, o.Limit, o.Remaining, o.Reset.UnixMicro(),
		roomLimited, us(b.RoomWindow), isRoom, b.RoomLimit, l.keyTTL().Milliseconds(), us(b.RoomWindow),
		us(b.Window), us(min(l.margin, b.Window/100)), us(min(b.Window, time.Second))).Err()
	if err != nil {
		l.markDown(err)
	}
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
		l.log.Warn("chatwork: redis unreachable; pacing this process alone until it is back", "error", err.Error())
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
