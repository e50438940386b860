package pacingtest

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/chatwork-go/chatwork/api/pacing"
)

// A Scenario is one run of the liveness property: goroutines send through
// a Limiter to a modelled server, which answers with arbitrary delays,
// loses answers, drops headers, and keeps a clock of its own.
type Scenario struct {
	Seed       uint64
	Limit      int           // the server's account limit per Window
	Window     time.Duration //
	RoomLimit  int           // per RoomWindow for each room; 0: none
	RoomWindow time.Duration
	Skew       time.Duration // the server's clock minus ours
	Aligned    bool          // windows start at multiples of Window on the server's clock, else at the first request after the last ended
	FloorReset bool          // x-ratelimit-reset rounded down to the second, else up
	Delay      time.Duration // answers come after up to this
	Loss       float64       // the share of answers lost (the request may have been counted)
	NoHeaders  float64       // the share of answers without x-ratelimit-* headers
	Goroutines int
	Rooms      int // the first goroutine posts to rooms 1..Rooms (0: no posts) half of the time
	Windows    int // how long the run lasts
}

// Server is the modelled Chatwork: the account's window and each room's
// sliding window, on a clock Skew off ours.
type Server struct {
	sc    Scenario
	mu    sync.Mutex
	start time.Time // the current window's start, on the server's clock
	used  int
	posts map[int64][]time.Time
}

// now is the server's clock.
func (s *Server) now() time.Time { return time.Now().Add(s.sc.Skew) }

// windowLocked moves to the window of now.
func (s *Server) windowLocked(now time.Time) {
	switch {
	case s.sc.Aligned:
		if st := now.Truncate(s.sc.Window); !st.Equal(s.start) {
			s.start, s.used = st, 0
		}
	case s.start.IsZero() || !now.Before(s.start.Add(s.sc.Window)):
		s.start, s.used = now, 0
	}
}

// Accepts reports whether a request to the account sent now would be
// accepted.
func (s *Server) Accepts() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if s.sc.Aligned && !now.Truncate(s.sc.Window).Equal(s.start) || s.start.IsZero() || !now.Before(s.start.Add(s.sc.Window)) {
		return true // a new window opens
	}
	return s.used < s.sc.Limit
}

// Handle answers a request that arrives now: the status and what the
// headers say.
func (s *Server) Handle(room int64) pacing.Observation {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	s.windowLocked(now)
	reset := s.start.Add(s.sc.Window)
	if s.sc.FloorReset {
		reset = reset.Truncate(time.Second)
	} else if r := reset.Truncate(time.Second); !r.Equal(reset) {
		reset = r.Add(time.Second)
	}
	o := pacing.Observation{StatusCode: 200, Limit: s.sc.Limit, Reset: reset}
	if s.used >= s.sc.Limit {
		o.StatusCode = 429
		return o
	}
	if room != 0 && s.sc.RoomLimit > 0 {
		cut := now.Add(-s.sc.RoomWindow)
		p := s.posts[room]
		for len(p) > 0 && !p[0].After(cut) {
			p = p[1:]
		}
		if len(p) >= s.sc.RoomLimit {
			s.posts[room] = p
			o.StatusCode, o.RoomLimited = 429, true
			o.Remaining = s.sc.Limit - s.used
			return o
		}
		s.posts[room] = append(p, now)
	}
	s.used++
	o.Remaining = s.sc.Limit - s.used
	return o
}

// Outcome is what a run measured.
type Outcome struct {
	Sent, Accepted, Refused429 int
	Late429                    int           // 429s after the first window
	Lost                       int           // answers lost after the first window (429s or not)
	LostLate429                int           // of the late 429s, those whose answer was lost
	LongestStall               time.Duration // the longest time the server would have accepted while nothing was sent
}

// Drive runs the scenario through the limiters (goroutine g uses
// lims[g % len(lims)], a replica each): its goroutines send until the run
// ends (a call refused by pacing waits until the reset it was told), and a
// watcher notes how long the server would have accepted while nothing
// went. Inside a synctest bubble the run takes no real time.
func (sc Scenario) Drive(t testing.TB, lims ...pacing.Limiter) Outcome {
	t.Helper()
	srv := &Server{sc: sc, posts: map[int64][]time.Time{}}
	var mu sync.Mutex
	var out Outcome
	start := time.Now()
	end := start.Add(time.Duration(sc.Windows) * sc.Window)
	lastSend := start
	wanting := 0 // goroutines that want to send a request that is not a post
	ctx, cancel := context.WithDeadline(context.Background(), end)
	defer cancel()
	var wg sync.WaitGroup
	for g := range sc.Goroutines {
		rng := rand.New(rand.NewPCG(sc.Seed, uint64(g)))
		lim := lims[g%len(lims)]
		wg.Go(func() {
			for n := 0; ctx.Err() == nil; n++ {
				var room int64
				if g == 0 && sc.Rooms > 0 && rng.IntN(2) == 0 {
					room = int64(1 + rng.IntN(sc.Rooms))
				}
				want(&mu, &wanting, room, 1)
				err := lim.Wait(ctx, room, 2*sc.Window)
				var we *pacing.WaitError
				for errors.As(err, &we) && ctx.Err() == nil {
					sleep(ctx, max(time.Until(we.Reset), time.Millisecond))
					err = lim.Wait(ctx, room, 2*sc.Window)
				}
				want(&mu, &wanting, room, -1)
				if err != nil {
					return // the run is over
				}
				sent := time.Now()
				mu.Lock()
				out.Sent++
				lastSend = sent
				mu.Unlock()
				delay := time.Duration(rng.Int64N(int64(sc.Delay) + 1))
				time.Sleep(delay / 2) // on its way
				lost := rng.Float64() < sc.Loss
				var o pacing.Observation
				if !lost || rng.IntN(2) == 0 { // a lost answer may still have been counted
					o = srv.Handle(room)
				}
				time.Sleep(delay - delay/2) // the answer's way back
				mu.Lock()
				switch o.StatusCode {
				case 200:
					out.Accepted++
				case 429:
					out.Refused429++
					if time.Since(start) > sc.Window {
						out.Late429++
						if lost {
							out.LostLate429++
						}
					}
				}
				if lost && time.Since(start) > sc.Window {
					out.Lost++
				}
				mu.Unlock()
				if lost {
					o = pacing.Observation{}
				} else if rng.Float64() < sc.NoHeaders {
					o.Limit, o.Remaining, o.Reset = 0, 0, time.Time{}
				}
				o.Sent = sent
				lim.Observe(room, o)
			}
		})
	}
	// The watcher: from when the server would accept, something must go
	// out within a window.
	step := max(sc.Window/50, time.Millisecond)
	var since time.Time // since when the server would accept and a request waits; zero: not so
	for time.Now().Before(end) {
		time.Sleep(step)
		now := time.Now()
		mu.Lock()
		last, demand := lastSend, wanting > 0
		mu.Unlock()
		if !demand || !srv.Accepts() {
			since = time.Time{}
			continue
		}
		if since.IsZero() {
			since = now.Add(-step)
		}
		from := since
		if last.After(from) {
			from = last
		}
		out.LongestStall = max(out.LongestStall, now.Sub(from))
	}
	cancel()
	wg.Wait()
	return out
}

// want counts the goroutines that want to send a request that is not a
// post (a post may wait for its room while the account has room).
func want(mu *sync.Mutex, wanting *int, room int64, d int) {
	if room != 0 {
		return
	}
	mu.Lock()
	*wanting += d
	mu.Unlock()
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// Check fails t unless the run was live: the server never accepted for
// longer than a window (plus the answers' delay) while nothing went, and
// the 429s after the first window that reached the client stayed within a
// window's worth, one per window and one per goroutine.
func (sc Scenario) Check(t testing.TB, out Outcome) {
	t.Helper()
	if bound := sc.Window + sc.Delay + sc.Window/10; out.LongestStall > bound {
		t.Errorf("%+v: nothing went for %v while the server would accept (bound %v); outcome %+v", sc, out.LongestStall, bound, out)
	}
	// A 429 whose answer was lost told the limiter nothing: the request
	// after it may meet another one. The bound is on the 429s it saw.
	if bound, seen := sc.Limit+sc.Windows+sc.Goroutines, out.Late429-out.LostLate429; seen > bound {
		t.Errorf("%+v: %d 429s after the first window reached the client, more than %d; outcome %+v", sc, seen, bound, out)
	}
}

// Decode turns fuzz input into a scenario within the ranges the property
// covers: windows of 1 to 10 s (in tenths; resets are in whole seconds, so
// a shorter window could report the reset of the one before), limits of 1
// to 40, skews of up to a window either way, or 2 minutes behind.
func Decode(seed uint64, limit, roomLimit uint8, windowTenths uint8, skewPermille int16, flags uint8, delayPermille, lossPermille uint16, goroutines uint8) Scenario {
	sc := Scenario{
		Seed:       seed,
		Limit:      1 + int(limit)%40,
		Window:     time.Duration(10+int(windowTenths)%91) * 100 * time.Millisecond,
		RoomLimit:  int(roomLimit) % 12,
		Aligned:    flags&1 != 0,
		FloorReset: flags&2 != 0,
		Goroutines: 1 + int(goroutines)%4,
		Rooms:      int(flags>>2) % 4,
		Windows:    8,
	}
	sc.RoomWindow = sc.Window / 2
	if flags&16 != 0 {
		sc.Skew = -2 * time.Minute
	} else {
		sc.Skew = time.Duration(int64(sc.Window) * int64(skewPermille%1000) / 1000)
	}
	sc.Delay = time.Duration(int64(sc.Window) * int64(delayPermille%200) / 1000) // up to a fifth of the window
	sc.Loss = float64(lossPermille%300) / 1000                                   // up to 30% lost
	if flags&32 != 0 {
		sc.NoHeaders = 0.2
	}
	return sc
}
