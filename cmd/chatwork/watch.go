package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/chatwork-go/chatwork/api"
)

// watchLine is one line of the output of "messages watch".
type watchLine struct {
	Kind    string       `json:"kind"` // message, update or gap
	RoomID  int64        `json:"room_id"`
	Message *api.Message `json:"message,omitempty"`
	After   string       `json:"after,omitempty"`  // gap: the last message printed before it
	Before  string       `json:"before,omitempty"` // gap: the first message printed after it
}

// watchCommand is "chatwork messages watch ROOM_ID...".
func watchCommand() *command {
	return &command{
		name: "watch", args: []string{"ROOM_ID"}, nargs: -1,
		usage:    "ROOM_ID... [--state FILE] [--exec CMD] [--updates] [--backfill] [--share FRACTION] [--min-interval D] [--max-interval D]",
		summary:  "print every new message of chats as JSON lines, until interrupted",
		endpoint: "GET /rooms/{room_id}/messages",
		details: `Polls the latest 100 messages of each chat (force=1: your read cursor never moves, so other
programs reading the same account are unaffected) and prints one JSON line per new message,
{"kind":"message","room_id":...,"message":{...}}, oldest first in each chat.

A chat without a saved position starts when the watch starts: every message sent from that
second on is printed (with --backfill, the latest 100 come first instead).

With --state the position in each chat is kept in FILE, written atomically after each line is
printed: a restarted watch prints what arrived while it was down, and at most the line being
printed when it stopped a second time. The start of each chat is saved before the first poll,
so a watch killed before it polled a chat still prints that chat's messages after a restart.
FILE is locked: a second watch on the same FILE stops at once with an error. A FILE that is a
symbolic link stays one (the file it points to is rewritten); a FILE whose directory is missing
or not writable is refused before anything is polled, and a FILE that cannot be written later
stops the watch (exit 1).

A line printed into a pipe counts as handled: if the reader dies with lines still in the pipe,
they are lost. With --exec CMD, each line is handed instead to CMD (run by /bin/sh -c, the line
on its standard input, with CHATWORK_WATCH_KIND, CHATWORK_ROOM_ID and CHATWORK_MESSAGE_ID set),
and the position advances only when CMD exits 0: a message is handled at least once, whatever
dies when. When CMD fails, the watch stops (exit 1) before that message, which a restart
delivers again.

The API returns only the latest 100 messages: when more than 100 arrive in a chat between two
polls, a line {"kind":"gap","room_id":...,"after":ID,"before":ID} says which messages may be
missing. With --updates an edited message is printed again with "kind":"update". Deleted
messages cannot be seen: the API just stops returning them.

A chat that answers 403 or 404 (deleted, left, or never yours) stops the watch at once with an
error. Polls read with force=1: a watch never moves the account's read
cursor (only 'messages list' does, when asked to).

Polls use at most --share of the account's rate limit (300 requests per 5 minutes), leaving
the rest for other calls; a busy chat is polled more often, a quiet one less, never more often
than --min-interval. Ctrl-C stops the watch; a summary with the share of the limit used goes
to stderr.`,
		examples: `chatwork messages watch 123 456 --state ~/.local/state/chatwork-watch.json
chatwork messages watch 123 | jq -r .message.body`,
		setup: func(fs *flag.FlagSet) runFunc {
			state := fs.String("state", "", "keep each chat's position in `FILE`, to resume after a restart")
			execCmd := fs.String("exec", "", "hand each line to `CMD` (sh -c) on its stdin; advance only when CMD exits 0")
			updates := fs.Bool("updates", false, "print edited messages again, with kind \"update\"")
			backfill := fs.Bool("backfill", false, "start a chat without a saved position with its latest 100 messages")
			share := fs.Float64("share", api.DefaultWatchShare, "the `fraction` of the account's rate limit that polls may use")
			minInterval, maxInterval := new(time.Duration), new(time.Duration)
			durationVar(fs, minInterval, "min-interval", 0, "poll a chat at most this often; 0 means as often as --share allows")
			durationVar(fs, maxInterval, "max-interval", api.DefaultWatchMaxInterval, "poll a quiet chat at least this often")
			return func(ctx context.Context, a *app, args []string) error {
				if len(args) == 0 {
					return usagef("missing arguments: want ROOM_ID...")
				}
				rooms := make([]int64, len(args))
				for i, s := range args {
					id, err := parseID("ROOM_ID", s)
					if err != nil {
						return err
					}
					rooms[i] = id
				}
				if !(*share > 0 && *share <= 1) { // NaN too
					return usagef("--share must be a fraction in (0, 1], not %v", *share)
				}
				if *maxInterval < *minInterval {
					return usagef("--max-interval %v is below --min-interval %v", *maxInterval, *minInterval)
				}
				opt := &api.WatchOptions{Share: *share, MinInterval: *minInterval, MaxInterval: *maxInterval, Updates: *updates, Backfill: *backfill}
				out := &watchOutput{a: a, exec: *execCmd}
				if *state != "" {
					store, err := api.OpenFileStore(*state)
					if err != nil {
						return err
					}
					defer store.Close()
					out.store = &savedStore{Store: store}
					opt.Store = out.store
				}
				w, err := a.c.Messages.Watch(rooms, opt)
				if err != nil {
					return err
				}
				err = out.run(ctx, w)
				st := w.Stats()
				fmt.Fprintf(a.stderr, "chatwork: watch: %d polls, %d messages, %d updates, %d gaps, %d errors; at most %.1f%% of the rate limit (%d per %v) in any window, share %.0f%%\n",
					st.Polls, st.Messages, st.Updates, st.Gaps, st.Errors, 100*st.MaxShare, st.Limit, st.Window, 100*st.Share)
				return err
			}
		},
	}
}

// watchOutput is where the events of "messages watch" go: stdout, or the
// command of --exec.
type watchOutput struct {
	a     *app
	exec  string      // --exec
	store *savedStore // --state; nil without it
}

// savedStore is the state file, remembering whether a save failed.
type savedStore struct {
	api.Store
	failed atomic.Bool
}

// Save saves the mark and notes a failure.
func (s *savedStore) Save(roomID int64, m api.Mark) error {
	err := s.Store.Save(roomID, m)
	if err != nil {
		s.failed.Store(true)
	}
	return err
}

// run hands the watcher's events on as JSON lines until ctx is done. A
// line that cannot be written, or that --exec's command fails on, stops
// the watch before its mark is saved; so does a state file that cannot be
// written. Errors of single polls go to stderr and the watch goes on; an
// error that ends the watch is returned.
func (o *watchOutput) run(ctx context.Context, w *api.Watcher) error {
	a := o.a
	var last error
	for ev, err := range w.Events(ctx) {
		var gap *api.GapError
		line := watchLine{Kind: "message", RoomID: ev.RoomID}
		switch {
		case errors.As(err, &gap):
			line.Kind, line.After, line.Before = "gap", gap.After, gap.Before
		case errors.Is(err, api.ErrNotFound) || errors.Is(err, api.ErrForbidden):
			// The room is gone or closed to this account: polling it again
			// cannot help.
			var we *api.WatchError
			room := ev.RoomID
			if errors.As(err, &we) {
				room = we.RoomID
			}
			what := "does not exist or you are not a member (404)"
			if errors.Is(err, api.ErrForbidden) {
				what = "is not readable with this account (403)"
			}
			return sentence(err, "watch stopped: room %d %s", room, what)
		case err != nil:
			fmt.Fprintf(a.stderr, "chatwork: %s (%s)\n", errText(err), time.Now().Format(time.RFC3339))
			if o.store != nil && o.store.failed.Load() {
				return fmt.Errorf("stopping: the state file cannot be written; the last message handled may come again after a restart")
			}
			last = err
			continue
		case ev.Update:
			line.Kind, line.Message = "update", &ev.Message
		default:
			line.Message = &ev.Message
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(line); err != nil {
			return err
		}
		b := buf.Bytes()
		if o.exec == "" {
			if _, err := a.stdout.Write(b); err != nil {
				return fmt.Errorf("writing the output: %w", err)
			}
			continue
		}
		if err := o.runExec(ctx, line, b); err != nil {
			if ctx.Err() != nil {
				return nil // interrupted while the command ran: its message comes again
			}
			return err
		}
	}
	if ctx.Err() != nil {
		return nil // interrupted: the normal end of a watch
	}
	return last
}

// runExec runs --exec's command with the line on its standard input.
func (o *watchOutput) runExec(ctx context.Context, line watchLine, b []byte) error {
	cmd := shellCommand(ctx, o.exec)
	cmd.Stdin = bytes.NewReader(b)
	cmd.Stdout, cmd.Stderr = o.a.stdout, o.a.stderr
	id := ""
	if line.Message != nil {
		id = line.Message.MessageID
	}
	cmd.Env = append(os.Environ(), "CHATWORK_WATCH_KIND="+line.Kind, "CHATWORK_ROOM_ID="+strconv.FormatInt(line.RoomID, 10), "CHATWORK_MESSAGE_ID="+id)
	if err := cmd.Run(); err != nil {
		what := "the " + line.Kind + " line"
		if id != "" {
			what = fmt.Sprintf("message %s", id)
		}
		return fmt.Errorf("--exec: %w, for %s of room %d: stopping before it; a restart delivers it again", err, what, line.RoomID)
	}
	return nil
}

// shellCommand returns the command that runs the shell command line s:
// sh -c, or cmd /C on Windows.
func shellCommand(ctx context.Context, s string) *exec.Cmd {
	if runtime.GOOS == "windows" {
		return exec.CommandContext(ctx, "cmd", "/C", s)
	}
	return exec.CommandContext(ctx, "/bin/sh", "-c", s)
}
