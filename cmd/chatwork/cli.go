package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/chatwork-go/chatwork/api"
)

// Exit codes, documented in "chatwork help".
const (
	exitOK          = 0 // success
	exitError       = 1 // anything else: network, files, ...
	exitUsage       = 2 // bad flags or arguments, or input the api package refuses before sending
	exitAPI         = 3 // the API answered with an error status
	exitRateLimited = 4 // a 429 that did not clear within --max-wait
)

// Environment variables the command reads.
const (
	envToken        = "CHATWORK_API_TOKEN" //nolint:gosec // G101: the name of a variable, not a credential
	envBaseURL      = "CHATWORK_BASE_URL"
	envMaxWait      = "CHATWORK_MAX_WAIT"
	envWebhookToken = "CHATWORK_WEBHOOK_TOKEN" //nolint:gosec // G101: the name of a variable, not a credential
)

// app is one invocation of the command: its streams, environment and
// global flags.
type app struct {
	ctx    context.Context
	env    func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer

	// Global flags, accepted before and after the command.
	tokenFile    string
	baseURL      string
	insecureHTTP bool
	out          outputOptions
	maxWait      time.Duration
	verbose      bool
	redisURL     string          // see redis.go
	profile      string          // see config.go
	set          map[string]bool // global flags given explicitly, by canonical name

	// The terminal: whether stdin and stdout are one, and stdout's width
	// in columns (0 when unknown).
	stdinTTY, stdoutTTY bool
	width               int

	cmd *command    // the command being run
	c   *api.Client // set before an API command runs

	apiOpts       []api.Option  // added to every client; for tests
	webhookLimits *serverLimits // replaces the defaults of webhook listen; for tests
}

// globalFlags defines the global flags on fs. The defaults are the current
// values, so that defining them again on a command's flag set keeps what
// was parsed before the command. To add a global flag, add a field to app
// and a line here: help, completion and the before-or-after parsing follow.
func (a *app) globalFlags(fs *flag.FlagSet) {
	fs.StringVar(&a.tokenFile, "token-file", a.tokenFile, "read the API token from `PATH` (default: $"+envToken+", else the profile's; see chatwork auth login -h)")
	fs.StringVar(&a.baseURL, "base-url", a.baseURL, "the API's base `URL` (default: $"+envBaseURL+", else the profile's, else "+api.DefaultBaseURL+")")
	fs.BoolVar(&a.insecureHTTP, "insecure-http", a.insecureHTTP, "allow a plain http:// base URL for a host that is not loopback: the token then travels unencrypted")
	fs.StringVar(&a.out.format, "output", a.out.format, "output `FORMAT`: table, tsv, json or yaml (default: table on a terminal, else tsv)")
	fs.Var(&a.out.json, "json", "print JSON; with `FIELDS` (comma-separated), only those fields")
	fs.StringVar(&a.out.jq, "jq", a.out.jq, "print the results of the jq `EXPRESSION` on the JSON, strings bare")
	fs.StringVar(&a.out.template, "template", a.out.template, "print the JSON through a Go `TEMPLATE` (helpers: join, pluck, tablerow, timefmt, timeago, truncate, color, plain)")
	fs.Var(durationFlag{&a.maxWait}, "max-wait", "how long a call may wait for a 429 to clear, such as 30s or 0 (default: $"+envMaxWait+", else 6m)")
	fs.BoolVar(&a.verbose, "verbose", a.verbose, "log each request, wait and retry on stderr (never the token)")
	fs.StringVar(&a.profile, "profile", a.profile, "use the `NAME`d profile of the configuration (default: $"+envProfile+", else default)")
	fs.StringVar(&a.redisURL, "redis-url", a.redisURL, "share the rate budget with other processes on the token through the Redis at `URL` (default: $"+envRedisURL+")")
}

// usageError is a mistake in the command line: exit code 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// run is the whole command: it parses args, runs the command and returns
// the exit code. main only wires it to the process.
func run(ctx context.Context, args []string, env func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	a := &app{ctx: ctx, env: env, stdin: stdin, stdout: stdout, stderr: stderr}
	a.stdinTTY = isTerminal(stdin)
	if a.stdoutTTY = isTerminal(stdout); a.stdoutTTY {
		a.width, _, _ = term.GetSize(int(stdout.(*os.File).Fd()))
	}
	return a.main(args)
}

// isTerminal reports whether f is a terminal.
func isTerminal(f any) bool {
	file, ok := f.(*os.File)
	return ok && term.IsTerminal(int(file.Fd()))
}

// main is run with the app built.
func (a *app) main(args []string) int {
	a.set = map[string]bool{}
	stdout, stderr := a.stdout, a.stderr

	fs := flag.NewFlagSet("chatwork", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	a.globalFlags(fs)
	version := fs.Bool("version", false, "print the version and exit")
	addAliases(fs)
	if err := fs.Parse(expandLeading(fs, args)); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printMainHelp(stdout)
			return exitOK
		}
		return a.report(flagError(fs, err))
	}
	fs.Visit(func(f *flag.Flag) { a.set[canonicalName(f)] = true })
	if *version {
		printVersion(stdout)
		return exitOK
	}
	rest := fs.Args()
	if len(rest) == 0 {
		printMainHelp(stderr)
		return exitUsage
	}

	name := rest[0]
	switch name {
	case "help":
		return a.help(rest[1:])
	case completeCommand:
		return a.complete(rest[1:])
	}
	g := findGroup(name)
	if g == nil {
		return a.report(unknownCommand(name, "", topLevelNames()))
	}
	var cmd *command
	if g.leaf() {
		cmd = g.cmds[0]
		rest = rest[1:]
		if len(rest) > 0 && rest[0] == "help" {
			printCommandHelp(stdout, cmd)
			return exitOK
		}
	} else {
		if len(rest) > 1 && strings.HasPrefix(rest[1], "-") && !isHelpFlag(rest[1]) {
			// Global flags between the group and its command: rooms -o table list.
			gfs := flag.NewFlagSet("chatwork "+g.name, flag.ContinueOnError)
			gfs.SetOutput(io.Discard)
			a.globalFlags(gfs)
			addAliases(gfs)
			if err := gfs.Parse(expandLeading(gfs, rest[1:])); err != nil {
				if errors.Is(err, flag.ErrHelp) {
					printGroupHelp(stdout, g)
					return exitOK
				}
				return a.report(flagError(gfs, err))
			}
			gfs.Visit(func(f *flag.Flag) { a.set[canonicalName(f)] = true })
			rest = append([]string{g.name}, gfs.Args()...)
		}
		if len(rest) == 1 {
			printGroupHelp(stderr, g)
			return exitUsage
		}
		switch sub := rest[1]; {
		case sub == "help" || isHelpFlag(sub):
			if len(rest) > 2 {
				return a.help(append([]string{g.name}, rest[2:]...))
			}
			printGroupHelp(stdout, g)
			return exitOK
		default:
			if cmd = g.find(sub); cmd == nil {
				return a.report(unknownCommand(sub, g.name, g.names()))
			}
		}
		rest = rest[2:]
	}
	return a.runCommand(cmd, rest)
}

// help prints the help asked for by "chatwork help [GROUP [COMMAND]]".
func (a *app) help(args []string) int {
	if len(args) == 0 {
		printMainHelp(a.stdout)
		return exitOK
	}
	g := findGroup(args[0])
	if g == nil {
		return a.report(unknownCommand(args[0], "", topLevelNames()))
	}
	if g.leaf() {
		printCommandHelp(a.stdout, g.cmds[0])
		return exitOK
	}
	if len(args) == 1 {
		printGroupHelp(a.stdout, g)
		return exitOK
	}
	cmd := g.find(args[1])
	if cmd == nil {
		return a.report(unknownCommand(args[1], g.name, g.names()))
	}
	printCommandHelp(a.stdout, cmd)
	return exitOK
}

// runCommand parses the command's flags and arguments, builds the client
// when the command talks to the API, runs it and turns its error into an
// exit code.
func (a *app) runCommand(cmd *command, args []string) int {
	a.cmd = cmd
	fs := flag.NewFlagSet("chatwork "+cmd.path(), flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	runner := cmd.flags(a, fs)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printCommandHelp(a.stdout, cmd)
			return exitOK
		}
		return a.report(flagError(fs, err))
	}
	global := globalFlagNames()
	fs.Visit(func(f *flag.Flag) {
		if global[f.Name] {
			a.set[canonicalName(f)] = true
		}
		if av, ok := f.Value.(aliasValue); ok && av.deprecated {
			instead := av.instead
			if instead == "" {
				instead = "use --" + av.of
			}
			fmt.Fprintf(a.stderr, "chatwork: warning: --%s is deprecated and goes away in the next release: %s\n", f.Name, instead)
		}
	})
	if cmd.deprecated != "" {
		fmt.Fprintf(a.stderr, "chatwork: warning: 'chatwork %s' is deprecated and goes away in the next release: %s\n", cmd.path(), cmd.deprecated)
	}
	if cmd.nargs >= 0 && len(pos) != cmd.nargs {
		switch {
		case len(pos) < cmd.nargs:
			return a.report(usagef("missing arguments: want %s", strings.Join(cmd.args, " ")))
		case cmd.nargs == 0:
			return a.report(usagef("unexpected argument %q", pos[0]))
		default:
			return a.report(usagef("too many arguments: want %s", strings.Join(cmd.args, " ")))
		}
	}
	if err := a.out.check(); err != nil {
		if fs.Lookup("output-file") != nil && a.set["output"] {
			err = usagef("%v (-O PATH writes the file to PATH)", err)
		}
		return a.report(err)
	}
	if a.stdoutTTY || a.stdinTTY {
		a.out.notes = a.stderr
	}
	if !cmd.noAPI {
		c, err := a.newClient()
		if err != nil {
			return a.report(err)
		}
		a.c = c
	}
	return a.report(runner(a.ctx, a, pos))
}

// parseInterspersed parses flags anywhere among the positional arguments,
// as in "messages post 123 --body hi". Everything after "--" is
// positional.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	args = expandSwitches(fs, args)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			return append(pos, rest...), nil
		}
		if len(rest) == 0 {
			return pos, nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

func isHelpFlag(arg string) bool {
	switch arg {
	case "-h", "-help", "--help":
		return true
	}
	return false
}

func printVersion(w io.Writer) {
	fmt.Fprintf(w, "chatwork %s (Chatwork API v2)\n", api.Version)
}
