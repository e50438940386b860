package pacing

import (
	"time"

	"github.com/chatwork-go/chatwork/internal/budgets"
)

// The server's window, followed through skewed clocks.
//
// x-ratelimit-reset is a time on the server's clock, which may be off from
// ours by anything: VMs and containers drift. So a reset is never taken as
// a time of ours. The limiter learns two things instead:
//
//   - When the window certainly ends, on our clock alone: a window cannot
//     end later than its length after the first answer that told of it
//     (it had begun by then). That bound needs the length: the configured
//     window when the server's limit is the configured one, else the
//     API's. An answer that shows the window lasting longer (a request
//     sent after that bound still counted in it) drops the bound.
//   - Bounds on the offset of the server's clock from ours (clockOffset):
//     an answer telling of reset R to a request sent at s says
//     offset < R - s (the server handled it before its window ended, at
//     most at R); the first answer of a newer window, arriving at a, says
//     offset > R' - 1s - a for the reset R' of the window before (it was
//     handled after that window ended, which was after R' - 1s: resets are
//     in whole seconds). R minus the lower bound is then another time the
//     window certainly ends.
//
// Between its best guess of the end (the reset less the likeliest offset,
// no offset at all until answers say otherwise) and the certain end, the
// limiter sends one request at a time to find out, each further one later
// than the last: a window that has ended answers with a new reset and a
// full budget, one that has not answers 429 (at most a handful per window,
// fewer as the bounds close in). So a skewed clock costs neither an outage
// nor a stream of 429s.

// clockOffset bounds the server's clock minus ours.
type clockOffset struct {
	lo, hi       time.Duration
	hasLo, hasHi bool
}

// below records that the offset is less than d.
func (c *clockOffset) below(d time.Duration) {
	if c.hasHi && d >= c.hi {
		return
	}
	c.hi, c.hasHi = d, true
	if c.hasLo && c.lo >= c.hi {
		c.hasLo = false // the clocks moved: the older bound is void
	}
}

// above records that the offset is more than d.
func (c *clockOffset) above(d time.Duration) {
	if c.hasLo && d <= c.lo {
		return
	}
	c.lo, c.hasLo = d, true
	if c.hasHi && c.hi <= c.lo {
		c.hasHi = false
	}
}

// guess is the likeliest offset: none while the bounds allow it, else the
// middle of the bounds, or just below the upper one, or the lower one.
func (c *clockOffset) guess(step time.Duration) time.Duration {
	switch {
	case (!c.hasLo || c.lo < 0) && (!c.hasHi || c.hi > 0):
		return 0
	case c.hasLo && c.hasHi:
		return c.lo + (c.hi-c.lo)/2
	case c.hasHi:
		return c.hi - step
	default:
		return c.lo
	}
}

// serverWindow is the account's window as the server reports it.
type serverWindow struct {
	cfgLimit  int           // the configured account budget (0: not paced)
	cfgWindow time.Duration //
	margin    time.Duration // added to the end against the latency of answers, at most 1% of the window
	clock     clockOffset

	known            bool
	limit, remaining int
	reset            time.Time // on the server's clock
	first            time.Time // when the first answer that told of this window arrived
	long             bool      // an answer showed it lasting longer than first + length
	spent            bool      // a 429 said the budget is spent
	ended            bool      // the window has certainly ended; no newer one known
	sentSince        int       // requests sent since it ended
	oldInflight      int       // requests in flight when it ended: they may land in the next one
	failures         int       // tries after its guessed end that found it still on
	nextTry          time.Time // no try before this
	trying           time.Time // when the try in flight left; zero: none
}

// length is how long the server's window lasts: the configured window for
// the configured limit, the API's for another.
func (s *serverWindow) length() time.Duration {
	if s.limit == s.cfgLimit && s.cfgWindow > 0 {
		return s.cfgWindow
	}
	return budgets.AccountWindow
}

// pad is the margin added to the window's end: at most 1% of its length,
// so that short windows (in tests) keep their throughput.
func (s *serverWindow) pad() time.Duration { return min(s.margin, s.length()/100) }

// step is the spacing of the first tries after the guessed end; it doubles
// with each failure.
func (s *serverWindow) step() time.Duration { return max(s.length()/32, time.Millisecond) }

// certainEnd returns when the window has certainly ended, on our clock, and
// whether that is known.
func (s *serverWindow) certainEnd() (time.Time, bool) {
	var end time.Time
	if !s.long {
		end = s.first.Add(s.length())
	}
	if s.clock.hasLo {
		if e := s.reset.Add(-s.clock.lo); end.IsZero() || e.Before(end) {
			end = e
		}
	}
	if end.IsZero() {
		return end, false
	}
	return end.Add(s.pad()), true
}

// tryAt returns when a request may go to find out whether the window has
// ended before it certainly has: at the guessed end, no sooner than the
// last failure allows. It is the zero time when the certain end is close
// enough that a try would gain little (a second, or a fiftieth of a short
// window).
func (s *serverWindow) tryAt() time.Time {
	at := s.reset.Add(-s.clock.guess(s.step())).Add(s.pad())
	if at.Before(s.nextTry) {
		at = s.nextTry
	}
	if end, ok := s.certainEnd(); ok && !at.Before(end.Add(-max(min(s.length()/50, time.Second), s.pad()))) {
		return time.Time{}
	}
	return at
}

// mayEnd returns when the window may have ended: the time of the next try,
// or the certain end if sooner; the zero time if neither is known.
func (s *serverWindow) mayEnd() time.Time {
	end, _ := s.certainEnd()
	if s.trying.IsZero() {
		if at := s.tryAt(); !at.IsZero() && (end.IsZero() || at.Before(end)) {
			return at
		}
	}
	return end
}

// observe takes in the account's state an answer told, arriving at now.
// It reports whether the answer tells of a window after the one known, at
// least half a window later: the server counts afresh, and what was sent
// before is behind it.
func (s *serverWindow) observe(now time.Time, o Observation) (newer bool) {
	sent := o.Sent
	tried := !s.trying.IsZero() && !sent.IsZero() && !sent.Before(s.trying)
	if tried || (!s.trying.IsZero() && sent.IsZero()) {
		s.trying = time.Time{}
	}
	if !o.HasRateLimit() {
		if tried {
			s.fail(now)
		}
		return false
	}
	if !sent.IsZero() {
		s.clock.below(o.Reset.Sub(sent))
	}
	switch {
	case !s.known || o.Reset.After(s.reset):
		if s.known {
			s.clock.above(s.reset.Add(-time.Second).Sub(now))
			newer = o.Reset.Sub(s.reset) >= s.length()/2
		}
		*s = serverWindow{cfgLimit: s.cfgLimit, cfgWindow: s.cfgWindow, margin: s.margin, clock: s.clock,
			known: true, limit: o.Limit, remaining: o.Remaining, reset: o.Reset, first: now}
		return newer
	case o.Reset.Equal(s.reset):
		s.limit, s.remaining = o.Limit, min(s.remaining, o.Remaining)
		if end, ok := s.certainEnd(); ok && !sent.IsZero() && !sent.Before(end) {
			// Sent once the window had certainly ended, yet counted in
			// it: the window is longer than its length says (a bound
			// from the clocks would have been dropped by below).
			s.long, s.ended, s.remaining = true, false, o.Remaining
		}
		if tried {
			s.fail(now)
		}
	}
	return false
}

// fail records a try that found the window still on.
func (s *serverWindow) fail(now time.Time) {
	s.nextTry = now.Add(s.step() << min(s.failures, 20))
	s.failures++
}
