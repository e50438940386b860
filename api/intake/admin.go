package intake

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"slices"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/chatwork-go/chatwork/internal/wait"
)

// Tail yields the last n entries of the stream, oldest first, then, with
// follow, every new entry as it is added, until ctx ends. It reads without
// a consumer group: consumers are unaffected. Delivery.Attempt is 0.
func (s *Stream) Tail(ctx context.Context, n int64, follow bool) iter.Seq2[*Delivery, error] {
	return func(yield func(*Delivery, error) bool) {
		last := "0"
		if n > 0 {
			cctx, cancel := context.WithTimeout(ctx, s.callTimeout)
			msgs, err := s.rdb.XRevRangeN(cctx, s.keys.stream, "+", "-", n).Result()
			cancel()
			if err != nil {
				yield(nil, fmt.Errorf("intake: reading the stream: %w", err))
				return
			}
			slices.Reverse(msgs)
			for _, m := range msgs {
				last = m.ID
				if !yieldEntry(m, yield) {
					return
				}
			}
		}
		if last == "0" {
			last = "$"
		}
		for follow && ctx.Err() == nil {
			streams, err := s.rdb.XRead(ctx, &redis.XReadArgs{Streams: []string{s.keys.stream, last}, Block: time.Second, Count: 100}).Result()
			switch {
			case errors.Is(err, redis.Nil) || ctx.Err() != nil:
				continue
			case err != nil:
				if !yield(nil, fmt.Errorf("intake: reading the stream: %w", err)) {
					return
				}
				_ = wait.Sleep(ctx, time.Second)
				continue
			}
			for _, st := range streams {
				for _, m := range st.Messages {
					last = m.ID
					if !yieldEntry(m, yield) {
						return
					}
				}
			}
		}
	}
}

func yieldEntry(m redis.XMessage, yield func(*Delivery, error) bool) bool {
	d, _, err := decodeEntry(m)
	if err != nil {
		return yield(nil, fmt.Errorf("intake: entry %s: %w", m.ID, err))
	}
	return yield(d, nil)
}

// Pending is an entry a consumer group has not acknowledged yet.
type Pending struct {
	ID       string
	Key      string        // the event's key; empty if the entry was trimmed
	Consumer string        // who has it; "intake:retry" while it waits for another attempt
	Idle     time.Duration // since it was last delivered or renewed
	Attempts int           // deliveries to the group so far
}

// Pending returns up to n entries group has not acknowledged, oldest
// first: those being handled, and those waiting for another attempt.
func (s *Stream) Pending(ctx context.Context, group string, n int64) ([]Pending, error) {
	ctx, cancel := context.WithTimeout(ctx, s.callTimeout)
	defer cancel()
	ps, err := s.rdb.XPendingExt(ctx, &redis.XPendingExtArgs{Stream: s.keys.stream, Group: group, Start: "-", End: "+", Count: n}).Result()
	if err != nil {
		return nil, fmt.Errorf("intake: pending entries of %s: %w", group, err)
	}
	out := make([]Pending, 0, len(ps))
	for _, p := range ps {
		e := Pending{ID: p.ID, Consumer: p.Consumer, Idle: p.Idle, Attempts: int(p.RetryCount)}
		if msgs, err := s.rdb.XRangeN(ctx, s.keys.stream, p.ID, p.ID, 1).Result(); err == nil && len(msgs) == 1 {
			e.Key, _ = msgs[0].Values[fieldKey].(string)
		}
		out = append(out, e)
	}
	return out, nil
}

// DeadLetter is an entry a consumer group gave up on.
type DeadLetter struct {
	ID       string // in the dead-letter stream
	EntryID  string // in the stream
	Group    string
	Key      string
	Source   string
	Error    string // the handler's last error
	Attempts int
	Consumer string // the consumer of the last attempt
	Time     time.Time
	Body     []byte // the event, as Chatwork sends it
}

// DeadLetters returns up to n dead letters of group (all groups when
// group is empty), oldest first.
func (s *Stream) DeadLetters(ctx context.Context, group string, n int64) ([]DeadLetter, error) {
	ctx, cancel := context.WithTimeout(ctx, s.callTimeout)
	defer cancel()
	var out []DeadLetter
	for start := "-"; n <= 0 || int64(len(out)) < n; {
		msgs, err := s.rdb.XRangeN(ctx, s.keys.dead, start, "+", 1000).Result()
		if err != nil {
			return nil, fmt.Errorf("intake: reading the dead letters: %w", err)
		}
		for _, m := range msgs {
			d := deadLetterOf(m)
			if group == "" || d.Group == group {
				out = append(out, d)
			}
		}
		if len(msgs) < 1000 {
			break
		}
		start = "(" + msgs[len(msgs)-1].ID
	}
	if n > 0 && int64(len(out)) > n {
		out = out[:n]
	}
	return out, nil
}

func deadLetterOf(m redis.XMessage) DeadLetter {
	str := func(f string) string { v, _ := m.Values[f].(string); return v }
	d := DeadLetter{ID: m.ID, EntryID: str(fieldID), Group: str(fieldGroup), Key: str(fieldKey), Source: str(fieldSource),
		Error: str(fieldError), Attempts: atoi(m.Values[fieldAttempts]), Consumer: str(fieldConsumer), Body: []byte(str(fieldBody))}
	var ms int64
	if _, err := fmt.Sscanf(m.ID, "%d-", &ms); err == nil {
		d.Time = time.UnixMilli(ms)
	}
	return d
}

// Replay sends group's dead letters with the given IDs (all of group's
// when none is given) back into the stream, for group only, and removes
// them from the dead letters. It returns how many it sent. A replayed
// entry is a new entry (SourceReplay) with the same key: the group's
// handler gets it again with Attempt 1; the other groups skip it.
func (s *Stream) Replay(ctx context.Context, group string, ids ...string) (int, error) {
	if group == "" {
		return 0, errors.New("intake: replay: no group")
	}
	dead, err := s.DeadLetters(ctx, group, 0)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, d := range dead {
		if len(ids) > 0 && !slices.Contains(ids, d.ID) {
			continue
		}
		cctx, cancel := context.WithTimeout(ctx, s.callTimeout)
		err := replayScript.Run(cctx, s.rdb, []string{s.keys.stream, s.keys.dead, s.keys.counts}, d.ID, s.maxLen,
			fieldKey, d.Key, fieldSource, SourceReplay, fieldType, typeOf(d), fieldBody, string(d.Body), fieldGroup, group, fieldReplayOf, d.ID).Err()
		cancel()
		if errors.Is(err, redis.Nil) {
			continue // replayed meanwhile by someone else
		}
		if err != nil {
			return n, fmt.Errorf("intake: replaying %s: %w", d.ID, err)
		}
		s.metrics.Add("replayed", 1)
		n++
	}
	return n, nil
}

// typeOf returns the event type of a dead letter, from its body.
func typeOf(d DeadLetter) string {
	var env struct {
		Type string `json:"webhook_event_type"`
	}
	_ = json.Unmarshal(d.Body, &env)
	return env.Type
}

// replayScript: KEYS stream, dead, counts; ARGV dead letter ID, max
// length, then the new entry's fields and values. It returns nil when the
// dead letter is gone.
var replayScript = redis.NewScript(`
if redis.call('XDEL', KEYS[2], ARGV[1]) == 0 then
	return false
end
local id
local n = tonumber(ARGV[2])
if n > 0 then
	id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', n, '*', unpack(ARGV, 3))
else
	id = redis.call('XADD', KEYS[1], '*', unpack(ARGV, 3))
end
redis.call('HINCRBY', KEYS[3], 'replayed', 1)
return id
`)
