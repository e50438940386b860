package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chatwork-go/chatwork/api"
	"github.com/chatwork-go/chatwork/api/apitest"
	"github.com/chatwork-go/chatwork/conformance"
)

// result is what one run of the command produced.
type result struct {
	code        int
	out, errout string
}

// cli is the one way the tests run the command: in-process, through run's
// app, with an environment, stdin and, for a few tests, client options, a
// context or server limits. The zero value runs it with an empty
// environment and an empty stdin. (The shell completion tests run the test
// binary itself as chatwork: see TestMain.)
type cli struct {
	env     map[string]string // the whole environment
	stdin   string
	ctx     context.Context // default: the test's context
	apiOpts []api.Option    // added to the client's options
	limits  *serverLimits   // replace webhook listen's defaults
	tty     bool            // stdin and stdout are a terminal
	width   int             // the terminal's width, with tty
}

// noRetry is a client option for tests of failures that would otherwise
// take seconds of backoff: no retry of network errors and 5xx answers.
var noRetry = api.WithRetries(0, time.Millisecond, time.Millisecond)

// app builds the app of one run writing to stdout and stderr.
func (c cli) app(t *testing.T, stdout, stderr io.Writer) *app {
	ctx := c.ctx
	if ctx == nil {
		ctx = t.Context()
	}
	return &app{
		ctx: ctx, env: func(k string) string { return c.env[k] },
		stdin: strings.NewReader(c.stdin), stdout: stdout, stderr: stderr,
		apiOpts: c.apiOpts, webhookLimits: c.limits,
		stdinTTY: c.tty, stdoutTTY: c.tty, width: c.width,
	}
}

// run runs the command with args and returns what it did.
func (c cli) run(t *testing.T, args ...string) result {
	t.Helper()
	var out, errout bytes.Buffer
	code := c.app(t, &out, &errout).main(args)
	return result{code: code, out: out.String(), errout: errout.String()}
}

// must fails the test unless the run ended with code.
func (r result) must(t *testing.T, code int) result {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, code, r.out, r.errout)
	}
	return r
}

// decode decodes the JSON output of a run into v.
func (r result) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(r.out), v); err != nil {
		t.Fatalf("stdout is not the expected JSON: %v\n%s", err, r.out)
	}
}

// fakeEnv points the command at s with the default account's token, and
// makes rate limits fail at once.
func fakeEnv(s *apitest.Server) map[string]string {
	return map[string]string{envToken: s.Token(), envBaseURL: s.URL(), envMaxWait: "0"}
}

// with returns a copy of env with more variables.
func with(env map[string]string, kv ...string) map[string]string {
	out := map[string]string{}
	for k, v := range env {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

func s64(n int64) string { return strconv.FormatInt(n, 10) }

// syncBuffer is a bytes.Buffer safe for a command writing while the test
// reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// background is the command running in another goroutine, as a user runs
// a server command, until the test stops it.
type background struct {
	out, errout syncBuffer
	done        chan int // the exit code, once it has returned
	cancel      context.CancelFunc
}

// start runs the command with args in the background; the end of the test
// interrupts it if stop has not.
func (c cli) start(t *testing.T, args ...string) *background {
	t.Helper()
	if c.ctx == nil {
		c.ctx = t.Context()
	}
	ctx, cancel := context.WithCancel(c.ctx)
	t.Cleanup(cancel)
	c.ctx = ctx
	b := &background{done: make(chan int, 1), cancel: cancel}
	a := c.app(t, &b.out, &b.errout)
	go func() { b.done <- a.main(args) }()
	return b
}

// stop interrupts the command, as Ctrl-C does, and asserts that it exits
// with exitOK.
func (b *background) stop(t *testing.T, what string) {
	t.Helper()
	b.cancel()
	select {
	case code := <-b.done:
		if code != exitOK {
			t.Errorf("%s: exit code %d after interruption: %s", what, code, b.errout.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("%s did not stop", what)
	}
}

// waitFor polls f until it returns true or the deadline passes.
func waitFor(t *testing.T, what string, f func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !f() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestEveryOperationHasACommand compares the command tree with the
// operations of openapi.yaml: one command per operation, none missing,
// none invented.
func TestEveryOperationHasACommand(t *testing.T) {
	t.Parallel()
	v, err := conformance.New()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for _, op := range v.Operations() {
		want[op.Method+" "+op.Path] = true
	}
	if len(want) != 32 {
		t.Fatalf("the spec has %d operations, want 32", len(want))
	}
	got := map[string]bool{}
	for _, g := range commandTree() {
		if g.tool {
			continue
		}
		for _, c := range g.cmds {
			if c.endpoint == "" {
				continue // a tool within a resource's group, such as messages watch
			}
			if !want[c.endpoint] {
				t.Errorf("command %q names %q, which is not an operation of the spec", c.path(), c.endpoint)
			}
			got[c.endpoint] = true
		}
	}
	var missing []string
	for op := range want {
		if !got[op] {
			missing = append(missing, op)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("operations without a command: %v", missing)
	}
}

// TestHelp: help at every level (chatwork help, COMMAND help, -h) prints
// the same text on stdout with exit 0, names the commands, flags and exit
// codes, and renders for every command without a token.
func TestHelp(t *testing.T) {
	t.Parallel()
	r := cli{}.run(t, "help").must(t, exitOK)
	for _, want := range []string{"Exit codes:", "4  rate limited", "CHATWORK_API_TOKEN", "--token-file", "messages list", "requests reject", "webhook listen", "demo"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("chatwork help lacks %q", want)
		}
	}
	if h := (cli{}).run(t, "-h").must(t, exitOK); h.out != r.out {
		t.Error("chatwork -h differs from chatwork help")
	}
	if r := (cli{}).run(t).must(t, exitUsage); !strings.Contains(r.errout, "Usage:") {
		t.Errorf("no arguments: want the usage on stderr, got %q", r.errout)
	}

	g := cli{}.run(t, "rooms", "help").must(t, exitOK)
	if !strings.Contains(g.out, "chatwork rooms create --name NAME") || !strings.Contains(g.out, "DELETE") {
		t.Errorf("rooms help:\n%s", g.out)
	}
	if g2 := (cli{}).run(t, "help", "rooms").must(t, exitOK); g2.out != g.out {
		t.Error("chatwork help rooms differs from chatwork rooms help")
	}
	if r := (cli{}).run(t, "rooms").must(t, exitUsage); !strings.Contains(r.errout, "Commands:") {
		t.Errorf("a group without a command: want its help on stderr, got %q", r.errout)
	}
	cli{}.run(t, "rooms", "bogus").must(t, exitUsage)
	cli{}.run(t, "bogus").must(t, exitUsage)

	c := cli{}.run(t, "tasks", "create", "-h").must(t, exitOK)
	for _, want := range []string{"Usage: chatwork tasks create ROOM_ID", "POST /rooms/{room_id}/tasks", "--to ACCOUNTS", "--due DATE|RFC3339|UNIX", "Global flags", "Examples:"} {
		if !strings.Contains(c.out, want) {
			t.Errorf("tasks create -h lacks %q:\n%s", want, c.out)
		}
	}
	if c2 := (cli{}).run(t, "help", "tasks", "create").must(t, exitOK); c2.out != c.out {
		t.Error("chatwork help tasks create differs from -h")
	}
	if r := (cli{}).run(t, "me", "help").must(t, exitOK); !strings.Contains(r.out, "GET /me") {
		t.Errorf("me help: %q", r.out)
	}

	// Every command's help renders, without a token.
	for _, g := range commandTree() {
		for _, c := range g.cmds {
			args := append(strings.Fields(c.path()), "-h")
			if r := (cli{}).run(t, args...); r.code != exitOK || !strings.HasPrefix(r.out, "Usage: chatwork "+c.path()) {
				t.Errorf("%v: code %d, output %q", args, r.code, r.out)
			}
		}
	}
}

// TestVersion: chatwork version prints the version.
func TestVersion(t *testing.T) {
	t.Parallel()
	if r := (cli{}).run(t, "version").must(t, exitOK); !strings.HasPrefix(r.out, "chatwork ") {
		t.Errorf("version: %q", r.out)
	}
}

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

// TestTokenNeverPrinted runs successes and failures of every kind with a
// recognisable token and looks for it in everything printed.
func TestTokenNeverPrinted(t *testing.T) {
	t.Parallel()
	const canary = "CANARY7f3a9c2b5e1d4f60"
	s := apitest.NewServer(t, apitest.WithDefaultAccount(apitest.Account{Name: "Canary", Token: canary}))
	if s.Token() != canary {
		t.Fatalf("the fake did not take the canary token")
	}
	env := fakeEnv(s)
	room := s64(s.Me().RoomID)
	tokenFile := writeFile(t, "token", canary+"\n")
	badFile := writeFile(t, "bad", canary+"\nsecond line\n")
	s.InjectFault(apitest.Fault{OperationID: "getRoom", Status: 500, Times: 100})

	runs := [][]string{
		{"me"},
		{"--verbose", "rooms", "list", "--output", "table"},
		{"--verbose", "rooms", "get", room},                        // 500
		{"--verbose", "rooms", "get", "999999"},                    // 500 too
		{"messages", "post", room, "--body", ""},                   // invalid input
		{"send", room, "hello", "--to", s64(s.Me().AccountID)},     // success
		{"send", room, "x", "--reply", "123"},                      // 404
		{"--token-file", tokenFile, "--verbose", "status"},         // token file
		{"--token-file", badFile, "status"},                        // bad token file
		{"--base-url", "http://127.0.0.1:1/v2", "--verbose", "me"}, // network error
	}
	for _, args := range runs {
		r := cli{env: env, apiOpts: []api.Option{noRetry}}.run(t, args...)
		if strings.Contains(r.out, canary) || strings.Contains(r.errout, canary) {
			t.Errorf("%v printed the token:\nstdout: %s\nstderr: %s", args, r.out, r.errout)
		}
	}
	// A token the API refuses, and one the client refuses.
	for _, tok := range []string{canary + "x", canary + "\x01"} {
		r := cli{env: with(env, envToken, tok), apiOpts: []api.Option{noRetry}}.run(t, "--verbose", "me")
		if r.code == exitOK {
			t.Errorf("token %q accepted", tok)
		}
		if strings.Contains(r.out+r.errout, canary) {
			t.Errorf("a refused token was printed: %s", r.errout)
		}
	}
}
