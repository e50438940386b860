package main

import (
	"strings"
	"testing"

	"github.com/chatwork-go/chatwork/api/apitest"
)

// TestGlobalFlagsAnywhere: global flags work before the command, after it
// and among its arguments, and win over the environment.
func TestGlobalFlagsAnywhere(t *testing.T) {
	t.Parallel()
	s := apitest.NewServer(t)
	// The environment points nowhere: the flags must win.
	env := map[string]string{envBaseURL: "http://127.0.0.1:1/v2", envMaxWait: "0"}
	tokenFile := writeFile(t, "token", s.Token()+"\n")

	before := cli{env: env}.run(t, "--token-file", tokenFile, "--base-url", s.URL(), "--output", "table", "me").must(t, exitOK)
	after := cli{env: env}.run(t, "me", "--output", "table", "--base-url", s.URL(), "--token-file", tokenFile).must(t, exitOK)
	if before.out != after.out {
		t.Errorf("flags before and after the command differ:\n%s\n---\n%s", before.out, after.out)
	}
	if !strings.Contains(before.out, "account_id") || !strings.Contains(before.out, s64(s.Me().AccountID)) {
		t.Errorf("table output of me:\n%s", before.out)
	}
	// Flags among the positional arguments.
	r := cli{env: env}.run(t, "messages", "post", "--token-file", tokenFile, s64(s.Me().RoomID), "--base-url", s.URL(), "--body", "between", "--json").must(t, exitOK)
	var res struct {
		MessageID string `json:"message_id"`
	}
	r.decode(t, &res)
	if msgs := s.Messages(s.Me().RoomID); len(msgs) != 1 || msgs[0].Body != "between" || msgs[0].MessageID != res.MessageID {
		t.Errorf("messages %+v, printed %q", msgs, res.MessageID)
	}
	// An empty token file.
	cli{env: env}.run(t, "--token-file", writeFile(t, "empty", "\n"), "--base-url", s.URL(), "me").must(t, exitUsage)
}

// TestVersion: chatwork version prints the version.
func TestVersion(t *testing.T) {
	t.Parallel()
	if r := (cli{}).run(t, "version").must(t, exitOK); !strings.HasPrefix(r.out, "chatwork ") {
		t.Errorf("version: %q", r.out)
	}
}
