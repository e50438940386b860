package main

import (
	"strings"
	"testing"

	"github.com/chatwork-go/chatwork/api/apitest"
)

// TestToByName: --to @name finds an account among your contacts and the
// room's members, by chatwork ID, whole name or the start of a word of
// it; a name that matches several people, or none, is refused before
// anything is posted, with who matched.
func TestToByName(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	tanaka := w.s.AddAccount(apitest.Account{Name: "Anna Tanaka", ChatworkID: "anna.t"})
	suzuki := w.s.AddAccount(apitest.Account{Name: "Anna Suzuki", ChatworkID: "anna.s"})
	room := w.s.AddRoom(apitest.Room{Name: "Annas", AdminIDs: []int64{w.me.AccountID}, MemberIDs: []int64{tanaka.AccountID, suzuki.AccountID, w.bob.AccountID}}).RoomID
	last := func() string {
		msgs := w.s.Messages(room)
		return msgs[len(msgs)-1].Body
	}

	for typed, want := range map[string]int64{"@bob": w.bob.AccountID, "@Bob Suzuki": w.bob.AccountID, "@tanaka": tanaka.AccountID, "@anna.s": suzuki.AccountID} {
		w.run(t, "send", s64(room), "hi", "--to", typed).must(t, exitOK)
		if got := last(); !strings.HasPrefix(got, "[To:"+s64(want)+"]") {
			t.Errorf("--to %s: posted %q, want [To:%d]", typed, got, want)
		}
	}
	w.run(t, "tasks", "create", s64(room), "--body", "both", "--to", "@tanaka,"+s64(suzuki.AccountID)).must(t, exitOK)
	if n := len(w.s.Tasks(room)); n != 2 {
		t.Errorf("%d tasks for @tanaka and an ID, want 2", n)
	}

	// Filters take a name too.
	var tasks []struct {
		Account struct {
			AccountID int64 `json:"account_id"`
		} `json:"account"`
	}
	w.run(t, "tasks", "list", s64(room), "--to", "@tanaka", "-o", "json").must(t, exitOK).decode(t, &tasks)
	if len(tasks) != 1 || tasks[0].Account.AccountID != tanaka.AccountID {
		t.Errorf("tasks list --to @tanaka: %+v", tasks)
	}
	w.run(t, "tasks", "list", s64(room), "--by", "@bob,@tanaka").must(t, exitUsage)

	before := len(w.s.Messages(room))
	r := w.run(t, "send", s64(room), "hi", "--to", "@anna").must(t, exitUsage)
	if !strings.Contains(r.errout, `--to @anna: ambiguous: 2 people match (Anna Tanaka (account `+s64(tanaka.AccountID)+", @anna.t), Anna Suzuki (account "+s64(suzuki.AccountID)+", @anna.s))") {
		t.Errorf("ambiguous: %q", r.errout)
	}
	r = w.run(t, "send", s64(room), "hi", "--to", "@zoe").must(t, exitUsage)
	if !strings.Contains(r.errout, `--to @zoe: no one is called "zoe" among your contacts and the members of room `+s64(room)) {
		t.Errorf("no match: %q", r.errout)
	}
	if n := len(w.s.Messages(room)); n != before {
		t.Errorf("%d messages posted by refused commands", n-before)
	}
}
