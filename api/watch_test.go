package api_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/chatwork-go/chatwork/api"
	"github.com/chatwork-go/chatwork/api/apitest"
	"github.com/chatwork-go/chatwork/internal/timeline"
	"github.com/chatwork-go/chatwork/internal/wait"
)

// delivery is one message a watch session yielded.
type delivery struct {
	session int
	room    int64
	id      string
}

// watchLog is everything the watch sessions of a test yielded.
type watchLog struct {
	deliveries []delivery
	gaps       []*api.GapError
	stats      []api.WatchStats
}

// consume ranges over one session's events until the sequence ends or
// stop says so after recording a message (a crash before the mark is
// saved). Errors other than gaps fail the test.
func (l *watchLog) consume(t *testing.T, session int, seq func(func(api.WatchEvent, error) bool), stop func() bool) {
	for ev, err := range seq {
		var gap *api.GapError
		switch {
		case errors.As(err, &gap):
			if !errors.Is(err, api.ErrGap) || gap.RoomID != ev.RoomID {
				t.Errorf("gap %v: errors.Is(ErrGap) = false or room %d != event room %d", err, gap.RoomID, ev.RoomID)
			}
			l.gaps = append(l.gaps, gap)
			continue
		case err != nil:
			t.Errorf("session %d: unexpected error: %v", session, err)
			continue
		case ev.Update:
			t.Errorf("session %d: update %s without WatchOptions.Updates", session, ev.Message.MessageID)
		}
		l.deliveries = append(l.deliveries, delivery{session, ev.RoomID, ev.Message.MessageID})
		if stop != nil && stop() {
			return
		}
	}
}

// watchedRooms adds Anna and n rooms of yours where she posts, named
// after prefix.
func watchedRooms(srv *apitest.Server, prefix string, n int) (anna apitest.Account, rooms []int64) {
	anna = srv.AddAccount(apitest.Account{Name: "Anna"})
	for i := range n {
		rooms = append(rooms, srv.AddRoom(apitest.Room{Name: fmt.Sprintf("%s %d", prefix, i), AdminIDs: []int64{srv.Me().AccountID}, MemberIDs: []int64{anna.AccountID}}).RoomID)
	}
	return anna, rooms
}

func numeric(id string) uint64 {
	n, err := strconv.ParseUint(id, 10, 64)
	if err != nil {
		panic(err)
	}
	return n
}

// TestWatchSimulatedHour: every message is delivered, in order, or falls
// in a reported gap, repeated only across restarts, and the polls stay
// within the watcher's share of the budget: 3 rooms, 500 messages from
// another account at seeded random times over a simulated hour, with a
// burst of 150 into one room at once; the watcher, restarted twice with a
// file store, shares its client with a program posting elsewhere at 120
// posts per 5 minutes.
func TestWatchSimulatedHour(t *testing.T) {
	const (
		randomMessages = 350
		burstSize      = 150
		share          = api.DefaultWatchShare
	)
	synctest.Test(t, func(t *testing.T) {
		srv := apitest.NewServer(t, apitest.WithoutListener(), apitest.WithRequestLogSize(1<<20))
		me := srv.Me().AccountID
		anna, rooms := watchedRooms(srv, "watched", 3)
		postRoom := srv.AddRoom(apitest.Room{Name: "posts", AdminIDs: []int64{me}}).RoomID
		start := time.Now()

		// The arrivals: seeded random times and rooms, and the burst.
		type arrival struct {
			at   time.Duration
			room int64
		}
		rng := rand.New(rand.NewPCG(15, 2026))
		var arrivals []arrival
		for range randomMessages {
			arrivals = append(arrivals, arrival{time.Duration(rng.Int64N(int64(time.Hour))), rooms[rng.IntN(len(rooms))]})
		}
		for range burstSize {
			arrivals = append(arrivals, arrival{40*time.Minute + 7*time.Second, rooms[1]})
		}
		slices.SortStableFunc(arrivals, func(a, b arrival) int { return int(a.at - b.at) })
		injected := make(chan struct{})
		go func() {
			defer close(injected)
			for i, a := range arrivals {
				time.Sleep(time.Until(start.Add(a.at)))
				srv.AddMessage(apitest.Message{RoomID: a.room, AccountID: anna.AccountID, Body: fmt.Sprintf("m%d", i)})
			}
		}()

		statePath := filepath.Join(t.TempDir(), "marks.json")
		var log watchLog
		sessions := []struct {
			until    time.Duration // the session is killed then
			downtime time.Duration // before it starts
			crash    bool          // killed while handling a message, before its mark is saved
		}{
			{until: 20 * time.Minute, crash: true},
			{until: 45 * time.Minute, downtime: 3 * time.Minute},
			{until: 62 * time.Minute, downtime: 2 * time.Minute},
		}
		for i, s := range sessions {
			time.Sleep(s.downtime)
			c := newTestClient(t, srv.Token(), srv.Transport())
			store, err := api.OpenFileStore(statePath)
			if err != nil {
				t.Fatal(err)
			}
			w, err := c.Messages.Watch(rooms, &api.WatchOptions{Store: store})
			if err != nil {
				t.Fatal(err)
			}
			deadline := start.Add(s.until)
			ctx, cancel := context.WithDeadline(t.Context(), deadline.Add(10*time.Minute))
			if !s.crash {
				cancel()
				ctx, cancel = context.WithDeadline(t.Context(), deadline)
			}
			posted := make(chan error, 1)
			go func() { posted <- postEvery(ctx, c, postRoom, 2500*time.Millisecond) }()
			var stop func() bool
			if s.crash {
				stop = func() bool { return !time.Now().Before(deadline) }
			}
			log.consume(t, i, w.Events(ctx), stop)
			cancel()
			if err := <-posted; err != nil {
				t.Errorf("session %d: the posting program failed: %v", i, err)
			}
			st := w.Stats()
			t.Logf("session %d: %d polls, %d messages, %d gaps; budget %d per %v; largest share used in a window %.3f (configured %.2f)",
				i, st.Polls, st.Messages, st.Gaps, st.Limit, st.Window, st.MaxShare, st.Share)
			log.stats = append(log.stats, st)
			if err := store.Close(); err != nil { // the process ends
				t.Fatal(err)
			}
		}
		<-injected
		if dups := checkWatchLog(t, srv, rooms, &log, randomMessages+burstSize); dups == 0 {
			t.Error("no duplicate across the crash: the message handled when the first session was killed was not delivered again")
		}
		if len(log.gaps) != 1 || log.gaps[0].RoomID != rooms[1] {
			t.Errorf("gaps %v: want the burst in room %d reported, and only it", log.gaps, rooms[1])
		}
		checkWatchBudget(t, srv, share, &log)
	})
}

// postEvery posts to room every interval until ctx is done.
func postEvery(ctx context.Context, c *api.Client, room int64, interval time.Duration) error {
	for i := 0; ; i++ {
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(interval):
		}
		if _, _, err := c.Messages.Post(ctx, room, fmt.Sprintf("post %d", i), nil); err != nil && ctx.Err() == nil {
			return err
		}
	}
}

// checkWatchLog checks the deliveries against the fake's messages: every
// message delivered or inside a reported gap, none lost silently, every gap
// real, duplicates only across sessions, order kept per room.
func checkWatchLog(t *testing.T, srv *apitest.Server, rooms []int64, log *watchLog, want int) (dups int) {
	t.Helper()
	type key struct {
		room int64
		id   string
	}
	delivered := map[key][]int{} // sessions that delivered the message
	last := map[[2]int64]uint64{}
	for _, d := range log.deliveries {
		k := key{d.room, d.id}
		if slices.Contains(delivered[k], d.session) {
			t.Errorf("message %s of room %d delivered twice in session %d", d.id, d.room, d.session)
		}
		delivered[k] = append(delivered[k], d.session)
		sr := [2]int64{int64(d.session), d.room}
		if n := numeric(d.id); n <= last[sr] {
			t.Errorf("session %d, room %d: message %s after %d: out of order", d.session, d.room, d.id, last[sr])
		} else {
			last[sr] = n
		}
	}
	inGap := func(room int64, id string) bool {
		for _, g := range log.gaps {
			if g.RoomID == room && numeric(g.After) < numeric(id) && numeric(id) < numeric(g.Before) {
				return true
			}
		}
		return false
	}
	total, missed := 0, 0
	for _, room := range rooms {
		for _, m := range srv.Messages(room) {
			total++
			k := key{room, m.MessageID}
			switch n := len(delivered[k]); {
			case n == 0 && inGap(room, m.MessageID):
				missed++
			case n == 0:
				t.Errorf("message %s of room %d lost without a gap report", m.MessageID, room)
			case inGap(room, m.MessageID):
				t.Errorf("message %s of room %d delivered but inside a reported gap", m.MessageID, room)
			default:
				dups += n - 1
			}
		}
	}
	if total != want {
		t.Fatalf("the fake holds %d messages in the watched rooms, want %d", total, want)
	}
	// A gap is reported exactly when more than 100 arrived between two
	// polls: then some message was never returned, and it must lie in a
	// gap (checked above); and every gap must hide at least one message.
	for _, g := range log.gaps {
		hidden := 0
		for _, m := range srv.Messages(g.RoomID) {
			if numeric(g.After) < numeric(m.MessageID) && numeric(m.MessageID) < numeric(g.Before) {
				hidden++
			}
		}
		if hidden == 0 {
			t.Errorf("gap %v hides no message: fewer than 101 arrived between the polls", g)
		}
		t.Logf("gap in room %d: %d messages after %s and before %s were not returned", g.RoomID, hidden, g.After, g.Before)
	}
	t.Logf("%d messages: %d delivered (%d more than once, across restarts), %d missed inside reported gaps", total, total-missed, dups, missed)
	return dups
}

// checkWatchBudget checks on the fake's request log that the watcher read
// with force=1 only, never earned a 429, and used at most its share of the
// budget in any 5-minute window, across restarts too.
func checkWatchBudget(t *testing.T, srv *apitest.Server, share float64, log *watchLog) {
	t.Helper()
	var polls []time.Time
	for _, r := range srv.Requests() {
		if r.Status == http.StatusTooManyRequests {
			t.Errorf("429 for %s %s", r.Method, r.Path)
		}
		if r.OperationID != "listMessages" {
			continue
		}
		if f := r.Query["force"]; len(f) != 1 || f[0] != "1" {
			t.Errorf("%s?%v: the watcher must read with force=1 only", r.Path, r.Query)
		}
		polls = append(polls, r.Time)
	}
	most := timeline.MostInWindow(polls, 5*time.Minute)
	allowed := int(share * 300)
	t.Logf("%d polls in all; at most %d in any 5 minutes, %.3f of the budget (share %.2f)", len(polls), most, float64(most)/300, share)
	if most > allowed {
		t.Errorf("%d polls in 5 minutes, over the share of %d", most, allowed)
	}
	for i, st := range log.stats {
		if st.MaxShare > st.Share || st.MaxShare <= 0 {
			t.Errorf("session %d reports a share of %.3f, want in (0, %.2f]", i, st.MaxShare, st.Share)
		}
	}
}

// pollTimes returns the times of the fake's listMessages requests.
func pollTimes(srv *apitest.Server) []time.Time {
	var out []time.Time
	for _, r := range srv.Requests() {
		if r.OperationID == "listMessages" {
			out = append(out, r.Time)
		}
	}
	return out
}

// TestWatchAdaptsWithinShare runs three busy rooms (a message every 2
// seconds each) for 20 minutes, then lets them go quiet for 20, with a
// share of a tenth of the budget and a restart without downtime. While the
// rooms are busy the watcher uses its whole share and no more, across the
// restart; once they are quiet it slows down to MaxInterval. Backfill
// delivers what the rooms held before the first poll.
func TestWatchAdaptsWithinShare(t *testing.T) {
	const share = 0.1 // 30 polls per 5 minutes: one every 10 seconds
	synctest.Test(t, func(t *testing.T) {
		srv := apitest.NewServer(t, apitest.WithoutListener(), apitest.WithRequestLogSize(1<<20))
		anna, rooms := watchedRooms(srv, "busy", 3)
		start := time.Now()
		busyUntil := start.Add(20 * time.Minute)
		go func() {
			for time.Now().Before(busyUntil) {
				for _, r := range rooms {
					srv.AddMessage(apitest.Message{RoomID: r, AccountID: anna.AccountID, Body: "busy"})
				}
				time.Sleep(2 * time.Second)
			}
		}()
		store := &api.MemoryStore{}
		var log watchLog
		for i, until := range []time.Duration{12*time.Minute + 5*time.Second, 40 * time.Minute} {
			c := newTestClient(t, srv.Token(), srv.Transport())
			w, err := c.Messages.Watch(rooms, &api.WatchOptions{Store: store, Share: share, Backfill: true})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithDeadline(t.Context(), start.Add(until))
			log.consume(t, i, w.Events(ctx), nil)
			cancel()
			log.stats = append(log.stats, w.Stats())
		}
		checkWatchLog(t, srv, rooms, &log, len(srv.Messages(rooms[0]))*3)

		polls := pollTimes(srv)
		busy, quiet := 0, 0
		for _, p := range polls {
			switch {
			case p.After(start.Add(5*time.Minute)) && !p.After(start.Add(10*time.Minute)):
				busy++
			case p.After(start.Add(35 * time.Minute)):
				quiet++
			}
		}
		most := timeline.MostInWindow(polls, 5*time.Minute)
		t.Logf("polls: at most %d in any 5 minutes (share allows %d); %d in 5 busy minutes, %d in the last 5 quiet minutes",
			most, int(share*300), busy, quiet)
		if most > int(share*300) {
			t.Errorf("%d polls in 5 minutes, over the share's %d", most, int(share*300))
		}
		if busy < int(share*300)-1 {
			t.Errorf("%d polls in 5 busy minutes: the watcher did not speed up to its share of %d", busy, int(share*300))
		}
		if quiet > 5*len(rooms)+1 {
			t.Errorf("%d polls in 5 quiet minutes: the watcher did not slow down to one a minute per room", quiet)
		}
		for i, st := range log.stats {
			if st.MaxShare > share {
				t.Errorf("session %d reports a share of %.3f, over %.2f", i, st.MaxShare, share)
			}
		}
	})
}

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

// event is a WatchEvent reduced to what the edit test compares.
type event struct {
	id     string
	body   string
	update bool
}

func (e event) String() string {
	kind := "new"
	if e.update {
		kind = "update"
	}
	return fmt.Sprintf("%s %s %q", kind, e.id, e.body)
}

// TestWatchDeliversEditsNotDeletions: with Updates, a message edited by its
// author (another account, through the API) comes again as an update,
// within a run and across a restart when the edit happened while the
// watcher was down; a deleted message vanishes without any event.
func TestWatchDeliversEditsNotDeletions(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := apitest.NewServer(t, apitest.WithoutListener())
		anna := srv.AddAccount(apitest.Account{Name: "Anna"})
		room := srv.AddRoom(apitest.Room{Name: "edits", AdminIDs: []int64{srv.Me().AccountID}, MemberIDs: []int64{anna.AccountID}}).RoomID
		newClient := func(token string) *api.Client { return newTestClient(t, token, srv.Transport()) }
		annaClient := newClient(anna.Token)
		old := srv.AddMessage(apitest.Message{RoomID: room, AccountID: anna.AccountID, Body: "before the watch"}).MessageID
		doomed := srv.AddMessage(apitest.Message{RoomID: room, AccountID: anna.AccountID, Body: "to be deleted"}).MessageID
		// The watch starts a second later: a message sent in the second the
		// watch starts counts as new (send times have whole seconds).
		time.Sleep(time.Second)
		statePath := filepath.Join(t.TempDir(), "marks.json")
		start := time.Now()

		var later string
		edit := func(id, body string) {
			if _, err := annaClient.Messages.Update(t.Context(), room, id, body); err != nil {
				t.Error(err)
			}
		}
		go func() {
			time.Sleep(20 * time.Second)
			edit(old, "before the watch, edited")
			time.Sleep(20 * time.Second)
			later = srv.AddMessage(apitest.Message{RoomID: room, AccountID: anna.AccountID, Body: "during the watch"}).MessageID
			time.Sleep(20 * time.Second)
			edit(later, "during the watch, edited")
			time.Sleep(20 * time.Second)
			if _, err := annaClient.Messages.Delete(t.Context(), room, doomed); err != nil {
				t.Error(err)
			}
			time.Sleep(60 * time.Second) // at 140 s: the watcher is down from 120 s to 180 s
			edit(later, "edited while the watcher was down")
		}()

		run := func(until time.Duration) []event {
			store, err := api.OpenFileStore(statePath)
			if err != nil {
				t.Fatal(err)
			}
			defer store.Close()
			w, err := newClient(srv.Token()).Messages.Watch([]int64{room}, &api.WatchOptions{Store: store, Updates: true, MaxInterval: 5 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithDeadline(t.Context(), start.Add(until))
			defer cancel()
			var got []event
			for ev, err := range w.Events(ctx) {
				if err != nil {
					t.Errorf("unexpected error: %v", err)
					continue
				}
				got = append(got, event{ev.Message.MessageID, ev.Message.Body, ev.Update})
			}
			return got
		}
		first := run(2 * time.Minute)
		time.Sleep(time.Minute)
		second := run(4 * time.Minute)

		want := []event{
			{old, "before the watch, edited", true},
			{later, "during the watch", false},
			{later, "during the watch, edited", true},
		}
		if fmt.Sprint(first) != fmt.Sprint(want) {
			t.Errorf("first run:\n got %v\nwant %v", first, want)
		}
		want = []event{{later, "edited while the watcher was down", true}}
		if fmt.Sprint(second) != fmt.Sprint(want) {
			t.Errorf("after the restart:\n got %v\nwant %v", second, want)
		}
	})
}

// TestWatchAgainstHandWrittenServer runs the watcher against an HTTP server
// written here, not the fake: it answers unsorted lists whose IDs change
// length (999 < 1000 as numbers, not as strings), a non-digit ID, a full
// window of newer messages (a gap) and a 204.
func TestWatchAgainstHandWrittenServer(t *testing.T) {
	msg := func(id string) string {
		return `{"message_id":"` + id + `","account":{"account_id":7,"name":"Bob","avatar_image_url":"https://example.com/b.png"},"body":"m` + id + `","send_time":1700000000,"update_time":0}`
	}
	full := make([]string, 100)
	for i := range full {
		full[i] = msg(strconv.Itoa(2000 + i))
	}
	answers := []string{
		"[" + strings.Join([]string{msg("1001"), msg("999"), msg("1000"), msg("998"), msg("x1")}, ",") + "]",
		"[" + strings.Join(full, ",") + "]",
		"", // 204
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var mu sync.Mutex
	var queries []string
	// A budget of 6,000 per minute spaces the polls 20 ms apart.
	c := newTestClient(t, testToken, handlerTransport{func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n := len(queries)
		queries = append(queries, r.Method+" "+r.URL.Path+"?"+r.URL.RawQuery)
		mu.Unlock()
		w.Header().Set("X-Ratelimit-Limit", "6000")
		w.Header().Set("X-Ratelimit-Remaining", "5999")
		w.Header().Set("X-Ratelimit-Reset", strconv.FormatInt(time.Now().Add(time.Minute).Unix(), 10))
		if n >= len(answers)-1 {
			cancel() // the scripted polls are over
		}
		if n >= len(answers) || answers[n] == "" {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, answers[n])
	}}, api.WithRateLimit(6000, time.Minute))
	store := &api.MemoryStore{}
	if err := store.Save(42, api.Mark{MessageID: "999"}); err != nil {
		t.Fatal(err)
	}
	w, err := c.Messages.Watch([]int64{42}, &api.WatchOptions{Store: store})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for ev, err := range w.Events(ctx) {
		var gap *api.GapError
		var we *api.WatchError
		switch {
		case errors.As(err, &gap):
			got = append(got, fmt.Sprintf("gap %d %s..%s", gap.RoomID, gap.After, gap.Before))
		case errors.As(err, &we):
			got = append(got, fmt.Sprintf("error %d %q", we.RoomID, ev.Message.MessageID))
		case err != nil:
			t.Fatalf("unexpected error: %v", err)
		default:
			got = append(got, ev.Message.MessageID)
		}
	}
	want := []string{`error 42 "x1"`, "1000", "1001", "gap 42 1001..2000"}
	for i := range 100 {
		want = append(want, strconv.Itoa(2000+i))
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("events:\n got %v\nwant %v", got, want)
	}
	if m, _, _ := store.Load(42); m.MessageID != "2099" {
		t.Errorf("stored mark %q, want 2099", m.MessageID)
	}
	for _, q := range queries {
		if q != "GET /v2/rooms/42/messages?force=1" {
			t.Errorf("request %s: want GET /v2/rooms/42/messages?force=1", q)
		}
	}
	if st := w.Stats(); st.Polls != len(queries) || st.Messages != 102 || st.Gaps != 1 || st.Errors != 1 {
		t.Errorf("stats %+v after %d requests", st, len(queries))
	}
}

// TestWatchRefusesBadInput: bad rooms and options are refused before
// anything is sent.
func TestWatchRefusesBadInput(t *testing.T) {
	c, ts := setup(t)
	for name, tc := range map[string]struct {
		rooms []int64
		opt   *api.WatchOptions
	}{
		"no room":               {nil, nil},
		"room 0":                {[]int64{1, 0}, nil},
		"room twice":            {[]int64{1, 2, 1}, nil},
		"share over 1":          {[]int64{1}, &api.WatchOptions{Share: 1.5}},
		"negative share":        {[]int64{1}, &api.WatchOptions{Share: -0.1}},
		"negative interval":     {[]int64{1}, &api.WatchOptions{MinInterval: -time.Second}},
		"max below the minimum": {[]int64{1}, &api.WatchOptions{MinInterval: time.Minute, MaxInterval: time.Second}},
	} {
		if _, err := c.Messages.Watch(tc.rooms, tc.opt); !errors.Is(err, api.ErrInvalidInput) {
			t.Errorf("%s: err = %v, want an *InputError", name, err)
		}
	}
	if n := len(ts.requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

// TestWatchOneRangeAtATime: a second range over Events while the first
// runs gets an error at once.
func TestWatchOneRangeAtATime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv, c := fakeClient(t, nil)
		room := groupRooms(srv, 1)[0]
		w, err := c.Messages.Watch([]int64{room}, nil)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() {
			defer close(done)
			for _, err := range w.Events(ctx) {
				if err != nil {
					t.Errorf("first range: %v", err)
				}
			}
		}()
		synctest.Wait()
		for _, err := range w.Events(ctx) {
			if err == nil {
				t.Error("second range: want an error")
			}
			break
		}
		cancel()
		<-done
	})
}

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
			c := newTestClient(t, srv.Token(), srv.Transport()) // one client per replica
			wg.Go(func() {
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
