package main

import (
	"regexp"
	"strings"
	"testing"
)

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

// TestHelpSpellsFlagsInKebabCase reads every command's help and usage line
// for flags in the API's spelling (--to_ids), and checks that each flag
// they name exists.
func TestHelpSpellsFlagsInKebabCase(t *testing.T) {
	t.Parallel()
	flagRef := regexp.MustCompile(`--([a-z0-9_-]+)`)
	for _, g := range commandTree() {
		for _, c := range g.cmds {
			fs, _ := commandFlags(c)
			text := c.usage + "\n" + c.details + "\n" + c.summary
			for _, m := range flagRef.FindAllStringSubmatch(text, -1) {
				if strings.Contains(m[1], "_") {
					t.Errorf("%s: help writes --%s; write --%s", c.path(), m[1], strings.ReplaceAll(m[1], "_", "-"))
				}
				if f := fs.Lookup(m[1]); f == nil && m[1] != "help" {
					t.Errorf("%s: help names --%s, which the command does not define", c.path(), m[1])
				}
			}
		}
	}
}

// TestEveryCommandHasExamples: -h on every command shows how to use it.
func TestEveryCommandHasExamples(t *testing.T) {
	t.Parallel()
	for _, g := range commandTree() {
		for _, c := range g.visible() {
			if !strings.Contains(c.examples, "chatwork "+c.path()) {
				t.Errorf("%s: no example of 'chatwork %s' in its help", c.path(), c.path())
			}
		}
	}
}
