package pacing

import (
	"context"
	"sync"
	"time"

	"github.com/chatwork-go/chatwork/internal/budgets"
)

// memLimiter paces requests so that the account's budget and each room's
// posting budget are never exceeded, and spends them fully.
//
// The account's budget is a sliding-window log of send times: a request
// may go when fewer than limit requests were sent in the last window. That
// holds whatever the alignment of the server's window, lets a burst through
// at once and uses the whole allowance. Once the x-ratelimit-* headers are
// known, the server's window rules too (window.go): while it lasts a
// request goes when x-ratelimit-remaining, less the requests still in
// flight, is positive; when it has ended a new one of x-ratelimit-limit
// requests opens and the log starts afresh. That is what keeps a second
// program on the same account from causing 429s, and a server whose limit
// is low from stalling calls for a whole window. The server's limit
// replaces the configured one for a window of the API's 5 minutes,
// whatever window was configured. The reset is the server's clock and is
// never taken for ours, so a skewed clock costs neither an outage nor a
// stream of 429s.
//
// Each room's posting budget is a sliding log too, of the times the
// answers arrived: the server counts a post when it arrives, which can be
// well after it left (a slow new connection), and never after its answer.
// A post still waiting for its answer counts as sent just now.
//
// After a 429 the limiter holds back everything (account limit: until the
// server's window has ended, as above) or the room's posts (room limit:
// for the room's window). Memory is bounded by the configured budgets,
// never by what a header says.
type memLimiter struct {
	margin     time.Duration // added to windows against clock skew; at most 1% of the window
	cfgLimit   int           // the configured account budget
	cfgWindow  time.Duration //
	roomLimit  int
	roomWindow time.Duration

	mu       sync.Mutex
	global   *sendLog // nil: the account is not paced
	srv      serverWindow
	rooms    map[int64]*roomLog
	sweepAt  int // sweep idle rooms when the map reaches this size
	inflight int
	blocked  time.Time     // after an account 429 without a believable reset
	waiters  int           // goroutines sleeping in Wait
	changed  chan struct{} // closed when an answer arrives and someone waits
}

// NewLocal returns the in-memory limiter every api.Client uses unless
// api.WithLimiter says otherwise: it paces one process to b and follows
// the server's headers. A Limiter for several processes (package
// redislimit) can fall back to it.
func NewLocal(b Budgets) Limiter { return newMemLimiter(b, 100*time.Millisecond) }

func newMemLimiter(b Budgets, margin time.Duration) *memLimiter {
	l := &memLimiter{margin: margin, cfgLimit: b.Limit, cfgWindow: b.Window, roomLimit: b.RoomLimit, roomWindow: b.RoomWindow, rooms: map[int64]*roomLog{}, sweepAt: 64}
	if l.roomWindow <= 0 {
		l.roomWindow = budgets.RoomWindow
	}
	if b.Limit > 0 && b.Window > 0 {
		l.global = newSendLog(b.Limit, b.Window, margin)
	} else {
		l.cfgLimit, l.cfgWindow = 0, 0
	}
	l.srv = serverWindow{cfgLimit: l.cfgLimit, cfgWindow: l.cfgWindow, margin: margin}
	return l
}

// Wait blocks until a request may go, then counts it; see Limiter.
func (l *memLimiter) Wait(ctx context.Context, room int64, maxWait time.Duration) error {
	maxWait = Allowance(ctx, maxWait)
	var start time.Time
	for {
		l.mu.Lock()
		now := time.Now()
		if start.IsZero() {
			start = now
		}
		d, perRoom, try := l.waitLocked(now, room)
		if d <= 0 {
			l.takeLocked(now, room, try)
			l.mu.Unlock()
			return nil
		}
		if now.Sub(start)+d > maxWait {
			l.mu.Unlock()
			return &WaitError{Reset: now.Add(d), PerRoom: perRoom, Allowed: max(maxWait-now.Sub(start), 0)}
		}
		if l.changed == nil {
			l.changed = make(chan struct{})
		}
		changed := l.changed
		l.waiters++
		l.mu.Unlock()
		err := sleepOrSignal(ctx, d, changed)
		l.mu.Lock()
		l.waiters--
		l.mu.Unlock()
		if err != nil {
			return err
		}
	}
}

// sleepOrSignal waits for d, a signal on changed, or the end of ctx.
func sleepOrSignal(ctx context.Context, d time.Duration, changed <-chan struct{}) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-changed:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// waitLocked returns how long a request to room must wait (at least, when
// it waits for an answer), whether the room's budget is what holds it, and
// whether it would go as a try of whether the server's window has ended.
func (l *memLimiter) waitLocked(now time.Time, room int64) (wait time.Duration, perRoom, try bool) {
	wait = l.blocked.Sub(now)
	s := &l.srv
	if s.known && (l.global != nil || s.spent) {
		d, t := l.serverWait(now)
		wait, try = max(wait, d), t
	}
	if l.global != nil && !try {
		logWait := l.global.nextFree(now).Sub(now)
		if at := s.mayEnd(); s.known && !s.ended && !at.IsZero() {
			// The log starts afresh when the server's window ends.
			logWait = min(logWait, at.Sub(now))
		}
		wait = max(wait, logWait)
	}
	if rs := l.roomLocked(room, l.roomLimit > 0); rs != nil {
		if d := rs.wait(now, l.roomLimit, l.roomWindow+min(l.margin, l.roomWindow/100)); d > wait {
			wait, perRoom = d, true
		}
	}
	return wait, perRoom, try && wait <= 0
}

// serverWait follows the server's window (see window.go): while it lasts a
// request goes when the server's budget, less the requests in flight, has
// some left (when the account is paced; else when no 429 said it is
// spent); once it has certainly ended, a new window of the server's limit
// opens. In between, from the guessed end on, one request at a time goes
// as a try.
func (l *memLimiter) serverWait(now time.Time) (wait time.Duration, try bool) {
	s := &l.srv
	end, certain := s.certainEnd()
	if certain && !now.Before(end) {
		if l.global == nil {
			s.spent = false
			return 0, false
		}
		if !s.ended {
			// A new window of the server's opens: what was sent before
			// counts only if still in flight.
			s.ended, s.sentSince, s.oldInflight = true, 0, l.inflight
			l.global.clear()
		}
		if s.limit-s.sentSince-s.oldInflight > 0 {
			return 0, false
		}
		// The whole next window went out before any answer told of it:
		// wait for one (the least wait is a margin; an answer wakes the
		// waiter sooner).
		return max(l.margin, time.Millisecond), false
	}
	if (l.global != nil && s.remaining-l.inflight > 0) || (l.global == nil && !s.spent) {
		return 0, false
	}
	if s.trying.IsZero() {
		if at := s.tryAt(); !at.IsZero() {
			if !now.Before(at) {
				return 0, true
			}
			if !certain || at.Before(end) {
				return at.Sub(now), false
			}
		}
	}
	if certain {
		return end.Sub(now), false
	}
	return max(l.margin, time.Millisecond), false // a try is out: its answer wakes the waiter
}

func (l *memLimiter) takeLocked(now time.Time, room int64, try bool) {
	if try {
		l.srv.trying = now
	}
	if l.global != nil {
		l.global.add(now)
		if l.srv.known && l.srv.ended {
			l.srv.sentSince++
		}
	}
	if rs := l.roomLocked(room, l.roomLimit > 0); rs != nil && l.roomLimit > 0 {
		rs.pending++
	}
	l.inflight++
}

// roomLocked returns the room's log, creating it when create; nil for room
// 0. Without a room budget (roomLimit 0) a room has a log only to hold its
// posts back after its 429.
func (l *memLimiter) roomLocked(room int64, create bool) *roomLog {
	if room == 0 {
		return nil
	}
	rs := l.rooms[room]
	if rs == nil && create {
		if len(l.rooms) >= l.sweepAt {
			l.sweepRoomsLocked(time.Now())
		}
		rs = &roomLog{}
		l.rooms[room] = rs
	}
	return rs
}

// sweepRoomsLocked forgets rooms with nothing in their window, so that the
// map is bounded by the rooms posted to recently.
func (l *memLimiter) sweepRoomsLocked(now time.Time) {
	span := l.roomWindow + l.margin
	for id, rs := range l.rooms {
		if rs.idle(now, span) {
			delete(l.rooms, id)
		}
	}
	l.sweepAt = max(64, 2*len(l.rooms))
}

// Observe takes in what an answer said; see Limiter.
func (l *memLimiter) Observe(room int64, o Observation) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	s := &l.srv
	l.inflight = max(l.inflight-1, 0)
	s.oldInflight = min(s.oldInflight, l.inflight)
	newer := s.observe(now, o)
	if l.global != nil && o.HasRateLimit() {
		if o.Limit != l.global.limit {
			// The server's limit is per the API's window, whatever the
			// window configured for pacing without headers.
			l.global.setLimit(o.Limit, budgets.AccountWindow)
		}
		if newer {
			// The server counts in a new window: its remaining count
			// rules, not what was sent in the one before.
			l.global.clear()
		}
	}
	roomLimited := o.StatusCode == 429 && o.RoomLimited
	rs := l.roomLocked(room, l.roomLimit > 0 || roomLimited)
	if rs != nil && l.roomLimit > 0 {
		rs.answered(now, l.roomLimit)
	}
	switch {
	case o.StatusCode != 429:
	case roomLimited:
		if rs != nil {
			rs.blocked = now.Add(l.roomWindow)
		}
	case o.HasRateLimit():
		if o.Remaining == 0 && o.Reset.Equal(s.reset) {
			s.spent = true // held until the window ends: see serverWait
		}
		// Else the headers contradict the 429: the call's retries meet
		// the client's backoff, and nothing else is held back.
	default:
		// An account 429 without a believable reset: hold back briefly.
		l.blocked = now.Add(l.roomWindow)
	}
	if l.waiters > 0 && l.changed != nil {
		close(l.changed)
		l.changed = nil
	}
}

// roomLog is one room's posting budget: the answer times of its recent
// posts, oldest first (from head on), and the posts still waiting for
// their answer.
type roomLog struct {
	times   []time.Time
	head    int // times[:head] have left the window
	pending int
	blocked time.Time // after a per-room 429
}

// wait returns how long a post must wait; span is the window plus margin.
// When posts waiting for answers fill the budget the wait is at least a
// whole span from now, and an answer wakes the waiter to look again.
func (r *roomLog) wait(now time.Time, limit int, span time.Duration) time.Duration {
	r.prune(now, span)
	wait := r.blocked.Sub(now)
	if limit <= 0 {
		return wait
	}
	live := r.times[r.head:]
	n := len(live) + r.pending
	if n < limit {
		return wait
	}
	k := n - limit + 1 // how many must leave the window
	if k > len(live) {
		return max(wait, span)
	}
	return max(wait, live[k-1].Add(span).Sub(now))
}

func (r *roomLog) prune(now time.Time, span time.Duration) {
	for r.head < len(r.times) && !r.times[r.head].Add(span).After(now) {
		r.head++
	}
	r.compact()
}

// compact moves the live times to the front once the dead ones are the
// larger part, so that each time is copied O(1) times on average.
func (r *roomLog) compact() {
	if r.head > 0 && r.head >= len(r.times)-r.head {
		n := copy(r.times, r.times[r.head:])
		r.times, r.head = r.times[:n], 0
	}
}

// answered records the answer to a pending post (or to a post whose fate
// is unknown: it counts as arrived now). Only the newest limit times can
// matter, so at most limit are kept.
func (r *roomLog) answered(now time.Time, limit int) {
	r.pending = max(r.pending-1, 0)
	if len(r.times)-r.head >= limit {
		r.head++
	}
	r.times = append(r.times, now)
	r.compact()
}

func (r *roomLog) idle(now time.Time, span time.Duration) bool {
	r.prune(now, span)
	return len(r.times) == r.head && r.pending == 0 && !r.blocked.After(now)
}

// sendLog is a sliding-window log of send times. Requests sent within a
// quantum (a thousandth of the window) of the first of a bucket share it,
// so about 1,000 buckets cover a window whatever the limit; a bucket counts
// as sent at its end, which errs on the safe side by at most the quantum.
type sendLog struct {
	limit      int
	window     time.Duration
	baseMargin time.Duration
	margin     time.Duration // at most 1% of the window, so short windows (in tests) keep their throughput
	quantum    time.Duration
	buckets    []bucket // oldest first
	total      int
}

type bucket struct {
	start time.Time
	n     int
}

func newSendLog(limit int, window, margin time.Duration) *sendLog {
	s := &sendLog{baseMargin: margin}
	s.setLimit(limit, window)
	return s
}

// setLimit sets the limit and the window it applies to.
func (s *sendLog) setLimit(limit int, window time.Duration) {
	s.limit, s.window, s.margin = limit, window, min(s.baseMargin, window/100)
	s.quantum = max(window/1000, time.Nanosecond)
}

func (s *sendLog) span() time.Duration { return s.quantum + s.window + s.margin }

func (s *sendLog) clear() { s.buckets, s.total = s.buckets[:0], 0 }

// prune drops the buckets that left the window by now.
func (s *sendLog) prune(now time.Time) {
	i := 0
	for i < len(s.buckets) && !s.buckets[i].start.Add(s.span()).After(now) {
		s.total -= s.buckets[i].n
		i++
	}
	s.buckets = s.buckets[i:]
}

// nextFree returns when the next request may go: now if fewer than limit
// were sent in the last window (plus margin), else when enough of the
// oldest leave it.
func (s *sendLog) nextFree(now time.Time) time.Time {
	s.prune(now)
	if s.total < s.limit {
		return now
	}
	excess := s.total - s.limit + 1
	for _, b := range s.buckets {
		if excess -= b.n; excess <= 0 {
			return b.start.Add(s.span())
		}
	}
	return now // not reached: total is the sum of the buckets
}

func (s *sendLog) add(t time.Time) {
	s.prune(t)
	if n := len(s.buckets); n > 0 && t.Sub(s.buckets[n-1].start) < s.quantum {
		s.buckets[n-1].n++
	} else {
		s.buckets = append(s.buckets, bucket{start: t, n: 1}) // append copies only the live buckets when it grows
	}
	s.total++
	// Buckets that newer requests make irrelevant (limit of them are newer) go.
	for len(s.buckets) > 1 && s.total-s.buckets[0].n >= s.limit {
		s.total -= s.buckets[0].n
		s.buckets = s.buckets[1:]
	}
}
