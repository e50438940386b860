package apitest

import "time"

// The fake's clock is the clock of [WithClock] (time.Now by default, the
// bubble's fake time inside testing/synctest) plus an offset that
// SetClock and AdvanceClock move. It decides rate-limit windows, the
// expiry of download URLs and OAuth tokens, and the times of messages,
// tasks, files and webhook events.

func (s *Server) now() time.Time { return s.cfg.now().Add(time.Duration(s.offset.Load())) }

// Now returns the fake's clock.
func (s *Server) Now() time.Time { return s.now() }

// SetClock sets the fake's clock to t; it goes on advancing from there.
// Setting it back in time is allowed: rate-limit windows then last longer.
func (s *Server) SetClock(t time.Time) time.Time {
	s.offset.Store(int64(t.Sub(s.cfg.now())))
	return s.now()
}

// AdvanceClock moves the fake's clock by d (back when d is negative) and
// returns the new time: past a rate-limit window, a download URL's 30
// seconds or a task's deadline without waiting.
func (s *Server) AdvanceClock(d time.Duration) time.Time {
	s.offset.Add(int64(d))
	return s.now()
}
