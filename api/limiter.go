package api

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/chatwork-go/chatwork/internal/budgets"
)

// What the Chatwork API itself allows, used to judge what its headers say.
const (
	apiWindow      = budgets.AccountWindow // the account's window
	resetSlack     = time.Minute           // a reset up to apiWindow+resetSlack ahead is believed
	maxHeaderLimit = 1 << 20               // a larger x-ratelimit-limit is clamped to this
)

// Limiter paces a client's requests to the API's budgets: the account's
// (300 requests per 5 minutes) and each room's (10 message posts or task
// creations per 10 seconds). The default is an in-memory limiter for one
// process (NewLocalLimiter); WithLimiter plugs in another, such as package
// redislimit's, shared by several processes. Implementations must be safe
// for concurrent use.
type Limiter interface {
	// Wait blocks until a request may be sent, and counts it. room is the
	// room of a message post or task creation (which share a room's
	// budget), 0 otherwise. When the wait would be longer than maxWait it
	// returns a *RateLimitError (see PacingError) at once; when ctx ends
	// first, ctx's error.
	Wait(ctx context.Context, room int64, maxWait time.Duration) error

	// Observe is called once for each request Wait let through, when its
	// answer arrives or the request fails, with what the answer said.
	Observe(room int64, o Observation)
}

// Observation is what an answer said about the budgets, checked by the
// client before any Limiter sees it.
type Observation struct {
	// StatusCode is the answer's status; 0 when the request failed without
	// one (it may still have reached the server).
	StatusCode int

	// RateLimit is the account's state from the x-ratelimit-* headers, or
	// the zero RateLimit when they were missing or not believable. It is
	// always small and sane: 1 <= Limit <= 1<<20, 0 <= Remaining <= Limit,
	// and Reset within the API's window (plus a minute) of the answer.
	RateLimit RateLimit

	// RoomLimited is true for a 429 from a room's posting limit, false for
	// one from the account's limit.
	RoomLimited bool
}

// memLimiter paces requests so that the account's budget and each room's
// posting budget are never exceeded, and spends them fully.
//
// The account's budget is a sliding-window log of send times: a request
// may go when fewer than limit requests were sent in the last window. That
// holds whatever the alignment of the server's window, lets a burst through
// at once and uses the whole allowance. Once the x-ratelimit-* headers are
// known, the server's window rules too: while it lasts a request goes when
// x-ratelimit-remaining, less the requests still in flight, is positive;
// when it ends a new one of x-ratelimit-limit requests opens and the log
// starts afresh. That is what keeps a second program on the same account
// from causing 429s, and a server whose limit is low from stalling calls
// for a whole window. The server's limit replaces the configured one for a
// window of the API's 5 minutes, whatever window was configured.
//
// Each room's posting budget is a sliding log too, of the times the
// answers arrived: the server counts a post when it arrives, which can be
// well after it left (a slow new connection), and never after its answer.
// A post still waiting for its answer counts as sent just now.
//
// After a 429 the limiter holds back everything (account limit) or the
// room's posts (room limit) until the limit resets. Memory is bounded by
// the configured budgets, never by what a header says.
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
	blocked  time.Time     // after an account 429
	waiters  int           // goroutines sleeping in Wait
	changed  chan struct{} // closed when an answer arrives and someone waits
}

// serverWindow is the server's view of the account's window, from the
// latest headers.
type serverWindow struct {
	known            bool
	limit, remaining int
	reset            time.Time
	firstAnswer      time.Time // of the answers that told of this window, when the first arrived
	shortcut         bool      // the window may end at firstAnswer plus the configured window
	ended            bool      // the window has ended; no newer one known
	sentSince        int       // requests sent since the window ended
	oldInflight      int       // requests in flight when it ended: they may land in the next one
}

// Budgets are the rate limits a local limiter paces to: Limit requests per
// Window for the account (0 turns that off) and RoomLimit message posts and
// task creations per RoomWindow for each room (0 turns that off).
type Budgets struct {
	Limit      int
	Window     time.Duration
	RoomLimit  int
	RoomWindow time.Duration
}

// ChatworkBudgets are the API's documented limits: 300 requests per 5
// minutes per account, 10 posts or task creations per 10 seconds per room.
var ChatworkBudgets = Budgets{Limit: budgets.AccountLimit, Window: budgets.AccountWindow, RoomLimit: budgets.RoomLimit, RoomWindow: budgets.RoomWindow}

// NewLocalLimiter returns the in-memory limiter every Client uses unless
// WithLimiter says otherwise: it paces one process to b and follows the
// server's headers. A Limiter for several processes (package redislimit)
// can fall back to it.
func NewLocalLimiter(b Budgets) Limiter { return newMemLimiter(b, 100*time.Millisecond) }

func newMemLimiter(b Budgets, margin time.Duration) *memLimiter {
	l := &memLimiter{margin: margin, cfgLimit: b.Limit, cfgWindow: b.Window, roomLimit: b.RoomLimit, roomWindow: b.RoomWindow, rooms: map[int64]*roomLog{}, sweepAt: 64}
	if l.roomWindow <= 0 {
		l.roomWindow = ChatworkBudgets.RoomWindow
	}
	if b.Limit > 0 && b.Window > 0 {
		l.global = newSendLog(b.Limit, b.Window, margin)
	}
	return l
}

// Wait blocks until a request may go, then counts it; see Limiter.
func (l *memLimiter) Wait(ctx context.Context, room int64, maxWait time.Duration) error {
	var start time.Time
	for {
		l.mu.Lock()
		now := time.Now()
		if start.IsZero() {
			start = now
		}
		d, perRoom := l.waitLocked(now, room)
		if d <= 0 {
			l.takeLocked(now, room)
			l.mu.Unlock()
			return nil
		}
		if now.Sub(start)+d > maxWait {
			l.mu.Unlock()
			return PacingError(now.Add(d), perRoom, maxWait)
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

// PacingError is the error of a call that was not sent because its pacing
// wait, until reset, would be longer than maxWait. It matches
// ErrRateLimited; StatusCode is 429 although no server answered. Limiter
// implementations return it from Wait.
func PacingError(reset time.Time, perRoom bool, maxWait time.Duration) *RateLimitError {
	return &RateLimitError{
		APIError: APIError{StatusCode: 429, Errors: []string{
			fmt.Sprintf("not sent: the budget frees up at %s, beyond the maximum wait of %v",
				reset.UTC().Format(time.RFC3339), maxWait)}},
		Reset:   reset,
		PerRoom: perRoom,
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
// it waits for an answer), and whether the room's budget is what holds it.
func (l *memLimiter) waitLocked(now time.Time, room int64) (wait time.Duration, perRoom bool) {
	wait = l.blocked.Sub(now)
	if l.global != nil {
		logWait := l.global.nextFree(now).Sub(now)
		if l.srv.known {
			// The log starts afresh when the server's window ends.
			if !l.srv.ended {
				logWait = min(logWait, l.serverEnd().Sub(now))
			}
			wait = max(wait, l.serverWait(now))
			if l.srv.ended {
				logWait = l.global.nextFree(now).Sub(now)
			}
		}
		wait = max(wait, logWait)
	}
	if rs := l.roomLocked(room); rs != nil {
		if d := rs.wait(now, l.roomLimit, l.roomWindow+min(l.margin, l.roomWindow/100)); d > wait {
			wait, perRoom = d, true
		}
	}
	return wait, perRoom
}

// serverEnd is when the server's window ends, plus the margin. The reset
// is in whole seconds, rounded up; when the server's limit is the
// configured one, so is its window, and the window cannot end later than
// the configured window after the first answer that told of it (the window
// had begun by then). The earlier of the two is the end.
func (l *memLimiter) serverEnd() time.Time {
	s := &l.srv
	end := s.reset
	if s.shortcut && s.limit == l.cfgLimit {
		if e := s.firstAnswer.Add(l.cfgWindow); e.Before(end) {
			end = e
		}
	}
	return end.Add(l.global.margin) // at most 1% of the window
}

// lateAnswer is how long after the end of the server's window, as
// serverEnd reckons it, an answer still telling of that window can only
// come from a request sent after the end: a request in flight at the end is
// answered sooner.
func (l *memLimiter) lateAnswer() time.Duration { return min(l.cfgWindow, time.Second) }

// serverWait follows the server's window: see memLimiter.
func (l *memLimiter) serverWait(now time.Time) time.Duration {
	s := &l.srv
	end := l.serverEnd()
	if now.Before(end) {
		if s.remaining-l.inflight > 0 {
			return 0
		}
		return end.Sub(now)
	}
	if !s.ended {
		// A new window of the server's opens: what was sent before counts
		// only if still in flight.
		s.ended, s.sentSince, s.oldInflight = true, 0, l.inflight
		l.global.clear()
	}
	if s.limit-s.sentSince-s.oldInflight > 0 {
		return 0
	}
	// The whole next window went out before any answer told of it: wait for
	// one (the least wait is a margin; an answer wakes the waiter sooner).
	return max(l.margin, time.Millisecond)
}

func (l *memLimiter) takeLocked(now time.Time, room int64) {
	if l.global != nil {
		l.global.add(now)
		if l.srv.known && l.srv.ended {
			l.srv.sentSince++
		}
	}
	if rs := l.roomLocked(room); rs != nil {
		rs.pending++
	}
	l.inflight++
}

func (l *memLimiter) roomLocked(room int64) *roomLog {
	if room == 0 || l.roomLimit <= 0 {
		return nil
	}
	rs := l.rooms[room]
	if rs == nil {
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
	// Every request in flight when the window ended has been answered:
	// this one was sent after the end.
	sentAfterEnd := s.ended && s.oldInflight == 0
	l.inflight = max(l.inflight-1, 0)
	s.oldInflight = min(s.oldInflight, l.inflight)
	rl := o.RateLimit
	if !rl.IsZero() && l.global != nil {
		if rl.Limit != l.global.limit {
			// The server's limit is per the API's window, whatever the
			// window configured for pacing without headers.
			l.global.setLimit(rl.Limit, apiWindow)
		}
		switch {
		case !s.known || rl.Reset.After(s.reset):
			*s = serverWindow{known: true, limit: rl.Limit, remaining: rl.Remaining, reset: rl.Reset, firstAnswer: now, shortcut: true}
		case rl.Reset.Equal(s.reset):
			s.limit, s.remaining = rl.Limit, min(s.remaining, rl.Remaining)
			if s.ended && s.shortcut && (sentAfterEnd || now.After(l.serverEnd().Add(l.lateAnswer()))) {
				// The server still counts in a window that should have
				// ended: its window is not the configured one. Believe
				// the reset alone.
				s.shortcut, s.ended, s.remaining = false, false, rl.Remaining
			}
		}
	}
	rs := l.roomLocked(room)
	if rs != nil {
		rs.answered(now, l.roomLimit)
	}
	if o.StatusCode == 429 {
		switch {
		case o.RoomLimited && rs != nil:
			rs.blocked = now.Add(l.roomWindow)
		case o.RoomLimited:
		case !rl.IsZero():
			if rl.Remaining == 0 && rl.Reset.After(now) {
				l.blocked = rl.Reset
			}
			// Else the headers contradict the 429: this call waits it out alone.
		default:
			// An account 429 without a believable reset: hold back briefly.
			l.blocked = now.Add(l.roomWindow)
		}
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
