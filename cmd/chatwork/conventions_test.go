package main

import (
	"regexp"
	"strings"
	"testing"
)

// TestConventions is the table of habits users bring from gh and kubectl:
// each row is a command line, its exit code and what stdout and stderr
// must (and must not) show. $ROOM is the fake's group chat, $BOB a contact.
func TestConventions(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	tests := []struct {
		name       string
		args       []string
		code       int
		out, err   string // regular expressions that must match ("" for empty)
		notOut     string // a regular expression stdout must not match
		sentNothin bool   // no request reaches the API
	}{
		// --version and help.
		{name: "--version", args: []string{"--version"}, code: 0, out: `^chatwork \d+\.\d+\.\d+ \(Chatwork API v2\)\n$`},
		{name: "version command", args: []string{"version"}, code: 0, out: `^chatwork \d`},
		{name: "--help", args: []string{"--help"}, code: 0, out: `(?s)Usage:.*Global flags`},
		{name: "-h on a command", args: []string{"rooms", "list", "-h"}, code: 0, out: `^Usage: chatwork rooms list`},
		{name: "help lists kebab flags", args: []string{"rooms", "create", "-h"}, code: 0, out: `--members-admin-ids IDS`, notOut: `--members_admin_ids`},
		{name: "help hides aliases", args: []string{"messages", "post", "--help"}, code: 0, out: `--self-unread \[0\|1\]`, notOut: `self_unread`},
		{name: "help shows -o", args: []string{"help"}, code: 0, out: `-o, --output FORMAT`},
		{name: "help states the output rule", args: []string{"help"}, code: 0, out: `(?s)Output:\n  stdout carries the command's result and nothing else`},
		{name: "help names the deadline zone", args: []string{"help"}, code: 0, out: `Japan Standard Time`},
		{name: "no command", args: nil, code: 2, err: `Usage:`, out: ""},

		// Did you mean.
		{name: "unknown command", args: []string{"mesages", "list"}, code: 2, err: `unknown command "mesages"\n\nDid you mean this\?\n\tmessages\n`, out: "", sentNothin: true},
		{name: "unknown subcommand", args: []string{"rooms", "lst"}, code: 2, err: `unknown command "rooms lst"\n\nDid you mean this\?\n\trooms list\n`, out: "", sentNothin: true},
		{name: "unknown flag", args: []string{"messages", "post", "$ROOM", "--bdy", "hi"}, code: 2, err: `unknown flag --bdy\n\nDid you mean this\?\n\t--body\n`, out: "", sentNothin: true},
		{name: "unknown snake flag", args: []string{"tasks", "create", "$ROOM", "--du_type", "1"}, code: 2, err: `Did you mean this\?\n\t--due-type`, sentNothin: true},
		{name: "unknown global flag", args: []string{"--verbsoe", "me"}, code: 2, err: `unknown flag --verbsoe\n\nDid you mean this\?\n\t--verbose`, sentNothin: true},
		{name: "transposed letters", args: []string{"romos", "list"}, code: 2, err: `unknown command "romos"\n\nDid you mean this\?\n\trooms\n`, sentNothin: true},
		{name: "a prefix", args: []string{"rooms", "cr"}, code: 2, err: `Did you mean this\?\n\trooms create\n`, sentNothin: true},
		{name: "hidden commands are not suggested", args: []string{"tasks", "statsu"}, code: 2, err: `unknown command "tasks statsu"\nRun`, sentNothin: true},

		// gh's aliases.
		{name: "ls", args: []string{"rooms", "ls"}, code: 0, out: `(?m)^\d+\tgroup\t`},
		{name: "view", args: []string{"rooms", "view", "$ROOM"}, code: 0, out: `(?m)^name\tTeam$`},
		{name: "rm needs --yes in a script", args: []string{"messages", "rm", "$ROOM", "1"}, code: 2, err: `messages delete: this cannot be undone; stdin is not a terminal to confirm on, so pass --yes`, sentNothin: true},
		{name: "help lists aliases", args: []string{"rooms", "help"}, code: 0, out: `list \(ls\) +GET`},
		{name: "help hides deprecated commands", args: []string{"tasks", "help"}, code: 0, out: `done +PUT`, notOut: `(?m)^  status`},
		{name: "every command has examples", args: []string{"links", "create", "-h"}, code: 0, out: `Examples:\n  chatwork links create 123`},
		{name: "nothing close", args: []string{"zzzzzz"}, code: 2, err: `unknown command "zzzzzz"\nRun 'chatwork help'`, sentNothin: true},

		// One flag style, the API's spelling as hidden aliases.
		{name: "kebab flag", args: []string{"tasks", "create", "$ROOM", "--body", "kebab", "--due-type", "none", "--to", "$BOB"}, code: 0, out: `^\d+\n$`},
		{name: "snake alias", args: []string{"tasks", "create", "$ROOM", "--body", "snake", "--due_type", "none", "--to", "$BOB"}, code: 0, out: `^\d+\n$`, err: `^$`},
		{name: "old name, deprecated", args: []string{"tasks", "create", "$ROOM", "--body", "old", "--to_ids", "$BOB"}, code: 0, out: `^\d+\n$`, err: `--to_ids is deprecated and goes away in the next release: use --to`},
		{name: "old command, deprecated", args: []string{"tasks", "status", "$ROOM", "1", "--body", "done"}, code: 3, err: `'chatwork tasks status' is deprecated and goes away in the next release: use 'chatwork tasks done'`},
		{name: "switch alone", args: []string{"messages", "post", "$ROOM", "--body", "a", "--self-unread"}, code: 0, out: `^\d+\n$`},
		{name: "switch with the API's value", args: []string{"messages", "post", "$ROOM", "--self_unread", "0", "--body", "b"}, code: 0, out: `^\d+\n$`},
		{name: "switch =value", args: []string{"messages", "post", "$ROOM", "--self-unread=1", "--body", "c"}, code: 0, out: `^\d+\n$`},
		{name: "bad switch value", args: []string{"messages", "post", "$ROOM", "--self-unread=2", "--body", "d"}, code: 2, err: `invalid value "2" for --self-unread: want 0 or 1\n`, sentNothin: true},
		{name: "bad switch value after a space", args: []string{"messages", "post", "$ROOM", "--body", "e", "--self-unread", "yes"}, code: 2, err: `invalid value "yes" for --self-unread: want 0 or 1\n`, sentNothin: true},
		{name: "digit after a switch", args: []string{"messages", "list", "$ROOM", "--force", "2"}, code: 2, err: `invalid value "2" for --force: want 0 or 1\n`, sentNothin: true},

		// -o is --output, anywhere.
		{name: "-o table", args: []string{"rooms", "list", "-o", "table"}, code: 0, out: `^ROOM_ID +TYPE`},
		{name: "piped: tsv", args: []string{"rooms", "list"}, code: 0, out: `(?m)^\d+\tgroup\tadmin\t`, notOut: `ROOM_ID`},
		{name: "-o before the command", args: []string{"-o", "table", "contacts"}, code: 0, out: `^ACCOUNT_ID +ROOM_ID`},
		{name: "--output=json", args: []string{"me", "--output=json"}, code: 0, out: `^\{\n  "account_id"`},
		{name: "bad -o", args: []string{"me", "-o", "xml"}, code: 2, err: `--output must be one of table, tsv, json, yaml, not "xml"`, sentNothin: true},
		{name: "global flag between group and command", args: []string{"rooms", "-o", "table", "list"}, code: 0, out: `^ROOM_ID +TYPE`},
		{name: "unknown flag between group and command", args: []string{"rooms", "--outptu", "table", "list"}, code: 2, err: `unknown flag --outptu\n\nDid you mean this\?\n\t--output`},
		{name: "--json before the command", args: []string{"--json", "me"}, code: 0, out: `^\{\n  "account_id"`},
		{name: "--json between group and command", args: []string{"rooms", "--json", "get", "$ROOM"}, code: 0, out: `"name": "Team"`},
		{name: "--json FIELDS after the command", args: []string{"rooms", "get", "$ROOM", "--json", "name"}, code: 0, out: `^\{\n  "name": "Team"\n\}\n$`},
		{name: "global flag after positional", args: []string{"rooms", "get", "$ROOM", "--verbose"}, code: 0, out: `(?m)^room_id\t`, err: `level=DEBUG`},

		// Durations.
		{name: "duration 5m", args: []string{"--max-wait", "5m", "status"}, code: 0, out: `(?m)^unread_num\t`},
		{name: "duration without unit", args: []string{"status", "--max-wait", "30"}, code: 2, err: `"30" has no unit: write a duration such as 30s or 30m`, sentNothin: true},
		{name: "negative duration", args: []string{"status", "--max-wait", "-1s"}, code: 2, err: `not a duration`, sentNothin: true},

		// Task deadlines as dates.
		{name: "date deadline", args: []string{"tasks", "create", "$ROOM", "--body", "d", "--to", "$BOB", "--due", "2030-01-31"}, code: 0, out: `^\d+\n$`},
		{name: "date with due-type time", args: []string{"tasks", "create", "$ROOM", "--body", "d", "--to", "$BOB", "--due", "2030-01-31", "--due-type", "time"}, code: 2, err: `is a date: give a time too`, sentNothin: true},
		{name: "bad date", args: []string{"tasks", "create", "$ROOM", "--body", "d", "--to", "$BOB", "--due", "2030-02-30"}, code: 2, err: `is not a date \(2030-01-31\)`, sentNothin: true},

		// One rule for output: the result on stdout, the rest on stderr.
		{name: "204 prints nothing", args: []string{"requests", "reject", "999", "--yes"}, code: 3, out: "", err: `API error: 404`},
		{name: "errors go to stderr", args: []string{"rooms", "get", "999999"}, code: 3, out: "", err: `^chatwork: API error`},
		{name: "send in a pipe prints the ID alone", args: []string{"send", "$ROOM", "for a script"}, code: 0, out: `^\d{19}\n$`},
		{name: "send prints the API's answer", args: []string{"send", "$ROOM", "hello", "-o", "json"}, code: 0, out: `^\{\n  "message_id": "\d+"\n\}\n$`},

		// Insecure http.
		{name: "http to a remote host", args: []string{"--base-url", "http://chatwork.example.com/v2", "me"}, code: 2, err: `plain http: the API token would travel unencrypted to chatwork.example.com`, sentNothin: true},
		{name: "password never echoed", args: []string{"--base-url", "http://user:hunter2@chatwork.example.com/v2", "me"}, code: 2, err: `http://xxxxx@chatwork.example.com/v2`, sentNothin: true},

		// Webhook tokens are not the API token.
		{name: "webhook listen with the API flag", args: []string{"webhook", "listen", "--token-file", "/nonexistent"}, code: 2, err: `--token-file is the API token's file`},
		{name: "webhook listen unknown flag", args: []string{"webhook", "sign", "--webhook-token"}, code: 2, err: `Did you mean this\?\n\t--webhook-token-file`},

		// Completion.
		{name: "completion bash", args: []string{"completion", "bash"}, code: 0, out: `complete -o default -F _chatwork chatwork`},
		{name: "completion bad shell", args: []string{"completion", "tcsh"}, code: 2, err: `unknown command "completion tcsh"`},
		{name: "__complete commands", args: []string{"__complete", "me"}, code: 0, out: `^me\nmembers\nmessages\n$`},
		{name: "__complete subcommands", args: []string{"__complete", "rooms", ""}, code: 0, out: `^create\ndelete\nget\nlist\nupdate\n$`},
		{name: "__complete flags", args: []string{"__complete", "tasks", "create", "1", "--to"}, code: 0, out: `^--to\n--token-file\n$`},
		{name: "__complete after help", args: []string{"__complete", "help", "rooms", "cr"}, code: 0, out: `^create\n$`},
		{name: "__complete flag values", args: []string{"__complete", "rooms", "list", "-o", ""}, code: 0, out: `^json\ntable\ntsv\nyaml\n$`},
	}
	vars := strings.NewReplacer("$ROOM", s64(w.room), "$BOB", s64(w.bob.AccountID))
	password := regexp.MustCompile(`hunter2`)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := make([]string, len(tc.args))
			for i, a := range tc.args {
				args[i] = vars.Replace(a)
			}
			before := len(w.s.Requests())
			r := cli{env: w.env}.run(t, args...)
			if r.code != tc.code {
				t.Fatalf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, tc.code, r.out, r.errout)
			}
			check := func(stream, got, pattern string) {
				if pattern == "" {
					if got != "" && stream == "stdout" {
						t.Errorf("%s = %q, want nothing", stream, got)
					}
					return
				}
				if !regexp.MustCompile(pattern).MatchString(got) {
					t.Errorf("%s does not match %q:\n%s", stream, pattern, got)
				}
			}
			check("stdout", r.out, tc.out)
			check("stderr", r.errout, tc.err)
			if tc.notOut != "" && regexp.MustCompile(tc.notOut).MatchString(r.out) {
				t.Errorf("stdout matches %q:\n%s", tc.notOut, r.out)
			}
			if tc.sentNothin {
				if n := len(w.s.Requests()) - before; n != 0 {
					t.Errorf("%d request(s) sent, want none", n)
				}
			}
			if password.MatchString(r.out + r.errout) {
				t.Errorf("a password was echoed:\n%s%s", r.out, r.errout)
			}
		})
	}
}
