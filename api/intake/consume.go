package intake

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/chatwork-go/chatwork/api/webhook"
	"github.com/chatwork-go/chatwork/internal/wait"
)

// Delivery is one entry of the stream handed to a consumer.
type Delivery struct {
	// ID is the entry's ID in the stream, such as "1700000000000-0".
	ID string
	// Key identifies the event whatever its source (see Key): the same
	// for every copy of it, so a handler can make its effects happen
	// once.
	Key string
	// Source is SourceWebhook, SourcePoll or SourceReplay.
	Source string
	// Event is the event, as webhook.Parse decodes Chatwork's body: a
	// message found by Poll comes as the message_created (or, for edits,
	// message_updated; for mentions of the account, mention_to_me) event
	// Chatwork would have sent.
	Event *webhook.Event
	// Attempt is 1 the first time the group gets the entry, and one more
	// each time it gets it again: after a handler error, or from a
	// consumer that stopped while handling it. 0 outside Consume (Tail).
	Attempt int
}

// HandlerFunc handles one delivery. Returning nil acknowledges the entry
// for the group; an error has it tried again later, and moved to the
// dead-letter stream after the last attempt. ctx ends when Consume's ctx
// does.
type HandlerFunc func(ctx context.Context, d *Delivery) error

// retryConsumer owns the entries waiting for another attempt after a
// handler error: XPENDING shows them under this name.
const retryConsumer = "intake:retry"

// Consume hands the entries of the stream to handler, one at a time, as
// a consumer of group (created at the start of the stream if it does not
// exist: a new group handles everything the stream holds) until ctx ends;
// it then returns nil. Run it in as many processes (or goroutines) as
// needed: each entry goes to one consumer of the group, and every group
// gets every entry.
//
// Delivery is at-least-once, with Delivery.Key to make the handler's
// side exactly-once. An entry is acknowledged only after handler returns
// nil. An entry whose handler returned an error is tried again, by any
// consumer of the group, after a backoff (WithBackoff), and moved to the
// dead-letter stream with the error after the last attempt
// (WithMaxAttempts). A consumer that dies leaves its entry pending, and
// another one takes it over once it has been idle for the claim time
// (WithClaimIdle); a running handler keeps its entry by renewing it. An
// entry whose consumers stopped in the middle of every attempt goes to
// the dead letters too, without another attempt. So a handler may see an
// entry again: after its own error, after a crash between its effect and
// the acknowledgement, or when its consumer lost Redis for longer than the
// claim time. Delivery.Key is the same each time: store it with the
// handler's effect (a unique index, SET NX) to make the effect exactly
// once.
//
// Redis errors are logged and retried; they never end Consume.
func (s *Stream) Consume(ctx context.Context, group string, handler HandlerFunc) error {
	if group == "" || strings.ContainsAny(group, " \r\n") {
		return fmt.Errorf("intake: consumer group %q: want a name without spaces", group)
	}
	if handler == nil {
		return errors.New("intake: nil handler")
	}
	c := &consumer{s: s, group: group, name: uniqueName(), handler: handler}
	c.scan = min(max(min(s.claimIdle, s.backoffBase)/2, 50*time.Millisecond), 5*time.Second)
	var lastScan time.Time
	for retry := 0; ctx.Err() == nil; {
		err := c.ensureGroup(ctx)
		if err == nil && time.Since(lastScan) >= c.scan {
			err = c.claimDue(ctx)
			lastScan = time.Now()
		}
		if err == nil {
			err = c.readNew(ctx)
		}
		if err == nil || ctx.Err() != nil {
			retry = 0
			continue
		}
		s.metrics.Add("errors", 1)
		s.log.Warn("intake: consumer: Redis call failed; trying again", "group", group, "consumer", c.name, "error", err.Error())
		_ = wait.Sleep(ctx, s.redisBackoff(retry))
		retry++
	}
	return nil
}

// redisBackoff is the wait before trying Redis again after n failures in
// a row: 100 ms doubling up to 5 s.
func (s *Stream) redisBackoff(n int) time.Duration {
	return min(100*time.Millisecond<<min(n, 6), 5*time.Second)
}

// backoff is the wait before attempt n+1 of an entry after attempt n
// failed.
func (s *Stream) backoff(n int) time.Duration {
	return min(s.backoffBase<<min(max(n-1, 0), 20), s.backoffMax)
}

type consumer struct {
	s       *Stream
	group   string
	name    string
	handler HandlerFunc
	scan    time.Duration // how often to look for entries to take over
	created bool
}

// ensureGroup creates the group at the start of the stream unless it
// exists.
func (c *consumer) ensureGroup(ctx context.Context) error {
	if c.created {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, c.s.callTimeout)
	defer cancel()
	err := c.s.rdb.XGroupCreateMkStream(ctx, c.s.keys.stream, c.group, "0").Err()
	if err != nil && !strings.HasPrefix(err.Error(), "BUSYGROUP") {
		return err
	}
	c.created = true
	return nil
}

// forget makes the next call create the group again: Redis lost it.
func (c *consumer) forget(err error) error {
	if err != nil && strings.HasPrefix(err.Error(), "NOGROUP") {
		c.created = false
	}
	return err
}

// readNew waits up to the scan interval for a new entry and handles it.
func (c *consumer) readNew(ctx context.Context) error {
	streams, err := c.s.rdb.XReadGroup(ctx, &redis.XReadGroupArgs{
		Group: c.group, Consumer: c.name, Streams: []string{c.s.keys.stream, ">"}, Count: 1, Block: c.scan,
	}).Result()
	if errors.Is(err, redis.Nil) || ctx.Err() != nil {
		return nil
	}
	if err != nil {
		return c.forget(err)
	}
	for _, st := range streams {
		for _, m := range st.Messages {
			c.handle(ctx, m, 1)
		}
	}
	return nil
}

// claimDue takes over and handles the entries that are due: those waiting
// for another attempt whose backoff is over, and those of other consumers
// idle for the claim time.
func (c *consumer) claimDue(ctx context.Context) error {
	s := c.s
	cctx, cancel := context.WithTimeout(ctx, s.callTimeout)
	pending, err := s.rdb.XPendingExt(cctx, &redis.XPendingExtArgs{
		Stream: s.keys.stream, Group: c.group, Idle: min(s.backoffBase, s.claimIdle), Start: "-", End: "+", Count: 100,
	}).Result()
	cancel()
	if err != nil {
		return c.forget(err)
	}
	for _, p := range pending {
		if ctx.Err() != nil {
			return nil
		}
		need, counter := s.claimIdle, "redelivered"
		if p.Consumer == retryConsumer {
			need, counter = s.backoff(int(p.RetryCount)), "retried"
		}
		if p.Idle < need {
			continue
		}
		cctx, cancel := context.WithTimeout(ctx, s.callTimeout)
		msgs, err := s.rdb.XClaim(cctx, &redis.XClaimArgs{
			Stream: s.keys.stream, Group: c.group, Consumer: c.name, MinIdle: need, Messages: []string{p.ID},
		}).Result()
		cancel()
		if err != nil {
			return c.forget(err)
		}
		for _, m := range msgs { // none if another consumer was quicker, or the entry was trimmed
			s.metrics.Add(counter, 1)
			if counter == "redelivered" {
				s.log.Info("intake: took over an entry from a consumer that stopped", "group", c.group, "id", m.ID, "from", p.Consumer)
			}
			c.handle(ctx, m, int(p.RetryCount)+1)
		}
	}
	return nil
}

// handle runs the handler on one entry and acknowledges it, hands it back
// for another attempt, or moves it to the dead letters.
func (c *consumer) handle(ctx context.Context, m redis.XMessage, attempt int) {
	s := c.s
	d, group, err := decodeEntry(m)
	if err != nil {
		c.deadLetter(ctx, m, attempt, fmt.Errorf("undecodable entry: %w", err))
		return
	}
	if group != "" && group != c.group { // a replay for another group
		c.ack(ctx, m.ID, false)
		return
	}
	if attempt > s.maxAttempts {
		// Its consumers stopped (died, or lost Redis) in the middle of
		// every attempt: an entry that kills its consumer goes no further.
		c.deadLetter(ctx, m, attempt-1, fmt.Errorf("its consumers stopped while handling it, %d times", attempt-1))
		return
	}
	d.Attempt = attempt
	hctx, stop := context.WithCancel(ctx)
	renewed := make(chan struct{})
	go func() {
		defer close(renewed)
		c.renew(hctx, m.ID)
	}()
	err = callHandler(hctx, c.handler, d)
	stop()
	<-renewed
	switch {
	case err == nil:
		c.ack(ctx, m.ID, true)
	case ctx.Err() != nil:
		// Stopping: hand the entry back at once rather than after the
		// claim time.
		c.release(m.ID)
	case attempt >= s.maxAttempts:
		s.metrics.Add("failed", 1)
		c.deadLetter(ctx, m, attempt, err)
	default:
		s.metrics.Add("failed", 1)
		s.log.Warn("intake: handler failed; the entry will be tried again", "group", c.group, "id", m.ID, "key", d.Key,
			"attempt", attempt, "retry_in", s.backoff(attempt).String(), "error", err.Error())
		c.release(m.ID)
	}
}

// callHandler runs the handler, turning a panic into an error.
func callHandler(ctx context.Context, h HandlerFunc, d *Delivery) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("handler panicked: %v", r)
		}
	}()
	return h(ctx, d)
}

// renew keeps the entry with this consumer while the handler runs, by
// resetting its idle time every third of the claim time.
func (c *consumer) renew(ctx context.Context, id string) {
	s := c.s
	for wait.Sleep(ctx, s.claimIdle/3) == nil {
		cctx, cancel := context.WithTimeout(ctx, s.callTimeout)
		_ = s.rdb.XClaimJustID(cctx, &redis.XClaimArgs{Stream: s.keys.stream, Group: c.group, Consumer: c.name, Messages: []string{id}}).Err()
		cancel()
	}
}

// ack acknowledges the entry, trying until Redis takes it or ctx ends: an
// entry not acknowledged is handled again.
func (c *consumer) ack(ctx context.Context, id string, handled bool) {
	s := c.s
	for n := 0; ; n++ {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.callTimeout)
		err := ackScript.Run(cctx, s.rdb, []string{s.keys.stream, s.keys.counts}, c.group, id, handled).Err()
		cancel()
		if err == nil || errors.Is(err, redis.Nil) {
			if handled {
				s.metrics.Add("handled", 1)
			}
			return
		}
		s.metrics.Add("errors", 1)
		if ctx.Err() != nil || wait.Sleep(ctx, s.redisBackoff(n)) != nil {
			s.log.Warn("intake: stopped before the entry was acknowledged; it will be handled again", "group", c.group, "id", id)
			return
		}
	}
}

// ackScript acknowledges an entry and counts it: KEYS stream, counts;
// ARGV group, ID, whether a handler handled it.
var ackScript = redis.NewScript(`
if redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) == 1 and ARGV[3] == '1' then
	redis.call('HINCRBY', KEYS[2], 'handled:' .. ARGV[1], 1)
end
return 1
`)

// release hands the entry to the retry owner, so that any consumer of the
// group takes it after its backoff.
func (c *consumer) release(id string) {
	s := c.s
	ctx, cancel := context.WithTimeout(context.Background(), s.callTimeout)
	defer cancel()
	if err := s.rdb.XClaimJustID(ctx, &redis.XClaimArgs{Stream: s.keys.stream, Group: c.group, Consumer: retryConsumer, Messages: []string{id}}).Err(); err != nil {
		// It stays with this consumer, and is taken over after the claim
		// time.
		s.metrics.Add("errors", 1)
	}
}

// deadLetter moves the entry to the dead-letter stream with err and
// acknowledges it, atomically.
func (c *consumer) deadLetter(ctx context.Context, m redis.XMessage, attempt int, err error) {
	s := c.s
	s.metrics.Add("dead", 1)
	key, _ := m.Values[fieldKey].(string)
	s.log.Error("intake: entry moved to the dead letters", "group", c.group, "id", m.ID, "key", key, "attempts", attempt, "error", err.Error())
	args := []any{c.group, m.ID, fieldGroup, c.group, fieldID, m.ID}
	for _, f := range []string{fieldKey, fieldSource, fieldType, fieldBody} {
		v, _ := m.Values[f].(string)
		args = append(args, f, v)
	}
	args = append(args, fieldError, err.Error(), fieldAttempts, attempt, fieldConsumer, c.name)
	for n := 0; ; n++ {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.callTimeout)
		rerr := deadScript.Run(cctx, s.rdb, []string{s.keys.stream, s.keys.dead, s.keys.counts}, args...).Err()
		cancel()
		if rerr == nil {
			return
		}
		s.metrics.Add("errors", 1)
		if ctx.Err() != nil || wait.Sleep(ctx, s.redisBackoff(n)) != nil {
			return // still pending: tried again later
		}
	}
}

// deadScript moves an entry to the dead letters: KEYS stream, dead,
// counts; ARGV group, ID, then the dead letter's fields and values.
var deadScript = redis.NewScript(`
if redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) == 1 then
	redis.call('XADD', KEYS[2], '*', unpack(ARGV, 3))
	redis.call('HINCRBY', KEYS[3], 'dead', 1)
end
return 1
`)

// decodeEntry reads a stream entry: the delivery, and the group a replay
// is meant for.
func decodeEntry(m redis.XMessage) (*Delivery, string, error) {
	str := func(f string) string { v, _ := m.Values[f].(string); return v }
	d := &Delivery{ID: m.ID, Key: str(fieldKey), Source: str(fieldSource)}
	if d.Key == "" {
		return nil, "", errors.New("no key")
	}
	e, err := webhook.Parse([]byte(str(fieldBody)))
	if err != nil {
		return nil, "", err
	}
	d.Event = e
	return d, str(fieldGroup), nil
}

// atoi reads a number field, 0 if absent or bad.
func atoi(v any) int {
	s, _ := v.(string)
	n, _ := strconv.Atoi(s)
	return n
}
