package api

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chatwork-go/chatwork/internal/budgets"
	"github.com/chatwork-go/chatwork/internal/limits"
	"github.com/chatwork-go/chatwork/internal/wait"
)

// DefaultWatchShare is the share of the account's request budget a Watcher
// spends on polls unless told otherwise: half, leaving the rest for posts
// and other calls.
const DefaultWatchShare = 0.5

// DefaultWatchMaxInterval is the longest a quiet room waits between polls
// unless told otherwise.
const DefaultWatchMaxInterval = time.Minute

// latestWindow is how many messages a force=1 read returns at most.
const latestWindow = limits.ListItems

// watchBusy is how many new messages in one poll make a room's interval
// drop to the floor at once: half a window, so that the next poll comes
// before the window can overflow.
const watchBusy = latestWindow / 2

// ErrGap matches a *GapError with errors.Is.
var ErrGap = errors.New("chatwork: watch: messages may have been missed")

// WatchOptions are the settings of a Watcher. The zero value (or nil) is
// ready to use.
type WatchOptions struct {
	// Store keeps the per-room marks. Nil keeps them in memory, so a new
	// process starts afresh; use a FileStore to survive restarts.
	Store Store

	// Share is the fraction of the account's request budget
	// (x-ratelimit-limit per window, 300 per 5 minutes today) that polls
	// may use, in (0, 1]. 0 means DefaultWatchShare. The share is this
	// Watcher's own: two Watchers of one account spend two shares.
	Share float64

	// MinInterval is the floor: no room is polled more often. 0 means the
	// spacing the share allows (2 seconds with the defaults).
	MinInterval time.Duration

	// MaxInterval is the longest a quiet room waits between polls. 0 means
	// DefaultWatchMaxInterval. It is never below the floor.
	MaxInterval time.Duration

	// Updates delivers edited messages again, with WatchEvent.Update set,
	// when their update_time changes.
	Updates bool

	// Backfill delivers, for a room without a mark, the messages it already
	// holds (the latest 100). Without it such a room starts when the watch
	// starts: its messages sent from that second on are delivered, and
	// that start is saved in the Store before the first poll, so that a
	// restarted watcher keeps it.
	Backfill bool

	// Fleet, when set, makes this Watcher one of several, in several
	// processes, that watch the same rooms as one: each room is polled by
	// one of them at a time and their polls together keep to one Share of
	// the account's budget. Their Store must be shared too. Package
	// api/intake provides one over Redis.
	Fleet WatchFleet
}

// WatchFleet coordinates the Watchers of several processes that watch the
// same rooms with one Store (see WatchOptions.Fleet). Implementations must
// be safe for concurrent use.
type WatchFleet interface {
	// Claim reports whether this Watcher may poll the room now: it holds
	// the room, or has just taken it over. A Watcher asks before each poll
	// of the room and, when it takes a room over, loads the room's mark
	// from the Store again, since another Watcher may have moved it. A
	// room it may not poll is asked about again after the floor interval.
	Claim(ctx context.Context, roomID int64) (bool, error)

	// Turn waits until the fleet may poll again, keeping the polls of all
	// its Watchers at least spacing apart (the spacing of a Watcher's
	// Share), and returns ctx's error if ctx ends first.
	Turn(ctx context.Context, spacing time.Duration) error
}

// WatchEvent is one message delivered by a Watcher.
type WatchEvent struct {
	RoomID  int64   // the room of the message (set with errors too)
	Message Message // the message as the API returned it
	Update  bool    // an edit of a message delivered before, not a new one
}

// GapError reports that more than 100 messages may have arrived in a room
// between two polls: the poll's 100 messages are all newer than the mark,
// so the messages between the two were never seen and cannot be read with
// the API any more (it returns only the latest 100). The watch goes on
// after it. With exactly 100 arrivals nothing is missing, but the watcher
// cannot tell that case apart.
type GapError struct {
	RoomID int64
	After  string // the newest message delivered before the gap; "0" for none
	Before string // the oldest message of the poll that found the gap
}

// Error names the room and the range of message IDs that may be missing.
func (e *GapError) Error() string {
	return fmt.Sprintf("chatwork: watch room %d: more than %d messages arrived between two polls; messages after %s and before %s may be missing",
		e.RoomID, latestWindow, e.After, e.Before)
}

// Is matches ErrGap.
func (e *GapError) Is(target error) bool { return target == ErrGap }

// WatchError is a failed poll or a failed save of a mark in one room. The
// watch goes on after it; the room is polled again after MaxInterval.
type WatchError struct {
	RoomID int64
	Err    error
}

// Error names the room and the cause.
func (e *WatchError) Error() string {
	return fmt.Sprintf("chatwork: watch room %d: %s", e.RoomID, strings.TrimPrefix(e.Err.Error(), "chatwork: "))
}

// Unwrap returns the cause, such as an *APIError.
func (e *WatchError) Unwrap() error { return e.Err }

// WatchStats counts what a Watcher did, and how much of the account's
// budget its polls used.
type WatchStats struct {
	Polls    int           // list requests made
	Messages int           // new messages delivered
	Updates  int           // edits delivered
	Gaps     int           // gaps reported
	Errors   int           // failed polls and saves
	Limit    int           // the account's budget the share applies to, per Window
	Window   time.Duration // the budget's window
	Share    float64       // the configured share of Limit
	MaxShare float64       // the largest fraction of Limit that polls used in any Window so far
}

// Watcher delivers the new messages of a set of rooms by polling the
// latest 100 of each (force=1, so the server's read cursor never moves and
// other readers are unaffected). Create one with MessagesService.Watch and
// range over Events.
type Watcher struct {
	s     *MessagesService
	opt   WatchOptions
	rooms []*roomWatch

	running atomic.Bool
	loaded  bool
	start   time.Time // when the first range started, to the second

	mu    sync.Mutex
	stats WatchStats
	polls []time.Time // start times of the polls of the last window
}

// roomWatch is the state of one room.
type roomWatch struct {
	id       int64
	mark     Mark
	hasMark  bool
	polled   bool                 // a poll's batch was delivered whole by this process
	claimed  bool                 // with a Fleet: claimed at the last poll
	edits    map[string]time.Time // update times of the messages of the last poll
	interval time.Duration
	due      time.Time
}

// Watch returns a Watcher of the rooms. Nothing is sent until Events is
// ranged over. The rooms must be positive and distinct; opt may be nil.
//
// See Watcher.Events for what is delivered and when a message counts as
// handled.
func (s *MessagesService) Watch(rooms []int64, opt *WatchOptions) (*Watcher, error) {
	if len(rooms) == 0 {
		return nil, invalid("room_id", "no room to watch")
	}
	w := &Watcher{s: s}
	if opt != nil {
		w.opt = *opt
	}
	seen := map[int64]bool{}
	for _, id := range rooms {
		if err := checkID("room_id", id); err != nil {
			return nil, err
		}
		if seen[id] {
			return nil, invalid("room_id", "room %d is given twice", id)
		}
		seen[id] = true
		w.rooms = append(w.rooms, &roomWatch{id: id, edits: map[string]time.Time{}})
	}
	switch o := &w.opt; {
	case !(o.Share >= 0 && o.Share <= 1): // NaN too
		return nil, invalid("WatchOptions.Share", "%v is not a fraction in (0, 1]", o.Share)
	case o.MinInterval < 0:
		return nil, invalid("WatchOptions.MinInterval", "is negative")
	case o.MaxInterval < 0:
		return nil, invalid("WatchOptions.MaxInterval", "is negative")
	case o.MaxInterval > 0 && o.MaxInterval < o.MinInterval:
		return nil, invalid("WatchOptions.MaxInterval", "the maximum %v is below the minimum %v", o.MaxInterval, o.MinInterval)
	}
	if w.opt.Share == 0 {
		w.opt.Share = DefaultWatchShare
	}
	if w.opt.MaxInterval == 0 {
		w.opt.MaxInterval = DefaultWatchMaxInterval
	}
	if w.opt.Store == nil {
		w.opt.Store = &MemoryStore{}
	}
	w.stats.Share = w.opt.Share
	return w, nil
}

// Events polls the rooms until ctx is done and yields every new message,
// oldest first in each room, each once. Ranging over it again (after a
// break) continues from where the previous range stopped; one range at a
// time.
//
// A message counts as handled when the loop body returns for it and the
// loop goes on: only then does the room's mark advance in the Store. A
// break, a crash or a kill while the body runs leaves the mark before the
// message, so the next range, or a restarted process with the same Store,
// delivers it again: delivery is exactly once while the process lives and
// at least once across restarts. A restarted watcher delivers what arrived
// while it was down, up to the 100 the API returns per room; beyond that
// it reports a gap.
//
// A room without a mark in the Store starts when the first range starts,
// to the second: every message sent from then on is delivered, including
// those that arrive before the room's first poll. That start is saved in
// the Store before the first poll, so a watcher killed before it polled
// the room keeps it after a restart. (With WatchOptions.Backfill such a
// room starts with the messages it holds instead.) A stored mark that the
// server's messages contradict is repaired, with a *WatchError: a mark
// above every message the server returns while some were sent after it
// (it belongs to another room), or a time in the future.
//
// Errors are yielded with the room's ID and the watch goes on: a *GapError
// when more than 100 messages may have arrived between two polls (check
// errors.Is(err, ErrGap)), a *WatchError when a poll or a save failed.
// Invalid marks in the Store, or a start that cannot be saved, end the
// sequence with an error. When ctx is done the sequence ends without an
// error.
//
// Polls go through the client, with its pacing, 429 handling and retries.
// They are spaced evenly so that they use at most the configured share of
// the account's budget in any window, across restarts too: the first poll
// of a range waits one spacing. Each room has its own interval between the
// floor and MaxInterval: halved when a poll brings something, set to the
// floor when it brings 50 or more, and grown by half when it brings
// nothing.
//
// With WatchOptions.Updates, a message whose update_time changed is
// yielded again with Update set. Only edits of messages still among the
// room's latest 100 can be seen. Deletions cannot: a deleted message
// simply vanishes from the list, and nothing in the API signals it.
func (w *Watcher) Events(ctx context.Context) iter.Seq2[WatchEvent, error] {
	return func(yield func(WatchEvent, error) bool) {
		if !w.running.CompareAndSwap(false, true) {
			yield(WatchEvent{}, errors.New("chatwork: watch: Events is already being ranged over"))
			return
		}
		defer w.running.Store(false)
		if err := w.load(); err != nil {
			yield(WatchEvent{}, err)
			return
		}
		last := time.Now() // so that a restarted watcher keeps the spacing
		for {
			floor, _, spacing := w.pace()
			r := w.nextRoom()
			at := r.due
			if t := last.Add(spacing); t.After(at) {
				at = t
			}
			if wait.Sleep(ctx, time.Until(at)) != nil {
				return
			}
			if w.opt.Fleet != nil {
				if err := w.claim(ctx, r, spacing); err != nil {
					if ctx.Err() != nil {
						return
					}
					r.claimed = false
					r.due = time.Now().Add(floor)
					if errors.Is(err, errNotClaimed) {
						continue
					}
					w.count(func(s *WatchStats) { s.Errors++ })
					if !yield(WatchEvent{RoomID: r.id}, &WatchError{RoomID: r.id, Err: err}) {
						return
					}
					continue
				}
			}
			w.notePoll(time.Now())
			msgs, _, err := w.s.ListLatest(ctx, r.id)
			last = time.Now()
			if err != nil {
				if ctx.Err() != nil {
					return
				}
				w.schedule(r, -1, last)
				w.count(func(s *WatchStats) { s.Errors++ })
				if !yield(WatchEvent{RoomID: r.id}, &WatchError{RoomID: r.id, Err: err}) {
					return
				}
				continue
			}
			if r.interval == 0 {
				r.interval = floor
			}
			n, ok := w.deliver(r, msgs, yield)
			if !ok {
				return
			}
			w.schedule(r, n, time.Now())
		}
	}
}

// Stats returns what the watcher did so far. It is safe to call while
// Events runs.
func (w *Watcher) Stats() WatchStats {
	limit, window, _ := w.budget()
	w.mu.Lock()
	defer w.mu.Unlock()
	s := w.stats
	s.Limit, s.Window = limit, window
	return s
}

// load reads the rooms' marks from the store, once per Watcher, and saves
// the start of the rooms that have none (unless Backfill), so that the
// messages sent from now on are delivered even if this process stops
// before the room's first poll.
func (w *Watcher) load() error {
	if w.loaded {
		return nil
	}
	w.start = time.Now().Truncate(time.Second)
	for _, r := range w.rooms {
		if err := w.loadRoom(r); err != nil {
			return err
		}
		if r.hasMark || w.opt.Backfill {
			continue
		}
		r.mark, r.hasMark = Mark{MessageID: "0", Start: w.start}, true
		if err := w.opt.Store.Save(r.id, r.mark); err != nil {
			return &WatchError{RoomID: r.id, Err: fmt.Errorf("saving the start of the watch: %w", err)}
		}
	}
	w.loaded = true
	return nil
}

// loadRoom reads the room's mark from the store; it forgets what this
// process saw of the room.
func (w *Watcher) loadRoom(r *roomWatch) error {
	m, ok, err := w.opt.Store.Load(r.id)
	if err != nil {
		return &WatchError{RoomID: r.id, Err: fmt.Errorf("loading the mark: %w", err)}
	}
	if ok {
		if err := checkMessageID(m.MessageID); err != nil {
			return &WatchError{RoomID: r.id, Err: fmt.Errorf("stored mark: %w", err)}
		}
	}
	r.mark, r.hasMark = m, ok
	r.polled = false
	clear(r.edits)
	return nil
}

// errNotClaimed is claim's error for a room another Watcher of the fleet
// polls.
var errNotClaimed = errors.New("the room is polled by another watcher of the fleet")

// claim asks the fleet whether this Watcher polls the room now, loads its
// mark again if it has just taken the room over, and waits for the fleet's
// turn.
func (w *Watcher) claim(ctx context.Context, r *roomWatch, spacing time.Duration) error {
	ok, err := w.opt.Fleet.Claim(ctx, r.id)
	switch {
	case err != nil:
		return fmt.Errorf("claiming the room: %w", err)
	case !ok:
		return errNotClaimed
	}
	if !r.claimed {
		if err := w.loadRoom(r); err != nil {
			return err
		}
		r.claimed = true
	}
	if err := w.opt.Fleet.Turn(ctx, spacing); err != nil {
		return fmt.Errorf("waiting for the fleet's turn: %w", err)
	}
	return nil
}

// budget returns the account's limit and window, as the server last
// reported them or else as the client is configured, and how many polls
// the share allows in a window.
func (w *Watcher) budget() (limit int, window time.Duration, polls int) {
	cfg := &w.s.c.cfg
	limit = cfg.globalLimit
	if rl := w.s.c.RateLimit(); rl.Limit > 0 {
		limit = rl.Limit
	}
	if limit <= 0 {
		limit = budgets.AccountLimit
	}
	window = cfg.globalWindow
	if window <= 0 {
		window = budgets.AccountWindow
	}
	return limit, window, max(int(w.opt.Share*float64(limit)), 1)
}

// pace returns the floor and ceiling of a room's interval and the spacing
// between any two polls: the window divided by the polls the share allows,
// rounded up, so that any window holds at most that many polls.
func (w *Watcher) pace() (floor, ceiling, spacing time.Duration) {
	_, window, polls := w.budget()
	spacing = (window + time.Duration(polls) - 1) / time.Duration(polls)
	floor = max(w.opt.MinInterval, spacing)
	return floor, max(w.opt.MaxInterval, floor), spacing
}

// nextRoom returns the room due first; the first of the list on a tie.
func (w *Watcher) nextRoom() *roomWatch {
	next := w.rooms[0]
	for _, r := range w.rooms[1:] {
		if r.due.Before(next.due) {
			next = r
		}
	}
	return next
}

// schedule sets when the room is polled next, after a poll that brought n
// messages (n < 0: the poll failed).
func (w *Watcher) schedule(r *roomWatch, n int, now time.Time) {
	floor, ceiling, _ := w.pace()
	switch {
	case n < 0:
		r.interval = ceiling
	case n >= watchBusy:
		r.interval = floor
	case n > 0:
		r.interval /= 2
	default:
		r.interval += r.interval / 2
	}
	r.interval = min(max(r.interval, floor), ceiling)
	r.due = now.Add(r.interval)
}

func (w *Watcher) notePoll(t time.Time) {
	limit, window, _ := w.budget()
	w.mu.Lock()
	defer w.mu.Unlock()
	i := 0
	for i < len(w.polls) && !w.polls[i].After(t.Add(-window)) {
		i++
	}
	w.polls = append(w.polls[i:], t)
	w.stats.Polls++
	w.stats.MaxShare = max(w.stats.MaxShare, float64(len(w.polls))/float64(limit))
}

func (w *Watcher) count(f func(*WatchStats)) {
	w.mu.Lock()
	f(&w.stats)
	w.mu.Unlock()
}

// deliver yields what one poll of the room brought: a gap if there is one,
// the edits (with Updates), then the new messages, advancing and saving
// the mark after each. It returns how many messages it yielded, and false
// when the loop body stopped the range.
func (w *Watcher) deliver(r *roomWatch, msgs []Message, yield func(WatchEvent, error) bool) (int, bool) {
	full := len(msgs) >= latestWindow
	msgs = slices.Clone(msgs)
	for _, m := range msgs {
		if err := checkMessageID(m.MessageID); err != nil {
			w.count(func(s *WatchStats) { s.Errors++ })
			if !yield(WatchEvent{RoomID: r.id, Message: m}, &WatchError{RoomID: r.id, Err: fmt.Errorf("message skipped: %w", err)}) {
				return 0, false
			}
		}
	}
	msgs = slices.DeleteFunc(msgs, func(m Message) bool { return checkMessageID(m.MessageID) != nil })
	slices.SortStableFunc(msgs, func(a, b Message) int { return compareMessageIDs(a.MessageID, b.MessageID) })

	fresh := !r.hasMark // with Backfill: every message is new
	if fresh {
		r.mark, r.hasMark = Mark{MessageID: "0"}, true
	}
	if !w.checkMark(r, msgs, yield) {
		return 0, false
	}

	var edits, news []Message
	for _, m := range msgs {
		switch {
		case r.isNew(m):
			news = append(news, m)
		case w.opt.Updates && r.edited(m):
			edits = append(edits, m)
		}
	}
	slices.SortStableFunc(edits, func(a, b Message) int { return updatedAt(a).Compare(updatedAt(b)) })

	if !fresh && full && len(news) == len(msgs) {
		w.count(func(s *WatchStats) { s.Gaps++ })
		if !yield(WatchEvent{RoomID: r.id}, &GapError{RoomID: r.id, After: r.mark.MessageID, Before: msgs[0].MessageID}) {
			return 0, false
		}
	}
	for _, m := range edits {
		if !yield(WatchEvent{RoomID: r.id, Message: m, Update: true}, nil) {
			return 0, false
		}
		w.count(func(s *WatchStats) { s.Updates++ })
		r.edits[m.MessageID] = updatedAt(m)
		r.mark.Seen = latest(r.mark.Seen, updatedAt(m))
		if !w.save(r, yield) {
			return 0, false
		}
	}
	for _, m := range news {
		if !yield(WatchEvent{RoomID: r.id, Message: m}, nil) {
			return 0, false
		}
		w.count(func(s *WatchStats) { s.Messages++ })
		r.edits[m.MessageID] = updatedAt(m)
		r.mark.MessageID, r.mark.Start = m.MessageID, time.Time{}
		r.mark.Seen = latest(r.mark.Seen, sentAt(m), updatedAt(m))
		if !w.save(r, yield) {
			return 0, false
		}
	}
	r.remember(msgs)
	return len(edits) + len(news), true
}

// save writes the room's mark to the store; a failure is yielded and the
// watch goes on with the mark in memory. It returns false when the loop
// body stopped the range.
func (w *Watcher) save(r *roomWatch, yield func(WatchEvent, error) bool) bool {
	if err := w.opt.Store.Save(r.id, r.mark); err != nil {
		w.count(func(s *WatchStats) { s.Errors++ })
		return yield(WatchEvent{RoomID: r.id}, &WatchError{RoomID: r.id, Err: fmt.Errorf("saving the mark: %w", err)})
	}
	return true
}

// markSkew is how far in the future a stored time may be, against clock
// differences, before it is taken for a mistake.
const markSkew = time.Hour

// checkMark checks the room's mark against the poll's messages, sorted by
// ID, and repairs it when they contradict it, with a *WatchError saying
// so. A mark above every message the server returns is right when the
// newest messages were deleted; it is wrong (it silences the room) when
// messages were sent after the time it records, or when that time is in
// the future: it belongs to another room or account, or was edited. Those
// messages are then delivered. A start in the future is reset to the start
// of this watch. It returns false when the loop body stopped the range.
func (w *Watcher) checkMark(r *roomWatch, msgs []Message, yield func(WatchEvent, error) bool) bool {
	now := time.Now()
	var problem error
	switch m := &r.mark; {
	case m.MessageID == "0" && m.Start.After(now.Add(markSkew)):
		problem = fmt.Errorf("the stored start of the watch, %s, is in the future: starting at %s, when this watch started",
			m.Start.Format(time.RFC3339), w.start.Format(time.RFC3339))
		m.Start = w.start
	case m.MessageID != "0" && len(msgs) > 0 && compareMessageIDs(m.MessageID, msgs[len(msgs)-1].MessageID) > 0:
		seen := m.Seen
		if seen.After(now.Add(markSkew)) {
			seen = time.Time{}
		}
		first := slices.IndexFunc(msgs, func(x Message) bool { return sentAt(x).After(seen) })
		if first < 0 {
			return true // the newest messages were deleted: the mark stands
		}
		problem = fmt.Errorf("the stored mark %s is above every message the server returns (the newest is %s), yet %d of them were sent after the mark: it does not belong to this room; delivering them",
			m.MessageID, msgs[len(msgs)-1].MessageID, len(msgs)-first)
		m.MessageID, m.Start = "0", time.Time{}
		if first > 0 {
			m.MessageID = msgs[first-1].MessageID
		}
	default:
		return true
	}
	w.count(func(s *WatchStats) { s.Errors++ })
	return yield(WatchEvent{RoomID: r.id}, &WatchError{RoomID: r.id, Err: problem})
}

// isNew reports whether m comes after the room's mark: a higher ID, or,
// before the first delivery, sent at or after the start of the watch.
func (r *roomWatch) isNew(m Message) bool {
	if r.mark.MessageID == "0" && !r.mark.Start.IsZero() {
		return !sentAt(m).Before(r.mark.Start)
	}
	return compareMessageIDs(m.MessageID, r.mark.MessageID) > 0
}

// remember keeps the update times of the poll's messages, which are all
// delivered, to tell edits at the next poll.
func (r *roomWatch) remember(msgs []Message) {
	clear(r.edits)
	for _, m := range msgs {
		r.edits[m.MessageID] = updatedAt(m)
	}
	r.polled = true
}

// edited reports whether m, delivered before, was edited since. A message
// this process has not seen yet (the first poll after a restart) counts as
// edited when its update_time is at or after the mark's Seen: it may come
// twice, but no edit made while the watcher was down is lost.
func (r *roomWatch) edited(m Message) bool {
	cur := updatedAt(m)
	if prev, ok := r.edits[m.MessageID]; ok {
		return !cur.Equal(prev)
	}
	if r.polled || cur.IsZero() || r.mark.Seen.IsZero() {
		return false
	}
	return !cur.Before(r.mark.Seen)
}

// updatedAt returns when m was last edited, the zero Time if never. It and
// sentAt are the only readers of the message's times, so a change of their
// Go type touches only them.
func updatedAt(m Message) time.Time { return m.UpdateTime.Time }

// sentAt returns when m was posted.
func sentAt(m Message) time.Time { return m.SendTime.Time }

// latest returns the latest of the times.
func latest(ts ...time.Time) time.Time {
	var out time.Time
	for _, t := range ts {
		if t.After(out) {
			out = t
		}
	}
	return out
}

// compareMessageIDs compares two message IDs, strings of digits, as
// numbers: "99" < "100". It returns -1, 0 or +1.
func compareMessageIDs(a, b string) int {
	a, b = strings.TrimLeft(a, "0"), strings.TrimLeft(b, "0")
	if len(a) != len(b) {
		if len(a) < len(b) {
			return -1
		}
		return 1
	}
	return strings.Compare(a, b)
}
