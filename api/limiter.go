package api

import (
	"context"
	"net/http"
	"sync"
	"time"
)

// limiter paces requests so that the account's budget and each room's
// posting budget are never exceeded, and spends them fully.
//
// Both budgets are kept as sliding-window logs: a request may go when fewer
// than limit requests were sent in the last window. That holds whatever the
// alignment of the server's own windows, so it never earns a 429, yet it
// lets a burst through at once and uses the whole allowance. (A token bucket
// such as golang.org/x/time/rate cannot do both: a burst of limit lets up to
// twice the limit into one fixed window, a burst of one spreads ten posts to
// a room over ten seconds.)
//
// The account's budget is corrected by every response: x-ratelimit-limit
// replaces the configured limit, and while x-ratelimit-remaining (less the
// requests still in flight) is zero no request goes until x-ratelimit-reset.
// That is what keeps a second program on the same account from causing
// 429s. After a 429 the limiter holds back everything (account limit) or the
// room's posts (room limit) until the limit resets.
type limiter struct {
	margin     time.Duration // at most; see newSlidingLog
	roomLimit  int
	roomWindow time.Duration

	mu       sync.Mutex
	global   *slidingLog
	rooms    map[int64]*roomState
	inflight int

	// the server's view of the account's window
	srvKnown     bool
	srvRemaining int
	srvReset     time.Time
	blockedUntil time.Time
}

type roomState struct {
	log          *slidingLog
	blockedUntil time.Time
}

func newLimiter(cfg config) *limiter {
	l := &limiter{margin: cfg.margin, roomLimit: cfg.roomLimit, roomWindow: cfg.roomWindow, rooms: map[int64]*roomState{}}
	if cfg.globalLimit > 0 {
		l.global = newSlidingLog(cfg.globalLimit, cfg.globalWindow, cfg.margin)
	}
	return l
}

// acquire waits until a request may be sent, then counts it. room is the
// room of a post or task creation, 0 for other requests.
func (l *limiter) acquire(ctx context.Context, room int64) error {
	for {
		l.mu.Lock()
		now := time.Now()
		wait := l.waitLocked(now, room)
		if wait <= 0 {
			if l.global != nil {
				l.global.add(now)
			}
			if rs := l.roomLocked(room); rs != nil {
				rs.log.add(now)
			}
			l.inflight++
			l.mu.Unlock()
			return nil
		}
		l.mu.Unlock()
		if err := sleep(ctx, wait); err != nil {
			return err
		}
	}
}

func (l *limiter) waitLocked(now time.Time, room int64) time.Duration {
	var wait time.Duration
	later := func(t time.Time) {
		if d := t.Sub(now); d > wait {
			wait = d
		}
	}
	later(l.blockedUntil)
	if l.global != nil {
		if l.srvKnown && now.Before(l.srvReset) && l.srvRemaining-l.inflight <= 0 {
			later(l.srvReset.Add(l.global.margin))
		}
		later(l.global.nextFree(now))
	}
	if rs := l.roomLocked(room); rs != nil {
		later(rs.blockedUntil)
		later(rs.log.nextFree(now))
	}
	return wait
}

func (l *limiter) roomLocked(room int64) *roomState {
	if room == 0 || l.roomLimit <= 0 {
		return nil
	}
	rs := l.rooms[room]
	if rs == nil {
		rs = &roomState{log: newSlidingLog(l.roomLimit, l.roomWindow, l.margin)}
		l.rooms[room] = rs
	}
	return rs
}

// done marks the end of a request that acquire counted.
func (l *limiter) done() {
	l.mu.Lock()
	l.inflight--
	l.mu.Unlock()
}

// observe takes in what a response says about the budgets.
func (l *limiter) observe(resp *http.Response, room int64) {
	rl, ok := parseRateLimit(resp.Header)
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	if ok && l.global != nil {
		if rl.Limit > 0 && rl.Limit != l.global.limit {
			l.global.setLimit(rl.Limit)
		}
		switch {
		case !l.srvKnown || rl.Reset.After(l.srvReset):
			l.srvKnown, l.srvRemaining, l.srvReset = true, rl.Remaining, rl.Reset
		case rl.Reset.Equal(l.srvReset):
			l.srvRemaining = min(l.srvRemaining, rl.Remaining)
		}
	}
	if resp.StatusCode != http.StatusTooManyRequests {
		return
	}
	// A 429 from the room limit carries its message; anything else is the
	// account's limit. Peeking at the body is left to the retry layer, so
	// tell them apart by the account's remaining budget.
	if room != 0 && (!ok || rl.Remaining > 0) {
		if rs := l.roomLocked(room); rs != nil {
			rs.blockedUntil = now.Add(l.roomWindow)
		}
		return
	}
	if ok && rl.Remaining == 0 && rl.Reset.After(now) {
		l.blockedUntil = rl.Reset
	}
}

// slidingLog remembers the send times of the last limit requests.
type slidingLog struct {
	limit  int
	window time.Duration
	margin time.Duration // added to the window against clock skew and latency
	times  []time.Time   // ring buffer, oldest at head
	head   int
	n      int
}

// newSlidingLog returns a log of limit per window. The margin is at most
// 1% of the window, so short windows (in tests) keep their throughput.
func newSlidingLog(limit int, window, margin time.Duration) *slidingLog {
	return &slidingLog{limit: limit, window: window, margin: min(margin, window/100), times: make([]time.Time, limit)}
}

// nextFree returns when the next request may go: now if fewer than limit
// were sent in the last window (plus margin), else when the oldest of them
// leaves it.
func (s *slidingLog) nextFree(now time.Time) time.Time {
	if s.n < s.limit {
		return now
	}
	return s.times[s.head].Add(s.window + s.margin)
}

func (s *slidingLog) add(t time.Time) {
	if s.n < s.limit {
		s.times[(s.head+s.n)%s.limit] = t
		s.n++
		return
	}
	s.times[s.head] = t
	s.head = (s.head + 1) % s.limit
}

// setLimit changes the limit, keeping the newest entries.
func (s *slidingLog) setLimit(limit int) {
	keep := min(s.n, limit)
	times := make([]time.Time, limit)
	for i := 0; i < keep; i++ {
		times[i] = s.times[(s.head+s.n-keep+i)%s.limit]
	}
	s.limit, s.times, s.head, s.n = limit, times, 0, keep
}
