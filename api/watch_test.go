package api_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"testing/synctest"
	"time"

	"github.com/chatwork-go/chatwork/api"
	"github.com/chatwork-go/chatwork/api/apitest"
	"github.com/chatwork-go/chatwork/internal/timeline"
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
