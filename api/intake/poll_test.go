package intake_test

import (
	"context"
	"expvar"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/chatwork-go/chatwork/api"
	"github.com/chatwork-go/chatwork/api/apitest"
	"github.com/chatwork-go/chatwork/api/intake"
	"github.com/chatwork-go/chatwork/internal/redistest"
	"github.com/chatwork-go/chatwork/internal/timeline"
)

// TestPollFleet: three replicas poll five rooms as one fleet while 100
// messages arrive, on budgets scaled in time (300 requests per 3 s). The
// rooms are spread over the replicas; one replica is cut off from Redis
// (as a killed one would be) and its rooms are taken over after the
// lease. Every message reaches the stream once, and the polls of the
// three together never exceed one share of the budget.
func TestPollFleet(t *testing.T) {
	const (
		share  = 0.5
		window = 3 * time.Second
		posts  = 100
	)
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	fake := apitest.NewServer(t, apitest.WithRateLimit(300, window), apitest.WithRequestLogSize(1<<16))
	me := fake.Me()
	anna := fake.AddAccount(apitest.Account{Name: "Anna"})
	var rooms []int64
	for i := range 5 {
		rooms = append(rooms, fake.AddRoom(apitest.Room{Name: fmt.Sprint("room ", i), AdminIDs: []int64{me.AccountID}, MemberIDs: []int64{anna.AccountID}}).RoomID)
	}
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	defer func() {
		cancel()
		wg.Wait()
	}()
	var metrics []*expvar.Map
	var clients []*redis.Client
	for range 3 {
		m := new(expvar.Map).Init()
		rc := redis.NewClient(&redis.Options{Addr: srv.Addr(), ContextTimeoutEnabled: true})
		t.Cleanup(func() { _ = rc.Close() })
		s := intake.New(rc, intake.WithMetrics(m), intake.WithCallTimeout(300*time.Millisecond))
		c, err := api.NewClient(fake.Token(), api.WithBaseURL(fake.URL()), api.WithRateLimit(300, window))
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() {
			if err := s.Poll(ctx, c, rooms, &intake.PollOptions{Share: share, Lease: 500 * time.Millisecond, MaxInterval: 200 * time.Millisecond}); err != nil {
				t.Error(err)
			}
		})
		metrics, clients = append(metrics, m), append(clients, rc)
	}
	waitUntil(t, "the start of every room", func() bool {
		n, _ := rdb.HLen(t.Context(), "{"+intake.DefaultName+"}:marks").Result()
		return n == int64(len(rooms))
	})
	// holders returns the replica holding each room's lease ("" for none).
	holders := func() []string {
		var out []string
		for _, r := range rooms {
			h, _ := rdb.Get(t.Context(), "{"+intake.DefaultName+"}:lease:"+s64(r)).Result()
			out = append(out, h)
		}
		return out
	}
	for i := range posts {
		if i == posts/2 {
			// Replica 0 is cut off from Redis: its rooms (it is the one that
			// then holds none; the test does not know its name) are taken
			// over within about the lease and a few polls.
			waitUntil(t, "every room held", func() bool { return !slices.Contains(holders(), "") })
			before := holders()
			_ = clients[0].Close()
			cut := time.Now()
			waitUntil(t, "the rooms taken over", func() bool {
				now := holders()
				if slices.Contains(now, "") {
					return false
				}
				for _, h := range before {
					if !slices.Contains(now, h) {
						return true
					}
				}
				return false
			})
			takeover := time.Since(cut)
			t.Logf("holders before the cut %v, after %v; taken over %v after the cut (lease 500ms)", before, holders(), takeover.Round(time.Millisecond))
			if takeover > 2*time.Second {
				t.Errorf("the rooms of the replica cut off were taken over after %v, over 2 s for a lease of 500 ms", takeover)
			}
		}
		fake.AddMessage(apitest.Message{RoomID: rooms[i%len(rooms)], AccountID: anna.AccountID, Body: fmt.Sprint("m", i)})
		time.Sleep(20 * time.Millisecond)
	}
	s := intake.New(rdb)
	waitUntil(t, "every message in the stream", func() bool {
		n, _ := rdb.XLen(t.Context(), "{"+intake.DefaultName+"}").Result()
		return n >= posts
	})
	seen := map[string]int{}
	for _, e := range entries(t, s) {
		seen[e]++
		if !strings.HasPrefix(e, "poll message_created:") || seen[e] > 1 {
			t.Errorf("entry %q (%d times)", e, seen[e])
		}
	}
	if len(seen) != posts {
		t.Errorf("%d distinct entries, want %d", len(seen), posts)
	}
	var per []int64
	active := 0
	for _, m := range metrics {
		per = append(per, counter(m, "recovered"))
		if counter(m, "recovered") > 0 {
			active++
		}
	}
	t.Logf("messages stored per replica: %v", per)
	if active < 2 {
		t.Errorf("stored per replica %v: the rooms were not spread", per)
	}
	var polls []time.Time
	for _, r := range fake.Requests() {
		if r.OperationID == "listMessages" {
			polls = append(polls, r.Time)
		}
	}
	most := timeline.MostInWindow(polls, window)
	t.Logf("%d polls; at most %d in any %v, for one share of %d", len(polls), most, window, int(share*300))
	if most > int(share*300) {
		t.Errorf("the fleet polled %d times in %v, over one share of %d", most, window, int(share*300))
	}
}
