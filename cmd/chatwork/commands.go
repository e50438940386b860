package main

import (
	"context"
	"flag"
	"slices"
	"strings"
	"sync"
)

// A command is one leaf of the command tree, such as "rooms create".
type command struct {
	group    string   // "rooms"
	name     string   // "create"; empty when the group is the command
	aliases  []string // other names, such as "ls" for "list"; help shows them, suggestions use them
	args     []string // positional arguments, such as ROOM_ID
	nargs    int      // how many positional arguments; -1 when the command checks
	usage    string   // the synopsis after "chatwork rooms create"
	summary  string   // one line
	endpoint string   // "POST /rooms"; empty for tools
	details  string   // more help, shown by -h
	noAPI    bool     // the command does not call the API: no client is built
	examples string   // command lines with comments, shown by -h
	hidden   bool     // left out of help and completion: a deprecated name kept for one release
	// deprecated, when set, is printed on stderr each time the command runs:
	// what to use instead.
	deprecated string
	// renamed maps an old flag name to its new one: hidden aliases, kept for
	// one release, that print a deprecation note when used.
	renamed map[string]string

	// setup defines the command's flags on fs and returns the function
	// that runs it with the positional arguments.
	setup func(fs *flag.FlagSet) runFunc
}

type runFunc func(ctx context.Context, a *app, args []string) error

// flags defines on fs the command's flags, the old names of its renamed
// flags, the global flags of a and every alias, and returns the function
// that runs the command.
func (c *command) flags(a *app, fs *flag.FlagSet) runFunc {
	run := c.setup(fs)
	for old, name := range c.renamed {
		f := fs.Lookup(name)
		if f == nil {
			panic("chatwork: " + c.path() + ": --" + old + " renamed to --" + name + ", which is not defined")
		}
		for _, n := range []string{old, strings.ReplaceAll(old, "-", "_")} {
			if fs.Lookup(n) == nil {
				fs.Var(aliasValue{Value: f.Value, of: name, deprecated: true}, n, "deprecated: use --"+name)
			}
		}
	}
	a.globalFlags(fs)
	addAliases(fs)
	return run
}

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

// visible returns the commands of g that help and completion show.
func (g *group) visible() []*command {
	var out []*command
	for _, c := range g.cmds {
		if !c.hidden {
			out = append(out, c)
		}
	}
	return out
}

// find returns the command of g named name, or one of its aliases.
func (g *group) find(name string) *command {
	for _, c := range g.cmds {
		if c.name == name || slices.Contains(c.aliases, name) {
			return c
		}
	}
	return nil
}

// registry is the one registration table of the command tree, in the
// order of the help: each line is a group (a resource of the API or a
// tool), from the function of its file. To add a command, write one
// function returning the command or the group, and add one line here:
// help, usage errors, suggestions and shell completion all read the tree.
func registry() []*group {
	return []*group{
		// The API operations, grouped by resource (ops.go).
		leaf("me", meCommand()),
		leaf("status", statusCommand()),
		leaf("contacts", contactsCommand()),
		tasksGroup(),
		roomsGroup(),
		membersGroup(),
		messagesGroup().with(watchCommand()),
		filesGroup(),
		linksGroup(),
		requestsGroup(),
		// Tools.
		authGroup(),
		tool("api", apiCommand()),
		tool("send", sendCommand()),
		webhookGroup(),
		eventsGroup(),
		tool("fake", fakeCommand()),
		tool("demo", demoCommand()),
		tool("proxy", proxyCommand()),
		conformanceGroup(),
		tool("version", versionCommand()),
		tool("completion", completionCommand()),
	}
}

// leaf is a group that is itself a command, such as "me".
func leaf(name string, c *command) *group {
	return &group{name: name, summary: c.summary, cmds: []*command{c}}
}

// tool is a leaf listed under Tools in the main help, such as "send".
func tool(name string, c *command) *group {
	g := leaf(name, c)
	g.tool = true
	return g
}

// with adds commands to g, after its own, and returns g.
func (g *group) with(cmds ...*command) *group {
	g.cmds = append(g.cmds, cmds...)
	return g
}

var (
	treeOnce sync.Once
	tree     []*group
)

// commandTree returns the command tree of registry, built on first use.
func commandTree() []*group {
	treeOnce.Do(func() { tree = buildTree(registry()) })
	return tree
}

// buildTree checks a table of groups and tells each command its group.
// Two groups, or two commands of a group, with one name are a mistake in
// the table: it panics, and every test fails.
func buildTree(gs []*group) []*group {
	seen := map[string]bool{}
	for _, g := range gs {
		if seen[g.name] {
			panic("chatwork: two groups named " + g.name)
		}
		seen[g.name] = true
		names := map[string]bool{}
		for _, c := range g.cmds {
			c.group = g.name
			for _, n := range append([]string{c.name}, c.aliases...) {
				if names[n] {
					panic("chatwork: two commands named " + g.name + " " + n)
				}
				names[n] = true
			}
		}
	}
	return gs
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
