package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
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
	noAPI    bool     // the command does not call the API: no client, no global API flags

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

// groups is the command tree, in the order of the help.
var groups []*group

func init() {
	groups = append(apiGroups(), toolGroups()...)
	for _, g := range groups {
		for _, c := range g.cmds {
			c.group = g.name
		}
	}
}

func findGroup(name string) *group {
	for _, g := range groups {
		if g.name == name {
			return g
		}
	}
	return nil
}

func printMainHelp(w io.Writer) {
	fmt.Fprint(w, `chatwork is a command-line client for the Chatwork API v2.

Usage:
  chatwork [global flags] COMMAND [SUBCOMMAND] [flags] [arguments]
  chatwork help [COMMAND [SUBCOMMAND]]     (also: chatwork COMMAND help, and -h on any command)

New here? Run 'chatwork demo': a guided tour against a built-in fake Chatwork.

API commands, one per operation of the API; flags are named like the API's parameters:
`)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, g := range groups {
		if g.tool {
			continue
		}
		for _, c := range g.cmds {
			method, path, _ := strings.Cut(c.endpoint, " ")
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", c.path(), method, path, c.summary)
		}
	}
	tw.Flush()
	fmt.Fprint(w, "\nTools:\n")
	for _, g := range groups {
		if !g.tool {
			continue
		}
		for _, c := range g.cmds {
			fmt.Fprintf(tw, "  %s\t%s\n", c.path(), c.summary)
		}
	}
	tw.Flush()
	fmt.Fprint(w, `
Global flags (accepted before or after the command):
  --token-file PATH    read the API token from PATH (the first line; a trailing newline is ignored)
  --base-url URL       the API's base URL (default `+"https://api.chatwork.com/v2"+`)
  --output FORMAT      json (the default: the API's field names, indented) or table
  --max-wait DURATION  how long a call may wait for a rate limit (429) to clear; 0 fails at once (default 5m)
  --verbose            log each request on stderr (never the token); waits and retries are always logged

Environment:
  CHATWORK_API_TOKEN   the API token, when --token-file is not given
  CHATWORK_BASE_URL    the base URL, when --base-url is not given
  CHATWORK_MAX_WAIT    the maximum wait, when --max-wait is not given

Exit codes:
  0  success
  1  other errors: network, files, interrupted, ...
  2  usage error: bad flags or arguments, no token, or input the client refuses before sending anything
  3  API error: the API answered with an error status; its status and messages are printed on stderr
  4  rate limited: the API answered 429 and the limit did not clear within --max-wait

Examples:
  export CHATWORK_API_TOKEN=...                       # from Chatwork: Service integration > API token
  chatwork rooms list --output table
  chatwork messages post 123 --body 'Deploy finished'
  echo 'Build failed' | chatwork send 123 - --to 456 --info-title CI
  chatwork tasks create 123 --body 'Review the PR' --to_ids 456 --limit 2030-01-31T18:00:00+09:00
`)
}

func printGroupHelp(w io.Writer, g *group) {
	fmt.Fprintf(w, "chatwork %s: %s\n\nCommands:\n", g.name, g.summary)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, c := range g.cmds {
		method, path, _ := strings.Cut(c.endpoint, " ")
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", c.name, method, path, c.summary)
	}
	tw.Flush()
	fmt.Fprintln(w, "\nUsage:")
	for _, c := range g.cmds {
		fmt.Fprintf(w, "  chatwork %s %s\n", c.path(), c.usage)
	}
	fmt.Fprintf(w, "\nRun 'chatwork %s COMMAND -h' for a command's flags, 'chatwork help' for global flags and exit codes.\n", g.name)
}

func printCommandHelp(w io.Writer, c *command) {
	fmt.Fprintf(w, "Usage: chatwork %s %s\n\n%s.", c.path(), c.usage, upperFirst(c.summary))
	if c.endpoint != "" {
		fmt.Fprintf(w, " (%s)", c.endpoint)
	}
	fmt.Fprintln(w)
	if c.details != "" {
		fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(c.details))
	}
	// A fresh flag set shows the defaults, not what was parsed.
	fs := flag.NewFlagSet(c.path(), flag.ContinueOnError)
	c.setup(fs)
	var own []*flag.Flag
	fs.VisitAll(func(f *flag.Flag) { own = append(own, f) })
	if len(own) > 0 {
		fmt.Fprintln(w, "\nFlags:")
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		for _, f := range own {
			name, usage := flag.UnquoteUsage(f)
			if name == "value" {
				switch f.Value.(type) {
				case *flag01:
					name = "0|1"
				case *timeFlag:
					name = "UNIX|RFC3339"
				case *idsFlag:
					name = "IDS"
				}
			}
			name = strings.ToUpper(name)
			arg := "--" + f.Name
			if name != "" {
				arg += " " + name
			}
			if f.DefValue != "" && f.DefValue != "0" && f.DefValue != "false" && f.DefValue != "[]" {
				usage += fmt.Sprintf(" (default %s)", f.DefValue)
			}
			fmt.Fprintf(tw, "  %s\t%s\n", arg, usage)
		}
		tw.Flush()
	}
	if !c.noAPI {
		fmt.Fprintln(w, "\nGlobal flags: --token-file PATH, --base-url URL, --output json|table, --max-wait DURATION, --verbose.")
		fmt.Fprintln(w, "Exit codes: 0 ok, 1 other error, 2 usage or invalid input, 3 API error, 4 rate limited.")
	}
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// Flag types.

// flag01 is a flag of the API's 0/1 kind, such as --force 1. It needs a
// value: 0, 1, false or true.
type flag01 struct {
	set bool
	on  bool
}

func (f *flag01) String() string {
	if f == nil || !f.set {
		return ""
	}
	if f.on {
		return "1"
	}
	return "0"
}

func (f *flag01) Set(s string) error {
	switch strings.ToLower(s) {
	case "1", "true":
		f.on = true
	case "0", "false":
		f.on = false
	default:
		return fmt.Errorf("want 0 or 1, not %q", s)
	}
	f.set = true
	return nil
}

// ptr returns the flag as a *bool, nil when it was not given.
func (f *flag01) ptr() *bool {
	if !f.set {
		return nil
	}
	v := f.on
	return &v
}

func flag01Var(fs *flag.FlagSet, name, usage string) *flag01 {
	f := &flag01{}
	fs.Var(f, name, usage)
	return f
}

// idsFlag is a list of account IDs written as the API does, 1,2,3. The
// flag may also be repeated.
type idsFlag []int64

func (f *idsFlag) String() string {
	if f == nil {
		return ""
	}
	s := make([]string, len(*f))
	for i, id := range *f {
		s[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(s, ",")
}

func (f *idsFlag) Set(s string) error {
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		id, err := strconv.ParseInt(part, 10, 64)
		if err != nil || id <= 0 {
			return fmt.Errorf("%q is not an account ID", part)
		}
		*f = append(*f, id)
	}
	return nil
}

func idsVar(fs *flag.FlagSet, name, usage string) *idsFlag {
	f := &idsFlag{}
	fs.Var(f, name, usage)
	return f
}

// timeFlag is a deadline: Unix seconds or RFC 3339.
type timeFlag struct{ t time.Time }

func (f *timeFlag) String() string {
	if f == nil || f.t.IsZero() {
		return ""
	}
	return f.t.Format(time.RFC3339)
}

func (f *timeFlag) Set(s string) error {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n <= 0 {
			return fmt.Errorf("%q is not a time after 1970", s)
		}
		f.t = time.Unix(n, 0)
		return nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return fmt.Errorf("%q is neither Unix seconds nor RFC 3339 (2006-01-02T15:04:05+09:00)", s)
	}
	f.t = t
	return nil
}

// parseID reads a positional ID argument such as ROOM_ID.
func parseID(name, s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, usagef("%s must be a positive number, not %q", name, s)
	}
	return id, nil
}

// parseIDs reads the positional IDs of a command in order, naming each
// after the command's argument list.
func parseIDs(c *command, args []string) ([]int64, error) {
	out := make([]int64, len(args))
	for i, s := range args {
		name := "ID"
		if i < len(c.args) {
			name = c.args[i]
		}
		id, err := parseID(name, s)
		if err != nil {
			return nil, err
		}
		out[i] = id
	}
	return out, nil
}

// oneOf checks an enumerated flag value; empty is allowed.
func oneOf(flagName, v string, allowed ...string) error {
	if v == "" {
		return nil
	}
	for _, x := range allowed {
		if v == x {
			return nil
		}
	}
	return usagef("--%s must be one of %s, not %q", flagName, strings.Join(allowed, ", "), v)
}
