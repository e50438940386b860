package main

import (
	"context"
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

// TestMeStatusContacts: me, status and contacts print what the fake holds,
// as JSON and as a table.
func TestMeStatusContacts(t *testing.T) {
	t.Parallel()
	w := newWorld(t)

	var me api.Me
	w.run(t, "-o", "json", "me").must(t, exitOK).decode(t, &me)
	if me.AccountID != w.me.AccountID || me.RoomID != w.me.RoomID || me.Name != w.me.Name {
		t.Errorf("me = %+v, want the fake's %+v", me, w.me)
	}
	if r := w.run(t, "me", "--output", "table").must(t, exitOK); !strings.Contains(r.out, "chatwork_id") || !strings.Contains(r.out, s64(w.me.AccountID)) {
		t.Errorf("me as a table:\n%s", r.out)
	}

	w.s.AddMessage(apitest.Message{RoomID: w.room, AccountID: w.bob.AccountID, Body: "[To:" + s64(w.me.AccountID) + "] ping"})
	var st api.MyStatus
	w.run(t, "-o", "json", "status").must(t, exitOK).decode(t, &st)
	if st.UnreadNum != 1 || st.MentionNum != 1 {
		t.Errorf("status = %+v, want 1 unread, 1 mention", st)
	}
	if r := w.run(t, "status", "--output", "table").must(t, exitOK); !strings.Contains(r.out, "mention_num") {
		t.Errorf("status as a table:\n%s", r.out)
	}

	var cs []api.Contact
	w.run(t, "-o", "json", "contacts").must(t, exitOK).decode(t, &cs)
	if len(cs) != 1 || cs[0].AccountID != w.bob.AccountID || cs[0].ChatworkID != "bob" {
		t.Errorf("contacts = %+v", cs)
	}
	tbl := w.run(t, "contacts", "--output", "table").must(t, exitOK)
	lines := strings.Split(strings.TrimSpace(tbl.out), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "ACCOUNT_ID") || !strings.Contains(lines[1], "Bob Suzuki") {
		t.Errorf("contacts as a table:\n%s", tbl.out)
	}
}

// TestRooms: rooms create, get, update, list, and delete (leave and delete)
// change and show the fake's rooms; a delete says what it did.
func TestRooms(t *testing.T) {
	t.Parallel()
	w := newWorld(t)

	var created struct {
		RoomID int64 `json:"room_id"`
	}
	w.run(t, "-o", "json", "rooms", "create", "--name", "Ops", "--members_admin_ids", s64(w.me.AccountID), "--members_member_ids", s64(w.bob.AccountID),
		"--description", "Ops talk", "--icon_preset", "meeting", "--link", "1", "--link_code", "ops-room", "--link_need_acceptance", "0",
	).must(t, exitOK).decode(t, &created)
	room, ok := w.s.Room(created.RoomID)
	if !ok {
		t.Fatalf("room %d was not created", created.RoomID)
	}
	if room.Name != "Ops" || room.IconPreset != "meeting" || !slices.Equal(room.AdminIDs, []int64{w.me.AccountID}) || !slices.Equal(room.MemberIDs, []int64{w.bob.AccountID}) {
		t.Errorf("room = %+v", room)
	}
	if room.Link == nil || room.Link.Code != "ops-room" || room.Link.NeedAcceptance {
		t.Errorf("link = %+v, want code ops-room without acceptance", room.Link)
	}
	id := s64(created.RoomID)

	var d api.RoomDetail
	w.run(t, "-o", "json", "rooms", "get", id).must(t, exitOK).decode(t, &d)
	if d.Description != "Ops talk" || d.Type != api.RoomTypeGroup || d.Role != api.RoleAdmin {
		t.Errorf("rooms get = %+v", d)
	}

	w.run(t, "rooms", "update", id, "--name", "Ops 2", "--description", "").must(t, exitOK)
	if room, _ := w.s.Room(created.RoomID); room.Name != "Ops 2" || room.Description != "" || room.IconPreset != "meeting" {
		t.Errorf("after update: %+v", room)
	}
	w.run(t, "rooms", "update", id).must(t, exitUsage)

	tbl := w.run(t, "--output", "table", "rooms", "list").must(t, exitOK)
	if !strings.HasPrefix(tbl.out, "ROOM_ID") || !strings.Contains(tbl.out, "Ops 2") || strings.Count(tbl.out, "\n") != 5 {
		t.Errorf("rooms list as a table (header, My Chat, direct, Team, Ops 2):\n%s", tbl.out)
	}
	var rooms []api.Room
	w.run(t, "-o", "json", "rooms", "list").must(t, exitOK).decode(t, &rooms)
	if len(rooms) != 4 {
		t.Errorf("rooms list: %d rooms, want 4", len(rooms))
	}

	if r := w.asBob(t, "rooms", "delete", id, "--action_type", "leave", "--yes").must(t, exitOK); r.errout != "✓ Left room "+id+"\n" {
		t.Errorf("leave said %q", r.errout)
	}
	if room, _ := w.s.Room(created.RoomID); slices.Contains(room.MemberIDs, w.bob.AccountID) {
		t.Errorf("Bob is still a member after leaving: %+v", room)
	}
	w.run(t, "rooms", "delete", id, "--action_type", "remove", "--yes").must(t, exitUsage)
	if r := w.run(t, "rooms", "rm", id, "--action_type", "delete", "-y").must(t, exitOK); r.out != "" || r.errout != "✓ Deleted room "+id+" for everyone\n" {
		t.Errorf("delete printed %q, said %q", r.out, r.errout)
	}
	if _, ok := w.s.Room(created.RoomID); ok {
		t.Error("the room still exists after delete")
	}
}

// TestMembers: members list and replace show and change the membership.
func TestMembers(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	room := s64(w.room)

	var ms []api.Member
	w.run(t, "-o", "json", "members", "list", room).must(t, exitOK).decode(t, &ms)
	if len(ms) != 2 {
		t.Fatalf("members = %+v", ms)
	}
	tbl := w.run(t, "members", "list", room, "--output", "table").must(t, exitOK)
	if !strings.Contains(tbl.out, "ROLE") || !strings.Contains(tbl.out, "admin") || !strings.Contains(tbl.out, "Bob Suzuki") {
		t.Errorf("members as a table:\n%s", tbl.out)
	}

	var res api.MembersResult
	w.run(t, "-o", "json", "members", "replace", room, "--members_admin_ids", s64(w.me.AccountID), "--members_readonly_ids", s64(w.bob.AccountID), "--yes").must(t, exitOK).decode(t, &res)
	if !slices.Equal(res.Admin, []int64{w.me.AccountID}) || len(res.Member) != 0 || !slices.Equal(res.Readonly, []int64{w.bob.AccountID}) {
		t.Errorf("replace = %+v", res)
	}
	if r, _ := w.s.Room(w.room); !slices.Equal(r.ReadonlyIDs, []int64{w.bob.AccountID}) || len(r.MemberIDs) != 0 {
		t.Errorf("room after replace: %+v", r)
	}
	tbl = w.run(t, "members", "replace", room, "--members_admin_ids", s64(w.me.AccountID), "--output", "table", "--yes").must(t, exitOK)
	if !strings.Contains(tbl.out, "admin     "+s64(w.me.AccountID)) || !strings.Contains(tbl.out, "readonly  -") {
		t.Errorf("replace as a table:\n%s", tbl.out)
	}
}

// TestMessages: messages post, get, list (the latest by default, --new
// moving the cursor), update, read, unread and delete.
func TestMessages(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	room := s64(w.room)
	bobMsg := w.s.AddMessage(apitest.Message{RoomID: w.room, AccountID: w.bob.AccountID, Body: "hello from Bob"}).MessageID

	r := w.run(t, "messages", "post", room, "--body", "first", "-o", "json").must(t, exitOK)
	// Message IDs stay strings of digits in the JSON.
	if !strings.Contains(r.out, `"message_id": "19`) {
		t.Errorf("post printed %s", r.out)
	}
	var posted struct {
		MessageID string `json:"message_id"`
	}
	r.decode(t, &posted)

	var m api.Message
	w.run(t, "-o", "json", "messages", "get", room, posted.MessageID).must(t, exitOK).decode(t, &m)
	if m.Body != "first" || m.Account.AccountID != w.me.AccountID {
		t.Errorf("get = %+v", m)
	}

	// The latest messages by default, again and again; --new moves the
	// cursor, so that a second --new lists nothing.
	var list []api.Message
	for range 2 {
		w.run(t, "-o", "json", "messages", "list", room).must(t, exitOK).decode(t, &list)
		if len(list) != 2 || list[0].MessageID != bobMsg || list[1].MessageID != posted.MessageID {
			t.Errorf("messages list = %+v", list)
		}
	}
	w.run(t, "-o", "json", "messages", "list", room, "--new").must(t, exitOK).decode(t, &list)
	if len(list) != 2 {
		t.Errorf("the first --new listed %d messages, want 2", len(list))
	}
	if r := w.run(t, "messages", "list", room, "--new", "-o", "json").must(t, exitOK); strings.TrimSpace(r.out) != "[]" {
		t.Errorf("the second --new printed %q, want []", r.out)
	}
	// The old --force 0, for one release, with a warning.
	if r := w.run(t, "messages", "list", room, "--force", "0").must(t, exitOK); !strings.Contains(r.errout, "--force is deprecated") {
		t.Errorf("--force 0: stderr %q", r.errout)
	}
	tbl := w.run(t, "messages", "list", room, "--output", "table").must(t, exitOK)
	if !strings.HasPrefix(tbl.out, "MESSAGE_ID") || !strings.Contains(tbl.out, bobMsg) || !strings.Contains(tbl.out, "hello from Bob") {
		t.Errorf("messages as a table:\n%s", tbl.out)
	}

	w.run(t, "messages", "update", room, posted.MessageID, "--body", "first, edited").must(t, exitOK)
	if got := w.s.Messages(w.room)[1]; got.Body != "first, edited" || got.UpdateTime.IsZero() {
		t.Errorf("after update: %+v", got)
	}

	// Posting moved the read position past Bob's message: the API answers
	// 400 to marking it read again.
	r = w.run(t, "messages", "read", room, "--message_id", bobMsg).must(t, exitAPI)
	if !strings.Contains(r.errout, "400") {
		t.Errorf("stderr %q", r.errout)
	}
	var rr api.ReadResult
	w.run(t, "-o", "json", "messages", "unread", room, "--message_id", bobMsg).must(t, exitOK).decode(t, &rr)
	if rr.UnreadNum != 2 {
		t.Errorf("unread = %+v, want 2 unread", rr)
	}
	w.run(t, "messages", "unread", room).must(t, exitUsage)
	w.run(t, "-o", "json", "messages", "read", room).must(t, exitOK).decode(t, &rr)
	if rr.UnreadNum != 0 {
		t.Errorf("read = %+v, want 0 unread", rr)
	}

	w.run(t, "-o", "json", "messages", "delete", room, posted.MessageID, "--yes").must(t, exitOK).decode(t, &posted)
	if msgs := w.s.Messages(w.room); len(msgs) != 1 || msgs[0].MessageID != bobMsg {
		t.Errorf("after delete: %+v", msgs)
	}
	w.run(t, "messages", "get", room, posted.MessageID).must(t, exitAPI)
}

// TestTasks: tasks create (--to, --due), list with filters, get, done and
// mine.
func TestTasks(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	room := s64(w.room)

	var created struct {
		TaskIDs []int64 `json:"task_ids"`
	}
	w.run(t, "-o", "json", "tasks", "create", room, "--body", "Review the PR", "--to", s64(w.bob.AccountID)+","+s64(w.me.AccountID),
		"--due", "2030-01-31T18:00:00+09:00").must(t, exitOK).decode(t, &created)
	if len(created.TaskIDs) != 2 {
		t.Fatalf("created %v, want two tasks", created.TaskIDs)
	}
	tasks := w.s.Tasks(w.room)
	want := time.Date(2030, 1, 31, 9, 0, 0, 0, time.UTC).Unix()
	if len(tasks) != 2 || tasks[0].LimitTime.Unix() != want || tasks[0].LimitType != api.TaskLimitTypeTime || tasks[0].Body != "Review the PR" {
		t.Errorf("tasks = %+v", tasks)
	}
	w.run(t, "tasks", "create", room, "--body", "Date only", "--to", s64(w.bob.AccountID), "--due", "1900000000", "--due-type", "date").must(t, exitOK)
	if tasks := w.s.Tasks(w.room); len(tasks) != 3 || tasks[2].LimitType != api.TaskLimitTypeDate || tasks[2].LimitTime.Unix() != 1900000000 {
		t.Errorf("date task = %+v", tasks[len(tasks)-1])
	}
	w.run(t, "tasks", "create", room, "--body", "x", "--to", s64(w.bob.AccountID), "--due-type", "date").must(t, exitUsage)

	var list []api.RoomTask
	w.run(t, "-o", "json", "tasks", "list", room, "--to", s64(w.bob.AccountID)).must(t, exitOK).decode(t, &list)
	if len(list) != 2 {
		t.Errorf("Bob's tasks = %+v", list)
	}
	var bobTask int64
	for _, tk := range list {
		if tk.Body == "Review the PR" && tk.Assignee.AccountID == w.bob.AccountID {
			bobTask = tk.TaskID
		}
	}
	if !slices.Contains(created.TaskIDs, bobTask) {
		t.Fatalf("Bob's task %d is not among the created %v", bobTask, created.TaskIDs)
	}
	tbl := w.run(t, "tasks", "list", room, "--output", "table").must(t, exitOK)
	if !strings.HasPrefix(tbl.out, "TASK_ID") || !strings.Contains(tbl.out, "Review the PR") || !strings.Contains(tbl.out, "Bob Suzuki") {
		t.Errorf("tasks as a table:\n%s", tbl.out)
	}

	var task api.RoomTask
	w.run(t, "-o", "json", "tasks", "get", room, s64(bobTask)).must(t, exitOK).decode(t, &task)
	if task.TaskID != bobTask || task.Status != api.TaskStatusOpen || task.AssignedByAccount.AccountID != w.me.AccountID {
		t.Errorf("get = %+v", task)
	}

	var done struct {
		TaskID int64 `json:"task_id"`
	}
	w.run(t, "-o", "json", "tasks", "done", room, s64(bobTask)).must(t, exitOK).decode(t, &done)
	if done.TaskID != bobTask {
		t.Errorf("status printed %+v", done)
	}
	w.run(t, "-o", "json", "tasks", "list", room, "--status", "done").must(t, exitOK).decode(t, &list)
	if len(list) != 1 || list[0].TaskID != bobTask || list[0].Status != api.TaskStatusDone {
		t.Errorf("done tasks = %+v", list)
	}

	var mine []api.MyTask
	w.run(t, "-o", "json", "tasks", "mine").must(t, exitOK).decode(t, &mine)
	if len(mine) != 1 || mine[0].Room.RoomID != w.room || mine[0].Body != "Review the PR" {
		t.Errorf("my tasks = %+v", mine)
	}
	if r := w.run(t, "tasks", "mine", "--status", "done", "-o", "json").must(t, exitOK); strings.TrimSpace(r.out) != "[]" {
		t.Errorf("my done tasks: %q", r.out)
	}
	if r := w.run(t, "tasks", "mine", "--output", "table").must(t, exitOK); !strings.Contains(r.out, "Team") || !strings.Contains(r.out, "2030-01-31") {
		t.Errorf("my tasks as a table:\n%s", r.out)
	}
}

// TestFiles: files upload, list, get (with a download URL on request) and
// download, to stdout or to a file that a failure leaves absent.
func TestFiles(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	room := s64(w.room)
	content := "line 1\nline 2\n"
	path := writeFile(t, "report.txt", content)

	var up struct {
		FileID int64 `json:"file_id"`
	}
	w.run(t, "-o", "json", "files", "upload", room, path, "--message", "the report").must(t, exitOK).decode(t, &up)
	if got, ok := w.s.File(up.FileID); !ok || string(got.Content) != content {
		t.Fatalf("stored %q, want %q", got.Content, content)
	}
	if msgs := w.s.Messages(w.room); len(msgs) != 1 || !strings.Contains(msgs[0].Body, "the report") {
		t.Errorf("upload message: %+v", msgs)
	}
	fid := s64(up.FileID)

	var files []api.File
	w.run(t, "-o", "json", "files", "list", room, "--by", s64(w.me.AccountID)).must(t, exitOK).decode(t, &files)
	if len(files) != 1 || files[0].Filename != "report.txt" || files[0].Filesize != int64(len(content)) {
		t.Errorf("files = %+v", files)
	}
	if r := w.run(t, "files", "list", room, "--output", "table").must(t, exitOK); !strings.Contains(r.out, "FILENAME") || !strings.Contains(r.out, "report.txt") || !strings.Contains(r.out, "14 B") {
		t.Errorf("files as a table:\n%s", r.out)
	}

	r := w.run(t, "files", "get", room, fid).must(t, exitOK)
	if strings.Contains(r.out, "download_url") {
		t.Errorf("files get without --create_download_url printed a URL: %s", r.out)
	}
	var f api.File
	w.run(t, "-o", "json", "files", "get", room, fid, "--create_download_url", "1").must(t, exitOK).decode(t, &f)
	if f.DownloadURL == nil || *f.DownloadURL == "" {
		t.Errorf("no download URL: %+v", f)
	}

	if r := w.run(t, "files", "download", room, fid).must(t, exitOK); r.out != content {
		t.Errorf("download to stdout = %q, want %q", r.out, content)
	}
	out := filepath.Join(t.TempDir(), "copy.txt")
	w.run(t, "-o", "json", "files", "download", room, fid, "-O", out).must(t, exitOK).decode(t, &f)
	if b, err := os.ReadFile(out); err != nil || string(b) != content {
		t.Errorf("download -O wrote %q (%v)", b, err)
	}
	if f.FileID != up.FileID {
		t.Errorf("download -O printed %+v", f)
	}
	// A failed download leaves no file behind.
	missing := filepath.Join(t.TempDir(), "missing.txt")
	w.run(t, "files", "download", room, "99999", "-O", missing).must(t, exitAPI)
	if entries, _ := os.ReadDir(filepath.Dir(missing)); len(entries) != 0 {
		t.Errorf("a failed download left %v", entries)
	}
}

// TestLinks: links get, create, update and delete of a room's invitation
// link, {"public": false} when there is none.
func TestLinks(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	room := s64(w.room)

	if r := w.run(t, "links", "get", room, "-o", "json").must(t, exitOK); strings.Join(strings.Fields(r.out), "") != `{"public":false}` {
		t.Errorf("links get without a link: %s", r.out)
	}
	var l struct {
		Public         bool   `json:"public"`
		URL            string `json:"url"`
		NeedAcceptance *bool  `json:"need_acceptance"`
		Description    string `json:"description"`
	}
	w.run(t, "-o", "json", "links", "create", room, "--code", "team-link", "--need_acceptance", "0", "--description", "Join us").must(t, exitOK).decode(t, &l)
	if !l.Public || !strings.HasSuffix(l.URL, "/team-link") || l.NeedAcceptance == nil || *l.NeedAcceptance || l.Description != "Join us" {
		t.Errorf("links create = %+v", l)
	}
	w.run(t, "-o", "json", "links", "update", room, "--code", "team-link", "--need_acceptance", "1", "--description", "Ask first").must(t, exitOK).decode(t, &l)
	if l.NeedAcceptance == nil || !*l.NeedAcceptance || l.Description != "Ask first" {
		t.Errorf("links update = %+v", l)
	}
	if r := w.run(t, "links", "get", room, "--output", "table").must(t, exitOK); !strings.Contains(r.out, "url") || !strings.Contains(r.out, "team-link") {
		t.Errorf("link as a table:\n%s", r.out)
	}
	if r := w.run(t, "links", "delete", room, "--yes", "-o", "json").must(t, exitOK); !strings.Contains(r.out, `"public": false`) {
		t.Errorf("links delete printed %s", r.out)
	}
	if rm, _ := w.s.Room(w.room); rm.Link != nil {
		t.Errorf("the link survived: %+v", rm.Link)
	}
}

// TestRequests: requests list, accept (printing the new contact) and
// reject (printing nothing).
func TestRequests(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	carol := w.s.AddAccount(apitest.Account{Name: "Carol", ChatworkID: "carol"})
	dave := w.s.AddAccount(apitest.Account{Name: "Dave", ChatworkID: "dave"})
	rc := w.s.AddIncomingRequest(apitest.IncomingRequest{AccountID: carol.AccountID, ToAccountID: w.me.AccountID, Message: "Hi, it's Carol"}).RequestID
	rd := w.s.AddIncomingRequest(apitest.IncomingRequest{AccountID: dave.AccountID, ToAccountID: w.me.AccountID, Message: "Dave here"}).RequestID

	var reqs []api.IncomingRequest
	w.run(t, "-o", "json", "requests", "list").must(t, exitOK).decode(t, &reqs)
	if len(reqs) != 2 || reqs[0].RequestID != rc || reqs[0].Message != "Hi, it's Carol" {
		t.Errorf("requests = %+v", reqs)
	}
	if r := w.run(t, "requests", "list", "--output", "table").must(t, exitOK); !strings.HasPrefix(r.out, "REQUEST_ID") || !strings.Contains(r.out, "Dave here") {
		t.Errorf("requests as a table:\n%s", r.out)
	}

	var c api.Contact
	w.run(t, "-o", "json", "requests", "accept", s64(rc)).must(t, exitOK).decode(t, &c)
	if c.AccountID != carol.AccountID || c.RoomID == 0 {
		t.Errorf("accept = %+v", c)
	}
	if r := w.run(t, "requests", "reject", s64(rd), "--yes").must(t, exitOK); r.out != "" {
		t.Errorf("reject printed %q", r.out)
	}
	if r := w.run(t, "requests", "list", "-o", "json").must(t, exitOK); strings.TrimSpace(r.out) != "[]" {
		t.Errorf("requests left: %s", r.out)
	}
	var contacts []api.Contact
	w.run(t, "-o", "json", "contacts").must(t, exitOK).decode(t, &contacts)
	if len(contacts) != 2 {
		t.Errorf("contacts after accepting = %+v", contacts)
	}
	w.run(t, "requests", "accept", s64(rd)).must(t, exitAPI)
}
