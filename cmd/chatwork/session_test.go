package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/chatwork-go/chatwork/api/apitest"
)

// terminal is a real terminal: a tmux session running sh, into which the
// test types and whose screen it reads, as a person at a terminal would.
type terminal struct {
	t      *testing.T
	socket string
	n      int // commands run, for their end markers
}

// newTerminal starts a tmux session of the given size running sh with
// exactly env as its environment, and kills it at the end of the test.
// tmux missing fails the test under CI=true (.ci/run installs it) and
// skips it elsewhere.
func newTerminal(t *testing.T, width, height int, env []string) *terminal {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("tmux is not installed; CI needs it (apt-get install tmux)")
		}
		t.Skip("tmux is not installed")
	}
	term := &terminal{t: t, socket: filepath.Join(t.TempDir(), "tmux.sock")}
	args := []string{"new-session", "-d", "-s", "chatwork", "-x", fmt.Sprint(width), "-y", fmt.Sprint(height),
		"env", "-i"}
	args = append(args, env...)
	args = append(args, "PS1=$ ", "sh")
	term.tmux(args...)
	t.Cleanup(func() { _ = exec.Command("tmux", "-S", term.socket, "kill-server").Run() })
	return term
}

// tmux runs a tmux command on the test's server.
func (term *terminal) tmux(args ...string) string {
	term.t.Helper()
	out, err := exec.CommandContext(term.t.Context(), "tmux", append([]string{"-S", term.socket}, args...)...).CombinedOutput()
	if err != nil {
		term.t.Fatalf("tmux %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// screen returns what the terminal shows; with escapes, its colours too.
func (term *terminal) screen(escapes bool) string {
	term.t.Helper()
	args := []string{"capture-pane", "-p", "-t", "chatwork", "-S", "-200"}
	if escapes {
		args = append(args, "-e")
	}
	return term.tmux(args...)
}

// typeLine types text and Enter.
func (term *terminal) typeLine(text string) {
	term.t.Helper()
	term.tmux("send-keys", "-t", "chatwork", "-l", text)
	term.tmux("send-keys", "-t", "chatwork", "Enter")
}

// waitFor waits until the screen shows what matches re and returns the
// screen; the deadline only bounds a hang.
func (term *terminal) waitFor(re *regexp.Regexp) string {
	term.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		s := term.screen(false)
		if re.MatchString(s) {
			return s
		}
		if time.Now().After(deadline) {
			term.t.Fatalf("the terminal never showed %q:\n%s", re, s)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// run types a command line, waits for it to end and returns what it
// printed (the lines between the command and its end marker), with the
// terminal's colour escapes when escapes is set.
func (term *terminal) run(line string, escapes bool) string {
	term.t.Helper()
	term.n++
	marker := fmt.Sprintf("END-%d", term.n)
	term.tmux("send-keys", "-t", "chatwork", "clear", "Enter")
	term.waitFor(regexp.MustCompile(`\A\$ ?\n*\z`))
	term.tmux("clear-history", "-t", "chatwork")
	term.typeLine(line + "; echo " + marker + ":$?")
	term.waitFor(regexp.MustCompile(`(?m)^` + marker + `:\d+$`))
	s := term.screen(escapes)
	echo := "echo " + marker + ":$?"
	start := strings.Index(s, echo) + len(echo) + 1
	end := strings.LastIndex(s, "\n"+marker+":") + 1
	if start <= len(echo) || end < start {
		term.t.Fatalf("cannot find the output of %q in:\n%s", line, s)
	}
	return s[start:end]
}

// buildCLI builds the command into a new directory and returns it. It
// builds with -race when the tests were, so that the build reuses the
// packages the test binary was compiled from.
func buildCLI(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	args := []string{"build", "-o", filepath.Join(dir, "chatwork")}
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			if s.Key == "-race" && s.Value == "true" {
				args = append(args, "-race")
			}
		}
	}
	cmd := exec.CommandContext(t.Context(), "go", append(args, ".")...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return dir
}

// TestSessionInTmux drives the built binary in a real terminal (tmux): the
// table fits the terminal's 80 columns and is coloured, NO_COLOR turns the
// colour off, a pipe gets tab-separated values and --jq output, the token
// pasted at auth login is not shown, and a delete asks for the room's name
// and does it once typed.
func TestSessionInTmux(t *testing.T) {
	t.Parallel()
	s := apitest.NewServer(t)
	me := s.Me()
	bob := s.AddAccount(apitest.Account{Name: "Bob Suzuki", ChatworkID: "bob"})
	room := s.AddRoom(apitest.Room{Name: "Release train", AdminIDs: []int64{me.AccountID}, MemberIDs: []int64{bob.AccountID}}).RoomID
	s.AddMessage(apitest.Message{RoomID: room, AccountID: bob.AccountID, Body: "The build is green; " + strings.Repeat("the changelog is long, ", 8) + "THE-END"})
	bin := buildCLI(t)
	home := t.TempDir()
	term := newTerminal(t, 80, 40, []string{
		"HOME=" + home, "PATH=" + bin + ":/usr/bin:/bin", "TERM=xterm-256color",
		envBaseURL + "=" + s.URL(), envMaxWait + "=0",
	})

	// Log in at the terminal: the prompt, a pasted token that never shows.
	term.typeLine("chatwork auth login; echo END-login:$?")
	term.waitFor(regexp.MustCompile(`Paste your API token`))
	term.tmux("send-keys", "-t", "chatwork", "-l", s.Token())
	term.tmux("send-keys", "-t", "chatwork", "Enter")
	screen := term.waitFor(regexp.MustCompile(`(?m)^END-login:\d+$`))
	if !strings.Contains(screen, "✓ Logged in to "+hostOf(s.URL())+" as "+me.Name) || !strings.Contains(screen, "END-login:0") {
		t.Fatalf("auth login:\n%s", screen)
	}
	if strings.Contains(screen, s.Token()) {
		t.Errorf("the pasted token is on the screen:\n%s", screen)
	}

	// The table: a header, cut to 80 columns, coloured.
	out := term.run(fmt.Sprintf("chatwork messages list %d", room), true)
	plain := stripSGR(out)
	lines := strings.Split(strings.TrimRight(plain, "\n"), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "MESSAGE_ID") || !strings.Contains(lines[1], "…") || strings.Contains(plain, "THE-END") {
		t.Errorf("the table at 80 columns:\n%s", plain)
	}
	for _, l := range lines {
		if n := len([]rune(l)); n > 80 {
			t.Errorf("a line of %d columns: %q", n, l)
		}
	}
	if !strings.Contains(out, "\x1b[1m") || !strings.Contains(out, "\x1b[36m") {
		t.Errorf("no bold header or cyan IDs in %q", out)
	}
	if out := term.run(fmt.Sprintf("NO_COLOR=1 chatwork messages list %d", room), true); strings.Contains(out, "\x1b[") {
		t.Errorf("NO_COLOR: colour in %q", out)
	}

	// The pipe formats: tab-separated values without a header, --jq.
	out = term.run(fmt.Sprintf("chatwork messages list %d | tr '\\t' '|'", room), false)
	if !regexp.MustCompile(`^\d+\|[^|]+\|Bob Suzuki\|The build is green; .*THE-END\n$`).MatchString(strings.ReplaceAll(out, "\n", "") + "\n") {
		t.Errorf("piped: %q", out)
	}
	if out := term.run(fmt.Sprintf("chatwork rooms get %d --jq .name | cat", room), false); out != "Release train\n" {
		t.Errorf("--jq in a pipe: %q", out)
	}

	// A delete asks for the room's name; a wrong one changes nothing.
	term.typeLine(fmt.Sprintf("chatwork rooms delete %d --action-type delete; echo END-del1:$?", room))
	term.waitFor(regexp.MustCompile(`Type Release train to confirm: ?\n*\z`))
	term.typeLine("release")
	screen = term.waitFor(regexp.MustCompile(`(?m)^END-del1:\d+$`))
	if !strings.Contains(screen, "not confirmed: nothing was changed") || !strings.Contains(screen, "END-del1:1") {
		t.Errorf("a wrong answer:\n%s", screen)
	}
	if _, ok := s.Room(room); !ok {
		t.Fatal("the room was deleted on a wrong answer")
	}
	term.typeLine(fmt.Sprintf("chatwork rooms delete %d --action-type delete; echo END-del2:$?", room))
	term.waitFor(regexp.MustCompile(`(?s)END-del1.*Type Release train to confirm: ?\n*\z`))
	term.typeLine("Release train")
	screen = term.waitFor(regexp.MustCompile(`(?m)^END-del2:\d+$`))
	if !strings.Contains(screen, fmt.Sprintf("✓ Deleted room %d \"Release train\" for everyone", room)) || !strings.Contains(screen, "END-del2:0") {
		t.Errorf("the confirmed delete:\n%s", screen)
	}
	if _, ok := s.Room(room); ok {
		t.Error("the room survived the confirmed delete")
	}
}

// stripSGR drops the colour escapes tmux writes with capture-pane -e.
func stripSGR(s string) string {
	return regexp.MustCompile(`\x1b\[[0-9;]*m`).ReplaceAllString(s, "")
}
