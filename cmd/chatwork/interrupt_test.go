//go:build unix

package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// stopBound only bounds a hang: a command that has not stopped this long
// after it was interrupted never will.
const stopBound = 30 * time.Second

// mkfifo makes a FIFO in a new directory, with the mode of a private file.
func mkfifo(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// openWriter opens the FIFO for writing once a reader has it open (or is
// blocked opening it), without blocking: until then, it fails with ENXIO.
// The reader's open returns, and its read then waits for data.
func openWriter(t *testing.T, fifo string) *os.File {
	t.Helper()
	var w *os.File
	waitFor(t, "a reader of "+fifo, func() bool {
		f, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0)
		if errors.Is(err, syscall.ENXIO) {
			return false
		}
		if err != nil {
			t.Fatal(err)
		}
		w = f
		return true
	})
	return w
}

// waitForBlocked waits until a goroutine of this process is in all of
// frames, such as a read of the command blocked in os.Open. The tests that
// use it are not parallel, and leave no such goroutine behind
// (waitForReadsEnded): no other test's goroutines are about.
func waitForBlocked(t *testing.T, frames ...string) {
	t.Helper()
	waitFor(t, "a goroutine in "+strings.Join(frames, " and "), func() bool { return goroutineIn(frames...) })
}

// waitForReadsEnded waits until no read started by readInterruptibly is
// left.
func waitForReadsEnded(t *testing.T) {
	t.Helper()
	waitFor(t, "the abandoned read to end", func() bool { return !goroutineIn("chatwork.readInterruptibly.func") })
}

// goroutineIn reports whether a goroutine's stack holds all of frames.
func goroutineIn(frames ...string) bool {
	buf := make([]byte, 1<<20)
	stacks := string(buf[:runtime.Stack(buf, true)])
goroutines:
	for _, g := range strings.Split(stacks, "\n\n") {
		for _, f := range frames {
			if !strings.Contains(g, f) {
				continue goroutines
			}
		}
		return true
	}
	return false
}

// TestReadsAreInterruptible runs commands whose input never comes: a FIFO
// that nothing opens for writing, one whose writer writes nothing, stdin
// left open. Each waits until the command's read is blocked, then cancels
// the command's context, as Ctrl-C and SIGTERM do (main): the command
// must stop at once, exit 1 and say what it was waiting for. Not parallel:
// waitForBlocked reads every goroutine's stack.
func TestReadsAreInterruptible(t *testing.T) {
	env := map[string]string{envToken: "tok-" + strings.Repeat("0", 30), envBaseURL: "http://127.0.0.1:1",
		envWebhookToken: webhookToken, envXDGConfigHome: t.TempDir()}
	w := newWorld(t) // for the commands that ask before they act
	room := s64(w.room)
	for _, tc := range []struct {
		name   string
		args   func(fifo string) []string
		env    map[string]string // default: env
		writer bool              // open the FIFO for writing, and write nothing
		stdin  bool              // stdin is a pipe left open
		tty    bool              // ... and taken for a terminal
		frames []string          // where the read blocks
		want   string            // in the message
	}{
		{
			name:   "token file, no writer",
			args:   func(f string) []string { return []string{"--token-file", f, "me"} },
			frames: []string{"chatwork.readFile.func1(", "os.Open("},
			want:   "chatwork: interrupted while waiting to read the token file %s (a FIFO: it is read when something writes to it and closes it)",
		},
		{
			name:   "token file, a writer that writes nothing",
			args:   func(f string) []string { return []string{"--token-file", f, "me"} },
			writer: true,
			frames: []string{"chatwork.readFile.func1(", "io.ReadAll("},
			want:   "chatwork: interrupted while waiting to read the token file %s (a FIFO",
		},
		{
			name: "webhook token file",
			args: func(f string) []string {
				return []string{"webhook", "listen", "--addr", "127.0.0.1:0", "--webhook-token-file", f}
			},
			frames: []string{"chatwork.readFile.func1(", "os.Open("},
			want:   "chatwork: interrupted while waiting to read the webhook token file %s (a FIFO",
		},
		{
			name:   "file to upload",
			args:   func(f string) []string { return []string{"send", "1", "--file", f} },
			frames: []string{"chatwork.readFile.func1(", "os.Open("},
			want:   "chatwork: interrupted while waiting to read the file %s (a FIFO",
		},
		{
			name:   "send ROOM - on an open stdin",
			args:   func(string) []string { return []string{"send", "1", "-"} },
			stdin:  true,
			frames: []string{"chatwork.readStdin.func1(", "os.(*File).Read("},
			want:   "chatwork: interrupted while waiting to read the text from stdin (it is read to its end: close it, or type Ctrl-D at a terminal)",
		},
		{
			name:   "chatwork api -F with a FIFO",
			args:   func(f string) []string { return []string{"api", "POST", "/rooms/1/files", "-F", "file=@" + f} },
			frames: []string{"chatwork.readFile.func1(", "os.Open("},
			want:   "chatwork: interrupted while waiting to read the file %s (a FIFO",
		},
		{
			name:   "auth login on an open stdin",
			args:   func(string) []string { return []string{"auth", "login", "--with-token"} },
			stdin:  true,
			frames: []string{"chatwork.readLine.func1(", "os.(*File).Read("},
			want:   "chatwork: interrupted while waiting to read the token from stdin",
		},
		{
			name:   "a confirmation nobody types",
			args:   func(string) []string { return []string{"rooms", "delete", room, "--action-type", "delete"} },
			env:    w.env,
			stdin:  true,
			tty:    true,
			frames: []string{"chatwork.readLine.func1(", "os.(*File).Read("},
			want:   "? Type Team to confirm: \nchatwork: interrupted while waiting to read your answer (nothing was changed)",
		},
		{
			name:   "webhook sign on an open stdin",
			args:   func(string) []string { return []string{"webhook", "sign"} },
			stdin:  true,
			frames: []string{"chatwork.readStdin.func1(", "os.(*File).Read("},
			want:   "chatwork: interrupted while waiting to read the body from stdin",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fifo := mkfifo(t)
			var out, errout bytes.Buffer
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			e := env
			if tc.env != nil {
				e = tc.env
			}
			a := cli{env: e, ctx: ctx, tty: tc.tty}.app(t, &out, &errout)
			var stdinWriter *os.File
			if tc.stdin {
				r, w, err := os.Pipe()
				if err != nil {
					t.Fatal(err)
				}
				defer r.Close()
				a.stdin, stdinWriter = r, w
			}
			code := make(chan int, 1)
			go func() { code <- a.main(tc.args(fifo)) }()

			var writer *os.File
			if tc.writer {
				writer = openWriter(t, fifo)
			}
			waitForBlocked(t, tc.frames...)
			cancel()
			select {
			case c := <-code:
				if c != exitError {
					t.Errorf("exit code %d, want %d", c, exitError)
				}
			case <-time.After(stopBound):
				t.Fatalf("still running %v after it was interrupted; stderr: %q", stopBound, errout.String())
			}
			want := strings.Replace(tc.want, "%s", fifo, 1)
			if got := errout.String(); !strings.Contains(got, want) {
				t.Errorf("stderr %q, want %q", got, want)
			}

			// Let the abandoned read end, so that no goroutine of this
			// test is left blocked.
			switch {
			case stdinWriter != nil:
				stdinWriter.Close()
			case writer != nil:
				writer.Close()
			default:
				openWriter(t, fifo).Close()
			}
			waitForReadsEnded(t)
		})
	}
	if _, ok := w.s.Room(w.room); !ok {
		t.Error("the room was deleted although the confirmation was interrupted")
	}
}

// TestSignalStopsBlockedRead runs the command as a process of its own (the
// test binary as chatwork, see TestMain) with a FIFO as --token-file, and
// interrupts it with a real signal once it is reading. SIGINT finds it
// waiting in a read of the FIFO, whose writer writes nothing; SIGTERM finds
// it reading its stdin, a pipe left open, after the token came through the
// FIFO. Either way it exits 1 at once, saying what it was waiting for.
func TestSignalStopsBlockedRead(t *testing.T) {
	t.Parallel()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		sig  syscall.Signal
		args []string
		want string
	}{
		{syscall.SIGINT, []string{"me"}, "interrupted while waiting to read the token file %s (a FIFO: it is read when something writes to it and closes it): interrupt signal received"},
		{syscall.SIGTERM, []string{"send", "1", "-"}, "interrupted while waiting to read the text from stdin (it is read to its end: close it, or type Ctrl-D at a terminal): terminated signal received"},
	} {
		t.Run(tc.sig.String(), func(t *testing.T) {
			t.Parallel()
			fifo := mkfifo(t)
			cmd := exec.CommandContext(t.Context(), exe, append([]string{"--token-file", fifo}, tc.args...)...)
			cmd.Env = append(os.Environ(), envAsMain+"=1", envBaseURL+"=http://127.0.0.1:1")
			var errout bytes.Buffer
			cmd.Stderr = &errout
			stdin, err := cmd.StdinPipe() // left open: nothing is ever written
			if err != nil {
				t.Fatal(err)
			}
			defer stdin.Close()
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()

			// The process is reading the token file: it handles signals
			// by now (main sets that up before anything else).
			w := openWriter(t, fifo)
			defer w.Close()
			waitFor(t, "the token file open", func() bool { return hasOpen(t, cmd.Process.Pid, fifo) })
			if tc.sig == syscall.SIGTERM {
				// The token goes through; once the command has closed
				// the FIFO, it goes on to read stdin.
				if _, err := w.WriteString("tok-" + strings.Repeat("0", 30) + "\n"); err != nil {
					t.Fatal(err)
				}
				w.Close()
				waitFor(t, "the token file read and closed", func() bool { return !hasOpen(t, cmd.Process.Pid, fifo) })
			}
			sent := time.Now()
			if err := cmd.Process.Signal(tc.sig); err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-exited:
				t.Logf("%v: exited %v after the signal", tc.sig, time.Since(sent).Round(time.Millisecond))
				var ee *exec.ExitError
				if !errors.As(err, &ee) || ee.ExitCode() != exitError {
					t.Errorf("%v: %v, want exit status %d; stderr %q", tc.sig, err, exitError, errout.String())
				}
			case <-time.After(stopBound):
				t.Fatalf("%v: still running %v after the signal", tc.sig, stopBound)
			}
			want := "chatwork: " + strings.Replace(tc.want, "%s", fifo, 1) + "\n"
			if errout.String() != want {
				t.Errorf("%v: stderr %q, want %q", tc.sig, errout.String(), want)
			}
		})
	}
}

// hasOpen reports whether process pid has path open, from /proc; the test
// is skipped where there is no /proc.
func hasOpen(t *testing.T, pid int, path string) bool {
	t.Helper()
	dir := filepath.Join("/proc", strconv.Itoa(pid), "fd")
	fds, err := os.ReadDir(dir)
	if err != nil {
		if _, serr := os.Stat("/proc/self/fd"); serr != nil {
			t.Skip("no /proc to see the files a process has open")
		}
		t.Fatal(err)
	}
	for _, fd := range fds {
		if target, err := os.Readlink(filepath.Join(dir, fd.Name())); err == nil && target == path {
			return true
		}
	}
	return false
}

// TestPromptInterruptedAtTerminal runs chatwork auth login in a real
// terminal (tmux, see newTerminal): the token prompt reads without echo,
// Ctrl-C stops it at once, and the terminal echoes again afterwards, so
// that what is typed next shows.
func TestPromptInterruptedAtTerminal(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	term := newTerminal(t, 200, 30, []string{"PATH=" + chatworkOnPath(t) + ":/usr/bin:/bin",
		"HOME=" + home, "XDG_CONFIG_HOME=" + home, "TERM=xterm"})
	term.typeLine("chatwork auth login")
	term.waitFor(regexp.MustCompile(`\? Paste your API token`))
	term.tmux("send-keys", "-t", "chatwork", "C-c")
	// The message, then the shell's prompt: typed before the prompt, a
	// line would be echoed above it.
	term.waitFor(regexp.MustCompile(`chatwork: interrupted while waiting to read the token at the prompt: interrupt signal received\n\$`))
	term.typeLine("echo exit=$? echoed")
	if s := term.waitFor(regexp.MustCompile(`(?m)exit=1 echoed$`)); !strings.Contains(s, "$ echo exit=$? echoed") {
		t.Errorf("the command typed after the interrupted prompt was not echoed: the terminal was left without echo\n%s", s)
	}
}
