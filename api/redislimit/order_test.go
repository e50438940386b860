package redislimit_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/chatwork-go/chatwork/api/pacing"
	"github.com/chatwork-go/chatwork/api/redislimit"
	"github.com/chatwork-go/chatwork/internal/pacingtest"
	"github.com/chatwork-go/chatwork/internal/redistest"
)

// TestPostsAreServedInOrder: three replicas' posts to one room, more than
// the room allows, go in the order they came: no post is overtaken by
// more than the room's limit of later ones (before: one post waited 72 s
// while later ones went through).
func TestPostsAreServedInOrder(t *testing.T) {
	r := redistest.Start(t)
	b := pacing.Budgets{Limit: 10000, Window: time.Minute, RoomLimit: 5, RoomWindow: 400 * time.Millisecond}
	var replicas []*redislimit.Limiter
	for range 3 {
		replicas = append(replicas, redislimit.New(r.Client(t), "token-order", redislimit.WithBudgets(b), steady))
	}
	const posts = 30
	var mu sync.Mutex
	granted := 0
	grant := make([]int, posts)
	var wg sync.WaitGroup
	rdb := r.Client(t)
	// seen is how many posts Redis knows: granted, or waiting in the queue.
	seen := func() int64 {
		mu.Lock()
		n := int64(granted)
		mu.Unlock()
		for _, k := range rdb.Keys(t.Context(), "*:room:5:queue").Val() {
			n += rdb.ZCard(t.Context(), k).Val()
		}
		return n
	}
	for i := range posts {
		// Post i arrives once Redis knows post i-1.
		for j := 0; seen() < int64(i); j++ {
			if j == 5000 {
				t.Fatalf("post %d never reached Redis", i-1)
			}
			time.Sleep(time.Millisecond)
		}
		lim := replicas[i%len(replicas)]
		wg.Go(func() {
			if err := lim.Wait(context.Background(), 5, time.Minute); err != nil {
				t.Errorf("post %d: %v", i, err)
				return
			}
			mu.Lock()
			grant[i] = granted
			granted++
			mu.Unlock()
			time.Sleep(time.Duration(5+i%4*10) * time.Millisecond) // answers in another order
			lim.Observe(5, pacing.Observation{StatusCode: 200, Sent: time.Now()})
		})
	}
	wg.Wait()
	arrival := make([]int, posts)
	for i := range arrival {
		arrival[i] = i
	}
	if n := pacingtest.Overtaken(arrival, grant); n > b.RoomLimit {
		t.Errorf("a post was overtaken by %d later ones, more than the room's limit %d (grants %v)", n, b.RoomLimit, grant)
	}
}
