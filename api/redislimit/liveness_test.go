package redislimit_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"testing"

	"github.com/chatwork-go/chatwork/api/pacing"
	"github.com/chatwork-go/chatwork/api/redislimit"
	"github.com/chatwork-go/chatwork/internal/pacingtest"
	"github.com/chatwork-go/chatwork/internal/redistest"
)

// TestLiveness is the liveness property of package pacing's FuzzLiveness
// for the shared limiter: two replicas on a real Redis drive a modelled
// server (pacingtest.Scenario) with arbitrary budgets, windows, skews,
// delays, lost answers and answers without headers. Whenever the server
// would accept, a request goes within a window; the 429s after the first
// window stay bounded; Redis's sets stay within their budgets. It runs in
// real time (3 windows of 1 to 1.5 s), so it is not a fuzz target: the
// cases of the issue, then random ones drawn from LIVENESS_SEED (1 by
// default; set it to explore), all side by side, each on its own Redis.
func TestLiveness(t *testing.T) {
	type input struct {
		seed                     uint64
		limit, roomLimit, window uint8
		skew                     int16
		flags                    uint8
		delay, loss              uint16
		goroutines               uint8
	}
	inputs := []input{
		{1, 9, 0, 0, -900, 0, 0, 0, 3},              // the server far behind
		{2, 14, 4, 5, 400, 1 | 4 | 32, 100, 200, 3}, // aligned, a room, lost answers, no headers
		{3, 0, 0, 0, 0, 1 | 16, 0, 50, 1},           // 1 per second, 2 minutes behind
		{4, 19, 6, 3, 900, 8, 150, 0, 2},            // the server far ahead, rooms
	}
	seed, _ := strconv.ParseUint(os.Getenv("LIVENESS_SEED"), 10, 64)
	rng := rand.New(rand.NewPCG(max(seed, 1), 0))
	for range 4 {
		inputs = append(inputs, input{rng.Uint64(), uint8(rng.UintN(256)), uint8(rng.UintN(256)), uint8(rng.UintN(256)),
			int16(rng.IntN(2000) - 1000), uint8(rng.UintN(256)), uint16(rng.UintN(1000)), uint16(rng.UintN(1000)), uint8(rng.UintN(4))})
	}
	var wg sync.WaitGroup
	for i, in := range inputs {
		sc := pacingtest.Decode(in.seed, in.limit, in.roomLimit, in.window%6, in.skew, in.flags, in.delay, in.loss, in.goroutines)
		sc.Windows = 3
		rdb := redistest.Start(t).Client(t)
		wg.Go(func() {
			budgets := pacing.Budgets{Limit: sc.Limit, Window: sc.Window, RoomLimit: sc.RoomLimit, RoomWindow: sc.RoomWindow}
			var replicas []pacing.Limiter
			for range 2 {
				replicas = append(replicas, redislimit.New(rdb, fmt.Sprint("token-liveness-", i), redislimit.WithBudgets(budgets), steady))
			}
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
	wg.Wait()
}
