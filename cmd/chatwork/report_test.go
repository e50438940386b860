package main

import (
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chatwork-go/chatwork/api"
	"github.com/chatwork-go/chatwork/api/apitest"
)

// TestUsageErrors: each mistake of the command line exits 2 with a message
// that names it, prints nothing on stdout and sends no request.
func TestUsageErrors(t *testing.T) {
	t.Parallel()
	s := apitest.NewServer(t)
	env := fakeEnv(s)
	for _, tc := range []struct {
		name string
		args []string
		want string // in stderr
	}{
		{"unknown flag", []string{"rooms", "list", "--bogus"}, "unknown flag --bogus"},
		{"missing argument", []string{"rooms", "get"}, "missing arguments: want ROOM_ID"},
		{"extra argument", []string{"me", "extra"}, `unexpected argument "extra"`},
		{"too many", []string{"rooms", "get", "1", "2"}, "too many arguments"},
		{"bad ID", []string{"rooms", "get", "abc"}, `ROOM_ID must be a positive number, not "abc"`},
		{"bad ID list", []string{"rooms", "create", "--name", "x", "--members_admin_ids", "1,x"}, `"x" is not an account ID`},
		{"bad 0/1", []string{"messages", "post", "1", "--self-unread=yes", "--body", "x"}, `invalid value "yes" for --self-unread: want 0 or 1`},
		{"bad output", []string{"--output", "xml", "me"}, "--output must be one of table, tsv, json, yaml"},
		{"bad enum", []string{"tasks", "list", "1", "--status", "closed"}, "--status must be one of open, done"},
		{"bad icon", []string{"rooms", "update", "1", "--icon_preset", "rocket"}, "--icon-preset must be one of"},
		{"bad deadline", []string{"tasks", "create", "1", "--body", "x", "--to", "1", "--due", "tomorrow"}, "is not a date (2030-01-31), an RFC 3339 time"},
		{"missing action", []string{"rooms", "delete", "1"}, "--action-type leave|delete is required"},
		{"delete without --yes in a script", []string{"rooms", "delete", "1", "--action-type", "delete"}, "rooms delete: this cannot be undone; stdin is not a terminal to confirm on, so pass --yes"},
		// Input the api package refuses before sending: *api.InputError.
		{"empty body", []string{"messages", "post", "1", "--body", ""}, "invalid input, nothing was sent: body is empty"},
		{"no admin", []string{"members", "replace", "1", "--yes"}, "members_admin_ids"},
		{"bad message ID", []string{"messages", "get", "1", "12ab"}, "message_id"},
		{"bad link code", []string{"links", "create", "1", "--code", "no spaces"}, "code"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(s.Requests())
			r := cli{env: env}.run(t, tc.args...).must(t, exitUsage)
			if !strings.Contains(r.errout, tc.want) {
				t.Errorf("stderr %q lacks %q", r.errout, tc.want)
			}
			if r.out != "" {
				t.Errorf("stdout %q, want nothing", r.out)
			}
			if n := len(s.Requests()) - before; n != 0 {
				t.Errorf("%d request(s) sent, want none", n)
			}
		})
	}

	// No token at all.
	r := cli{env: map[string]string{envBaseURL: s.URL()}}.run(t, "me").must(t, exitUsage)
	if !strings.Contains(r.errout, "no API token") {
		t.Errorf("stderr %q", r.errout)
	}
	// A bad base URL.
	cli{env: env}.run(t, "--base-url", "not a url", "me").must(t, exitUsage)
}

// TestAPIErrorExitCode: an error status exits 3, with the status, the
// request and the API's own messages on stderr.
func TestAPIErrorExitCode(t *testing.T) {
	t.Parallel()
	s := apitest.NewServer(t)
	env := fakeEnv(s)

	r := cli{env: env}.run(t, "rooms", "get", "999").must(t, exitAPI)
	if !strings.Contains(r.errout, "API error: 404 Not Found (GET /v2/rooms/999)") {
		t.Errorf("stderr %q lacks the status and request", r.errout)
	}
	if r.out != "" {
		t.Errorf("stdout %q, want nothing", r.out)
	}

	// The API's own error strings are printed.
	s.InjectFault(apitest.Fault{OperationID: "getMe", Status: 503, Message: "Down for maintenance", Times: 10})
	r = cli{env: env, apiOpts: []api.Option{noRetry}}.run(t, "me").must(t, exitAPI)
	if !strings.Contains(r.errout, "503") || !strings.Contains(r.errout, "Down for maintenance") {
		t.Errorf("stderr %q lacks the status or the API's message", r.errout)
	}

	// A token the API does not know.
	r = cli{env: with(env, envToken, "wrong-token")}.run(t, "rooms", "list").must(t, exitAPI)
	if !strings.Contains(r.errout, "401") {
		t.Errorf("stderr %q lacks 401", r.errout)
	}
}

// TestRateLimitExitCode: a 429 that does not clear within --max-wait exits
// 4 and says which limit, the account's or the room's posting limit.
func TestRateLimitExitCode(t *testing.T) {
	t.Parallel()
	s := apitest.NewServer(t)
	env := fakeEnv(s)
	s.SpendRateLimit(s.Me().AccountID, 300)
	r := cli{env: env}.run(t, "rooms", "list").must(t, exitRateLimited)
	if !strings.Contains(r.errout, "rate limited") || !strings.Contains(r.errout, "account's rate limit") {
		t.Errorf("stderr %q", r.errout)
	}

	// The per-room posting limit, said as such.
	s2 := apitest.NewServer(t, apitest.WithRoomPostLimit(1, time.Minute))
	env2 := fakeEnv(s2)
	room := s2.Me().RoomID
	cli{env: env2}.run(t, "messages", "post", s64(room), "--body", "one").must(t, exitOK)
	r = cli{env: env2}.run(t, "messages", "post", s64(room), "--body", "two").must(t, exitRateLimited)
	if !strings.Contains(r.errout, "posting limit") {
		t.Errorf("stderr %q does not name the per-room limit", r.errout)
	}
	if n := len(s2.Messages(room)); n != 1 {
		t.Errorf("%d messages stored, want 1", n)
	}
}

// TestOtherErrorExitCode: failures that are not API answers (a dropped
// connection, a missing file, nothing listening) exit 1, a network failure
// in one line that names the host and the cause.
func TestOtherErrorExitCode(t *testing.T) {
	t.Parallel()
	s := apitest.NewServer(t)
	env := fakeEnv(s)
	// The server stores the post but the answer never arrives: not an API
	// answer, so exit 1 (and no retry of a post).
	s.InjectFault(apitest.Fault{OperationID: "postMessage", DropAfterProcessing: true, Times: 1})
	r := cli{env: env}.run(t, "messages", "post", s64(s.Me().RoomID), "--body", "hi").must(t, exitError)
	if !strings.HasPrefix(r.errout, "chatwork: ") {
		t.Errorf("stderr %q", r.errout)
	}
	// A file that does not exist.
	cli{env: env}.run(t, "files", "upload", s64(s.Me().RoomID), filepath.Join(t.TempDir(), "missing.txt")).must(t, exitError)
	// Nothing listens.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String() + "/v2"
	ln.Close()
	r = cli{env: env, apiOpts: []api.Option{noRetry}}.run(t, "--base-url", dead, "me").must(t, exitError)
	if want := "chatwork: cannot reach " + ln.Addr().String() + ": connection refused\n"; r.errout != want {
		t.Errorf("nothing listens: stderr %q, want %q", r.errout, want)
	}
	// Retries are logged with --verbose only.
	if r := (cli{env: env}).run(t, "--base-url", dead, "me"); strings.Contains(r.errout, "level=") {
		t.Errorf("retries logged without --verbose: %q", r.errout)
	}
}
