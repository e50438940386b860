package redislimit_test

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/chatwork-go/chatwork/api"
	"github.com/chatwork-go/chatwork/api/apitest"
	"github.com/chatwork-go/chatwork/api/pacing"
	"github.com/chatwork-go/chatwork/api/redislimit"
	"github.com/chatwork-go/chatwork/internal/pacingtest"
	"github.com/chatwork-go/chatwork/internal/redistest"
)

// TestPacingUnderClockSkew is the in-memory limiter's test of the same
// name with the shared limiter: two replicas on one real Redis and the
// fake over HTTP, so in real time, with a budget of 10 per second for 6
// windows. The skews run side by side (6 s in all), each on its own
// account. Real time adds latency to each pause between windows (a few
// milliseconds on an idle machine, tens on a busy one); an eighth of a
// window of it is allowed. A limiter that waits 1.3 windows where one
// would do still fails (50 accepted of the 54 wanted, silences of 1.3 s).
func TestPacingUnderClockSkew(t *testing.T) {
	rdb := redistest.Start(t).Client(t)
	results := make([]pacingtest.SkewResult, len(pacingtest.Skews))
	runs := make([]pacingtest.SkewRun, len(pacingtest.Skews))
	var wg sync.WaitGroup
	for i, f := range pacingtest.Skews {
		wg.Go(func() { results[i], runs[i] = redisSkewRun(t, rdb, f) })
	}
	wg.Wait()
	for i, f := range pacingtest.Skews {
		t.Run(fmt.Sprint(f), func(t *testing.T) {
			res := results[i]
			t.Logf("skew %+.2f windows: %d accepted, %.1f%% of the allowance, %d 429s (%d after the first window), longest silence %v",
				f, res.Accepted, 100*res.Allowance, res.All429, res.Late429, res.Silence)
			if pacingtest.Reporting() {
				fmt.Println(pacingtest.Report("redis", f, res))
			}
			runs[i].Check(t, res)
		})
	}
}

// redisSkewRun runs the skew f (a fraction of the window) through two
// replicas, each with its own connections and its own Limiter.
func redisSkewRun(t *testing.T, rdb *redis.Client, f float64) (pacingtest.SkewResult, pacingtest.SkewRun) {
	const limit, window = 10, time.Second
	budgets := pacing.Budgets{Limit: limit, Window: window, RoomLimit: 10, RoomWindow: window}
	account := fmt.Sprintf("token-skew-%g", f)
	run := pacingtest.SkewRun{Limit: limit, Window: window, Windows: 6, Skew: time.Duration(f * float64(window)), Replicas: 2,
		Latency: window / 8,
		Fake:    func(opts ...apitest.Option) *apitest.Server { return apitest.NewServer(t, opts...) },
		Client: func(s *apitest.Server, opts ...api.Option) *api.Client {
			tr := &http.Transport{}
			t.Cleanup(tr.CloseIdleConnections)
			c, err := api.NewClient(s.Token(), append([]api.Option{api.WithBaseURL(s.URL()), api.WithHTTPClient(&http.Client{Transport: tr}),
				api.WithLimiter(redislimit.New(rdb, account, redislimit.WithBudgets(budgets), steady))}, opts...)...)
			if err != nil {
				t.Fatal(err)
			}
			return c
		},
	}
	return run.Run(t), run
}

// BenchmarkSkewShared reports the figures of TestPacingUnderClockSkew with
// the shared limiter, one sub-benchmark per skew (each round runs the
// test, about 6 s).
func BenchmarkSkewShared(b *testing.B) {
	pacingtest.BenchSkews(b, "TestPacingUnderClockSkew", "redis")
}
