package redislimit_test

import (
	"bufio"
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/chatwork-go/chatwork/api/pacing"
	"github.com/chatwork-go/chatwork/api/redislimit"
	"github.com/chatwork-go/chatwork/internal/redistest"
)

// stallBudgets: a room allows 10 posts per 2 s; the account is not the
// limit.
var stallBudgets = pacing.Budgets{Limit: 1000, Window: time.Minute, RoomLimit: 10, RoomWindow: 2 * time.Second}

const stallRoom = 77

// post is one post through lim, answered after a short while.
func post(t *testing.T, lim *redislimit.Limiter) {
	t.Helper()
	if err := lim.Wait(context.Background(), stallRoom, 10*time.Second); err != nil {
		t.Errorf("post: %v", err)
		return
	}
	time.Sleep(10 * time.Millisecond)
	lim.Observe(stallRoom, pacing.Observation{StatusCode: 200, Sent: time.Now()})
}

// roomFlight returns how many posts Redis holds as in flight in the room.
func roomFlight(t *testing.T, rdb *redis.Client) int64 {
	t.Helper()
	var n int64
	for _, k := range rdb.Keys(t.Context(), "*:room:*:flight").Val() {
		n += rdb.ZCard(t.Context(), k).Val()
	}
	return n
}

// TestNoPhantomReservations: Redis stalls while one replica's 10
// goroutines post to one room, so that its calls time out and it paces
// alone; what Redis runs afterwards must not hold reservations that no
// answer will clear. Another replica's post goes out within a second of
// the stall's end (before: 49 s, until the reservations expired).
//
// Each stall is in effect before the posts start (it returns once it is,
// and the function it returns waits for its end): posts that reached
// Redis before it would be counted as sent, rightly, and fill the room on
// their own.
func TestNoPhantomReservations(t *testing.T) {
	for _, tc := range []struct {
		name  string
		stall func(t *testing.T, r *redistest.Server, admin *redis.Client, px *blackhole) (end func())
	}{
		{"DEBUG SLEEP", func(t *testing.T, r *redistest.Server, _ *redis.Client, _ *blackhole) func() {
			// Written on a connection of its own before any post, the
			// command is in Redis's socket before theirs: Redis runs it
			// first. Its answer comes when the sleep is over.
			c, err := net.Dial("tcp", r.Addr())
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.Write([]byte("*3\r\n$5\r\nDEBUG\r\n$5\r\nSLEEP\r\n$3\r\n0.5\r\n")); err != nil {
				t.Fatal(err)
			}
			return func() {
				defer c.Close()
				if line, err := bufio.NewReader(c).ReadString('\n'); err != nil || line != "+OK\r\n" {
					t.Errorf("DEBUG SLEEP: %q, %v", line, err)
				}
			}
		}},
		{"CLIENT PAUSE", func(t *testing.T, r *redistest.Server, admin *redis.Client, _ *blackhole) func() {
			if err := admin.Do(context.Background(), "CLIENT", "PAUSE", "500", "ALL").Err(); err != nil {
				t.Fatal(err)
			}
			return func() { waitForPing(t, r) }
		}},
		{"connection killed mid-script", func(_ *testing.T, _ *redistest.Server, _ *redis.Client, px *blackhole) func() {
			killed := px.killNextReply()
			return func() { <-killed }
		}},
		{"restart", func(_ *testing.T, r *redistest.Server, _ *redis.Client, _ *blackhole) func() {
			r.Kill()
			return func() {
				time.Sleep(500 * time.Millisecond) // down for as long as the stalls above
				r.Restart()
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := redistest.Start(t)
			admin := r.Client(t)
			px := newBlackhole(t, r.Addr())
			rdbA := redis.NewClient(&redis.Options{Addr: px.addr(), MaxRetries: -1, ContextTimeoutEnabled: true})
			t.Cleanup(func() { _ = rdbA.Close() })
			a := redislimit.New(rdbA, "token-stall", redislimit.WithBudgets(stallBudgets))
			post(t, a) // warm: the replica knows Redis's clock

			end := tc.stall(t, r, admin, px)
			stalled := make(chan struct{})
			go func() {
				defer close(stalled)
				end()
			}()
			var wg sync.WaitGroup
			for range 10 {
				wg.Go(func() { post(t, a) })
			}
			wg.Wait()
			<-stalled
			waitForPing(t, r)
			over := time.Now()
			// Another replica's post goes out at once: its room holds one
			// post in Redis (the warm one; A's others went out while it
			// paced alone), not ten that never end.
			b := redislimit.New(r.Client(t), "token-stall", redislimit.WithBudgets(stallBudgets))
			if err := b.Wait(t.Context(), stallRoom, 10*time.Second); err != nil {
				t.Fatal(err)
			}
			if d := time.Since(over); d > time.Second {
				t.Errorf("another replica's post went out %v after the stall", d)
			}
			b.Observe(stallRoom, pacing.Observation{StatusCode: 200, Sent: time.Now()})
			// Nothing stays in flight once every answer came (A tells
			// Redis what it could not tell it during the stall).
			for i := 0; roomFlight(t, admin) != 0; i++ {
				if i == 300 {
					t.Fatalf("Redis holds %d posts in flight after every answer came", roomFlight(t, admin))
				}
				time.Sleep(10 * time.Millisecond)
			}
			// A goes on too.
			post(t, a)
		})
	}
}

// waitForPing waits until Redis answers again.
func waitForPing(t *testing.T, r *redistest.Server) {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: r.Addr(), MaxRetries: -1})
	defer c.Close()
	for i := 0; c.Ping(context.Background()).Err() != nil; i++ {
		if i == 500 {
			t.Fatal("redis does not answer again")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
