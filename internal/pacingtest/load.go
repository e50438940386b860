package pacingtest

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/chatwork-go/chatwork/api"
	"github.com/chatwork-go/chatwork/api/apitest"
	"github.com/chatwork-go/chatwork/api/pacing"
)

// Post has n messages posted, "prefix-0" to "prefix-(n-1)", round-robin
// over rooms, by workers goroutines per client (each client a replica),
// all taking from one queue, and returns the errors.
func Post(ctx context.Context, clients []*api.Client, rooms []int64, n, workers int, prefix string) []error {
	var mu sync.Mutex
	var errs []error
	var wg sync.WaitGroup
	next := make(chan int)
	for _, c := range clients {
		for range workers {
			wg.Go(func() {
				for i := range next {
					if _, _, err := c.Messages.Post(ctx, rooms[i%len(rooms)], fmt.Sprintf("%s-%d", prefix, i), nil); err != nil {
						mu.Lock()
						errs = append(errs, err)
						mu.Unlock()
					}
				}
			})
		}
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	return errs
}

// StoredOnce fails t unless the fake holds each of the messages
// "prefix-0" to "prefix-(n-1)" exactly once in rooms, and returns how
// often it holds each body there.
func StoredOnce(t testing.TB, s *apitest.Server, rooms []int64, n int, prefix string) map[string]int {
	t.Helper()
	seen := map[string]int{}
	for _, r := range rooms {
		for _, m := range s.Messages(r) {
			seen[m.Body]++
		}
	}
	for i := range n {
		if k := seen[fmt.Sprintf("%s-%d", prefix, i)]; k != 1 {
			t.Errorf("%s-%d stored %d times, want exactly once", prefix, i, k)
		}
	}
	return seen
}

// Count429 counts the fake's 429 answers: all of them when accountID is 0,
// else those to that account.
func Count429(s *apitest.Server, accountID int64) int {
	n := 0
	for _, r := range s.Requests() {
		if r.Status == http.StatusTooManyRequests && (accountID == 0 || r.AccountID == accountID) {
			n++
		}
	}
	return n
}

// IdealFinish is when the last of n posts, round-robin over rooms, could
// go at best under b: the greedy schedule, which is optimal for limits of
// this kind (fixed account windows, a sliding window per room).
func IdealFinish(b pacing.Budgets, n, rooms int) time.Duration {
	var t, windowStart time.Duration
	used := 0
	sent := make([][]time.Duration, rooms)
	for i := range n {
		r := i % rooms
		if used == b.Limit {
			windowStart += b.Window
			t = max(t, windowStart)
			used = 0
		}
		if k := len(sent[r]); k >= b.RoomLimit {
			t = max(t, sent[r][k-b.RoomLimit]+b.RoomWindow)
		}
		sent[r] = append(sent[r], t)
		used++
	}
	return t
}
