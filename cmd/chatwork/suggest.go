package main

import (
	"flag"
	"fmt"
	"regexp"
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
		// invalid value "2" for flag -force: want 0 or 1
		//   -> invalid value "2" for --force: want 0 or 1
		if m := invalidValue.FindStringSubmatch(msg); m != nil {
			return usagef("invalid value %s for --%s: %s", m[1], m[2], m[3])
		}
		return usagef("%s", strings.Replace(msg, " for flag -", " for --", 1))
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

// invalidValue matches the flag package's message for a value a flag
// refused.
var invalidValue = regexp.MustCompile(`^invalid (?:boolean )?value (".*") for flag -+([^:]+): (.*)$`)

// topLevelNames are the names accepted as COMMAND.
func topLevelNames() []string {
	names := []string{"help"}
	for _, g := range commandTree() {
		names = append(names, g.name)
	}
	return names
}

// names are the visible subcommands of g.
func (g *group) names() []string {
	var names []string
	for _, c := range g.visible() {
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
		d := editDistance(strings.ToLower(typed), strings.ToLower(k))
		switch {
		case d <= limit:
		case len(typed) >= 2 && (strings.HasPrefix(k, typed) || strings.HasSuffix(k, typed)):
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

// editDistance is the optimal string alignment distance between a and b:
// insertions, deletions, substitutions and transpositions of adjacent
// bytes each count 1, so that "romos" is 1 from "rooms".
func editDistance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}
