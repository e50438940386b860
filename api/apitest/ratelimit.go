package apitest

import (
	"net/http"
	"strconv"
	"sync"
	"time"
)

// unlimited is the x-ratelimit-limit and -remaining sent when the global
// limit is off: more than any test sends in a window, yet a number a client
// can size nothing absurd from (2³¹−1, sent before, made clients that
// trusted it allocate gigabytes).
const unlimited = 1_000_000

// limiter keeps the global budget of every account (a fixed window that
// starts with the first request after the previous window ended) and the
// posting budget of every room (a sliding window: at most n accepted posts
// in any span of the window's length).
type limiter struct {
	mu         sync.Mutex
	limit      int
	window     time.Duration
	roomLimit  int
	roomWindow time.Duration
	accounts   map[int64]*budget
	rooms      map[int64][]time.Time // accepted posts, oldest first
}

type budget struct {
	start time.Time
	used  int
}

// A rate is what the x-ratelimit-* headers report.
type rate struct {
	limit, remaining int
	reset            time.Time
}

func newLimiter(c *config) *limiter {
	return &limiter{
		limit:      c.limit,
		window:     c.window,
		roomLimit:  c.roomLimit,
		roomWindow: c.roomWindow,
		accounts:   map[int64]*budget{},
		rooms:      map[int64][]time.Time{},
	}
}

// reset forgets every budget spent.
func (l *limiter) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.accounts = map[int64]*budget{}
	l.rooms = map[int64][]time.Time{}
}

// current returns the account's budget, starting a new window when the
// previous one has ended. l.mu must be held.
func (l *limiter) current(acct int64, now time.Time) *budget {
	b := l.accounts[acct]
	if b == nil {
		b = &budget{start: now}
		l.accounts[acct] = b
	}
	if !now.Before(b.start.Add(l.window)) {
		b.start, b.used = now, 0
	}
	return b
}

func (l *limiter) rateOf(b *budget) rate {
	if l.limit <= 0 {
		return rate{limit: unlimited, remaining: unlimited, reset: b.start.Add(l.window)}
	}
	return rate{limit: l.limit, remaining: max(l.limit-b.used, 0), reset: b.start.Add(l.window)}
}

// peek reports the account's budget without spending any.
func (l *limiter) peek(acct int64, now time.Time) rate {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.rateOf(l.current(acct, now))
}

// anonymous is the rate reported to requests without a valid token.
func (l *limiter) anonymous(now time.Time) rate {
	if l.limit <= 0 {
		return rate{limit: unlimited, remaining: unlimited, reset: now.Add(l.window)}
	}
	return rate{limit: l.limit, remaining: l.limit, reset: now.Add(l.window)}
}

// take spends one request of the account's budget. ok is false when the
// budget is exhausted; nothing is spent then.
func (l *limiter) take(acct int64, now time.Time) (r rate, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.current(acct, now)
	if l.limit > 0 && b.used >= l.limit {
		return l.rateOf(b), false
	}
	b.used++
	return l.rateOf(b), true
}

// spend spends up to n requests of the account's budget.
func (l *limiter) spend(acct int64, n int, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.current(acct, now)
	b.used += n
	if l.limit > 0 && b.used > l.limit {
		b.used = l.limit
	}
}

// takeRoom records one post to the room, or reports false when the room's
// budget is exhausted; nothing is recorded then.
func (l *limiter) takeRoom(roomID int64, now time.Time) bool {
	if l.roomLimit <= 0 {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	posts := l.rooms[roomID]
	cut := now.Add(-l.roomWindow)
	i := 0
	for i < len(posts) && !posts[i].After(cut) {
		i++
	}
	posts = posts[i:]
	if len(posts) >= l.roomLimit {
		l.rooms[roomID] = posts
		return false
	}
	l.rooms[roomID] = append(posts, now)
	return true
}

// setHeaders writes the x-ratelimit-* headers. The reset time is rounded
// up to a whole second, so that a client that waits until then finds the
// new window open.
func (r rate) setHeaders(h http.Header) {
	reset := r.reset.Unix()
	if r.reset.Nanosecond() != 0 {
		reset++
	}
	h.Set("X-Ratelimit-Limit", strconv.Itoa(r.limit))
	h.Set("X-Ratelimit-Remaining", strconv.Itoa(r.remaining))
	h.Set("X-Ratelimit-Reset", strconv.FormatInt(reset, 10))
}
