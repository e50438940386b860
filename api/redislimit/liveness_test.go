package redislimit_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/chatwork-go/chatwork/api/pacing"
	"github.com/chatwork-go/chatwork/api/redislimit"
	"github.com/chatwork-go/chatwork/internal/pacingtest"
)

// FuzzLiveness is the liveness property of package pacing's fuzz target of
// the same name, for the shared limiter: two replicas on one real Redis
// drive a modelled server (pacingtest.Scenario) with arbitrary budgets,
// windows, skews, delays, lost answers and answers without headers.
// Whenever the server would accept, a request goes within a window; the
// 429s after the first window stay bounded; Redis's keys stay within
// their budgets. It runs in real time, 3 windows of 1 to 1.5 s per input
// (a fuzzing worker gives up on an input after 10 s).
func FuzzLiveness(f *testing.F) {
	// seed, limit-1, room limit, window in tenths-10, skew ‰, flags, delay ‰, loss ‰, goroutines-1
	f.Add(uint64(1), uint8(9), uint8(0), uint8(0), int16(-900), uint8(0), uint16(0), uint16(0), uint8(3))          // the server far behind
	f.Add(uint64(2), uint8(14), uint8(4), uint8(5), int16(400), uint8(1|4|32), uint16(100), uint16(200), uint8(3)) // aligned, a room, lost answers, no headers
	f.Add(uint64(3), uint8(0), uint8(0), uint8(0), int16(0), uint8(1|16), uint16(0), uint16(50), uint8(1))         // 1 per second, 2 minutes behind
	r := startRedis(f)
	rdb := r.client(f)
	run := 0
	f.Fuzz(func(t *testing.T, seed uint64, limit, roomLimit, window uint8, skew int16, flags uint8, delay, loss uint16, goroutines uint8) {
		sc := pacingtest.Decode(seed, limit, roomLimit, window%6, skew, flags, delay, loss, goroutines)
		sc.Windows = 3
		run++
		budgets := pacing.Budgets{Limit: sc.Limit, Window: sc.Window, RoomLimit: sc.RoomLimit, RoomWindow: sc.RoomWindow}
		account := fmt.Sprintf("token-liveness-%d-%d", run, time.Now().UnixNano())
		var replicas []pacing.Limiter
		for range 2 {
			replicas = append(replicas, redislimit.New(rdb, account, redislimit.WithBudgets(budgets)))
		}
		rdb.FlushAll(t.Context()) // the rooms are the same numbers in every run
		out := sc.Drive(t, replicas...)
		t.Logf("%+v: %+v", sc, out)
		sc.Check(t, out)
		for _, k := range rdb.Keys(t.Context(), "*").Val() {
			if n := rdb.ZCard(t.Context(), k).Val(); n > int64(2*max(sc.Limit, sc.RoomLimit)+16) {
				t.Errorf("%s holds %d members", k, n)
			}
		}
	})
}
