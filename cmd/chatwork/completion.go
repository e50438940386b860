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
    local cur="${COMP_WORDS[COMP_CWORD]}" IFS=$'\n'
    COMPREPLY=($(compgen -W "$("${COMP_WORDS[0]}" __complete "${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null)" -- "$cur"))
}
complete -o default -F _chatwork chatwork
`,
	"zsh": `#compdef chatwork
# zsh completion for chatwork; load it with: source <(chatwork completion zsh)
_chatwork() {
    local -a cands
    cands=("${(@f)$("${words[1]}" __complete "${(@)words[2,CURRENT]}" 2>/dev/null)}")
    cands=(${cands:#})
    if (( ${#cands} )); then
        compadd -a cands
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
	for _, c := range completions(done, cur) {
		fmt.Fprintln(a.stdout, c)
	}
	return exitOK
}

// completions returns the candidates for cur after the complete words
// done: commands, subcommands, flags or flag values; nil leaves it to the
// shell's file names.
func completions(done []string, cur string) []string {
	// Find the command among the words, skipping flags and their values.
	var (
		g    *group
		cmd  *command
		fs   = flag.NewFlagSet("", flag.ContinueOnError)
		prev *flag.Flag // a flag whose value is being typed
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
		}
		if g == nil {
			return nil // an unknown command: nothing to offer
		}
	}
	var cands []string
	switch {
	case prev != nil:
		switch canonicalName(prev) {
		case "output":
			cands = []string{"json", "table"}
		case "limit-type":
			cands = values(limitTypes)
		case "status":
			cands = values(taskStatuses)
		case "action-type":
			cands = values(actionTypes)
		case "icon-preset":
			cands = values(iconPresets)
		}
	case strings.HasPrefix(cur, "-"):
		fs.VisitAll(func(f *flag.Flag) {
			if !isAlias(f) {
				cands = append(cands, "--"+f.Name)
			}
		})
		if g == nil {
			cands = append(cands, "--version", "--help")
		}
	case g == nil:
		cands = topLevelNames()
	case cmd == nil:
		cands = g.names()
	case cmd.group == "completion":
		cands = []string{"bash", "zsh", "fish"}
	}
	var out []string
	for _, c := range cands {
		if strings.HasPrefix(c, cur) {
			out = append(out, c)
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
	if _, ok := v.(*flag01); ok {
		return false
	}
	b, ok := v.(interface{ IsBoolFlag() bool })
	return !ok || !b.IsBoolFlag()
}
