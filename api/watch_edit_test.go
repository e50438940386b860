package api_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/chatwork-go/chatwork/api"
	"github.com/chatwork-go/chatwork/api/apitest"
)

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
