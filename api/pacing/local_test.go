package pacing_test

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/chatwork-go/chatwork/api/pacing"
	"github.com/chatwork-go/chatwork/internal/pacingtest"
)

// TestPostsAreServedInOrder: posts waiting for one room go in the order
// they came, so that no waiter is overtaken by more than the room's limit
// (those that find a free slot as they come), whatever the timers do.
func TestPostsAreServedInOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const posts, limit = 60, 5
		lim := pacing.NewLocal(pacing.Budgets{RoomLimit: limit, RoomWindow: time.Second})
		var mu sync.Mutex
		granted := 0
		grant := make([]int, posts)
		var wg sync.WaitGroup
		for i := range posts {
			wg.Go(func() {
				time.Sleep(time.Duration(i) * 7 * time.Millisecond) // arrival i
				if err := lim.Wait(context.Background(), 42, time.Hour); err != nil {
					t.Errorf("post %d: %v", i, err)
					return
				}
				mu.Lock()
				grant[i] = granted
				granted++
				mu.Unlock()
				time.Sleep(time.Duration(1+i%3) * 10 * time.Millisecond) // answers come in another order
				lim.Observe(42, pacing.Observation{StatusCode: 200, Sent: time.Now()})
			})
		}
		wg.Wait()
		arrival := make([]int, posts)
		for i := range arrival {
			arrival[i] = i
		}
		if n := pacingtest.Overtaken(arrival, grant); n > limit {
			t.Errorf("a post was overtaken by %d later ones, more than the room's limit %d", n, limit)
		}
	})
}
