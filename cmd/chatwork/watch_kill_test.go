package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chatwork-go/chatwork/api"
)

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
