package intake

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/chatwork-go/chatwork/api"
	"github.com/chatwork-go/chatwork/api/notation"
	"github.com/chatwork-go/chatwork/api/webhook"
	"github.com/chatwork-go/chatwork/gen"
	"github.com/chatwork-go/chatwork/internal/wait"
)

// DefaultLease is how long a replica holds a room it stopped renewing
// (because it died) unless PollOptions.Lease says otherwise.
const DefaultLease = 10 * time.Second

// PollOptions configure Poll. The zero value (or nil) is ready to use.
type PollOptions struct {
	// Share, MinInterval, MaxInterval and Updates are those of
	// api.WatchOptions, for the whole fleet: its polls together use at
	// most Share of the account's budget, whatever the number of
	// replicas.
	Share                    float64
	MinInterval, MaxInterval time.Duration
	Updates                  bool

	// Mentions adds, for each message found that mentions the account
	// ([To:…] or a reply), the mention_to_me event Chatwork would have
	// sent. It costs one call (GET /me) when Poll starts.
	Mentions bool

	// Lease is how long a room stays with a replica that stopped renewing
	// it: a replica that dies has its rooms taken over within about
	// Lease plus the floor interval. 0 means DefaultLease.
	Lease time.Duration
}

// Poll watches rooms with the account of c as one replica of a fleet, and
// adds every message it finds to the stream, with the same keys as the
// webhook events, so that a message whose delivery was lost is still
// handled, once. It returns when ctx ends (with nil) or when the options
// are invalid.
//
// Every replica runs Poll with the same rooms (and stream name); each room
// is polled by one of them at a time, through a lease in Redis that the
// replica renews while it lives, and the rooms are spread evenly over the
// live replicas. The marks (api.Mark) are kept in Redis, so a replica that
// takes a room over goes on where the previous one stopped. The polls of
// all replicas together are spaced to one Share of the account's budget;
// give c the shared limiter of package redislimit too, so that the rest of
// the budget is shared as well. A room without a mark starts when the
// first replica starts.
//
// A message is added before its mark advances: when Redis cannot take it,
// the watch stops and starts again from the mark. Messages that more than
// 100 arrivals pushed out of reach are reported (a gap: logged and
// counted), never hidden.
func (s *Stream) Poll(ctx context.Context, c *api.Client, rooms []int64, opt *PollOptions) error {
	var o PollOptions
	if opt != nil {
		o = *opt
	}
	if o.Lease < 0 {
		return errors.New("intake: poll: negative lease")
	}
	if o.Lease == 0 {
		o.Lease = DefaultLease
	}
	f := &fleet{s: s, name: uniqueName(), ttl: o.Lease, rooms: len(rooms), held: map[int64]bool{}}
	w, err := c.Messages.Watch(rooms, &api.WatchOptions{
		Store: &markStore{f: f}, Share: o.Share, MinInterval: o.MinInterval, MaxInterval: o.MaxInterval,
		Updates: o.Updates, Fleet: f,
	})
	if err != nil {
		return err
	}
	var me int64
	for n := 0; o.Mentions && me == 0; n++ {
		acct, _, err := c.Me.Get(ctx)
		if err == nil {
			me = acct.AccountID
			break
		}
		if ctx.Err() != nil {
			return nil
		}
		s.metrics.Add("errors", 1)
		s.log.Warn("intake: poll: reading the account (for its mentions) failed; trying again", "error", err.Error())
		_ = wait.Sleep(ctx, s.redisBackoff(n))
	}
	renewed := make(chan struct{})
	go func() {
		defer close(renewed)
		f.renewLoop(ctx)
	}()
	defer func() {
		<-renewed
		f.releaseAll()
	}()
	for n := 0; ctx.Err() == nil; n++ {
		if s.pollRange(ctx, w, me) {
			n = 0
		}
		_ = wait.Sleep(ctx, s.redisBackoff(n))
	}
	return nil
}

// pollRange ranges over the watcher's events and adds them to the stream,
// until ctx ends or the stream cannot take one: the range then stops
// before that message's mark is saved. It reports whether it added
// anything.
func (s *Stream) pollRange(ctx context.Context, w *api.Watcher, me int64) bool {
	added := false
	for ev, err := range w.Events(ctx) {
		var gap *api.GapError
		switch {
		case errors.As(err, &gap):
			s.metrics.Add("gaps", 1)
			s.log.Warn("intake: poll: "+err.Error(), "room_id", gap.RoomID)
			continue
		case err != nil:
			s.metrics.Add("errors", 1)
			s.log.Warn("intake: poll: "+err.Error(), "room_id", ev.RoomID)
			continue
		}
		for _, e := range polledEvents(ev, me) {
			if _, err := s.Add(ctx, SourcePoll, e); err != nil {
				s.log.Warn("intake: poll: the stream cannot take a message; polling the room again later", "room_id", ev.RoomID, "error", err.Error())
				return added
			}
		}
		added = true
	}
	return added
}

// polledEvents returns the events Chatwork would have sent for a message
// a poll found: message_created (message_updated for an edit) and, when
// me is set and the message mentions me, mention_to_me.
func polledEvents(ev api.WatchEvent, me int64) []*webhook.Event {
	m := ev.Message
	typ, at := webhook.TypeMessageCreated, m.SendTime
	if ev.Update {
		typ, at = webhook.TypeMessageUpdated, m.UpdateTime
	}
	msg := webhook.MessageEvent{AccountID: m.Account.AccountID, Body: m.Body, MessageID: m.MessageID, RoomID: ev.RoomID, SendTime: m.SendTime, UpdateTime: m.UpdateTime}
	out := []*webhook.Event{mustEvent(typ, at, msg)}
	if me == 0 || ev.Update || m.Account.AccountID == me {
		return out
	}
	if slices.ContainsFunc(notation.Parse(m.Body).Mentions, func(x notation.Mention) bool { return x.AccountID == me }) {
		out = append(out, mustEvent(webhook.TypeMentionToMe, at, webhook.MentionEvent{
			Body: m.Body, FromAccountID: m.Account.AccountID, MessageID: m.MessageID, RoomID: ev.RoomID,
			SendTime: m.SendTime, ToAccountID: me, UpdateTime: m.UpdateTime,
		}))
	}
	return out
}

// mustEvent builds the event Chatwork would send, through webhook.Parse so
// that it is exactly what a consumer decodes.
func mustEvent(typ string, at gen.UnixTime, payload any) *webhook.Event {
	raw, err := json.Marshal(payload)
	if err == nil {
		var body []byte
		body, err = json.Marshal(gen.WebhookEnvelope{WebhookEventType: typ, WebhookEventTime: at, WebhookEvent: raw})
		if err == nil {
			var e *webhook.Event
			if e, err = webhook.Parse(body); err == nil {
				return e
			}
		}
	}
	panic("intake: a polled message does not make an event: " + err.Error()) // plain structs of strings and numbers
}

// fleet is the api.WatchFleet of the replicas of a stream: a lease per
// room, and one schedule of polls, in Redis.
type fleet struct {
	s     *Stream
	name  string // this replica
	ttl   time.Duration
	rooms int

	mu   sync.Mutex
	held map[int64]bool
}

// Claim renews the room's lease if this replica holds it, or takes it if
// nobody does and this replica holds fewer than its share of the rooms;
// a replica over its share (another one joined) lets the room go.
func (f *fleet) Claim(ctx context.Context, room int64) (bool, error) {
	s := f.s
	f.mu.Lock()
	held := len(f.held)
	f.mu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, s.callTimeout)
	defer cancel()
	n, err := claimScript.Run(ctx, s.rdb, []string{s.keys.leasePrefix + strconv.FormatInt(room, 10), s.keys.replicas},
		f.name, f.ttl.Milliseconds(), f.rooms, held).Int()
	if err != nil {
		return false, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if n == 1 {
		f.held[room] = true
	} else {
		delete(f.held, room)
	}
	return n == 1, nil
}

// claimScript: KEYS lease, replicas; ARGV replica, lease (ms), rooms
// watched, rooms this replica holds. It registers the replica as live for
// a lease and returns 1 when the replica holds the room.
var claimScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[2])
redis.call('ZADD', KEYS[2], now + ttl, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
redis.call('PEXPIRE', KEYS[2], ttl * 2)
local live = redis.call('ZCARD', KEYS[2])
local share = math.ceil(tonumber(ARGV[3]) / live)
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
	if tonumber(ARGV[4]) > share then
		redis.call('DEL', KEYS[1])
		return 0
	end
	redis.call('PEXPIRE', KEYS[1], ttl)
	return 1
end
if holder or tonumber(ARGV[4]) >= share then
	return 0
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ttl)
return 1
`)

// Turn waits for the fleet's next poll: the polls of all replicas are
// spacing apart, on Redis's clock.
func (f *fleet) Turn(ctx context.Context, spacing time.Duration) error {
	s := f.s
	cctx, cancel := context.WithTimeout(ctx, s.callTimeout)
	ms, err := turnScript.Run(cctx, s.rdb, []string{s.keys.turn}, spacing.Milliseconds()).Int64()
	cancel()
	if err != nil {
		return err
	}
	return wait.Sleep(ctx, time.Duration(ms)*time.Millisecond)
}

// turnScript: KEYS turn; ARGV spacing (ms). It books the next free slot
// and returns how long to wait for it.
var turnScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local at = math.max(now, tonumber(redis.call('GET', KEYS[1]) or '0'))
local spacing = tonumber(ARGV[1])
redis.call('SET', KEYS[1], at + spacing, 'PX', at + spacing - now + 60000)
return at - now
`)

// renewLoop renews the leases this replica holds every third of a lease,
// so that they outlive the intervals between the polls of quiet rooms.
func (f *fleet) renewLoop(ctx context.Context) {
	for wait.Sleep(ctx, f.ttl/3) == nil {
		f.mu.Lock()
		rooms := make([]int64, 0, len(f.held))
		for r := range f.held {
			rooms = append(rooms, r)
		}
		f.mu.Unlock()
		for _, r := range rooms {
			if _, err := f.Claim(ctx, r); err != nil && ctx.Err() == nil {
				f.s.metrics.Add("errors", 1)
			}
		}
	}
}

// releaseAll lets the rooms this replica holds go, so that the others take
// them over at once rather than after the lease.
func (f *fleet) releaseAll() {
	s := f.s
	ctx, cancel := context.WithTimeout(context.Background(), s.callTimeout)
	defer cancel()
	f.mu.Lock()
	defer f.mu.Unlock()
	for r := range f.held {
		_ = releaseScript.Run(ctx, s.rdb, []string{s.keys.leasePrefix + strconv.FormatInt(r, 10)}, f.name).Err()
		delete(f.held, r)
	}
}

var releaseScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1
`)

// markStore is the api.Store of a fleet: the marks in a Redis hash. A
// replica saves a room's mark only while it holds the room's lease, so a
// replica that lost a room (paused, cut off) cannot move its mark back;
// the start of a room is saved only if the room has no mark yet.
type markStore struct{ f *fleet }

// errNotHolder is the error of Save by a replica that lost the room.
var errNotHolder = errors.New("intake: this replica no longer holds the room; another one polls it")

func (m *markStore) Load(room int64) (api.Mark, bool, error) {
	s := m.f.s
	ctx, cancel := context.WithTimeout(context.Background(), s.callTimeout)
	defer cancel()
	b, err := s.rdb.HGet(ctx, s.keys.marks, strconv.FormatInt(room, 10)).Bytes()
	if errors.Is(err, redis.Nil) {
		return api.Mark{}, false, nil
	}
	if err != nil {
		return api.Mark{}, false, err
	}
	var mark api.Mark
	if err := json.Unmarshal(b, &mark); err != nil {
		return api.Mark{}, false, fmt.Errorf("intake: the mark of room %d: %w", room, err)
	}
	return mark, true, nil
}

func (m *markStore) Save(room int64, mark api.Mark) error {
	s := m.f.s
	b, err := json.Marshal(mark)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.callTimeout)
	defer cancel()
	start := mark.MessageID == "0" && !mark.Start.IsZero()
	n, err := saveScript.Run(ctx, s.rdb, []string{s.keys.marks, s.keys.leasePrefix + strconv.FormatInt(room, 10)},
		room, b, m.f.name, start).Int()
	if err != nil {
		return err
	}
	if n == 0 && !start {
		return errNotHolder
	}
	return nil
}

// saveScript: KEYS marks, lease; ARGV room, mark, replica, whether the
// mark is a start (saved only if the room has none).
var saveScript = redis.NewScript(`
if ARGV[4] == '1' then
	return redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2])
end
if redis.call('GET', KEYS[2]) ~= ARGV[3] then
	return 0
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1
`)
