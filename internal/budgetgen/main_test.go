package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

const good = `
x-chatwork-rate-limits:
  account: { limit: 300, window_seconds: 300, error: Over the account's limit. }
  room: { limit: 10, window_seconds: 10, error: Over the room's limit. }
` + markedPosts

// markedPosts marks two operations as spending a room's budget, in the
// reverse of the generated order, beside one that does not.
const markedPosts = `paths:
  /rooms/{room_id}/tasks:
    parameters: []
    post: { operationId: createTask, x-chatwork-room-post-limit: true }
  /rooms/{room_id}/messages:
    get: { operationId: listMessages }
    post: { operationId: postMessage, x-chatwork-room-post-limit: true }
`

func TestRender(t *testing.T) {
	t.Parallel()
	l, err := parse([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	code, err := render(l)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"AccountLimit  = 300\n", "AccountWindow = 5 * time.Minute\n", `AccountError  = "Over the account's limit."`,
		"RoomLimit  = 10\n", "RoomWindow = 10 * time.Second\n", `RoomError  = "Over the room's limit."`,
		`RoomParameter = "room_id"`,
		`{"postMessage", "POST", "/rooms/{room_id}/messages"},
		{"createTask", "POST", "/rooms/{room_id}/tasks"},`,
	} {
		if !bytes.Contains(code, []byte(want)) {
			t.Errorf("the generated file lacks %q:\n%s", want, code)
		}
	}
	if !strings.HasPrefix(string(code), "// Code generated ") || !strings.Contains(strings.SplitN(string(code), "\n", 2)[0], "DO NOT EDIT.") {
		t.Errorf("the first line is not Go's generated-code marker:\n%s", code)
	}
}

// TestParseRefusesWhatIsNotABudget: missing budgets, limits and windows
// out of range, an account or a room without its 429 message (each with
// the operations of good), and operations: none marked, or one marked
// whose path names no room.
func TestParseRefusesWhatIsNotABudget(t *testing.T) {
	t.Parallel()
	for _, src := range []string{
		"openapi: 3.0.3\n",
		"x-chatwork-rate-limits:\n  account: { limit: 300, window_seconds: 300 }\n",
		"x-chatwork-rate-limits:\n  account: { limit: 0, window_seconds: 300, error: x }\n  room: { limit: 10, window_seconds: 10, error: x }\n",
		"x-chatwork-rate-limits:\n  account: { limit: 300, window_seconds: -1, error: x }\n  room: { limit: 10, window_seconds: 10, error: x }\n",
		"x-chatwork-rate-limits:\n  account: { limit: 300, window_seconds: 300, error: x }\n  room: { limit: 2000000, window_seconds: 10, error: x }\n",
		"x-chatwork-rate-limits:\n  account: { limit: 300, window_seconds: 300, error: x }\n  room: { limit: 10, window_seconds: 10 }\n",
		"x-chatwork-rate-limits:\n  account: { limit: 300, window_seconds: 300 }\n  room: { limit: 10, window_seconds: 10, error: x }\n",
		"x-chatwork-rate-limits:\n  account: { limit: 300, window_seconds: five }\n  room: { limit: 10, window_seconds: 10, error: x }\n",
	} {
		if _, err := parse([]byte(src + markedPosts)); err == nil {
			t.Errorf("accepted:\n%s", src+markedPosts)
		}
	}
	for name, src := range map[string]string{
		"none marked":   strings.ReplaceAll(good, ", x-chatwork-room-post-limit: true", ""),
		"no room named": strings.Replace(good, "/rooms/{room_id}/tasks", "/rooms/{id}/tasks", 1),
	} {
		if src == good {
			t.Fatalf("%s: the edit changed nothing", name)
		}
		if _, err := parse([]byte(src)); err == nil {
			t.Errorf("%s: accepted:\n%s", name, src)
		}
	}
}

// TestGeneratedFileIsCurrent: internal/budgets is what openapi.yaml gives
// now (make check-generate says the same for every generated file).
func TestGeneratedFileIsCurrent(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile("../../openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	l, err := parse(src)
	if err != nil {
		t.Fatal(err)
	}
	want, err := render(l)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("../budgets/budgets.gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("internal/budgets/budgets.gen.go is stale: run go generate ./... from the module root")
	}
}
