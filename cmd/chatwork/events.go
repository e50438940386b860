package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/chatwork-go/chatwork/api/intake"
	"github.com/chatwork-go/chatwork/api/webhook"
)

// eventsGroup is "chatwork events": the stream of Chatwork events kept in
// Redis by 'webhook listen --redis-url' and 'events poll' (package
// api/intake), its consumers and its dead letters.
func eventsGroup() *group {
	return &group{name: "events", summary: "the durable stream of Chatwork events in Redis: consume, tail, pending, dead letters", tool: true, cmds: []*command{
		eventsConsumeCommand(), eventsPollCommand(), eventsTailCommand(), eventsPendingCommand(), eventsDeadCommand(),
		eventsReplayCommand(), eventsStatsCommand(),
	}}
}

// eventsIntro opens the help of each events command.
const eventsIntro = `The stream lives in the Redis of --redis-url (or $` + envRedisURL + `), under --stream (one name per
Chatwork account). 'chatwork webhook listen --redis-url URL' adds each verified webhook delivery
to it before answering 200, and 'chatwork events poll' (or 'webhook listen' told to poll) adds
what webhooks missed; both drop an event the stream has already (same type, room, message and,
for edits, update time), whichever replica or source saw it first.`

// streamFlags are the flags every events command has.
type streamFlags struct {
	name string
}

func (f *streamFlags) define(fs *flag.FlagSet) {
	fs.StringVar(&f.name, "stream", intake.DefaultName, "the stream's `NAME` in Redis")
}

// openStream returns the stream in the Redis of --redis-url, and a
// function that closes the connection.
func (a *app) openStream(f streamFlags, opts ...intake.Option) (*intake.Stream, func(), error) {
	raw := a.redisURLOrEnv()
	if raw == "" {
		return nil, nil, usagef("the event stream lives in Redis: pass --redis-url redis://HOST:6379 or set %s", envRedisURL)
	}
	o, err := redis.ParseURL(raw)
	if err != nil {
		return nil, nil, usagef("--redis-url (or $%s) is not a redis:// or rediss:// URL", envRedisURL)
	}
	if f.name == "" {
		return nil, nil, usagef("--stream must not be empty")
	}
	o.ContextTimeoutEnabled = true
	redis.SetLogger(quietRedisLog{})
	rdb := redis.NewClient(o)
	logger := slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	s := intake.New(rdb, append([]intake.Option{intake.WithName(f.name), intake.WithLogger(logger)}, opts...)...)
	return s, func() { _ = rdb.Close() }, nil
}

// pollFlags configure polling, for 'events poll' and 'webhook listen
// --poll'.
type pollFlags struct {
	opt intake.PollOptions
}

func (f *pollFlags) define(fs *flag.FlagSet) {
	fs.Float64Var(&f.opt.Share, "share", 0.5, "the `fraction` of the account's rate limit the fleet's polls may use, whatever the number of replicas")
	durationVar(fs, &f.opt.MaxInterval, "max-interval", time.Minute, "poll a quiet chat at least this often")
	fs.BoolVar(&f.opt.Mentions, "mentions", false, "add the mention_to_me event of each message found that mentions you")
	durationVar(fs, &f.opt.Lease, "lease", intake.DefaultLease, "how soon another replica takes over the chats of one that died")
}

func (f *pollFlags) check() error {
	if !(f.opt.Share > 0 && f.opt.Share <= 1) {
		return usagef("--share must be a fraction in (0, 1], not %v", f.opt.Share)
	}
	if f.opt.Lease <= 0 {
		return usagef("--lease must be positive")
	}
	return nil
}

// startPolling runs Poll in the background until the returned function
// is called.
func (a *app) startPolling(ctx context.Context, s *intake.Stream, rooms []int64, f *pollFlags) (stop func(), err error) {
	c := a.c
	if c == nil { // webhook listen makes no other call
		if c, err = a.newClient(); err != nil {
			return nil, err
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := s.Poll(ctx, c, rooms, &f.opt); err != nil {
			fmt.Fprintf(a.stderr, "chatwork: polling stopped: %s\n", errText(err))
		}
	}()
	return func() { cancel(); <-done }, nil
}

// counters is a Metrics that the commands print as a summary.
type counters struct {
	mu sync.Mutex
	m  map[string]int64
}

func (c *counters) Add(name string, delta int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]int64{}
	}
	c.m[name] += delta
}

// summary returns the named counters as "N name, ...".
func (c *counters) summary(names ...string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = fmt.Sprintf("%d %s", c.m[n], n)
	}
	return strings.Join(parts, ", ")
}

// intakeListen is what --redis-url changes in 'webhook listen': the
// handler stores events into the stream, and --poll rooms are polled.
type intakeListen struct {
	stream streamFlags
	rooms  string // --poll
	poll   pollFlags
	stats  counters
}

func (l *intakeListen) define(fs *flag.FlagSet) {
	l.stream.define(fs)
	fs.StringVar(&l.rooms, "poll", "", "with --redis-url: also poll these chats (`ROOM_ID,...`) as one fleet with the other replicas")
	l.poll.define(fs)
}

// handler returns the intake's handler when --redis-url is set (nil
// otherwise), with the polling started, and a function that stops it all
// and prints the counts.
func (l *intakeListen) handler(ctx context.Context, a *app, tokens []string, opts []webhook.Option) (http.Handler, func(), error) {
	if a.redisURLOrEnv() == "" {
		if l.rooms != "" {
			return nil, nil, usagef("--poll needs --redis-url: polled messages go into the event stream")
		}
		return nil, nil, nil
	}
	var rooms []int64
	for r := range strings.SplitSeq(l.rooms, ",") {
		if r = strings.TrimSpace(r); r == "" {
			continue
		}
		id, err := parseID("--poll ROOM_ID", r)
		if err != nil {
			return nil, nil, err
		}
		rooms = append(rooms, id)
	}
	if err := l.poll.check(); err != nil {
		return nil, nil, err
	}
	s, closeRedis, err := a.openStream(l.stream, intake.WithMetrics(&l.stats), intake.WithCallTimeout(time.Second))
	if err != nil {
		return nil, nil, err
	}
	h, err := s.Handler(tokens, opts...)
	if err != nil {
		closeRedis()
		return nil, nil, err
	}
	stopPolling := func() {}
	if len(rooms) > 0 {
		if stopPolling, err = a.startPolling(ctx, s, rooms, &l.poll); err != nil {
			closeRedis()
			return nil, nil, err
		}
	}
	fmt.Fprintf(a.stderr, "chatwork: events go into the stream %s in Redis; %d chat(s) polled\n", s.Name(), len(rooms))
	return h, func() {
		stopPolling()
		closeRedis()
		fmt.Fprintf(a.stderr, "chatwork: intake: %s\n", l.stats.summary("delivered", "recovered", "deduplicated", "refused", "gaps"))
	}, nil
}

func eventsPollCommand() *command {
	return &command{
		name: "poll", args: []string{"ROOM_ID"}, nargs: -1,
		usage:    "ROOM_ID... --redis-url URL [--share FRACTION] [--max-interval D] [--mentions] [--lease D] [--stream NAME]",
		summary:  "poll chats as one replica of a fleet and add what webhooks missed to the stream",
		examples: "chatwork events poll 123 456 --redis-url redis://127.0.0.1:6379 --mentions",
		details: eventsIntro + `

Each replica runs the same command (or 'webhook listen' told to poll): every chat is polled by
one replica at a time, through a lease in Redis, and taken over within about --lease when that
replica dies; the chats are spread over the live replicas; the positions are kept in Redis; and
the polls of all replicas together use at most --share of the account's rate limit. Every
message found is added as the message_created event Chatwork would have sent (with --mentions,
also mention_to_me for those that mention you), so that a message whose webhook was lost is
still handled, once. Polls read with force=1: the account's read cursor never moves. Runs until
interrupted.`,
		setup: func(fs *flag.FlagSet) runFunc {
			var sf streamFlags
			sf.define(fs)
			var pf pollFlags
			pf.define(fs)
			return func(ctx context.Context, a *app, args []string) error {
				if len(args) == 0 {
					return usagef("missing arguments: want ROOM_ID...")
				}
				rooms, err := parseIDs(a.cmd, args)
				if err != nil {
					return err
				}
				if err := pf.check(); err != nil {
					return err
				}
				var stats counters
				s, closeRedis, err := a.openStream(sf, intake.WithMetrics(&stats))
				if err != nil {
					return err
				}
				defer closeRedis()
				err = s.Poll(ctx, a.c, rooms, &pf.opt)
				fmt.Fprintf(a.stderr, "chatwork: poll: %s\n", stats.summary("recovered", "deduplicated", "gaps", "errors"))
				return err
			}
		},
	}
}

func eventsConsumeCommand() *command {
	return &command{
		name: "consume", nargs: 0, noAPI: true,
		usage:    "--group NAME --exec CMD --redis-url URL [--max-attempts N] [--backoff D] [--claim-after D] [--stream NAME]",
		summary:  "hand each event of the stream to a command, as a consumer of a group, at least once",
		examples: `chatwork events consume --group bot --exec ./handle-event.sh --redis-url redis://127.0.0.1:6379`,
		details: eventsIntro + `

Each entry goes to one consumer of --group (run as many as needed; every group gets every entry;
a new group starts with everything the stream holds). CMD (run by /bin/sh -c) gets the event on
its standard input as one JSON line,
  {"id":"1700000000000-0","key":"message_created:123:1928374655918273645","source":"webhook","attempt":1,"event":{...}}
where event is the body Chatwork sends, with CHATWORK_EVENT_ID, CHATWORK_EVENT_KEY,
CHATWORK_EVENT_TYPE, CHATWORK_EVENT_SOURCE and CHATWORK_EVENT_ATTEMPT set. The entry is
acknowledged only when CMD exits 0. Otherwise it is tried again after --backoff (doubling each
time), by any consumer of the group, and after --max-attempts it goes to the dead letters with
CMD's exit status and last line of stderr ('chatwork events dead', 'chatwork events replay').
A consumer that dies leaves its entry to another after --claim-after; a running CMD keeps it.

Delivery is at least once: after a crash between CMD's effect and the acknowledgement, or a
failure, CMD sees the entry again, with the same key: record the key with the effect to make it
happen once. Runs until interrupted; a summary goes to stderr.`,
		setup: func(fs *flag.FlagSet) runFunc {
			var sf streamFlags
			sf.define(fs)
			group := fs.String("group", "", "the consumer group's `NAME`, such as your bot's")
			execCmd := fs.String("exec", "", "the command that handles each event (`CMD`, run by /bin/sh -c)")
			attempts := fs.Int("max-attempts", intake.DefaultMaxAttempts, "attempts before an entry goes to the dead letters")
			var backoff, claimAfter time.Duration
			durationVar(fs, &backoff, "backoff", time.Second, "the wait before the second attempt; doubles each time, at most 60 times it")
			durationVar(fs, &claimAfter, "claim-after", intake.DefaultClaimIdle, "how long the entry of a consumer that died waits before another takes it")
			return func(ctx context.Context, a *app, _ []string) error {
				switch {
				case *group == "":
					return usagef("--group is required: the consumer group's name, such as your bot's")
				case *execCmd == "":
					return usagef("--exec is required: the command that handles each event")
				case *attempts < 1:
					return usagef("--max-attempts must be at least 1")
				case backoff <= 0 || claimAfter <= 0:
					return usagef("--backoff and --claim-after must be positive")
				}
				var stats counters
				s, closeRedis, err := a.openStream(sf, intake.WithMetrics(&stats), intake.WithMaxAttempts(*attempts),
					intake.WithBackoff(backoff, 60*backoff), intake.WithClaimIdle(claimAfter))
				if err != nil {
					return err
				}
				defer closeRedis()
				fmt.Fprintf(a.stderr, "chatwork: consuming %s as group %s; Ctrl+C stops\n", s.Name(), *group)
				err = s.Consume(ctx, *group, func(ctx context.Context, d *intake.Delivery) error {
					return runEventCommand(ctx, a, *execCmd, d)
				})
				fmt.Fprintf(a.stderr, "chatwork: consume: %s\n", stats.summary("handled", "failed", "retried", "redelivered", "dead"))
				return err
			}
		},
	}
}

// streamLine is how the events commands print an entry of the stream.
type streamLine struct {
	ID      string          `json:"id"`
	Key     string          `json:"key"`
	Source  string          `json:"source"`
	Attempt int             `json:"attempt,omitempty"`
	Event   json.RawMessage `json:"event"`
}

func streamLineOf(d *intake.Delivery) (streamLine, error) {
	body, err := json.Marshal(struct {
		SettingID string          `json:"webhook_setting_id"`
		Type      string          `json:"webhook_event_type"`
		Time      int64           `json:"webhook_event_time"`
		Event     json.RawMessage `json:"webhook_event"`
	}{d.Event.SettingID, d.Event.Type, unixOrZero(d.Event.Time), d.Event.Raw})
	return streamLine{ID: d.ID, Key: d.Key, Source: d.Source, Attempt: d.Attempt, Event: body}, err
}

func unixOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

// runEventCommand runs --exec's command for one delivery; its error
// carries the exit status and the last line the command wrote on stderr.
func runEventCommand(ctx context.Context, a *app, cmdLine string, d *intake.Delivery) error {
	line, err := streamLineOf(d)
	if err != nil {
		return err
	}
	b, err := json.Marshal(line)
	if err != nil {
		return err
	}
	cmd := shellCommand(ctx, cmdLine)
	cmd.Stdin = bytes.NewReader(append(b, '\n'))
	last := &lastLine{}
	cmd.Stdout, cmd.Stderr = a.stdout, io.MultiWriter(a.stderr, last)
	cmd.Env = append(os.Environ(), "CHATWORK_EVENT_ID="+d.ID, "CHATWORK_EVENT_KEY="+d.Key, "CHATWORK_EVENT_TYPE="+d.Event.Type,
		"CHATWORK_EVENT_SOURCE="+d.Source, "CHATWORK_EVENT_ATTEMPT="+strconv.Itoa(d.Attempt))
	if err := cmd.Run(); err != nil {
		if l := last.String(); l != "" {
			return fmt.Errorf("%w: %s", err, l)
		}
		return err
	}
	return nil
}

// lastLine keeps the last non-empty line written to it, up to 512 bytes.
type lastLine struct {
	mu   sync.Mutex
	cur  []byte
	done string
}

func (l *lastLine) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, c := range p {
		if c == '\n' {
			if s := strings.TrimSpace(string(l.cur)); s != "" {
				l.done = s
			}
			l.cur = l.cur[:0]
			continue
		}
		if len(l.cur) < 512 {
			l.cur = append(l.cur, c)
		}
	}
	return len(p), nil
}

func (l *lastLine) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if s := strings.TrimSpace(string(l.cur)); s != "" {
		return s
	}
	return l.done
}

func eventsTailCommand() *command {
	return &command{
		name: "tail", nargs: 0, noAPI: true,
		usage:    "--redis-url URL [-n N] [--follow] [--stream NAME]",
		summary:  "print the last entries of the stream as JSON lines, and with --follow the new ones",
		examples: "chatwork events tail -n 20 --follow --redis-url redis://127.0.0.1:6379",
		details: eventsIntro + `

Each entry is one JSON line, {"id":...,"key":...,"source":"webhook","event":{...}}, oldest first,
where event is the body Chatwork sends (or would have sent, for a message found by a poll).
Reading the stream this way does not affect the consumers.`,
		setup: func(fs *flag.FlagSet) runFunc {
			var sf streamFlags
			sf.define(fs)
			n := fs.Int64("n", 10, "print the last `N` entries first")
			follow := fs.Bool("follow", false, "then print new entries as they come, until interrupted")
			return func(ctx context.Context, a *app, _ []string) error {
				s, closeRedis, err := a.openStream(sf)
				if err != nil {
					return err
				}
				defer closeRedis()
				enc := json.NewEncoder(a.stdout)
				enc.SetEscapeHTML(false)
				for d, err := range s.Tail(ctx, *n, *follow) {
					if err != nil {
						return err
					}
					line, err := streamLineOf(d)
					if err != nil {
						return err
					}
					if err := enc.Encode(line); err != nil {
						return err
					}
				}
				return nil
			}
		},
	}
}

// pendingLine is one row of 'events pending'.
type pendingLine struct {
	ID          string  `json:"id"`
	Key         string  `json:"key"`
	Consumer    string  `json:"consumer"`
	IdleSeconds float64 `json:"idle_seconds"`
	Attempts    int     `json:"attempts"`
}

// pendingLines are the rows of 'events pending'.
type pendingLines []pendingLine

func (ps pendingLines) listing() listing {
	l := listing{header: []string{"ID", "CONSUMER", "IDLE", "ATTEMPTS", "KEY"}}
	for _, p := range ps {
		l.rows = append(l.rows, []string{p.ID, p.Consumer, (time.Duration(p.IdleSeconds * float64(time.Second))).Round(time.Millisecond).String(), strconv.Itoa(p.Attempts), p.Key})
	}
	l.wide = len(l.header) - 1
	return l
}

func eventsPendingCommand() *command {
	return &command{
		name: "pending", nargs: 0, noAPI: true,
		usage:    "--group NAME --redis-url URL [-n N] [--stream NAME]",
		summary:  "list the entries a consumer group has not acknowledged yet",
		examples: "chatwork events pending --group bot --redis-url redis://127.0.0.1:6379 -o table",
		details: eventsIntro + `

An entry is pending while a consumer handles it, and while it waits for another attempt after a
failure (consumer "` + "intake:retry" + `"). An entry whose consumer died stays pending, with a growing idle
time, until another consumer of the group takes it over.`,
		setup: func(fs *flag.FlagSet) runFunc {
			var sf streamFlags
			sf.define(fs)
			group := fs.String("group", "", "the consumer group's `NAME`")
			n := fs.Int64("n", 100, "list at most `N` entries, oldest first")
			return func(ctx context.Context, a *app, _ []string) error {
				if *group == "" {
					return usagef("--group is required")
				}
				s, closeRedis, err := a.openStream(sf)
				if err != nil {
					return err
				}
				defer closeRedis()
				ps, err := s.Pending(ctx, *group, *n)
				if err != nil {
					return err
				}
				out := make(pendingLines, len(ps))
				for i, p := range ps {
					out[i] = pendingLine{ID: p.ID, Key: p.Key, Consumer: p.Consumer, IdleSeconds: p.Idle.Seconds(), Attempts: p.Attempts}
				}
				return a.print(out)
			}
		},
	}
}

// deadLine is one row of 'events dead'.
type deadLine struct {
	ID       string          `json:"id"`
	Group    string          `json:"group"`
	Key      string          `json:"key"`
	Attempts int             `json:"attempts"`
	Error    string          `json:"error"`
	Time     string          `json:"time"`
	EntryID  string          `json:"entry_id"`
	Source   string          `json:"source"`
	Consumer string          `json:"consumer"`
	Event    json.RawMessage `json:"event"`
}

// deadLines are the rows of 'events dead'.
type deadLines []deadLine

func (ds deadLines) listing() listing {
	l := listing{header: []string{"ID", "GROUP", "ATTEMPTS", "TIME", "KEY", "ERROR"}}
	for _, d := range ds {
		l.rows = append(l.rows, []string{d.ID, d.Group, strconv.Itoa(d.Attempts), d.Time, d.Key, d.Error})
	}
	l.wide = len(l.header) - 1
	return l
}

func eventsDeadCommand() *command {
	return &command{
		name: "dead", nargs: 0, noAPI: true,
		usage:    "--redis-url URL [--group NAME] [-n N] [--stream NAME]",
		summary:  "list the dead letters: entries a group gave up on, with the last error",
		examples: "chatwork events dead --group bot --redis-url redis://127.0.0.1:6379 -o table",
		details: eventsIntro + `

An entry goes to the dead letters when its consumer group's handler failed on it as many times
as 'chatwork events consume' allows. 'chatwork events replay' sends dead letters back to their group
once the cause is fixed.`,
		setup: func(fs *flag.FlagSet) runFunc {
			var sf streamFlags
			sf.define(fs)
			group := fs.String("group", "", "only the dead letters of this group (`NAME`)")
			n := fs.Int64("n", 100, "list at most `N`, oldest first")
			return func(ctx context.Context, a *app, _ []string) error {
				s, closeRedis, err := a.openStream(sf)
				if err != nil {
					return err
				}
				defer closeRedis()
				dead, err := s.DeadLetters(ctx, *group, *n)
				if err != nil {
					return err
				}
				out := make(deadLines, len(dead))
				for i, d := range dead {
					body := json.RawMessage(d.Body)
					if !json.Valid(body) {
						body, _ = json.Marshal(string(d.Body))
					}
					out[i] = deadLine{ID: d.ID, Group: d.Group, Key: d.Key, Attempts: d.Attempts, Error: d.Error,
						Time: d.Time.UTC().Format(time.RFC3339), EntryID: d.EntryID, Source: d.Source, Consumer: d.Consumer, Event: body}
				}
				return a.print(out)
			}
		},
	}
}

func eventsReplayCommand() *command {
	return &command{
		name: "replay", args: []string{"DEAD_ID"}, nargs: -1, noAPI: true,
		usage:    "--group NAME --redis-url URL [DEAD_ID...] [--stream NAME]",
		summary:  "send dead letters back to their consumer group",
		examples: "chatwork events replay --group bot --redis-url redis://127.0.0.1:6379\nchatwork events replay --group bot 1700000000000-0 --redis-url redis://127.0.0.1:6379",
		details: eventsIntro + `

Sends the group's dead letters with the given IDs (all of the group's without IDs) back into the
stream for that group only, with their key unchanged, and removes them from the dead letters.
Prints how many were sent: {"replayed":N}.`,
		setup: func(fs *flag.FlagSet) runFunc {
			var sf streamFlags
			sf.define(fs)
			group := fs.String("group", "", "the consumer group's `NAME`")
			return func(ctx context.Context, a *app, ids []string) error {
				if *group == "" {
					return usagef("--group is required")
				}
				s, closeRedis, err := a.openStream(sf)
				if err != nil {
					return err
				}
				defer closeRedis()
				n, err := s.Replay(ctx, *group, ids...)
				if err != nil {
					return err
				}
				if len(ids) > 0 && n < len(ids) {
					fmt.Fprintf(a.stderr, "chatwork: %d of %d dead letters replayed; the others are not dead letters of %s\n", n, len(ids), *group)
				}
				return a.print(struct {
					Replayed int `json:"replayed"`
				}{n})
			}
		},
	}
}

func eventsStatsCommand() *command {
	return &command{
		name: "stats", nargs: 0, noAPI: true,
		usage:    "--redis-url URL [--stream NAME]",
		summary:  "print the fleet's counters: delivered, recovered by poll, deduplicated, handled, dead",
		examples: "chatwork events stats --redis-url redis://127.0.0.1:6379",
		details: eventsIntro + `

The counters are kept in Redis by every replica and consumer: delivered (webhook deliveries
stored), recovered (messages found by polls that no delivery had stored), deduplicated (events
dropped as already stored), handled:GROUP (entries a group acknowledged), dead, replayed.`,
		setup: func(fs *flag.FlagSet) runFunc {
			var sf streamFlags
			sf.define(fs)
			return func(ctx context.Context, a *app, _ []string) error {
				s, closeRedis, err := a.openStream(sf)
				if err != nil {
					return err
				}
				defer closeRedis()
				counts, err := s.Counts(ctx)
				if err != nil {
					return err
				}
				return a.print(counts)
			}
		},
	}
}
