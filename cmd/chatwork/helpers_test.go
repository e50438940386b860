package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chatwork-go/chatwork/api"
	"github.com/chatwork-go/chatwork/api/apitest"
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

// world is a fake with the default account, a contact (Bob) and a group
// chat with both.
type world struct {
	s    *apitest.Server
	env  map[string]string
	me   apitest.Account
	bob  apitest.Account
	room int64
}

func newWorld(t *testing.T, opts ...apitest.Option) *world {
	t.Helper()
	s := apitest.NewServer(t, opts...)
	w := &world{s: s, env: fakeEnv(s), me: s.Me()}
	w.bob = s.AddAccount(apitest.Account{Name: "Bob Suzuki", ChatworkID: "bob"})
	s.AddContact(apitest.Contact{AccountID: w.me.AccountID, OtherAccountID: w.bob.AccountID})
	w.room = s.AddRoom(apitest.Room{Name: "Team", AdminIDs: []int64{w.me.AccountID}, MemberIDs: []int64{w.bob.AccountID}}).RoomID
	return w
}

func (w *world) run(t *testing.T, args ...string) result {
	t.Helper()
	return cli{env: w.env}.run(t, args...)
}

// asBob runs the command with Bob's token.
func (w *world) asBob(t *testing.T, args ...string) result {
	t.Helper()
	return cli{env: with(w.env, envToken, w.bob.Token)}.run(t, args...)
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
