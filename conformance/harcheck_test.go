package conformance_test

import (
	"errors"
	"testing"

	"github.com/chatwork-go/chatwork/conformance"
	"github.com/chatwork-go/chatwork/conformance/har"
)

// TestCheckHARFindsEachKindOfViolation checks the hand-made HAR file of
// testdata/har, one entry per kind of violation: each entry must give its
// violation, the clean entry none, and the other host must be skipped.
func TestCheckHARFindsEachKindOfViolation(t *testing.T) {
	t.Parallel()
	h, err := har.ReadFile("testdata/har/violations.har")
	if err != nil {
		t.Fatal(err)
	}
	rep := validator(t).CheckHAR(h, conformance.HARConfig{})
	if rep.Entries != 8 || rep.Checked != 7 || rep.SkippedCount() != 1 || rep.Skipped["www.example.com"] != 1 {
		t.Errorf("entries %d, checked %d, skipped %v; want 8, 7, one of www.example.com", rep.Entries, rep.Checked, rep.Skipped)
	}
	want := map[int]struct{ op, field string }{
		1: {"postMessage", "query.body"},
		2: {"createRoom", "body.members_admin_ids"},
		3: {"listMessages", "query.force"},
		4: {"getMessage", "body.message_id"},
		5: {"getMyStatus", "header.x-ratelimit-reset"},
		6: {"createRoom", "status"},
	}
	got := map[int]conformance.HARFinding{}
	for _, f := range rep.Findings {
		got[f.Entry] = f
	}
	if f, ok := got[0]; ok {
		t.Errorf("the clean entry 0 has findings: %v", f.Violations)
	}
	for i, w := range want {
		f, ok := got[i]
		if !ok {
			t.Errorf("entry %d: no violation; want %s on %s", i, w.op, w.field)
			continue
		}
		var err error
		for _, v := range f.Violations {
			err = errors.Join(err, v)
		}
		wantViolation(t, err, w.op, w.field)
	}
	if n := rep.ByOperation()["createRoom"]; n != 2 {
		t.Errorf("createRoom has %d violations; want 2 (entries 2 and 6)", n)
	}
}

// TestCheckHARHosts limits the check to the named hosts.
func TestCheckHARHosts(t *testing.T) {
	t.Parallel()
	h, err := har.ReadFile("testdata/har/violations.har")
	if err != nil {
		t.Fatal(err)
	}
	rep := validator(t).CheckHAR(h, conformance.HARConfig{Hosts: []string{"chatwork.example"}})
	if rep.Checked != 0 || rep.Skipped["api.chatwork.com"] != 7 {
		t.Errorf("checked %d, skipped %v; want 0, api.chatwork.com 7", rep.Checked, rep.Skipped)
	}
}
