package main

import (
	"context"
	"flag"
	"fmt"
	"sort"
	"strings"
)

// completeCommand is the hidden command the completion scripts call with
// the words typed so far, the word being completed last (possibly empty).
// It prints the candidates, one per line; none means "complete file names".
const completeCommand = "__complete"

func completionCommand() *command {
	return &command{
		args: []string{"SHELL"}, nargs: 1, noAPI: true, usage: "bash|zsh|fish",
		summary: "print the shell completion script for bash, zsh or fish",
		examples: `source <(chatwork completion bash)
chatwork completion fish > ~/.config/fish/completions/chatwork.fish`,
		details: `The script completes commands, subcommands and flags from the command tree, by calling
chatwork itself; elsewhere it completes file names.

  bash:  source <(chatwork completion bash)          # in ~/.bashrc
  zsh:   source <(chatwork completion zsh)           # in ~/.zshrc, after compinit
         or: chatwork completion zsh > "${fpath[1]}/_chatwork"
  fish:  chatwork completion fish > ~/.config/fish/completions/chatwork.fish`,
		setup: func(*flag.FlagSet) runFunc {
			return func(_ context.Context, a *app, args []string) error {
				script, ok := completionScripts[args[0]]
				if !ok {
					return unknownCommand(args[0], "completion", []string{"bash", "zsh", "fish"})
				}
				_, err := fmt.Fprint(a.stdout, script)
				return err
			}
		},
	}
}

// The scripts pass the words to "chatwork __complete" and offer what it
// prints; when it prints nothing they fall back to file names.
var completionScripts = map[string]string{
	"bash": `# bash completion for chatwork; load it with: source <(chatwork completion bash)
_chatwork() {
    local cur="${COMP_WORDS[COMP_CWORD]}" IFS=$'\n' strip=""
    local -a words=("${COMP_WORDS[@]:1:COMP_CWORD}")
    # bash breaks words at @: --to @an arrives as "--to" "@" "an".
    if (( COMP_CWORD >= 2 )) && [[ ${COMP_WORDS[COMP_CWORD-1]} == "@" ]]; then
        words=("${COMP_WORDS[@]:1:COMP_CWORD-2}" "@$cur")
        strip="@"
    fi
    COMPREPLY=($(compgen -W "$("${COMP_WORDS[0]}" __complete "${words[@]}" 2>/dev/null | cut -f1 | sed "s/^$strip//")" -- "$cur"))
}
complete -o default -F _chatwork chatwork
`,
	"zsh": `#compdef chatwork
# zsh completion for chatwork; load it with: source <(chatwork completion zsh)
_chatwork() {
    local -a lines vals disp
    local line
    lines=("${(@f)$("${words[1]}" __complete "${(@)words[2,CURRENT]}" 2>/dev/null)}")
    for line in ${lines:#}; do
        vals+=("${line%%$'\t'*}")
        if [[ $line == *$'\t'* ]]; then
            disp+=("${line%%$'\t'*}  -- ${line#*$'\t'}")
        else
            disp+=("$line")
        fi
    done
    if (( ${#vals} )); then
        compadd -l -d disp -a vals
    else
        _files
    fi
}
if [[ "${funcstack[1]}" == "_chatwork" ]]; then
    _chatwork "$@"
else
    compdef _chatwork chatwork
fi
`,
	"fish": `# fish completion for chatwork; save it as ~/.config/fish/completions/chatwork.fish
function __chatwork_complete
    set -l words (commandline -opc)
    set -l cmd $words[1]
    set -e words[1]
    set -l cur (commandline -ct)
    $cmd __complete $words "$cur" 2>/dev/null
end
complete -c chatwork -a '(__chatwork_complete)'
`,
}

// complete prints the candidates for the last of words, the words after
// "chatwork" as typed so far.
func (a *app) complete(words []string) int {
	if len(words) == 0 {
		words = []string{""}
	}
	cur, done := words[len(words)-1], words[:len(words)-1]
	// The settings typed on the line being completed choose the account.
	for i := 0; i+1 < len(done); i++ {
		switch done[i] {
		case "--profile":
			a.profile = done[i+1]
		case "--base-url":
			a.baseURL = done[i+1]
		case "--token-file":
			a.tokenFile = done[i+1]
		}
	}
	for _, c := range completions(done, cur, a.dynamic) {
		fmt.Fprintln(a.stdout, c)
	}
	return exitOK
}

// A candidate is a word to offer, with a description that zsh and fish
// show beside it (bash shows the words only). The completion command
// prints it as WORD, or WORD, a tab and the description.
type candidate struct{ word, desc string }

func (c candidate) String() string {
	if c.desc == "" {
		return c.word
	}
	return c.word + "\t" + oneLine(c.desc)
}

// Kinds of values that only the account knows, completed from the cache
// of idcache.go.
const (
	dynRooms    = "rooms"
	dynAccounts = "accounts"
	dynProfiles = "profiles"
)

// accountFlags are the flags whose values are account IDs.
var accountFlags = map[string]bool{
	"to": true, "by": true, "members-admin-ids": true, "members-member-ids": true, "members-readonly-ids": true,
}

// completions returns the candidates for cur after the complete words
// done: commands, subcommands, flags, flag values, and room and account
// IDs from dynamic (nil: none); nil leaves it to the shell's file names.
func completions(done []string, cur string, dynamic func(kind string) []candidate) []string {
	// Find the command among the words, skipping flags and their values.
	var (
		g    *group
		cmd  *command
		fs   = flag.NewFlagSet("", flag.ContinueOnError)
		prev *flag.Flag // a flag whose value is being typed
		pos  int        // positional arguments of cmd typed so far
	)
	new(app).globalFlags(fs)
	addAliases(fs)
	if len(done) > 0 && done[0] == "help" {
		done = done[1:] // "chatwork help rooms create" completes like "chatwork rooms create"
	}
	for _, w := range done {
		if prev != nil {
			prev = nil
			continue
		}
		if name, hasValue := flagName(w); name != "" {
			if f := fs.Lookup(name); f != nil && !hasValue && takesValue(f) {
				prev = f
			}
			continue
		}
		switch {
		case g == nil:
			if g = findGroup(w); g != nil && g.leaf() {
				cmd = g.cmds[0]
				fs, _ = commandFlags(cmd)
			}
		case cmd == nil:
			if cmd = g.find(w); cmd != nil {
				fs, _ = commandFlags(cmd)
			}
		default:
			pos++
		}
		if g == nil {
			return nil // an unknown command: nothing to offer
		}
	}
	var cands []candidate
	words := func(ws ...string) {
		for _, w := range ws {
			cands = append(cands, candidate{word: w})
		}
	}
	dyn := func(kind string) {
		if dynamic == nil {
			return
		}
		// IDs, or @names once an @ is typed.
		for _, c := range dynamic(kind) {
			if strings.HasPrefix(c.word, "@") == strings.HasPrefix(cur, "@") {
				cands = append(cands, c)
			}
		}
	}
	switch {
	case prev != nil:
		switch name := canonicalName(prev); {
		case name == "output":
			words(outputFormats...)
		case name == "due-type":
			words(values(limitTypes)...)
		case name == "status":
			words(values(taskStatuses)...)
		case name == "action-type":
			words(actionTypes...)
		case name == "icon-preset":
			words(values(iconPresets)...)
		case name == "profile":
			dyn(dynProfiles)
		case accountFlags[name]:
			dyn(dynAccounts)
		}
	case strings.HasPrefix(cur, "-"):
		fs.VisitAll(func(f *flag.Flag) {
			if !isAlias(f) {
				words("--" + f.Name)
			}
		})
		if g == nil {
			words("--version", "--help")
		}
	case g == nil:
		words(topLevelNames()...)
	case cmd == nil:
		words(g.names()...)
	case cmd.group == "completion":
		words("bash", "zsh", "fish")
	case pos < len(cmd.args) && cmd.args[pos] == "ROOM_ID":
		dyn(dynRooms)
	}
	var out []string
	for _, c := range cands {
		if strings.HasPrefix(c.word, cur) {
			out = append(out, c.String())
		}
	}
	sort.Strings(out)
	return out
}

// takesValue reports whether f needs a value after it.
func takesValue(f *flag.Flag) bool {
	v := f.Value
	if a, ok := v.(aliasValue); ok {
		v = a.Value
	}
	switch v.(type) {
	case *flag01, *jsonFlag:
		return false
	}
	b, ok := v.(interface{ IsBoolFlag() bool })
	return !ok || !b.IsBoolFlag()
}
