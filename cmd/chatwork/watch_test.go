package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/chatwork-go/chatwork/api"
	"github.com/chatwork-go/chatwork/api/apitest"
)

// runWatch runs "chatwork messages watch" against srv in memory until
// the simulated time until, and returns its exit code and output lines.
func runWatch(t *testing.T, srv *apitest.Server, until time.Duration, args ...string) (int, []watchLine, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), until)
	defer cancel()
	r := cli{env: fakeEnv(srv), ctx: ctx, apiOpts: []api.Option{api.WithHTTPClient(srv.Client())}}.run(t, append([]string{"messages", "watch"}, args...)...)
	var lines []watchLine
	dec := json.NewDecoder(strings.NewReader(r.out))
	for dec.More() {
		var l watchLine
		if err := dec.Decode(&l); err != nil {
			t.Fatalf("output is not JSON lines: %v", err)
		}
		lines = append(lines, l)
	}
	return r.code, lines, r.errout
}

func describe(lines []watchLine) []string {
	var out []string
	for _, l := range lines {
		if l.Message != nil {
			out = append(out, l.Kind+" "+l.Message.Body)
		} else {
			out = append(out, l.Kind)
		}
	}
	return out
}

// TestMessagesWatch: new messages as JSON lines, a restart with --state
// that prints what arrived meanwhile, a gap line when more than 100 did,
// edits with --updates, and a summary with the share of the limit.
func TestMessagesWatch(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := apitest.NewServer(t, apitest.WithoutListener())
		anna := srv.AddAccount(apitest.Account{Name: "Anna"})
		room := srv.AddRoom(apitest.Room{Name: "Team", AdminIDs: []int64{srv.Me().AccountID}, MemberIDs: []int64{anna.AccountID}}).RoomID
		srv.AddMessage(apitest.Message{RoomID: room, AccountID: anna.AccountID, Body: "before"})
		state := filepath.Join(t.TempDir(), "state.json")
		go func() {
			time.Sleep(10 * time.Second)
			srv.AddMessage(apitest.Message{RoomID: room, AccountID: anna.AccountID, Body: "during"})
		}()
		code, lines, errout := runWatch(t, srv, time.Minute, s64(room), "--state", state, "--backfill")
		if code != exitOK {
			t.Fatalf("exit %d: %s", code, errout)
		}
		if got := strings.Join(describe(lines), ", "); got != "message before, message during" {
			t.Errorf("first run printed %s", got)
		}
		if lines[0].RoomID != room || lines[0].Message.Account.Name != "Anna" {
			t.Errorf("first line %+v", lines[0])
		}
		if !strings.Contains(errout, "2 messages") || !strings.Contains(errout, "share 50%") {
			t.Errorf("no summary on stderr: %q", errout)
		}

		for i := range 120 { // while the watch is down: a gap
			srv.AddMessage(apitest.Message{RoomID: room, AccountID: anna.AccountID, Body: fmt.Sprintf("down %d", i)})
		}
		annaClient, err := api.NewClient(anna.Token, api.WithBaseURL(srv.URL()), api.WithHTTPClient(srv.Client()))
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			time.Sleep(20 * time.Second)
			msgs := srv.Messages(room)
			if _, err := annaClient.Messages.Update(t.Context(), room, msgs[len(msgs)-1].MessageID, "down 119, edited"); err != nil {
				t.Error(err)
			}
		}()
		code, lines, errout = runWatch(t, srv, time.Minute, s64(room), "--state", state, "--updates")
		if code != exitOK {
			t.Fatalf("exit %d: %s", code, errout)
		}
		got := describe(lines)
		if len(got) != 102 || got[0] != "gap" || got[1] != "message down 20" || got[100] != "message down 119" || got[101] != "update down 119, edited" {
			t.Errorf("after the restart: %d lines, %v ... %v", len(got), got[:min(2, len(got))], got[max(len(got)-1, 0):])
		}
		msgs := srv.Messages(room)
		if lines[0].After != msgs[1].MessageID || lines[0].Before != msgs[22].MessageID {
			t.Errorf("gap %s..%s, want %s..%s", lines[0].After, lines[0].Before, msgs[1].MessageID, msgs[22].MessageID)
		}
	})
}

// TestMessagesWatchUsage: bad arguments of messages watch exit 2 before
// any request.
func TestMessagesWatchUsage(t *testing.T) {
	srv := apitest.NewServer(t)
	for _, args := range [][]string{
		{"messages", "watch"},
		{"messages", "watch", "abc"},
		{"messages", "watch", "1", "--share", "2"},
		{"messages", "watch", "1", "--share", "NaN"},
		{"messages", "watch", "1", "--share", "0"},
		{"messages", "watch", "1", "--min-interval", "-1s"},
		{"messages", "watch", "1", "--min-interval", "1m", "--max-interval", "10s"},
		{"messages", "watch", "1", "1"},
	} {
		r := cli{env: fakeEnv(srv)}.run(t, args...)
		if r.code != exitUsage {
			t.Errorf("%v: exit %d, want %d; stderr %s", args, r.code, exitUsage, r.errout)
		}
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

// TestMessagesWatchRefusesUnusableState: a state file that cannot be
// written (its directory is missing) or that another watch holds stops the
// command at once, with exit 1 and a message naming the file, before any
// poll.
func TestMessagesWatchRefusesUnusableState(t *testing.T) {
	srv := apitest.NewServer(t)
	room := srv.AddRoom(apitest.Room{Name: "Team", AdminIDs: []int64{srv.Me().AccountID}}).RoomID
	dir := t.TempDir()
	held := filepath.Join(dir, "held.json")
	store, err := api.OpenFileStore(held)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	for path, want := range map[string]string{
		filepath.Join(dir, "missing", "st.json"): "cannot be written",
		held:                                     "in use by another watcher",
	} {
		r := cli{env: fakeEnv(srv)}.run(t, "messages", "watch", s64(room), "--state", path)
		if r.code != exitError || !strings.Contains(r.errout, want) || !strings.Contains(r.errout, path) {
			t.Errorf("--state %s: exit %d, stderr %q; want %d and %q", path, r.code, r.errout, exitError, want)
		}
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

// TestMessagesWatchExec: with --exec, each line goes to the command's
// stdin and the position advances only when it exits 0. A failing command
// stops the watch (exit 1) before its message, which the next run hands
// over again.
func TestMessagesWatchExec(t *testing.T) {
	t.Parallel()
	srv := apitest.NewServer(t)
	anna := srv.AddAccount(apitest.Account{Name: "Anna"})
	room := srv.AddRoom(apitest.Room{Name: "Team", AdminIDs: []int64{srv.Me().AccountID}, MemberIDs: []int64{anna.AccountID}}).RoomID
	first := srv.AddMessage(apitest.Message{RoomID: room, AccountID: anna.AccountID, Body: "first"}).MessageID
	second := srv.AddMessage(apitest.Message{RoomID: room, AccountID: anna.AccountID, Body: "second"}).MessageID
	dir := t.TempDir()
	state, handled := filepath.Join(dir, "st.json"), filepath.Join(dir, "handled")
	// The handler takes the first message and fails on the second.
	handler := `read -r line; echo "$CHATWORK_WATCH_KIND $CHATWORK_ROOM_ID $CHATWORK_MESSAGE_ID" >> '` + handled + `'; test "$CHATWORK_MESSAGE_ID" != "` + second + `"`
	watch := func(handler string, until func() bool) (int, string) {
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		var out, errout syncBuffer
		// A budget per second: polls every few milliseconds.
		a := cli{env: fakeEnv(srv), ctx: ctx, apiOpts: []api.Option{api.WithRateLimit(300, time.Second)}}.app(t, &out, &errout)
		go func() {
			for !until() && ctx.Err() == nil {
				time.Sleep(10 * time.Millisecond)
			}
			cancel()
		}()
		code := a.main([]string{"messages", "watch", s64(room), "--state", state, "--backfill", "--exec", handler})
		return code, errout.String()
	}
	lines := func() []string {
		b, _ := os.ReadFile(handled)
		return strings.Fields(strings.ReplaceAll(string(b), "\n", " | "))
	}
	code, errout := watch(handler, func() bool { return false })
	if code != exitError || !strings.Contains(errout, "--exec") || !strings.Contains(errout, second) {
		t.Fatalf("a failing --exec: exit %d, stderr %q", code, errout)
	}
	want := "message " + s64(room) + " " + first + " | message " + s64(room) + " " + second + " |"
	if got := strings.Join(lines(), " "); got != want {
		t.Errorf("handled %q, want %q", got, want)
	}
	// The next run hands over the second message again, and only it.
	code, errout = watch(`cat > /dev/null; echo "$CHATWORK_MESSAGE_ID" >> '`+handled+`'`, func() bool { return len(lines()) >= 10 })
	if code != exitOK {
		t.Fatalf("second run: exit %d: %s", code, errout)
	}
	if got := lines(); len(got) != 10 || got[8] != second {
		t.Errorf("after the restart, handled %q; want the second message once more", got)
	}
}

// TestMessagesWatchKill9 checks at-least-once delivery across crashes with
// real processes: `chatwork messages watch A B C --state st.json` against
// `chatwork fake`, one message posted to each room 1 s after the start,
// the watcher killed with SIGKILL at a random moment and restarted at
// once, one more message posted to each room 2 s after the restart, the
// watcher killed at a random moment again and restarted, and then watched
// until every message is printed. Three runs at once, one of them handing
// each line to --exec rather than printing it: 6 of 6 every time.
func TestMessagesWatchKill9(t *testing.T) {
	t.Parallel()
	f := startFakeProc(t, "--quiet")
	c, err := api.NewClient(f.token, api.WithBaseURL(f.baseURL))
	if err != nil {
		t.Fatal(err)
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("kill moments drawn with seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 25))
	for run := range 3 {
		kills := [2]time.Duration{randomMoment(rng), randomMoment(rng)}
		t.Run(fmt.Sprintf("run %d", run), func(t *testing.T) {
			t.Parallel()
			var rooms []string
			for i := range 3 {
				id, _, err := c.Rooms.Create(t.Context(), api.CreateRoomParams{Name: fmt.Sprintf("run %d room %c", run, 'A'+i), AdminIDs: []int64{f.meID}})
				if err != nil {
					t.Fatal(err)
				}
				rooms = append(rooms, s64(id))
			}
			dir := t.TempDir()
			state := filepath.Join(dir, "st.json")
			args := append([]string{"messages", "watch"}, rooms...)
			args = append(args, "--state", state, "--share", "1")
			handled := filepath.Join(dir, "handled.jsonl")
			if run == 2 {
				args = append(args, "--exec", "cat >> '"+handled+"'")
			}
			var sessions []*proc
			start := func() time.Time {
				sessions = append(sessions, startProc(t, "messages watch", f.env(), args...))
				return time.Now()
			}
			var posted []string
			post := func(what string) {
				for _, r := range rooms {
					id, _, err := c.Messages.Post(t.Context(), atoi64(t, r), what, nil)
					if err != nil {
						t.Fatal(err)
					}
					posted = append(posted, id)
				}
			}
			// doBoth runs post at postAt and a kill and restart at killAt,
			// in the order of their times, and returns when the restart
			// happened.
			doBoth := func(postAt, killAt time.Time, what string) time.Time {
				var restarted time.Time
				restart := func() {
					time.Sleep(time.Until(killAt))
					sessions[len(sessions)-1].kill()
					restarted = start()
				}
				if killAt.Before(postAt) {
					restart()
					time.Sleep(time.Until(postAt))
					post(what)
				} else {
					time.Sleep(time.Until(postAt))
					post(what)
					restart()
				}
				return restarted
			}

			t0 := start()
			waitFor(t, "the start of the three rooms in the state file", func() bool {
				b, _ := os.ReadFile(state)
				return strings.Count(string(b), `"start"`) == 3
			})
			t1 := doBoth(t0.Add(time.Second), t0.Add(kills[0]), "1 s after the start")
			doBoth(t1.Add(2*time.Second), t1.Add(kills[1]), "2 s after the restart")

			printed := map[string]int{}
			count := func() int {
				clear(printed)
				var lines []string
				if run == 2 {
					b, _ := os.ReadFile(handled)
					lines = strings.Split(strings.TrimSpace(string(b)), "\n")
				} else {
					for _, s := range sessions {
						lines = append(lines, s.output()...)
					}
				}
				for _, l := range lines {
					var w watchLine
					if json.Unmarshal([]byte(l), &w) == nil && w.Message != nil {
						printed[w.Message.MessageID]++
					}
				}
				n := 0
				for _, id := range posted {
					if printed[id] > 0 {
						n++
					}
				}
				return n
			}
			deadline := time.Now().Add(time.Minute) // bounds a hang only
			for count() < len(posted) && time.Now().Before(deadline) {
				time.Sleep(50 * time.Millisecond)
			}
			last := sessions[len(sessions)-1]
			last.kill()
			got := count()
			t.Logf("killed at %v and %v after each start; %d of %d printed; %d lines in all", kills[0], kills[1], got, len(posted), sumCounts(printed))
			if got != 6 || len(posted) != 6 {
				for i, s := range sessions {
					t.Logf("session %d stderr:\n%s", i, s.errout.String())
				}
				t.Fatalf("%d of %d messages printed", got, len(posted))
			}
			for id, n := range printed {
				if n > 2 {
					t.Errorf("message %s printed %d times: at most once more per kill", id, n)
				}
			}
		})
	}
}

// randomMoment returns a moment of a run to kill a watcher at: from
// before its first poll (the first waits one spacing, 1 s with --share 1)
// to after the third.
func randomMoment(rng *rand.Rand) time.Duration {
	return 300*time.Millisecond + time.Duration(rng.Int64N(int64(3700*time.Millisecond)))
}

func sumCounts(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}
