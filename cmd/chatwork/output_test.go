package main

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/chatwork-go/chatwork/api/apitest"
)

// printingCommand is a command that prints data, with a field its result
// has and the value that field must print (of the first item, for a list).
type printingCommand struct {
	args  []string
	list  bool
	field string
	want  string
}

// printingCommands returns one line per command that prints data, run
// against w, in which each has something to show.
func printingCommands(t *testing.T, w *world) []printingCommand {
	t.Helper()
	room, msg := s64(w.room), w.s.AddMessage(apitest.Message{RoomID: w.room, AccountID: w.bob.AccountID, Body: "Hello [b]there[/b]"}).MessageID
	task := w.s.AddTask(apitest.Task{RoomID: w.room, AssigneeID: w.me.AccountID, AssignedByAccountID: w.bob.AccountID, Body: "Check the build"})
	path := writeFile(t, "notes.txt", "notes\n")
	var up struct {
		FileID int64 `json:"file_id"`
	}
	w.run(t, "files", "upload", room, path, "-o", "json").must(t, exitOK).decode(t, &up)
	w.run(t, "links", "create", room, "--code", "team-x").must(t, exitOK)
	carol := w.s.AddAccount(apitest.Account{Name: "Carol Sato", ChatworkID: "carol"})
	w.s.AddIncomingRequest(apitest.IncomingRequest{AccountID: carol.AccountID, ToAccountID: w.me.AccountID, Message: "Hi"})
	return []printingCommand{
		{args: []string{"me"}, field: "name", want: w.me.Name},
		{args: []string{"status"}, field: "mytask_num", want: "1"},
		{args: []string{"contacts"}, list: true, field: "name", want: "Bob Suzuki"},
		{args: []string{"rooms", "get", room}, field: "name", want: "Team"},
		{args: []string{"members", "list", room}, list: true, field: "account_id", want: s64(w.me.AccountID)},
		{args: []string{"messages", "list", room}, list: true, field: "message_id", want: msg},
		{args: []string{"messages", "get", room, msg}, field: "message_id", want: msg},
		{args: []string{"tasks", "mine"}, list: true, field: "task_id", want: s64(task.TaskID)},
		{args: []string{"tasks", "list", room}, list: true, field: "body", want: "Check the build"},
		{args: []string{"tasks", "get", room, s64(task.TaskID)}, field: "task_id", want: s64(task.TaskID)},
		{args: []string{"files", "list", room}, list: true, field: "filename", want: "notes.txt"},
		{args: []string{"files", "get", room, s64(up.FileID)}, field: "file_id", want: s64(up.FileID)},
		{args: []string{"links", "get", room}, field: "public", want: "true"},
		{args: []string{"requests", "list"}, list: true, field: "name", want: "Carol Sato"},
	}
}

// TestOutputFormats runs every command that prints data in every output
// format: the table for people (header, value), tab-separated values for
// pipes (no header), JSON, YAML (the same data), --json with one field,
// --jq and --template; each must print the command's known value.
func TestOutputFormats(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	for _, pc := range printingCommands(t, w) {
		run := func(t *testing.T, more ...string) string {
			t.Helper()
			return w.run(t, append(append([]string{}, pc.args...), more...)...).must(t, exitOK).out
		}
		first := ""
		if pc.list {
			first = ".[0]"
		}
		t.Run(strings.Join(pc.args[:min(2, len(pc.args))], " "), func(t *testing.T) {
			jsonOut := run(t, "-o", "json")
			var data any
			if err := json.Unmarshal([]byte(jsonOut), &data); err != nil {
				t.Fatalf("-o json: %v\n%s", err, jsonOut)
			}

			for _, f := range []struct {
				name string
				args []string
				ok   func(out string) bool
			}{
				{"table", []string{"-o", "table"}, func(out string) bool {
					lines := strings.Split(out, "\n")
					if pc.list {
						return strings.Contains(lines[0], strings.ToUpper(pc.field)) || strings.Contains(out, pc.want)
					}
					return strings.Contains(out, pc.field) && strings.Contains(out, pc.want)
				}},
				{"tsv", nil, func(out string) bool {
					if pc.list {
						return !strings.Contains(out, strings.ToUpper(pc.field)) && strings.Contains(out, "\t"+pc.want) || strings.HasPrefix(out, pc.want+"\t")
					}
					return strings.Contains(out, "\n"+pc.field+"\t"+pc.want+"\n") || strings.HasPrefix(out, pc.field+"\t"+pc.want+"\n")
				}},
				{"yaml", []string{"-o", "yaml"}, func(out string) bool {
					var y any
					if err := yaml.Unmarshal([]byte(out), &y); err != nil {
						return false
					}
					return reflect.DeepEqual(normal(t, y), normal(t, data))
				}},
				{"--json field", []string{"--json", pc.field}, func(out string) bool {
					var got any
					if err := json.Unmarshal([]byte(out), &got); err != nil {
						return false
					}
					obj := got
					if pc.list {
						items, _ := got.([]any)
						if len(items) == 0 {
							return false
						}
						obj = items[0]
					}
					m, _ := obj.(map[string]any)
					return len(m) == 1 && m[pc.field] != nil
				}},
				{"--jq", []string{"--jq", first + "." + pc.field}, func(out string) bool { return out == pc.want+"\n" }},
				{"--template", []string{"--template", templateOf(pc)}, func(out string) bool { return out == "<"+pc.want+">" }},
			} {
				if out := run(t, f.args...); !f.ok(out) {
					t.Errorf("%s: want %s = %q in:\n%s", f.name, pc.field, pc.want, out)
				}
			}
		})
	}
}

// templateOf prints <value> of the command's field.
func templateOf(pc printingCommand) string {
	if pc.list {
		return `{{with index . 0}}<{{.` + pc.field + `}}>{{end}}`
	}
	return `<{{.` + pc.field + `}}>`
}

// normal turns YAML's and JSON's numbers into one kind, to compare them.
func normal(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestTableAtATerminal: at a terminal the table has a header, is cut to
// the terminal's width and is coloured unless NO_COLOR is set; in a pipe
// the same rows are tab-separated, whole and without colour.
func TestTableAtATerminal(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	long := strings.Repeat("word ", 60)
	w.s.AddMessage(apitest.Message{RoomID: w.room, AccountID: w.bob.AccountID, Body: long})
	args := []string{"messages", "list", s64(w.room)}

	r := cli{env: w.env, tty: true, width: 60}.run(t, args...).must(t, exitOK)
	lines := strings.Split(strings.TrimSuffix(r.out, "\n"), "\n")
	if !strings.HasPrefix(lines[0], ansiBold+"MESSAGE_ID") {
		t.Errorf("the header is not bold: %q", lines[0])
	}
	for _, l := range lines {
		if n := len([]rune(stripANSI(l))); n > 60 {
			t.Errorf("a line of %d characters on a 60-column terminal: %q", n, l)
		}
	}
	if !strings.Contains(r.out, "…") {
		t.Errorf("the long body was not cut:\n%s", r.out)
	}

	plain := cli{env: with(w.env, "NO_COLOR", "1"), tty: true, width: 60}.run(t, args...).must(t, exitOK)
	if strings.Contains(plain.out, "\x1b[") {
		t.Errorf("NO_COLOR: colour codes in %q", plain.out)
	}
	if stripANSI(r.out) != plain.out {
		t.Errorf("NO_COLOR changed more than the colour:\n%s\n---\n%s", stripANSI(r.out), plain.out)
	}

	piped := w.run(t, args...).must(t, exitOK)
	if strings.Contains(piped.out, "MESSAGE_ID") || strings.Contains(piped.out, "\x1b[") || !strings.Contains(piped.out, "\t"+strings.TrimSpace(long)+"\n") {
		t.Errorf("piped: want whole tab-separated rows without a header or colour:\n%s", piped.out)
	}
}

func stripANSI(s string) string {
	for _, code := range []string{ansiBold, ansiCyan, ansiReset} {
		s = strings.ReplaceAll(s, code, "")
	}
	return s
}

// TestJSONFields: --json alone prints every field (and lists them on
// stderr at a terminal); an unknown field is refused before any request,
// with the fields the command has.
func TestJSONFields(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	r := cli{env: w.env, tty: true}.run(t, "me", "--json").must(t, exitOK)
	if !strings.Contains(r.out, `"account_id": `) || !strings.Contains(r.errout, "fields: account_id, avatar_image_url, chatwork_id") {
		t.Errorf("--json alone: stdout %q, stderr %q", r.out, r.errout)
	}
	if r := w.run(t, "me", "--json"); r.errout != "" {
		t.Errorf("--json in a pipe: stderr %q, want nothing", r.errout)
	}
	r = w.run(t, "rooms", "list", "--json", "room_id,title").must(t, exitUsage)
	if !strings.Contains(r.errout, `--json: unknown field "title"; this command's fields are: `) || !strings.Contains(r.errout, "name") {
		t.Errorf("unknown field: %q", r.errout)
	}
	r = w.run(t, "rooms", "list", "--json", "room_id,name").must(t, exitOK)
	var rooms []map[string]any
	r.decode(t, &rooms)
	if len(rooms) == 0 || len(rooms[0]) != 2 {
		t.Errorf("--json room_id,name: %v", rooms)
	}
	// Big IDs keep every digit in --jq and YAML.
	msg := w.s.AddMessage(apitest.Message{RoomID: w.room, AccountID: w.bob.AccountID, Body: "x"}).MessageID
	if r := w.run(t, "messages", "list", s64(w.room), "--jq", ".[-1].message_id").must(t, exitOK); r.out != msg+"\n" {
		t.Errorf("--jq message_id: %q, want %s", r.out, msg)
	}
	for _, bad := range [][]string{{"me", "--jq", ".["}, {"me", "--template", "{{.x"}, {"me", "--jq", ".", "--template", "x"}, {"me", "-o", "table", "--json", "name"}} {
		before := len(w.s.Requests())
		w.run(t, bad...).must(t, exitUsage)
		if len(w.s.Requests()) != before {
			t.Errorf("%v: a request was sent", bad)
		}
	}
}
