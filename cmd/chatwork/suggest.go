package main

import (
	"flag"
	"fmt"
	"sort"
	"strings"
)

// suggestionError is a usage error with the names the user may have meant,
// printed as gh and kubectl do:
//
//	chatwork: unknown command "mesages"
//
//	Did you mean this?
//		messages
type suggestionError struct {
	msg   string
	maybe []string
}

func (e *suggestionError) Error() string { return e.msg }

// suggestions prints the "Did you mean" lines, if any.
func (e *suggestionError) suggestions() string {
	if len(e.maybe) == 0 {
		return ""
	}
	head := "Did you mean this?"
	if len(e.maybe) > 1 {
		head = "Did you mean one of these?"
	}
	return "\n" + head + "\n\t" + strings.Join(e.maybe, "\n\t") + "\n\n"
}

// unknownCommand is the error for a command name that is not in the tree;
// parent is the group, or "" at the top.
func unknownCommand(name, parent string, known []string) error {
	full, maybe := name, closest(name, known)
	if parent != "" {
		full = parent + " " + name
		for i, m := range maybe {
			maybe[i] = parent + " " + m
		}
	}
	return &suggestionError{msg: fmt.Sprintf("unknown command %q", full), maybe: maybe}
}

// flagError turns an error of the flag package into a usage error that
// names the flag as it was typed and suggests the flags meant.
func flagError(fs *flag.FlagSet, err error) error {
	msg := err.Error()
	const undefined = "flag provided but not defined: -"
	if !strings.HasPrefix(msg, undefined) {
		return usagef("%s", strings.Replace(msg, " for flag -", " for flag --", 1))
	}
	name := strings.TrimPrefix(msg, undefined)
	var known []string
	fs.VisitAll(func(f *flag.Flag) {
		if !isAlias(f) {
			known = append(known, f.Name)
		}
	})
	dashed := "--" + name
	if len(name) == 1 {
		dashed = "-" + name
	}
	maybe := closest(strings.ReplaceAll(name, "_", "-"), known)
	for i, m := range maybe {
		maybe[i] = "--" + m
	}
	return &suggestionError{msg: "unknown flag " + dashed, maybe: maybe}
}

// topLevelNames are the names accepted as COMMAND.
func topLevelNames() []string {
	names := []string{"help"}
	for _, g := range commandTree() {
		names = append(names, g.name)
	}
	return names
}

// names are the subcommands of g.
func (g *group) names() []string {
	var names []string
	for _, c := range g.cmds {
		names = append(names, c.name)
	}
	return names
}

// closest returns the names of known near typed: within an edit distance
// of a third of its length (at least 1), or having typed as a prefix or
// suffix, closest first.
func closest(typed string, known []string) []string {
	if typed == "" {
		return nil
	}
	limit := max(1, len(typed)/3)
	type cand struct {
		name string
		d    int
	}
	var cs []cand
	for _, k := range known {
		d := levenshtein(strings.ToLower(typed), strings.ToLower(k))
		switch {
		case d <= limit:
		case len(typed) >= 3 && (strings.HasPrefix(k, typed) || strings.HasSuffix(k, typed)):
			d = limit + 1
		default:
			continue
		}
		cs = append(cs, cand{k, d})
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].d < cs[j].d })
	var out []string
	for i, c := range cs {
		if i == 3 {
			break
		}
		out = append(out, c.name)
	}
	return out
}

// levenshtein is the edit distance between a and b, counting insertions,
// deletions and substitutions of bytes.
func levenshtein(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
