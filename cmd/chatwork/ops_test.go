package main

import (
	"context"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/chatwork-go/chatwork/api"
	"github.com/chatwork-go/chatwork/api/apitest"
)

// TestNoCommandMovesTheCursorUnasked runs every command of the tree that
// calls the API, with arguments that make it succeed where it can, and
// reads what the fake received: no request lists messages without force=1
// (which moves the account's read cursor) unless the command line says
// --new. A command added to the tree without a line here fails the test.
func TestNoCommandMovesTheCursorUnasked(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	room := s64(w.room)
	msg := w.s.AddMessage(apitest.Message{RoomID: w.room, AccountID: w.bob.AccountID, Body: "hello"}).MessageID
	task := w.s.AddTask(apitest.Task{RoomID: w.room, AssigneeID: w.me.AccountID, AssignedByAccountID: w.bob.AccountID, Body: "t"})
	path := writeFile(t, "f.txt", "f")
	carol := w.s.AddAccount(apitest.Account{Name: "Carol"})
	req := w.s.AddIncomingRequest(apitest.IncomingRequest{AccountID: carol.AccountID, ToAccountID: w.me.AccountID, Message: "hi"}).RequestID
	samples := map[string][]string{
		"me": nil, "status": nil, "contacts": nil,
		"tasks mine": nil, "tasks list": {room}, "tasks get": {room, s64(task.TaskID)},
		"tasks create": {room, "--body", "x", "--to", "@bob"}, "tasks done": {room, s64(task.TaskID)},
		"tasks reopen": {room, s64(task.TaskID)}, "tasks status": {room, s64(task.TaskID), "--body", "done"},
		"rooms list": nil, "rooms create": {"--name", "x", "--members-admin-ids", s64(w.me.AccountID)},
		"rooms get": {room}, "rooms update": {room, "--name", "y"}, "rooms delete": {room, "--action-type", "leave"},
		"members list": {room}, "members replace": {room, "--members-admin-ids", s64(w.me.AccountID)},
		"messages list": {room}, "messages post": {room, "--body", "x"}, "messages get": {room, msg},
		"messages update": {room, msg, "--body", "y"}, "messages delete": {room, msg},
		"messages read": {room}, "messages unread": {room, "--message-id", msg},
		"files list": {room}, "files get": {room, "1"}, "files upload": {room, path}, "files download": {room, "1"},
		"links get": {room}, "links create": {room}, "links update": {room}, "links delete": {room},
		"requests list": nil, "requests accept": {s64(req)}, "requests reject": {"1"},
		"send": {room, "hi", "--reply", msg},
		"api":  {"GET", "/rooms/" + room + "/messages", "-f", "force=1"},
	}
	for _, g := range commandTree() {
		for _, c := range g.cmds {
			if c.noAPI || c.path() == "messages watch" || c.path() == "events poll" { // Watch: TestWatchNeverMovesTheCursor
				continue
			}
			args, ok := samples[c.path()]
			if !ok {
				t.Errorf("%s: no sample arguments; add a line to this test", c.path())
				continue
			}
			r := w.run(t, append(append(strings.Fields(c.path()), args...), "--yes")...)
			if r.code == exitUsage && !strings.Contains(r.errout, "flag provided") {
				r = w.run(t, append(strings.Fields(c.path()), args...)...) // a command without --yes
			}
			if r.code == exitUsage {
				t.Errorf("%s: usage error, so the test proves nothing: %s", c.path(), r.errout)
			}
		}
	}
	check := func(want int) {
		t.Helper()
		moved := 0
		for _, r := range w.s.Requests() {
			if r.OperationID == "listMessages" && !slices.Equal(r.Query["force"], []string{"1"}) {
				moved++
			}
		}
		if moved != want {
			t.Errorf("%d request(s) moved the read cursor, want %d", moved, want)
		}
	}
	check(0)
	w.run(t, "messages", "list", s64(w.me.RoomID), "--new").must(t, exitOK)
	check(1) // and the check can see it
}

// TestWatchNeverMovesTheCursor: messages watch polls with force=1.
func TestWatchNeverMovesTheCursor(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := apitest.NewServer(t, apitest.WithoutListener())
		srv.AddMessage(apitest.Message{RoomID: srv.Me().RoomID, AccountID: srv.Me().AccountID, Body: "hi"})
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		defer cancel()
		cli{env: fakeEnv(srv), ctx: ctx, apiOpts: []api.Option{api.WithHTTPClient(srv.Client())}}.
			run(t, "messages", "watch", s64(srv.Me().RoomID), "--backfill").must(t, exitOK)
		polls := 0
		for _, r := range srv.Requests() {
			if r.OperationID == "listMessages" {
				polls++
				if !slices.Equal(r.Query["force"], []string{"1"}) {
					t.Errorf("a poll without force=1: %v", r.Query)
				}
			}
		}
		if polls == 0 {
			t.Error("the watch did not poll")
		}
	})
}

// TestWatchStopsOnAMissingRoom: a room that answers 404 ends the watch at
// once with one sentence, instead of being polled for ever.
func TestWatchStopsOnAMissingRoom(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := apitest.NewServer(t, apitest.WithoutListener())
		ctx, cancel := context.WithTimeout(t.Context(), time.Hour)
		defer cancel()
		start := time.Now()
		r := cli{env: fakeEnv(srv), ctx: ctx, apiOpts: []api.Option{api.WithHTTPClient(srv.Client())}}.
			run(t, "messages", "watch", "999").must(t, exitAPI)
		if !strings.HasSuffix(r.errout, "\nchatwork: watch stopped: room 999 does not exist or you are not a member (404)\n") {
			t.Errorf("stderr %q", r.errout)
		}
		if d := time.Since(start); d >= time.Hour {
			t.Errorf("the watch went on for %v", d)
		}
	})
}

// TestConfirmations drives the destructive commands as a person at a
// terminal would: the warning names the object, a wrong answer changes
// nothing, the right one does it and one line says so.
func TestConfirmations(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	room := s64(w.room)
	term := func(answer string, args ...string) result {
		return cli{env: w.env, stdin: answer + "\n", tty: true}.run(t, args...)
	}

	r := term("team", "rooms", "delete", room, "--action-type", "delete").must(t, exitError)
	if !strings.Contains(r.errout, `! You are deleting the chat "Team" (room `+room+`) for everyone`) ||
		!strings.Contains(r.errout, "? Type Team to confirm: ") || !strings.Contains(r.errout, "not confirmed: nothing was changed") {
		t.Errorf("wrong answer: stderr %q", r.errout)
	}
	if _, ok := w.s.Room(w.room); !ok {
		t.Fatal("the room was deleted on a wrong answer")
	}

	r = term("Team", "members", "replace", room, "--members-admin-ids", s64(w.me.AccountID)).must(t, exitOK)
	if !strings.Contains(r.errout, "1 would lose access:\n    Bob Suzuki (account "+s64(w.bob.AccountID)+")") ||
		!strings.Contains(r.errout, "✓ Replaced the members of room "+room) {
		t.Errorf("members replace: stderr %q", r.errout)
	}

	msg := w.s.AddMessage(apitest.Message{RoomID: w.room, AccountID: w.me.AccountID, Body: "to be deleted"}).MessageID
	r = term(msg, "messages", "delete", room, msg).must(t, exitOK)
	if !strings.Contains(r.errout, `"to be deleted"`) || !strings.Contains(r.errout, "✓ Deleted message "+msg) {
		t.Errorf("messages delete: stderr %q", r.errout)
	}

	r = term("", "links", "delete", room).must(t, exitError)
	if !strings.Contains(r.errout, "has no invitation link") {
		t.Errorf("links delete without a link: %q", r.errout)
	}

	carol := w.s.AddAccount(apitest.Account{Name: "Carol Sato"})
	req := w.s.AddIncomingRequest(apitest.IncomingRequest{AccountID: carol.AccountID, ToAccountID: w.me.AccountID, Message: "hi"}).RequestID
	r = term("Carol Sato", "requests", "reject", s64(req)).must(t, exitOK)
	if !strings.Contains(r.errout, "✓ Declined contact request "+s64(req)+` "Carol Sato"`) {
		t.Errorf("requests reject: stderr %q", r.errout)
	}

	r = term("Team", "rooms", "rm", room, "--action-type", "delete").must(t, exitOK)
	if !strings.HasSuffix(r.errout, "✓ Deleted room "+room+` "Team" for everyone`+"\n") || r.out != "" {
		t.Errorf("rooms delete: stdout %q, stderr %q", r.out, r.errout)
	}
	if _, ok := w.s.Room(w.room); ok {
		t.Error("the room survived the confirmed delete")
	}
}
