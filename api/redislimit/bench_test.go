package redislimit_test

import (
	"fmt"
	"net/http"
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

// replicaBudgets are Chatwork's budgets scaled in time by 1/125 (300 per
// 2.4 s for the account, 10 per 80 ms per room), so that 1,000 posts take
// seconds.
var replicaBudgets = pacing.Budgets{Limit: 300, Window: 2400 * time.Millisecond, RoomLimit: 10, RoomWindow: 80 * time.Millisecond}

// BenchmarkReplicas measures what sharing the budget through Redis is
// worth: 4 replicas (each its own
// HTTP connections and limiter) send 1,000 posts to 5 rooms of one account
// against the fake over real HTTP, with the fake's budgets scaled in time.
// limiter=shared: one Redis-backed budget; limiter=local: each replica
// paces alone. Metrics: 429s, %allowance (the best possible time over the
// time taken) and wasted-s (the time taken beyond the best possible).
func BenchmarkReplicas(b *testing.B) {
	const posts, rooms, replicas = 1000, 5, 4
	for _, mode := range []string{"shared", "local"} {
		b.Run("limiter="+mode, func(b *testing.B) {
			var rdb *redis.Client
			if mode == "shared" {
				rdb = redistest.Start(b).Client(b)
			}
			var n429 int
			var elapsed time.Duration
			for b.Loop() {
				s := apitest.NewServer(b, apitest.WithRateLimit(replicaBudgets.Limit, replicaBudgets.Window),
					apitest.WithRoomPostLimit(replicaBudgets.RoomLimit, replicaBudgets.RoomWindow), apitest.WithoutValidation())
				ids := make([]int64, rooms)
				for i := range ids {
					ids[i] = s.AddRoom(apitest.Room{Name: fmt.Sprint(i), AdminIDs: []int64{s.Me().AccountID}}).RoomID
				}
				if rdb != nil {
					rdb.FlushAll(b.Context())
				}
				var clients []*api.Client
				for range replicas {
					lim := pacing.NewLocal(replicaBudgets)
					if rdb != nil {
						lim = redislimit.New(rdb, s.Token(), redislimit.WithBudgets(replicaBudgets))
					}
					tr := &http.Transport{MaxIdleConnsPerHost: 16}
					b.Cleanup(tr.CloseIdleConnections)
					c, err := api.NewClient(s.Token(), api.WithBaseURL(s.URL()), api.WithHTTPClient(&http.Client{Transport: tr}),
						api.WithLimiter(lim))
					if err != nil {
						b.Fatal(err)
					}
					clients = append(clients, c)
				}
				start := time.Now()
				if errs := pacingtest.Post(b.Context(), clients, ids, posts, 4, "p"); len(errs) > 0 {
					b.Fatalf("%d posts failed, first: %v", len(errs), errs[0])
				}
				elapsed = time.Since(start)
				n429 = pacingtest.Count429(s, 0)
				s.Close()
			}
			ideal := pacingtest.IdealFinish(replicaBudgets, posts, rooms)
			b.ReportMetric(float64(n429), "429s")
			b.ReportMetric(100*float64(ideal)/float64(elapsed), "%allowance")
			b.ReportMetric((elapsed - ideal).Seconds(), "wasted-s")
		})
	}
}

// BenchmarkLimiterCall is the cost a limiter adds to one call: a Wait and
// an Observe of a post with the headers of a 200, with budgets that never
// make it wait. limiter=redis makes two round trips to Redis on loopback;
// limiter=local is package api's in-memory limiter.
func BenchmarkLimiterCall(b *testing.B) {
	budgets := pacing.Budgets{Limit: 1 << 30, Window: time.Second, RoomLimit: 1 << 30, RoomWindow: 10 * time.Millisecond}
	obs := pacing.Observation{StatusCode: 200, Limit: 1 << 30, Remaining: 1 << 29, Reset: time.Now().Add(time.Minute).Truncate(time.Second)}
	for _, mode := range []string{"redis", "local"} {
		b.Run("limiter="+mode, func(b *testing.B) {
			lim := pacing.NewLocal(budgets)
			if mode == "redis" {
				lim = redislimit.New(redistest.Start(b).Client(b), "bench-token", redislimit.WithBudgets(budgets))
			}
			ctx := b.Context()
			b.ReportAllocs()
			for b.Loop() {
				if err := lim.Wait(ctx, 1, time.Minute); err != nil {
					b.Fatal(err)
				}
				lim.Observe(1, obs)
			}
		})
	}
}
