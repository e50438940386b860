package main

import (
	"bufio"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// proc is the command running as a real process: this test binary, run
// as main (see TestMain), so that tests can kill it with SIGKILL.
type proc struct {
	t      testing.TB
	name   string
	cmd    *exec.Cmd
	errout syncBuffer

	mu     sync.Mutex
	lines  []string      // stdout so far, line by line
	eof    chan struct{} // closed when stdout is closed
	more   chan struct{} // signalled on each new line
	exited chan struct{} // closed when the process has ended
	err    error         // what Wait returned, once exited
}

// startProc starts the command with args; env is added to the test's
// environment. The end of the test kills it if nothing did before.
func startProc(t testing.TB, name string, env []string, args ...string) *proc {
	t.Helper()
	return startProcWith(t, name, env, nil, args...)
}

// startGroup is startProc for a process that leads a process group of its
// own, so that killGroup kills it with its children, as a container's end
// would.
func startGroup(t testing.TB, name string, env []string, args ...string) *proc {
	t.Helper()
	return startProcWith(t, name, env, &syscall.SysProcAttr{Setpgid: true}, args...)
}

func startProcWith(t testing.TB, name string, env []string, attr *syscall.SysProcAttr, args ...string) *proc {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	p := &proc{t: t, name: name, eof: make(chan struct{}), more: make(chan struct{}, 1), exited: make(chan struct{})}
	p.cmd = exec.Command(exe, args...)
	p.cmd.Env = append(append(os.Environ(), envAsMain+"=1"), env...)
	p.cmd.Stderr = &p.errout
	p.cmd.SysProcAttr = attr
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(p.eof)
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 64<<10), 4<<20)
		for sc.Scan() {
			p.mu.Lock()
			p.lines = append(p.lines, sc.Text())
			p.mu.Unlock()
			select {
			case p.more <- struct{}{}:
			default:
			}
		}
	}()
	go func() {
		<-p.eof // Wait closes the pipe: read it all first
		p.err = p.cmd.Wait()
		close(p.exited)
	}()
	if attr != nil && attr.Setpgid {
		t.Cleanup(p.killGroup)
	} else {
		t.Cleanup(p.kill)
	}
	return p
}

// kill sends SIGKILL, as kill -9 does, and waits for the process to end
// and its output to be read.
func (p *proc) kill() { p.signal(syscall.SIGKILL) }

// stop sends SIGTERM, as an operator's stop does, and waits for the
// process to end.
func (p *proc) stop() { p.signal(syscall.SIGTERM) }

// killGroup kills the process and its children (see startGroup).
func (p *proc) killGroup() {
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	<-p.exited
}

// pid returns the process's ID.
func (p *proc) pid() int { return p.cmd.Process.Pid }

// waitStderr waits until the process's stderr matches re and returns the
// submatches; the timeout only bounds a hang.
func (p *proc) waitStderr(re *regexp.Regexp, timeout time.Duration) []string {
	p.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if m := re.FindStringSubmatch(p.errout.String()); m != nil {
			return m
		}
		select {
		case <-p.exited:
			p.t.Fatalf("%s ended before its stderr matched %s:\n%s", p.name, re, p.errout.String())
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("%s: stderr did not match %s within %v:\n%s", p.name, re, timeout, p.errout.String())
		}
	}
}

func (p *proc) signal(sig syscall.Signal) {
	_ = p.cmd.Process.Signal(sig) // fails if it has ended already
	<-p.exited
}

// output returns the lines of stdout so far.
func (p *proc) output() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.lines...)
}

// waitLine waits until a line of stdout matches re and returns its
// submatches. It fails the test if the process ends first or after
// timeout, which only bounds a hang.
func (p *proc) waitLine(re *regexp.Regexp, timeout time.Duration) []string {
	p.t.Helper()
	deadline := time.After(timeout)
	for seen := 0; ; {
		lines := p.output()
		for _, l := range lines[seen:] {
			if m := re.FindStringSubmatch(l); m != nil {
				return m
			}
		}
		seen = len(lines)
		select {
		case <-p.more:
		case <-p.exited:
			if len(p.output()) == seen {
				p.t.Fatalf("%s ended before printing a line matching %s; stderr:\n%s", p.name, re, p.errout.String())
			}
		case <-deadline:
			p.t.Fatalf("%s printed no line matching %s within %v; stdout:\n%s\nstderr:\n%s", p.name, re, timeout,
				strings.Join(lines, "\n"), p.errout.String())
		}
	}
}

// fakeProc is `chatwork fake` running as a process.
type fakeProc struct {
	*proc
	baseURL, token string // yours
	aliceToken     string
	aliceID        int64
	meID           int64
	room           int64 // Sandbox, with both of you
	webhookToken   string
}

var (
	fakeBaseRe    = regexp.MustCompile(`export CHATWORK_BASE_URL=(\S+)`)
	fakeTokenRe   = regexp.MustCompile(`export CHATWORK_API_TOKEN=(\S+)`)
	fakeAliceRe   = regexp.MustCompile(`contact .*\(account_id (\d+)\).*her token: (\S+)`)
	fakeMeRe      = regexp.MustCompile(`you .*\(account_id (\d+)\)`)
	fakeRoomRe    = regexp.MustCompile(`room .*\(room_id (\d+)\)`)
	fakeWebhookRe = regexp.MustCompile(`webhook .*token: (\S+)`)
)

// startFakeProc starts `chatwork fake` with args and reads what it
// prints.
func startFakeProc(t testing.TB, args ...string) *fakeProc {
	t.Helper()
	p := startProc(t, "chatwork fake", nil, append([]string{"fake", "--addr", "127.0.0.1:0"}, args...)...)
	f := &fakeProc{proc: p}
	p.waitLine(regexp.MustCompile(`^Serving until`), time.Minute)
	all := strings.Join(p.output(), "\n")
	find := func(re *regexp.Regexp, i int) string {
		m := re.FindStringSubmatch(all)
		if m == nil {
			if re == fakeWebhookRe {
				return ""
			}
			t.Fatalf("chatwork fake printed no line matching %s:\n%s", re, all)
		}
		return m[i]
	}
	f.baseURL, f.token = find(fakeBaseRe, 1), find(fakeTokenRe, 1)
	f.aliceID, f.aliceToken = atoi64(t, find(fakeAliceRe, 1)), find(fakeAliceRe, 2)
	f.meID, f.room = atoi64(t, find(fakeMeRe, 1)), atoi64(t, find(fakeRoomRe, 1))
	f.webhookToken = find(fakeWebhookRe, 1)
	return f
}

// env returns the environment that points the command at the fake, with
// your token.
func (f *fakeProc) env() []string {
	return []string{envBaseURL + "=" + f.baseURL, envToken + "=" + f.token}
}

func atoi64(t testing.TB, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
