package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// outputRule is the one rule for what commands print, shown by "chatwork
// help" and kept in the package doc.
const outputRule = `Output:
  stdout carries the command's result and nothing else; notes, warnings, logs and errors go to
  stderr, so that 'chatwork ... > file' or '$(chatwork ...)' captures only the result.
  For the API commands and send, the result is the API's answer, as gh prints: a table at a
  terminal (cut to its width; coloured unless NO_COLOR is set), tab-separated values without a
  header when piped; -o json (the API's field names; message IDs stay strings), -o yaml,
  --json [FIELDS] (only those fields; at a terminal, --json alone lists them), --jq EXPRESSION
  (jq's language), --template TEMPLATE (Go templates with join, pluck, tablerow, timefmt,
  timeago, truncate, color, plain). Nothing is printed when the API answers nothing.
  Destructive commands ask at a terminal (type the object's name) and need --yes in a script;
  they say what they did in one line on stderr. Reads change nothing on the server: only
  'messages list --new' moves the account's read cursor.
  Tools whose result is data print the data as it is: files download the file's bytes, webhook
  listen one JSON line per event, webhook sign the signature, completion the script, version
  the version; demo and fake print text for people.
`

func printMainHelp(w io.Writer) {
	fmt.Fprint(w, `chatwork is a command-line client for the Chatwork API v2.

Usage:
  chatwork [global flags] COMMAND [SUBCOMMAND] [flags] [arguments]
  chatwork help [COMMAND [SUBCOMMAND]]     (also: chatwork COMMAND help, and -h on any command)

New here? Run 'chatwork demo': a guided tour against a built-in fake Chatwork.

API commands, one per operation of the API. Flags are kebab-case (--self-unread), with one word
for one thing everywhere: --to for assignees and mentions (IDs or @names), --due for a deadline,
--by for who assigned or uploaded; the API's own spelling (--self_unread) is accepted too.
`)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, g := range commandTree() {
		if g.tool {
			continue
		}
		for _, c := range g.visible() {
			method, path, _ := strings.Cut(c.endpoint, " ")
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", c.path(), method, path, c.summary)
		}
	}
	tw.Flush()
	fmt.Fprint(w, "\nTools:\n")
	for _, g := range commandTree() {
		if !g.tool {
			continue
		}
		for _, c := range g.visible() {
			fmt.Fprintf(tw, "  %s\t%s\n", c.path(), c.summary)
		}
	}
	tw.Flush()
	fmt.Fprint(w, "\nGlobal flags (accepted before or after the command):\n")
	fs := flag.NewFlagSet("chatwork", flag.ContinueOnError)
	new(app).globalFlags(fs)
	fs.Bool("version", false, "print the version and exit (also: chatwork version); only before the command")
	printFlags(w, fs, func(*flag.Flag) bool { return true })
	fmt.Fprint(w, `
Environment:
  CHATWORK_API_TOKEN       the API token, when --token-file and --profile are not given
  CHATWORK_BASE_URL        the base URL, when --base-url and --profile are not given
  CHATWORK_PROFILE         the profile of the configuration, when --profile is not given (else default)
  CHATWORK_MAX_WAIT        the maximum wait, when --max-wait is not given
  CHATWORK_WEBHOOK_TOKEN   the webhook tokens (comma-separated), when --webhook-token-file is not given
  CHATWORK_REDIS_URL       the Redis URL, when --redis-url is not given: share the rate budget across processes
  NO_COLOR                 no colour in tables, whatever the terminal
  XDG_CONFIG_HOME          where the configuration lives (chatwork/config.yml; default ~/.config)
  XDG_CACHE_HOME           where completion keeps room and account IDs (chatwork/; default ~/.cache)

Settings come from a flag, then the environment, then the profile that 'chatwork auth login' saved
(see 'chatwork auth login -h' for the order).

Durations are written as 30s, 5m or 1h30m. Task deadlines (--due) are a date such as 2030-01-31
(the end of that day in Japan Standard Time, UTC+9, as Chatwork's documents write date
deadlines), an RFC 3339 time such as 2030-01-31T18:00:00+09:00, or Unix seconds.

`+outputRule+`
Exit codes:
  0  success
  1  other errors: network, files, interrupted, ...
  2  usage error: bad flags or arguments, no token, or input the client refuses before sending anything
  3  API error: the API answered with an error status; its status and messages are printed on stderr
  4  rate limited: the API answered 429 and the limit did not clear within --max-wait

Shell completion: chatwork completion bash|zsh|fish (see 'chatwork completion -h').

Examples:
  chatwork auth login                                 # paste the token from Chatwork: Service integration > API token
  chatwork rooms list
  chatwork messages post 123 --body 'Deploy finished'
  echo 'Build failed' | chatwork send 123 - --to 456 --info-title CI
  chatwork tasks create 123 --body 'Review the PR' --to @anna --due 2030-01-31
  chatwork rooms ls --jq '.[] | select(.unread_num > 0) | .name'
`)
}

func printGroupHelp(w io.Writer, g *group) {
	fmt.Fprintf(w, "chatwork %s: %s\n\nCommands:\n", g.name, g.summary)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, c := range g.visible() {
		method, path, _ := strings.Cut(c.endpoint, " ")
		name := c.name
		if len(c.aliases) > 0 {
			name += " (" + strings.Join(c.aliases, ", ") + ")"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", name, method, path, c.summary)
	}
	tw.Flush()
	fmt.Fprintln(w, "\nUsage:")
	for _, c := range g.visible() {
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
	if len(c.aliases) > 0 {
		fmt.Fprintf(w, "Aliases: %s.\n", strings.Join(c.aliases, ", "))
	}
	if c.deprecated != "" {
		fmt.Fprintf(w, "Deprecated: %s.\n", c.deprecated)
	}
	if c.details != "" {
		fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(c.details))
	}
	if c.examples != "" {
		fmt.Fprintln(w, "\nExamples:")
		for _, l := range strings.Split(strings.TrimSpace(c.examples), "\n") {
			fmt.Fprintf(w, "  %s\n", l)
		}
	}
	// A fresh flag set shows the defaults, not what was parsed.
	fs, global := commandFlags(c)
	own := func(f *flag.Flag) bool { return !global[f.Name] }
	n := 0
	fs.VisitAll(func(f *flag.Flag) {
		if own(f) && !isAlias(f) {
			n++
		}
	})
	if n > 0 {
		fmt.Fprintln(w, "\nFlags:")
		printFlags(w, fs, own)
	}
	var names []string
	fs.VisitAll(func(f *flag.Flag) {
		if global[f.Name] && !isAlias(f) {
			arg, _ := flagSynopsis(f)
			if s, ok := shortNames[f.Name]; ok {
				arg = "-" + s + "/" + arg
			}
			names = append(names, arg)
		}
	})
	if c.noAPI {
		fmt.Fprintf(w, "\nThis command makes no API call: the global flags (%s) are accepted and ignored.\n", strings.Join(names, ", "))
	} else {
		fmt.Fprintf(w, "\nGlobal flags: %s.\n", strings.Join(names, ", "))
	}
	fmt.Fprintln(w, "Exit codes: 0 ok, 1 other error, 2 usage or invalid input, 3 API error, 4 rate limited.")
}

// commandFlags returns a fresh flag set with c's flags, the global flags
// and their aliases, and the names of the global flags among them.
func commandFlags(c *command) (*flag.FlagSet, map[string]bool) {
	fs := flag.NewFlagSet("chatwork "+c.path(), flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c.flags(new(app), fs)
	return fs, globalFlagNames()
}

// globalFlagNames returns the names of the global flags and their aliases.
func globalFlagNames() map[string]bool {
	fs := flag.NewFlagSet("", flag.ContinueOnError)
	new(app).globalFlags(fs)
	addAliases(fs)
	names := map[string]bool{}
	fs.VisitAll(func(f *flag.Flag) { names[f.Name] = true })
	return names
}

// printFlags prints the flags of fs that keep accepts, aliases aside, one
// per line with their usage.
func printFlags(w io.Writer, fs *flag.FlagSet, keep func(*flag.Flag) bool) {
	tw := tabwriter.NewWriter(w, 25, 0, 2, ' ', 0)
	fs.VisitAll(func(f *flag.Flag) {
		if isAlias(f) || !keep(f) {
			return
		}
		arg, usage := flagSynopsis(f)
		if s, ok := shortNames[f.Name]; ok {
			arg = "-" + s + ", " + arg
		}
		fmt.Fprintf(tw, "  %s\t%s\n", arg, usage)
	})
	tw.Flush()
}

// flagSynopsis returns "--name ARG" and the usage of f, with its default.
func flagSynopsis(f *flag.Flag) (arg, usage string) {
	name, usage := flag.UnquoteUsage(f)
	switch f.Value.(type) {
	case *flag01:
		name = "[0|1]"
	case *dueFlag:
		name = "DATE|RFC3339|UNIX"
	case *idsFlag:
		name = "IDS"
	case *accountsFlag:
		name = "ACCOUNTS"
		if strings.Contains(usage, "this account") {
			name = "ACCOUNT" // a filter: one account
		}
	case *jsonFlag:
		name = "[FIELDS]"
	case durationFlag:
		if name == "value" {
			name = "DURATION"
		}
	}
	switch name {
	case "string":
		name = "VALUE"
	case "int", "int64":
		name = "N"
		if strings.HasSuffix(f.Name, "-id") {
			name = "ID"
		}
	}
	name = strings.ToUpper(name)
	arg = "--" + f.Name
	if name != "" {
		arg += " " + name
	}
	if f.DefValue != "" && f.DefValue != "0" && f.DefValue != "0s" && f.DefValue != "false" && f.DefValue != "[]" {
		usage += fmt.Sprintf(" (default %s)", f.DefValue)
	}
	return arg, usage
}
