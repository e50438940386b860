package main

import (
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/chatwork-go/chatwork/api"
)

// Flag names follow one rule: kebab-case (--self-unread, --due-type), as gh
// and kubectl, one name for one thing in every command (--to, --due, --by).
// Each name with a dash also answers to the API's spelling (--self_unread),
// as a hidden alias; a few long names have a short alias (-o for --output);
// renamed flags keep their old names for one release (command.renamed).
// Commands define only the kebab-case name: addAliases derives the rest.

// shortNames are the one-letter aliases of long flags, wherever the long
// flag is defined.
var shortNames = map[string]string{
	"output":      "o",
	"output-file": "O",
	"jq":          "q",
	"template":    "t",
	"yes":         "y",
	"raw-field":   "f",
	"field":       "F",
	"include":     "i",
}

// aliasValue is the Value of an alias flag: the canonical flag's Value, with
// its name. Help does not list aliases.
type aliasValue struct {
	flag.Value
	of         string
	deprecated bool   // an old name, kept for one release
	instead    string // what the deprecation note advises; default: the new name
}

// IsBoolFlag lets an alias of a boolean flag be given without a value.
func (v aliasValue) IsBoolFlag() bool {
	b, ok := v.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// addAliases defines the API spelling and the short name of every flag of
// fs that has one.
func addAliases(fs *flag.FlagSet) {
	var all []*flag.Flag
	fs.VisitAll(func(f *flag.Flag) { all = append(all, f) })
	for _, f := range all {
		if _, ok := f.Value.(aliasValue); ok {
			continue
		}
		var names []string
		if strings.Contains(f.Name, "-") {
			names = append(names, strings.ReplaceAll(f.Name, "-", "_"))
		}
		if s, ok := shortNames[f.Name]; ok {
			names = append(names, s)
		}
		for _, n := range names {
			if fs.Lookup(n) == nil {
				fs.Var(aliasValue{Value: f.Value, of: f.Name}, n, "alias of --"+f.Name)
			}
		}
	}
}

// deprecatedFlag defines a hidden flag kept for one release: using it
// prints a deprecation note that says what to do instead.
func deprecatedFlag(fs *flag.FlagSet, name string, v flag.Value, instead string) {
	fs.Var(aliasValue{Value: v, of: name, deprecated: true, instead: instead}, name, "deprecated: "+instead)
}

// canonicalName is the name under which a flag is documented.
func canonicalName(f *flag.Flag) string {
	if a, ok := f.Value.(aliasValue); ok {
		return a.of
	}
	return f.Name
}

// isAlias reports whether f is a hidden alias.
func isAlias(f *flag.Flag) bool {
	_, ok := f.Value.(aliasValue)
	return ok
}

// isSet reports whether the flag name, or one of its aliases, was given on
// the command line.
func isSet(fs *flag.FlagSet, name string) bool {
	found := false
	fs.Visit(func(f *flag.Flag) {
		if canonicalName(f) == name {
			found = true
		}
	})
	return found
}

// flag01 is a switch of the API's 0/1 kind, such as --self-unread. Given
// alone it means 1; it also takes a value, as the API spells it:
// --self-unread 1, --self-unread=0, true or false. expandSwitches makes the
// value optional.
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
	v, ok := switchValue(s)
	if !ok {
		return errors.New("want 0 or 1")
	}
	f.on, f.set = v, true
	return nil
}

// switchValue reads the value of a 0/1 switch.
func switchValue(s string) (on, ok bool) {
	switch strings.ToLower(s) {
	case "1", "true":
		return true, true
	case "0", "false":
		return false, true
	}
	return false, false
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

// expandSwitches rewrites the 0/1 switches of args so that the flag
// package can read them: "--force" alone becomes "--force=1", and
// "--force 1" becomes "--force=1". Values of other flags are left alone,
// and nothing after "--".
func expandSwitches(fs *flag.FlagSet, args []string) []string {
	return expand(fs, args, false)
}

// expandLeading is expandSwitches for the flags before the command, as in
// "chatwork --json rooms list": it stops at the first argument that is not
// a flag (the command), and --json there takes no fields, since what
// follows it is the command.
func expandLeading(fs *flag.FlagSet, args []string) []string {
	return expand(fs, args, true)
}

func expand(fs *flag.FlagSet, args []string, leading bool) []string {
	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		arg := args[i]
		out = append(out, arg)
		if arg == "--" {
			return append(out, args[i+1:]...)
		}
		name, hasValue := flagName(arg)
		if name == "" && leading {
			return append(out, args[i+1:]...)
		}
		if name == "" || hasValue {
			continue
		}
		f := fs.Lookup(name)
		if f == nil {
			continue
		}
		v := f.Value
		if a, ok := v.(aliasValue); ok {
			v = a.Value
		}
		switch v.(type) {
		case *jsonFlag:
			if !leading && i+1 < len(args) && fieldList.MatchString(args[i+1]) {
				out[len(out)-1] = arg + "=" + args[i+1]
				i++
				continue
			}
			out[len(out)-1] = arg + "="
		case *flag01:
			if i+1 < len(args) {
				if _, ok := switchValue(args[i+1]); ok || looksLikeSwitchValue(args[i+1]) {
					out[len(out)-1] = arg + "=" + args[i+1]
					i++
					continue
				}
			}
			out[len(out)-1] = arg + "=1"
		default:
			if b, ok := v.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
				continue
			}
			if i+1 < len(args) { // the flag's value, whatever it looks like
				out = append(out, args[i+1])
				i++
			}
		}
	}
	return out
}

// looksLikeSwitchValue reports whether an argument after a 0/1 switch was
// meant as its value, though not one it takes (2, yes, off): the switch
// then refuses it by name rather than taking it for a positional argument.
func looksLikeSwitchValue(s string) bool {
	if len(s) == 1 && s[0] >= '0' && s[0] <= '9' {
		return true
	}
	switch strings.ToLower(s) {
	case "yes", "no", "on", "off", "y", "n", "t", "f":
		return true
	}
	return false
}

// flagName returns the name of a flag argument such as --name or -n=v,
// and whether it carries its value; "" for other arguments.
func flagName(arg string) (name string, hasValue bool) {
	if len(arg) < 2 || arg[0] != '-' || arg == "--" {
		return "", false
	}
	name = strings.TrimPrefix(strings.TrimPrefix(arg, "-"), "-")
	name, _, hasValue = strings.Cut(name, "=")
	return name, hasValue
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

// durationFlag is a duration such as 30s, 5m or 1h30m; 0 is allowed,
// negative durations are not.
type durationFlag struct{ d *time.Duration }

func (f durationFlag) String() string {
	if f.d == nil {
		return ""
	}
	return f.d.String()
}

func (f durationFlag) Set(s string) error {
	d, err := parseDuration(s)
	if err != nil {
		return err
	}
	*f.d = d
	return nil
}

// parseDuration reads a duration such as 30s or 5m, with a message that
// shows the form.
func parseDuration(s string) (time.Duration, error) {
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil || d < 0 {
		if _, nerr := strconv.Atoi(strings.TrimSpace(s)); nerr == nil && s != "0" {
			return 0, fmt.Errorf("%q has no unit: write a duration such as %ss or %sm", s, s, s)
		}
		return 0, fmt.Errorf("%q is not a duration such as 30s, 5m or 1h30m", s)
	}
	return d, nil
}

func durationVar(fs *flag.FlagSet, p *time.Duration, name string, value time.Duration, usage string) {
	*p = value
	fs.Var(durationFlag{p}, name, usage)
}

// dueFlag is a task deadline (--due): Unix seconds, RFC 3339, or a date alone
// (2030-01-31), which means the end of that day in Japan Standard Time.
type dueFlag struct {
	t        time.Time
	dateOnly bool
}

func (f *dueFlag) String() string {
	if f == nil || f.t.IsZero() {
		return ""
	}
	if f.dateOnly {
		return f.t.Format(time.DateOnly)
	}
	return f.t.Format(time.RFC3339)
}

func (f *dueFlag) Set(s string) error {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n <= 0 {
			return fmt.Errorf("%q is not a time after 1970", s)
		}
		f.t, f.dateOnly = time.Unix(n, 0), false
		return nil
	}
	if d, err := time.ParseInLocation(time.DateOnly, s, api.DeadlineZone()); err == nil {
		f.t, f.dateOnly = d.Add(24*time.Hour-time.Second), true
		return nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return fmt.Errorf("%q is not a date (2030-01-31), an RFC 3339 time (2030-01-31T18:00:00+09:00) or Unix seconds", s)
	}
	f.t, f.dateOnly = t, false
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
