package main

import (
	"errors"
	"flag"
	"fmt"
	"strings"
)

// Destructive commands (deleting or leaving a room, deleting a message,
// replacing members, deleting an invitation link, declining a contact
// request) ask first, as gh does for repositories: at a terminal the user
// types the object's name; in a script, where no one can answer, they
// refuse unless --yes says the script means it. Each prints one line on
// stderr saying what was done.

// errNotConfirmed is the answer that did not match: nothing was done.
var errNotConfirmed = errors.New("not confirmed: nothing was changed")

// yesVar defines --yes (-y) on a destructive command.
func yesVar(fs *flag.FlagSet) *bool {
	return fs.Bool("yes", false, "do it without asking (required when stdin is not a terminal)")
}

// confirm asks the user to type want to go on with what warning says
// (one or more lines, printed on stderr). Without a terminal on stdin it
// refuses, naming --yes: commands call it only without --yes.
func (a *app) confirm(warning, want string) error {
	if !a.stdinTTY {
		return a.refuseWithoutYes()
	}
	fmt.Fprintf(a.stderr, "! %s\n? Type %s to confirm: ", warning, want)
	line, err := readLine(a.ctx, a.stdin, "your answer", "nothing was changed", 4096)
	var ie *interruptedError
	if errors.As(err, &ie) {
		fmt.Fprintln(a.stderr)
		return err
	}
	if err != nil && line == "" {
		fmt.Fprintln(a.stderr)
		return errNotConfirmed
	}
	if strings.TrimSpace(line) != want {
		return errNotConfirmed
	}
	return nil
}

// refuseWithoutYes is the answer of a destructive command in a script
// without --yes.
func (a *app) refuseWithoutYes() error {
	return usagef("%s: this cannot be undone; stdin is not a terminal to confirm on, so pass --yes", a.cmd.path())
}

// done prints the one line that says what a command did.
func (a *app) done(format string, args ...any) {
	fmt.Fprintf(a.stderr, "✓ "+format+"\n", args...)
}
