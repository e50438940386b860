package main

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestDemo runs the demo and finds each of its steps and results in the
// output, nothing on stderr.
func TestDemo(t *testing.T) {
	t.Parallel()
	start := time.Now()
	r := cli{}.run(t, "demo").must(t, exitOK)
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("the demo took %s", d)
	}
	for _, want := range []string{
		"A fake Chatwork is running in this process at http://127.0.0.1:",
		" 1. Who am I?",
		"Yuki Sato (account_id",
		" 3. Create a group chat with Alice",
		"[To:1000002] Alice Tanaka",
		"[info][title]Release 1.2[/title]",
		"[rp aid=1000001 to=",
		`is now "done"`,
		"identical to the upload ✓",
		"unread 1 in 1 room(s), mentions 1",
		"ListNew (force=0): 4 message(s)",
		"ListNew again: 0 message(s)",
		"ListLatest (force=1): still 4 message(s)",
		"the room has 0 unread message(s), 0 mention(s)",
		"requests left in this window",
		"export CHATWORK_API_TOKEN=",
	} {
		if !strings.Contains(r.out, want) {
			t.Errorf("the demo's output lacks %q", want)
		}
	}
	for n := 1; n <= 11; n++ {
		if !regexp.MustCompile(`(?m)^ ?` + s64(int64(n)) + `\. `).MatchString(r.out) {
			t.Errorf("step %d is missing", n)
		}
	}
	if r.errout != "" {
		t.Errorf("stderr: %s", r.errout)
	}
	if t.Failed() {
		t.Logf("output:\n%s", r.out)
	}
}
