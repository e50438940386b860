package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

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
	envToken   = "CHATWORK_API_TOKEN" //nolint:gosec // G101: the name of a variable, not a credential
	envBaseURL = "CHATWORK_BASE_URL"
	envMaxWait = "CHATWORK_MAX_WAIT"
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
	tokenFile string
	baseURL   string
	output    string
	maxWait   time.Duration
	verbose   bool
	redisURL  string          // see redis.go
	set       map[string]bool // global flags given explicitly

	cmd *command    // the command being run
	c   *api.Client // set before an API command runs

	apiOpts []api.Option // added to every client; for tests
}

// globalFlagNames lists the flags that globalFlags defines, so that the
// help of a command can list its own flags apart.
var globalFlagNames = map[string]bool{
	"token-file": true, "base-url": true, "output": true, "max-wait": true, "verbose": true, "redis-url": true,
}

// globalFlags defines the global flags on fs. The defaults are the current
// values, so that defining them again on a command's flag set keeps what
// was parsed before the command.
func (a *app) globalFlags(fs *flag.FlagSet) {
	fs.StringVar(&a.tokenFile, "token-file", a.tokenFile, "read the API token from `PATH` (default: $"+envToken+")")
	fs.StringVar(&a.baseURL, "base-url", a.baseURL, "the API's base `URL` (default: $"+envBaseURL+", else "+api.DefaultBaseURL+")")
	fs.StringVar(&a.output, "output", a.output, "output `format`: json or table")
	fs.DurationVar(&a.maxWait, "max-wait", a.maxWait, "how long a call may wait for a 429 to clear, such as 30s or 0 (default: $"+envMaxWait+", else 5m)")
	fs.BoolVar(&a.verbose, "verbose", a.verbose, "log each request on stderr (never the token); waits and retries are always logged")
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
	return a.main(args)
}

// main is run with the app built.
func (a *app) main(args []string) int {
	a.output, a.set = "json", map[string]bool{}
	stdout, stderr := a.stdout, a.stderr

	fs := flag.NewFlagSet("chatwork", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	a.globalFlags(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printMainHelp(stdout)
			return exitOK
		}
		fmt.Fprintf(stderr, "chatwork: %v\nRun 'chatwork help' for usage.\n", err)
		return exitUsage
	}
	fs.Visit(func(f *flag.Flag) { a.set[f.Name] = true })
	rest := fs.Args()
	if len(rest) == 0 {
		printMainHelp(stderr)
		return exitUsage
	}

	name := rest[0]
	if name == "help" {
		return a.help(rest[1:])
	}
	g := findGroup(name)
	if g == nil {
		fmt.Fprintf(stderr, "chatwork: unknown command %q\nRun 'chatwork help' for the list of commands.\n", name)
		return exitUsage
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
		if len(rest) == 1 {
			printGroupHelp(stderr, g)
			return exitUsage
		}
		switch sub := rest[1]; sub {
		case "help", "-h", "-help", "--help":
			if len(rest) > 2 {
				return a.help(append([]string{g.name}, rest[2:]...))
			}
			printGroupHelp(stdout, g)
			return exitOK
		default:
			cmd = g.find(sub)
			if cmd == nil {
				fmt.Fprintf(stderr, "chatwork: unknown command %q\n\n", g.name+" "+sub)
				printGroupHelp(stderr, g)
				return exitUsage
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
		fmt.Fprintf(a.stderr, "chatwork: no help for unknown command %q\n", args[0])
		return exitUsage
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
		fmt.Fprintf(a.stderr, "chatwork: no help for unknown command %q\n", g.name+" "+args[1])
		return exitUsage
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
	runner := cmd.setup(fs)
	if !cmd.noAPI {
		a.globalFlags(fs)
	}
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printCommandHelp(a.stdout, cmd)
			return exitOK
		}
		return a.report(usagef("%v", err))
	}
	fs.Visit(func(f *flag.Flag) {
		if globalFlagNames[f.Name] {
			a.set[f.Name] = true
		}
	})
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
	if a.output != "json" && a.output != "table" {
		return a.report(usagef("--output must be json or table, not %q", a.output))
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

// token returns the API token: the first line of --token-file, else
// $CHATWORK_API_TOKEN. The token itself never appears in an error.
func (a *app) token() (string, error) {
	if a.tokenFile != "" {
		b, err := os.ReadFile(a.tokenFile)
		if err != nil {
			return "", fmt.Errorf("reading the token file: %w", err)
		}
		tok := strings.TrimRight(string(b), "\r\n")
		tok = strings.TrimSpace(tok)
		if strings.ContainsAny(tok, "\r\n") {
			return "", usagef("the token file %s holds more than one line", a.tokenFile)
		}
		if tok == "" {
			return "", usagef("the token file %s is empty", a.tokenFile)
		}
		return tok, nil
	}
	if tok := strings.TrimSpace(a.env(envToken)); tok != "" {
		return tok, nil
	}
	return "", usagef("no API token: set %s or pass --token-file PATH", envToken)
}

// newClient builds the API client from the global flags and environment.
func (a *app) newClient() (*api.Client, error) {
	tok, err := a.token()
	if err != nil {
		return nil, err
	}
	opts := []api.Option{api.WithUserAgent("chatwork-cli/" + api.Version)}
	base := a.baseURL
	if base == "" {
		base = strings.TrimSpace(a.env(envBaseURL))
	}
	if base != "" {
		opts = append(opts, api.WithBaseURL(base))
	}
	switch {
	case a.set["max-wait"]:
		opts = append(opts, api.WithMaxRateLimitWait(a.maxWait))
	case a.env(envMaxWait) != "":
		d, err := time.ParseDuration(strings.TrimSpace(a.env(envMaxWait)))
		if err != nil || d < 0 {
			return nil, usagef("%s=%q is not a duration such as 30s", envMaxWait, a.env(envMaxWait))
		}
		opts = append(opts, api.WithMaxRateLimitWait(d))
	}
	// Waits and retries are always told on stderr; every request with --verbose.
	level := slog.LevelInfo
	if a.verbose {
		level = slog.LevelDebug
	}
	opts = append(opts, api.WithLogger(slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{
		Level: level,
		ReplaceAttr: func(groups []string, at slog.Attr) slog.Attr {
			if len(groups) == 0 && at.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return at
		},
	}))))
	redisOpt, err := redisOption(a.redisURLOrEnv(), tok, slog.New(slog.NewTextHandler(a.stderr, nil)))
	if err != nil {
		return nil, err
	}
	c, err := api.NewClient(tok, append(append(opts, redisOpt), a.apiOpts...)...)
	if err != nil {
		var ie *api.InputError
		if errors.As(err, &ie) {
			return nil, err
		}
		// A bad option, such as the base URL: a usage error too.
		return nil, usagef("%v", err)
	}
	return c, nil
}

// exitCode maps an error to the documented exit codes.
func exitCode(err error) int {
	var (
		ue *usageError
		ie *api.InputError
		re *api.RateLimitError
		ae *api.APIError
	)
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ue), errors.As(err, &ie), errors.Is(err, api.ErrInvalidInput):
		return exitUsage
	case errors.As(err, &re), errors.Is(err, api.ErrRateLimited):
		return exitRateLimited
	case errors.As(err, &ae):
		return exitAPI
	}
	return exitError
}

// report prints err on stderr, in words meant for a person, and returns
// its exit code.
func (a *app) report(err error) int {
	code := exitCode(err)
	if err == nil {
		return code
	}
	w := a.stderr
	var (
		ie *api.InputError
		re *api.RateLimitError
		ae *api.APIError
	)
	hint := "Run 'chatwork help' for usage."
	if a.cmd != nil {
		hint = "Run 'chatwork " + a.cmd.path() + " -h' for usage."
	}
	switch {
	case code == exitUsage && errors.As(err, &ie):
		fmt.Fprintf(w, "chatwork: invalid input, nothing was sent: %s %s\n%s\n", ie.Field, ie.Reason, hint)
	case code == exitUsage:
		fmt.Fprintf(w, "chatwork: %s\n%s\n", errText(err), hint)
	case errors.As(err, &re):
		which := "the account's rate limit"
		if re.RateLimit.Limit > 0 {
			which += fmt.Sprintf(" (%d requests per window)", re.RateLimit.Limit)
		}
		if re.PerRoom {
			which = "the room's posting limit (10 messages or tasks per 10 seconds)"
		}
		fmt.Fprintf(w, "chatwork: rate limited: %s was reached (%s %s)\n", which, re.Method, re.Path)
		if !re.Reset.IsZero() {
			fmt.Fprintf(w, "chatwork: it resets at %s (in %s); --max-wait lets the command wait for it\n",
				re.Reset.Local().Format("15:04:05"), time.Until(re.Reset).Round(time.Second))
		}
	case errors.As(err, &ae):
		fmt.Fprintf(w, "chatwork: API error: %d %s (%s %s)\n", ae.StatusCode, http.StatusText(ae.StatusCode), ae.Method, ae.Path)
		for _, m := range ae.Errors {
			fmt.Fprintf(w, "chatwork:   %s\n", m)
		}
		if ae.Auth != nil && ae.Auth.Code != "" {
			fmt.Fprintf(w, "chatwork:   %s %s\n", ae.Auth.Code, ae.Auth.Description)
		}
		if ae.MessageLimited {
			fmt.Fprintln(w, "chatwork:   (hidden by the free plan's message limitation)")
		}
		if ae.StatusCode == 401 {
			fmt.Fprintf(w, "chatwork: check the token in $%s or --token-file\n", envToken)
		}
	case errors.Is(err, context.Canceled):
		fmt.Fprintln(w, "chatwork: interrupted")
	default:
		fmt.Fprintf(w, "chatwork: %s\n", errText(err))
	}
	return code
}

// errText is the error's message without the "chatwork: " the api package
// starts its errors with, since report adds its own.
func errText(err error) string {
	return strings.TrimPrefix(err.Error(), "chatwork: ")
}
