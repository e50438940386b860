package api_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/chatwork-go/chatwork/api"
	"github.com/chatwork-go/chatwork/api/apitest"
)

// TestWatchNeverSkipsTheStart: a watcher killed and restarted near its
// first polls loses nothing (the case where it once lost 5 of 6 messages):
// three new rooms watched with a
// state file; one message posted to each 1 s after the start; the
// watcher killed (its range stopped, nothing saved after) at a moment
// that varies from before the first poll to after the third, and
// restarted at once; one more message posted to each room 2 s later;
// then 20 s of watching. Every message is delivered, in every variant,
// and the start of the rooms not yet polled is in the state file before
// the first poll.
func TestWatchNeverSkipsTheStart(t *testing.T) {
	for _, kill := range []time.Duration{500 * time.Millisecond, 1500 * time.Millisecond, 2500 * time.Millisecond, 3 * time.Second, 4500 * time.Millisecond, 7 * time.Second} {
		t.Run(fmt.Sprint("kill at ", kill), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				srv := apitest.NewServer(t, apitest.WithoutListener())
				anna, rooms := watchedRooms(srv, "new", 3)
				time.Sleep(time.Second) // the rooms exist a while before the watch
				state := filepath.Join(t.TempDir(), "st.json")
				start := time.Now()
				var posted []string
				posting := make(chan struct{})
				go func() {
					defer close(posting)
					time.Sleep(time.Second)
					for _, r := range rooms {
						posted = append(posted, srv.AddMessage(apitest.Message{RoomID: r, AccountID: anna.AccountID, Body: "1 s after the start"}).MessageID)
					}
					time.Sleep(time.Until(start.Add(kill + 2*time.Second)))
					for _, r := range rooms {
						posted = append(posted, srv.AddMessage(apitest.Message{RoomID: r, AccountID: anna.AccountID, Body: "2 s after the restart"}).MessageID)
					}
				}()

				delivered := map[string]int{}
				session := func(until time.Time, check func()) {
					c := newTestClient(t, srv.Token(), srv.Transport())
					store, err := api.OpenFileStore(state)
					if err != nil {
						t.Fatal(err)
					}
					defer store.Close() // the kill releases the lock
					w, err := c.Messages.Watch(rooms, &api.WatchOptions{Store: store})
					if err != nil {
						t.Fatal(err)
					}
					if check != nil {
						go check()
					}
					ctx, cancel := context.WithDeadline(t.Context(), until)
					defer cancel()
					for ev, err := range w.Events(ctx) {
						if err != nil {
							t.Errorf("unexpected error: %v", err)
							continue
						}
						delivered[ev.Message.MessageID]++
					}
				}
				session(start.Add(kill), func() {
					// Before the first poll (which waits one spacing, 2 s),
					// every room's start is saved.
					time.Sleep(100 * time.Millisecond)
					b, err := os.ReadFile(state)
					if err != nil {
						t.Errorf("no state file before the first poll: %v", err)
						return
					}
					if n := strings.Count(string(b), `"start"`); n != 3 {
						t.Errorf("state file before the first poll holds %d starts, want 3:\n%s", n, b)
					}
				})
				session(time.Now().Add(kill+2*time.Second+20*time.Second), nil)
				<-posting

				if len(posted) != 6 {
					t.Fatalf("%d messages posted", len(posted))
				}
				got := 0
				for _, id := range posted {
					if delivered[id] > 0 {
						got++
					}
				}
				if got != 6 {
					t.Errorf("%d of 6 messages delivered", got)
				}
				for id, n := range delivered {
					if n > 1 || !slices.Contains(posted, id) {
						t.Errorf("message %s delivered %d times; posted: %v", id, n, slices.Contains(posted, id))
					}
				}
			})
		})
	}
}

// TestWatchRepairsAMarkAboveEveryMessage: a stored mark above every
// message of the room, from another room or edited by hand, no longer
// silences the room: the messages sent after its time are delivered, with
// an error that says what happened. A mark above every message because
// the newest ones were deleted is right, and stands without an error.
func TestWatchRepairsAMarkAboveEveryMessage(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := apitest.NewServer(t, apitest.WithoutListener())
		anna := srv.AddAccount(apitest.Account{Name: "Anna"})
		wrong := srv.AddRoom(apitest.Room{Name: "wrong mark", AdminIDs: []int64{srv.Me().AccountID}, MemberIDs: []int64{anna.AccountID}}).RoomID
		deleted := srv.AddRoom(apitest.Room{Name: "newest deleted", AdminIDs: []int64{srv.Me().AccountID}, MemberIDs: []int64{anna.AccountID}}).RoomID
		future := srv.AddRoom(apitest.Room{Name: "future start", AdminIDs: []int64{srv.Me().AccountID}, MemberIDs: []int64{anna.AccountID}}).RoomID
		srv.AddMessage(apitest.Message{RoomID: wrong, AccountID: anna.AccountID, Body: "old"})
		srv.AddMessage(apitest.Message{RoomID: deleted, AccountID: anna.AccountID, Body: "old"})
		time.Sleep(time.Minute)
		gone := srv.AddMessage(apitest.Message{RoomID: deleted, AccountID: anna.AccountID, Body: "delivered, then deleted"}).MessageID
		annaClient := newTestClient(t, anna.Token, srv.Transport())
		if _, err := annaClient.Messages.Delete(t.Context(), deleted, gone); err != nil {
			t.Fatal(err)
		}
		store := &api.MemoryStore{}
		seen := time.Now().Add(-30 * time.Second)
		for room, m := range map[int64]api.Mark{
			wrong:   {MessageID: "9999999999999999999", Seen: seen},
			deleted: {MessageID: gone, Seen: time.Now()},
			future:  {MessageID: "0", Start: time.Now().Add(48 * time.Hour)},
		} {
			if err := store.Save(room, m); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(time.Second)
		var want []string
		posting := make(chan struct{})
		go func() {
			defer close(posting)
			time.Sleep(5 * time.Second)
			for _, r := range []int64{wrong, deleted, future} {
				want = append(want, srv.AddMessage(apitest.Message{RoomID: r, AccountID: anna.AccountID, Body: "after the restart"}).MessageID)
			}
		}()
		c := newTestClient(t, srv.Token(), srv.Transport())
		w, err := c.Messages.Watch([]int64{wrong, deleted, future}, &api.WatchOptions{Store: store})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		defer cancel()
		var got []string
		errs := map[int64]string{}
		for ev, err := range w.Events(ctx) {
			var we *api.WatchError
			switch {
			case errors.As(err, &we):
				errs[we.RoomID] += err.Error()
			case err != nil:
				t.Errorf("unexpected error: %v", err)
			default:
				got = append(got, ev.Message.MessageID)
			}
		}
		<-posting
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("delivered %v, want %v (the messages posted after the restart, and only them)", got, want)
		}
		if !strings.Contains(errs[wrong], "above every message") || !strings.Contains(errs[wrong], "9999999999999999999") {
			t.Errorf("room with a wrong mark: errors %q", errs[wrong])
		}
		if !strings.Contains(errs[future], "in the future") {
			t.Errorf("room with a start in the future: errors %q", errs[future])
		}
		if errs[deleted] != "" {
			t.Errorf("room whose newest message was deleted: %s", errs[deleted])
		}
		if m, _, _ := store.Load(wrong); m.MessageID != want[0] && m.MessageID != want[1] && m.MessageID != want[2] {
			t.Errorf("repaired mark %q is not the message delivered", m.MessageID)
		}
	})
}

// TestWatchRefusesBadOptions: shares that are not fractions (NaN too) and
// bad intervals are refused before anything is sent.
func TestWatchRefusesBadOptions(t *testing.T) {
	srv := apitest.NewServer(t)
	c := newTestClient(t, srv.Token(), srv.Transport())
	for name, opt := range map[string]api.WatchOptions{
		"NaN share":      {Share: math.NaN()},
		"infinite share": {Share: math.Inf(1)},
		"share above 1":  {Share: 1.5},
		"negative share": {Share: -0.1},
		"negative min":   {MinInterval: -time.Second},
		"max below min":  {MinInterval: time.Minute, MaxInterval: time.Second},
		"negative max":   {MaxInterval: -time.Second},
	} {
		if _, err := c.Messages.Watch([]int64{1}, &opt); !errors.Is(err, api.ErrInvalidInput) {
			t.Errorf("%s: err = %v, want ErrInvalidInput", name, err)
		}
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}
