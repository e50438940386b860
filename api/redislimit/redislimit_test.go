package redislimit_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/chatwork-go/chatwork/api"
	"github.com/chatwork-go/chatwork/api/apitest"
	"github.com/chatwork-go/chatwork/api/pacing"
	"github.com/chatwork-go/chatwork/api/redislimit"
	"github.com/chatwork-go/chatwork/internal/pacingtest"
	"github.com/chatwork-go/chatwork/internal/redistest"
)

// Budgets scaled in time so that the tests run in seconds: the fake
// enforces them and every limiter paces to them.
var scaled = pacing.Budgets{Limit: 100, Window: 2 * time.Second, RoomLimit: 5, RoomWindow: 250 * time.Millisecond}

// steady gives a Limiter's Redis calls a deadline that only a hung Redis
// misses. The default, 250 ms, is how long a replica waits for Redis
// before it paces alone; on a busy 2-core machine under the race detector
// a healthy Redis's answer can take longer, and a test of the shared state
// would then test that fallback instead (replicas pacing alone draw 429s,
// a value planted in Redis goes unread). The tests of outages (stalls,
// kills, refused connections) keep the default or set their own.
var steady = redislimit.WithCallTimeout(5 * time.Second)

// fakeOverHTTP starts the fake on a loopback port with the scaled budgets
// and n group rooms of its default account.
func fakeOverHTTP(t *testing.T, b pacing.Budgets, rooms int) (*apitest.Server, []int64) {
	t.Helper()
	s := apitest.NewServer(t, apitest.WithRateLimit(b.Limit, b.Window), apitest.WithRoomPostLimit(b.RoomLimit, b.RoomWindow))
	ids := make([]int64, rooms)
	for i := range ids {
		ids[i] = s.AddRoom(apitest.Room{Name: fmt.Sprintf("room %d", i), AdminIDs: []int64{s.Me().AccountID}}).RoomID
	}
	return s, ids
}

// replica is one process: its own HTTP connections and its own limiter.
func replica(t *testing.T, s *apitest.Server, token string, lim pacing.Limiter) *api.Client {
	t.Helper()
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	c, err := api.NewClient(token, api.WithBaseURL(s.URL()), api.WithHTTPClient(&http.Client{Transport: tr}), api.WithLimiter(lim))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestReplicasShareOneBudget: four replicas, each with its own connections
// and its own Limiter on one Redis, post to five rooms of one account
// against the fake over real HTTP: no 429 at all.
func TestReplicasShareOneBudget(t *testing.T) {
	r := redistest.Start(t)
	rdb := r.Client(t)
	s, rooms := fakeOverHTTP(t, scaled, 5)
	var clients []*api.Client
	for range 4 {
		clients = append(clients, replica(t, s, s.Token(), redislimit.New(rdb, s.Token(), redislimit.WithBudgets(scaled), steady)))
	}
	const n = 250
	if errs := pacingtest.Post(t.Context(), clients, rooms, n, 4, "m"); len(errs) > 0 {
		t.Fatalf("%d posts failed, first: %v", len(errs), errs[0])
	}
	pacingtest.StoredOnce(t, s, rooms, n, "m")
	if k := pacingtest.Count429(s, 0); k != 0 {
		t.Errorf("%d 429s with the shared limiter, want 0", k)
	}
	keys, err := rdb.Keys(t.Context(), "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if strings.Contains(k, s.Token()) {
			t.Errorf("key %q holds the token", k)
		}
		if ttl := rdb.PTTL(t.Context(), k).Val(); ttl <= 0 {
			t.Errorf("key %q does not expire (PTTL %v)", k, ttl)
		}
	}
}

// TestLocalReplicasOvershoot is the control: the same replicas pacing
// alone draw 429s, which is what the shared limiter is for.
func TestLocalReplicasOvershoot(t *testing.T) {
	s, rooms := fakeOverHTTP(t, scaled, 5)
	var clients []*api.Client
	for range 4 {
		clients = append(clients, replica(t, s, s.Token(), pacing.NewLocal(scaled)))
	}
	if errs := pacingtest.Post(t.Context(), clients, rooms, 100, 4, "m"); len(errs) > 0 {
		t.Fatalf("%d posts failed, first: %v", len(errs), errs[0])
	}
	if pacingtest.Count429(s, 0) == 0 {
		t.Error("four local limiters drew no 429; the control shows nothing")
	}
}

// logBuffer is a slog handler's sink that tests can read while the
// limiter writes.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) Reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Reset()
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestRedisStoppedMidRun: calls go on with local pacing, no error reaches
// the caller, the outage is logged once per limiter, and no goroutine is
// left behind.
func TestRedisStoppedMidRun(t *testing.T) {
	r := redistest.Start(t)
	before := runtime.NumGoroutine()
	s, rooms := fakeOverHTTP(t, scaled, 3)
	var logs logBuffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	rdb := redis.NewClient(&redis.Options{Addr: r.Addr(), MaxRetries: -1, ContextTimeoutEnabled: true})
	var clients []*api.Client
	var transports []*http.Transport
	for range 2 {
		lim := redislimit.New(rdb, s.Token(), redislimit.WithBudgets(scaled), redislimit.WithLogger(logger))
		tr := &http.Transport{}
		transports = append(transports, tr)
		c, err := api.NewClient(s.Token(), api.WithBaseURL(s.URL()), api.WithHTTPClient(&http.Client{Transport: tr}), api.WithLimiter(lim))
		if err != nil {
			t.Fatal(err)
		}
		clients = append(clients, c)
	}
	if errs := pacingtest.Post(t.Context(), clients, rooms, 30, 4, "before"); len(errs) > 0 {
		t.Fatalf("%d posts failed before the outage, first: %v", len(errs), errs[0])
	}
	r.Kill()
	if errs := pacingtest.Post(t.Context(), clients, rooms, 30, 4, "during"); len(errs) > 0 {
		t.Fatalf("%d posts failed during the outage, first: %v", len(errs), errs[0])
	}
	pacingtest.StoredOnce(t, s, rooms, 30, "before")
	pacingtest.StoredOnce(t, s, rooms, 30, "during")
	if n := strings.Count(logs.String(), "redis unreachable"); n != 2 {
		t.Errorf("%d outage lines for 2 limiters, want one each:\n%s", n, logs.String())
	}
	if strings.Contains(logs.String(), s.Token()) {
		t.Error("the token is in the log")
	}
	_ = rdb.Close()
	for _, tr := range transports {
		tr.CloseIdleConnections()
	}
	// Goroutines end asynchronously after Close; wait for them, not for a time.
	for i := 0; runtime.NumGoroutine() > before; i++ {
		if i == 1000 {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines left, %d before:\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestRedisRestarted: Redis loses everything; the next answers' headers
// rebuild the shared state, and the calls go on.
func TestRedisRestarted(t *testing.T) {
	r := redistest.Start(t)
	rdb := redis.NewClient(&redis.Options{Addr: r.Addr(), ContextTimeoutEnabled: true})
	t.Cleanup(func() { _ = rdb.Close() })
	s, rooms := fakeOverHTTP(t, scaled, 2)
	c := replica(t, s, s.Token(), redislimit.New(rdb, s.Token(), redislimit.WithBudgets(scaled), redislimit.WithRetryAfter(time.Millisecond)))
	if errs := pacingtest.Post(t.Context(), []*api.Client{c}, rooms, 10, 4, "before"); len(errs) > 0 {
		t.Fatalf("first: %v", errs[0])
	}
	r.Kill()
	r.Restart()
	if n := rdb.DBSize(t.Context()).Val(); n != 0 {
		t.Fatalf("%d keys after the restart; the test needs an empty Redis", n)
	}
	if errs := pacingtest.Post(t.Context(), []*api.Client{c}, rooms, 10, 4, "after"); len(errs) > 0 {
		t.Fatalf("%d posts failed after the restart, first: %v", len(errs), errs[0])
	}
	pacingtest.StoredOnce(t, s, rooms, 10, "after")
	keys := rdb.Keys(t.Context(), "*:acct:*:srv").Val()
	if len(keys) != 1 {
		t.Fatalf("server state keys after the restart: %v", keys)
	}
	limit := rdb.HGet(t.Context(), keys[0], "limit").Val()
	if limit != fmt.Sprint(scaled.Limit) {
		t.Errorf("rebuilt limit %q, want the fake's %d", limit, scaled.Limit)
	}
}

// TestSlowRedis: a Redis that stops answering costs each call at most the
// call deadline; the calls go on with local pacing.
func TestSlowRedis(t *testing.T) {
	r := redistest.Start(t)
	bh := newBlackhole(t, r.Addr())
	rdb := redis.NewClient(&redis.Options{Addr: bh.addr(), MaxRetries: -1, ContextTimeoutEnabled: true})
	t.Cleanup(func() { _ = rdb.Close() })
	var logs logBuffer
	lim := redislimit.New(rdb, "token-slow", redislimit.WithBudgets(scaled), redislimit.WithCallTimeout(50*time.Millisecond),
		redislimit.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	ctx := t.Context()
	if err := lim.Wait(ctx, 1, time.Minute); err != nil {
		t.Fatal(err)
	}
	lim.Observe(1, pacing.Observation{StatusCode: 200})
	bh.stall()
	// Without a deadline on every Redis call these would never return.
	for i := range 20 {
		if err := lim.Wait(ctx, 0, time.Minute); err != nil {
			t.Fatalf("wait %d: %v", i, err)
		}
		lim.Observe(0, pacing.Observation{StatusCode: 200})
	}
	if n := strings.Count(logs.String(), "redis did not answer in time; pacing this process alone"); n != 1 {
		t.Errorf("%d outage lines, want 1:\n%s", n, logs.String())
	}
}

// TestTwoTokensOneRedis: two accounts on one Redis have their own account
// budgets but share each room's, as Chatwork counts them (two bots in one
// team chat); a budget that would need a wait beyond the maximum returns
// a *pacing.WaitError at once.
func TestTwoTokensOneRedis(t *testing.T) {
	r := redistest.Start(t)
	rdb := r.Client(t)
	b := pacing.Budgets{Limit: 5, Window: time.Hour, RoomLimit: 3, RoomWindow: time.Hour}
	a := redislimit.New(rdb, "token-A", redislimit.WithBudgets(b), steady)
	other := redislimit.New(rdb, "token-B", redislimit.WithBudgets(b), steady)
	ctx := t.Context()
	send := func(lim *redislimit.Limiter, room int64) error {
		err := lim.Wait(ctx, room, 0)
		if err == nil {
			lim.Observe(room, pacing.Observation{StatusCode: 200, Sent: time.Now()})
		}
		return err
	}
	for i := range 3 {
		if err := send(a, 42); err != nil {
			t.Fatalf("A's post %d: %v", i, err)
		}
	}
	var we *pacing.WaitError
	if err := a.Wait(ctx, 42, time.Minute); !errors.As(err, &we) || !we.PerRoom || we.Reset.Before(time.Now().Add(50*time.Minute)) {
		t.Fatalf("A's fourth post: %v, want a per-room *pacing.WaitError with the reset an hour ahead", err)
	}
	if err := send(other, 42); !errors.As(err, &we) || !we.PerRoom {
		t.Fatalf("B's post to the same room: %v, want a per-room *pacing.WaitError: the room's budget is the room's", err)
	}
	if err := send(other, 43); err != nil {
		t.Fatalf("B's post to another room: %v", err)
	}
	for i := range 2 {
		if err := send(a, 0); err != nil {
			t.Fatalf("A's request %d: %v", i, err)
		}
	}
	if err := send(a, 0); !errors.As(err, &we) || we.PerRoom {
		t.Fatalf("A's sixth request: %v, want an account *pacing.WaitError", err)
	}
	for i := range 4 {
		if err := send(other, 0); err != nil {
			t.Fatalf("B's request %d: %v; B's account budget is its own", i, err)
		}
	}
	// A second replica of A sees A's spent account.
	if err := redislimit.New(rdb, "token-A", redislimit.WithBudgets(b), steady).Wait(ctx, 0, 0); !errors.As(err, &we) {
		t.Fatalf("another replica of A: %v, want *pacing.WaitError", err)
	}
	for _, k := range rdb.Keys(ctx, "*").Val() {
		if strings.Contains(k, "token-") {
			t.Errorf("key %q holds the token", k)
		}
	}
}

// TestA429HoldsBackEveryReplica: an account 429 seen by one replica holds
// back another.
func TestA429HoldsBackEveryReplica(t *testing.T) {
	r := redistest.Start(t)
	rdb := r.Client(t)
	one := redislimit.New(rdb, "token-429", steady)
	two := redislimit.New(rdb, "token-429", steady)
	ctx := t.Context()
	if err := one.Wait(ctx, 0, 0); err != nil {
		t.Fatal(err)
	}
	reset := time.Now().Add(2 * time.Minute).Truncate(time.Second)
	one.Observe(0, pacing.Observation{StatusCode: 429, Limit: 300, Remaining: 0, Reset: reset})
	var we *pacing.WaitError
	if err := two.Wait(ctx, 0, time.Minute); !errors.As(err, &we) || we.PerRoom {
		t.Fatalf("the other replica: %v, want an account *pacing.WaitError", err)
	}
	if d := we.Reset.Sub(reset); d < -time.Second || d > time.Second {
		t.Errorf("reset %v, want about %v", we.Reset, reset)
	}
}

// TestServerWindowLongerThanConfigured: a server that reports the
// configured limit but keeps counting in a window far longer than the
// configured one does not stall the replicas (see the api test of the
// same name).
func TestServerWindowLongerThanConfigured(t *testing.T) {
	r := redistest.Start(t)
	b := pacing.Budgets{Limit: 5, Window: 200 * time.Millisecond, RoomLimit: 10, RoomWindow: time.Second}
	lim := redislimit.New(r.Client(t), "token-long-window", redislimit.WithBudgets(b), steady)
	obs := pacing.Observation{StatusCode: 200, Limit: 5, Remaining: 4, Reset: time.Now().Add(4 * time.Minute).Truncate(time.Second)}
	for i := range 30 {
		if err := lim.Wait(t.Context(), 0, 5*time.Second); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
		lim.Observe(0, obs)
	}
}

// TestDeadlineShorterThanTheWait: a wait that cannot end before the
// context's deadline is refused at once with a *pacing.WaitError, whatever
// the maximum wait given.
func TestDeadlineShorterThanTheWait(t *testing.T) {
	r := redistest.Start(t)
	b := pacing.Budgets{Limit: 100, Window: time.Hour, RoomLimit: 2, RoomWindow: time.Minute}
	lim := redislimit.New(r.Client(t), "token-deadline", redislimit.WithBudgets(b), steady)
	for range 2 {
		if err := lim.Wait(t.Context(), 7, 0); err != nil {
			t.Fatal(err)
		}
		lim.Observe(7, pacing.Observation{StatusCode: 200, Sent: time.Now()})
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	start := time.Now()
	err := lim.Wait(ctx, 7, time.Hour)
	var we *pacing.WaitError
	if !errors.As(err, &we) || !we.PerRoom || ctx.Err() != nil {
		t.Fatalf("err = %v (context: %v), want a per-room *pacing.WaitError before the deadline", err, ctx.Err())
	}
	if we.Allowed > 2*time.Second || we.Reset.Sub(start) < 50*time.Second {
		t.Errorf("%+v: want an allowance within the deadline and the reset a window ahead", we)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("refused after %v, want at once", d)
	}
}
