package api_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/chatwork-go/chatwork/api"
	"github.com/chatwork-go/chatwork/api/apitest"
	"github.com/chatwork-go/chatwork/internal/timeline"
	"github.com/chatwork-go/chatwork/internal/wait"
)

// memFleet is a WatchFleet for the Watchers of one test: leases of rooms
// that lapse when their holder stops claiming them, and one schedule of
// polls for all. Package intake's is the same over Redis.
type memFleet struct {
	ttl time.Duration

	mu      sync.Mutex
	holder  map[int64]string
	expires map[int64]time.Time
	next    time.Time // the fleet's next poll
}

type fleetMember struct {
	f    *memFleet
	name string
}

func (m fleetMember) Claim(_ context.Context, room int64) (bool, error) {
	f := m.f
	f.mu.Lock()
	defer f.mu.Unlock()
	now := time.Now()
	if h, ok := f.holder[room]; ok && h != m.name && now.Before(f.expires[room]) {
		return false, nil
	}
	f.holder[room], f.expires[room] = m.name, now.Add(f.ttl)
	return true, nil
}

func (m fleetMember) Turn(ctx context.Context, spacing time.Duration) error {
	f := m.f
	f.mu.Lock()
	at := time.Now()
	if f.next.After(at) {
		at = f.next
	}
	f.next = at.Add(spacing)
	f.mu.Unlock()
	return wait.Sleep(ctx, time.Until(at))
}

// TestWatchFleet: two Watchers of one fleet share one Store. Each room is
// polled by one of them at a time; when the one polling a room stops
// (killed while handling a message), the other takes the room over after
// the lease lapses and goes on from the shared mark. Every message is
// delivered, a second time only for the message in hand at the kill, and
// the polls of both together keep to one share of the budget.
func TestWatchFleet(t *testing.T) {
	const share = 0.5
	synctest.Test(t, func(t *testing.T) {
		srv := apitest.NewServer(t, apitest.WithoutListener(), apitest.WithRequestLogSize(1<<20))
		anna, rooms := watchedRooms(srv, "room", 4)
		time.Sleep(time.Second)
		start := time.Now()
		posting := make(chan struct{})
		go func() {
			defer close(posting)
			for i := range 120 {
				time.Sleep(5 * time.Second)
				srv.AddMessage(apitest.Message{RoomID: rooms[i%len(rooms)], AccountID: anna.AccountID, Body: fmt.Sprint("m", i)})
			}
		}()
		fleet := &memFleet{ttl: 15 * time.Second, holder: map[int64]string{}, expires: map[int64]time.Time{}}
		store := &api.MemoryStore{}
		type delivery struct {
			replica string
			id      string
		}
		var mu sync.Mutex
		var got []delivery
		var wg sync.WaitGroup
		for _, r := range []struct {
			name string
			kill time.Duration // stops while handling a message then
		}{{"a", 4 * time.Minute}, {"b", time.Hour}} {
			wg.Go(func() {
				c, err := api.NewClient(srv.Token(), api.WithBaseURL(srv.URL()), api.WithHTTPClient(srv.Client()))
				if err != nil {
					t.Error(err)
					return
				}
				w, err := c.Messages.Watch(rooms, &api.WatchOptions{Store: store, Share: share, Fleet: fleetMember{fleet, r.name}})
				if err != nil {
					t.Error(err)
					return
				}
				ctx, cancel := context.WithDeadline(t.Context(), start.Add(11*time.Minute))
				defer cancel()
				for ev, err := range w.Events(ctx) {
					if err != nil {
						t.Errorf("%s: %v", r.name, err)
						continue
					}
					mu.Lock()
					got = append(got, delivery{r.name, ev.Message.MessageID})
					mu.Unlock()
					if time.Since(start) > r.kill {
						return // killed while handling: the mark stays before the message
					}
				}
			})
		}
		wg.Wait()
		<-posting

		byID := map[string][]string{}
		for _, d := range got {
			byID[d.id] = append(byID[d.id], d.replica)
		}
		dups := 0
		for _, r := range rooms {
			for _, m := range srv.Messages(r) {
				switch n := len(byID[m.MessageID]); {
				case n == 0:
					t.Errorf("message %s of room %d not delivered", m.MessageID, r)
				case n > 1:
					dups += n - 1
				}
			}
		}
		perReplica := map[string]int{}
		for _, d := range got {
			perReplica[d.replica]++
		}
		t.Logf("%d deliveries, %v per replica, %d again after the kill", len(got), perReplica, dups)
		if dups > 1 {
			t.Errorf("%d messages delivered twice; only the one in hand at the kill may be", dups)
		}
		if perReplica["a"] == 0 || perReplica["b"] == 0 {
			t.Errorf("deliveries per replica %v: the rooms were not shared, or not taken over", perReplica)
		}
		polls := pollTimes(srv)
		if most := timeline.MostInWindow(polls, 5*time.Minute); most > int(share*300) {
			t.Errorf("the fleet polled %d times in 5 minutes, over its one share of %d", most, int(share*300))
		} else {
			t.Logf("%d polls; at most %d in any 5 minutes, for one share of %d", len(polls), most, int(share*300))
		}
	})
}
