package main

import (
	"context"
	"flag"
	"strings"
	"sync"
)

// A command is one leaf of the command tree, such as "rooms create".
type command struct {
	group    string   // "rooms"
	name     string   // "create"; empty when the group is the command
	args     []string // positional arguments, such as ROOM_ID
	nargs    int      // how many positional arguments; -1 when the command checks
	usage    string   // the synopsis after "chatwork rooms create"
	summary  string   // one line
	endpoint string   // "POST /rooms"; empty for tools
	details  string   // more help, shown by -h
	noAPI    bool     // the command does not call the API: no client is built

	// setup defines the command's flags on fs and returns the function
	// that runs it with the positional arguments.
	setup func(fs *flag.FlagSet) runFunc
}

type runFunc func(ctx context.Context, a *app, args []string) error

func (c *command) path() string {
	if c.name == "" {
		return c.group
	}
	return c.group + " " + c.name
}

// A group is a resource of the API, such as rooms, or a tool.
type group struct {
	name    string
	summary string
	tool    bool // listed under Tools in the main help
	cmds    []*command
}

// leaf reports whether the group is itself a command, such as "me".
func (g *group) leaf() bool { return len(g.cmds) == 1 && g.cmds[0].name == "" }

func (g *group) find(name string) *command {
	for _, c := range g.cmds {
		if c.name == name {
			return c
		}
	}
	return nil
}

// The command tree is built once, on first use: the groups of the API
// operations (ops.go), the tools (send.go), then the commands that other
// files add from their init functions with addCommand or addGroup, in that
// order. A new command in a new file needs nothing else: help, usage
// errors, suggestions and shell completion all read the tree.
var (
	treeOnce sync.Once
	tree     []*group
	added    []treeChange // from addCommand and addGroup, applied when the tree is built
)

// A treeChange adds to the command tree.
type treeChange func([]*group) []*group

// commandTree returns the command tree, in the order of the help.
func commandTree() []*group {
	treeOnce.Do(func() { tree = buildTree(added) })
	return tree
}

// buildTree builds a fresh tree: the API groups, the tools, then changes.
func buildTree(changes []treeChange) []*group {
	gs := append(apiGroups(), toolGroups()...)
	for _, change := range changes {
		gs = change(gs)
	}
	for _, g := range gs {
		for _, c := range g.cmds {
			c.group = g.name
		}
	}
	return gs
}

// addCommand adds c to the group named groupName, after its commands; for
// example, from an init function: addCommand("messages", watchCommand()).
// It must be called from an init function.
func addCommand(groupName string, c *command) { added = append(added, withCommand(groupName, c)) }

// addGroup adds a group of commands (tool: true lists it under Tools). It
// must be called from an init function.
func addGroup(g *group) { added = append(added, withGroup(g)) }

func withCommand(groupName string, c *command) treeChange {
	return func(gs []*group) []*group {
		g := findGroupIn(gs, groupName)
		if g == nil {
			panic("chatwork: addCommand: no group " + groupName)
		}
		g.cmds = append(g.cmds, c)
		return gs
	}
}

func withGroup(g *group) treeChange {
	return func(gs []*group) []*group { return append(gs, g) }
}

func findGroup(name string) *group { return findGroupIn(commandTree(), name) }

func findGroupIn(gs []*group, name string) *group {
	for _, g := range gs {
		if g.name == name {
			return g
		}
	}
	return nil
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
