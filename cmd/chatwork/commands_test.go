package main

import (
	"sort"
	"testing"

	"github.com/chatwork-go/chatwork/conformance"
)

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

// TestRegistry checks the one registration table: every group and
// command is named once (aliases included), knows its group, and a table
// that names one twice is refused.
func TestRegistry(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, g := range commandTree() {
		for _, c := range g.cmds {
			if c.group != g.name {
				t.Errorf("%s: group %q, want %q", c.path(), c.group, g.name)
			}
			for _, n := range append([]string{c.name}, c.aliases...) {
				if key := g.name + " " + n; seen[key] {
					t.Errorf("%q is registered twice", key)
				} else {
					seen[key] = true
				}
				if g.find(n) != c {
					t.Errorf("%s: find(%q) does not find it", c.path(), n)
				}
			}
		}
	}
	if findGroup("messages").find("watch") == nil {
		t.Error("messages watch, added with .with, is not in the tree")
	}
	twice := func(gs ...*group) (panicked bool) {
		defer func() { panicked = recover() != nil }()
		buildTree(gs)
		return false
	}
	x := &command{name: "x", setup: noFlags(nil)}
	if !twice(tool("a", x), tool("a", x)) {
		t.Error("two groups named a: no panic")
	}
	if !twice((&group{name: "g"}).with(x, &command{name: "y", aliases: []string{"x"}, setup: noFlags(nil)})) {
		t.Error("an alias equal to another command's name: no panic")
	}
}
