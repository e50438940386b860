package main

import (
	"context"
	"encoding/json"
	"fmt"
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

func TestMessagesWatchUsage(t *testing.T) {
	srv := apitest.NewServer(t)
	for _, args := range [][]string{
		{"messages", "watch"},
		{"messages", "watch", "abc"},
		{"messages", "watch", "1", "--share", "2"},
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
