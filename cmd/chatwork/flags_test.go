package main

import (
	"strings"
	"testing"
	"time"
)

// TestDateDeadline checks what the API receives for --limit 2030-01-31:
// the end of that day in Japan Standard Time, as a date deadline, on a
// machine in any time zone.
func TestDateDeadline(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.run(t, "tasks", "create", s64(w.room), "--body", "by the end of January", "--to-ids", s64(w.bob.AccountID), "--limit", "2030-01-31").must(t, exitOK)
	var form map[string][]string
	for _, r := range w.s.Requests() {
		if r.OperationID == "createRoomTasks" {
			form = r.Form
		}
	}
	want := time.Date(2030, 1, 31, 23, 59, 59, 0, time.FixedZone("JST", 9*3600)).Unix()
	if got := form["limit"]; len(got) != 1 || got[0] != s64(want) {
		t.Errorf("limit = %v, want %d (2030-01-31T23:59:59+09:00)", got, want)
	}
	if got := form["limit_type"]; len(got) != 1 || got[0] != "date" {
		t.Errorf("limit_type = %v, want date", got)
	}
	tasks := w.s.Tasks(w.room)
	if len(tasks) != 1 {
		t.Fatalf("%d tasks", len(tasks))
	}
	// The table shows the day, read in the same zone.
	r := w.run(t, "tasks", "list", s64(w.room), "-o", "table").must(t, exitOK)
	if !strings.Contains(r.out, "2030-01-31 ") {
		t.Errorf("the table does not show the day:\n%s", r.out)
	}
}
