package pacing_test

import (
	"testing"
	"testing/synctest"

	"github.com/chatwork-go/chatwork/api/pacing"
	"github.com/chatwork-go/chatwork/internal/pacingtest"
)

// FuzzLiveness is the liveness property of the in-memory limiter over
// arbitrary runs (pacingtest.Scenario): a server with a budget of 1 to 40
// per 0.1 to 10 s, windows that open on demand or on the clock, resets
// rounded either way, a clock up to a window off either way or 2 minutes
// behind, answers delayed, lost or without headers, posts to rooms with a
// budget of their own. Whenever the server would accept, a request goes
// within a window; the 429s that reach the client after the first window
// stay within a window's worth, one per window and one per goroutine; the limiter's memory stays within
// its budgets. The runs take no real time (synctest). The seeds are the
// skews of TestPacingUnderClockSkew and the other cases the issue named;
// testdata/fuzz/FuzzLiveness keeps what fuzzing found.
func FuzzLiveness(f *testing.F) {
	// seed, limit-1, room limit, window in tenths-1, skew ‰, flags, delay ‰, loss ‰, goroutines-1
	for _, skew := range []int16{-900, -400, -100, -10, 0, 10, 100, 400, 900} {
		f.Add(uint64(1), uint8(19), uint8(0), uint8(49), skew, uint8(0), uint16(0), uint16(0), uint8(3))
	}
	f.Add(uint64(2), uint8(19), uint8(0), uint8(49), int16(0), uint8(16), uint16(0), uint16(0), uint8(3))         // 2 minutes behind
	f.Add(uint64(3), uint8(0), uint8(0), uint8(9), int16(0), uint8(1), uint16(0), uint16(0), uint8(0))            // 1 per second, aligned
	f.Add(uint64(4), uint8(9), uint8(3), uint8(19), int16(-400), uint8(1|2|4), uint16(150), uint16(0), uint8(3))  // aligned, floor, rooms, slow
	f.Add(uint64(5), uint8(29), uint8(5), uint8(29), int16(300), uint8(8|32), uint16(100), uint16(250), uint8(2)) // lost answers, no headers
	f.Add(uint64(6), uint8(39), uint8(10), uint8(99), int16(-950), uint8(3|4), uint16(199), uint16(299), uint8(3))
	f.Fuzz(func(t *testing.T, seed uint64, limit, roomLimit, window uint8, skew int16, flags uint8, delay, loss uint16, goroutines uint8) {
		sc := pacingtest.Decode(seed, limit, roomLimit, window, skew, flags, delay, loss, goroutines)
		synctest.Test(t, func(t *testing.T) {
			lim := pacing.NewLocal(pacing.Budgets{Limit: sc.Limit, Window: sc.Window, RoomLimit: sc.RoomLimit, RoomWindow: sc.RoomWindow})
			out := sc.Drive(t, lim)
			sc.Check(t, out)
			rooms, buckets, waiters, times := pacing.LocalSizes(lim)
			if rooms > max(64, 2*sc.Rooms) || buckets > 1001 || waiters != 0 || times > max(sc.RoomLimit, 1) {
				t.Errorf("the limiter keeps %d rooms (%d posted to), %d buckets, %d waiters and %d answer times in a room",
					rooms, sc.Rooms, buckets, waiters, times)
			}
		})
	})
}
