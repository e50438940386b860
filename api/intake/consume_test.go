package intake_test

import (
	"context"
	"errors"
	"expvar"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/chatwork-go/chatwork/api/intake"
	"github.com/chatwork-go/chatwork/api/webhook"
	"github.com/chatwork-go/chatwork/internal/redistest"
)

// event returns a message_created event of message id in room 1.
func event(t *testing.T, id int, body string) *webhook.Event {
	t.Helper()
	e, err := webhook.Parse(fmt.Appendf(nil, `{"webhook_setting_id":"1","webhook_event_type":"message_created","webhook_event_time":1700000000,"webhook_event":{"message_id":"%d","room_id":1,"account_id":7,"body":%q,"send_time":1700000000,"update_time":0}}`, id, body))
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// handlings records what handlers were given.
type handlings struct {
	mu  sync.Mutex
	all []handling
}

type handling struct {
	group, consumer string
	d               intake.Delivery
	err             error
}

func (h *handlings) add(group, consumer string, d *intake.Delivery, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.all = append(h.all, handling{group, consumer, *d, err})
}

// ok returns the keys a group handled without an error, in order.
func (h *handlings) ok(group string) []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, x := range h.all {
		if x.group == group && x.err == nil {
			out = append(out, x.d.Key)
		}
	}
	return out
}

func (h *handlings) of(key string) []handling {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []handling
	for _, x := range h.all {
		if x.d.Key == key {
			out = append(out, x)
		}
	}
	return out
}

// TestConsume: two consumers of group "bot" and one of "audit" share ten
// entries. Every entry is handled once per group; one that fails once is
// tried again after the backoff and handled; one that always fails is
// tried three times, then moved to the dead letters with its error. Its
// replay reaches "bot" again (and not "audit"), with the same key.
func TestConsume(t *testing.T) {
	rdb := redistest.Start(t).Client(t)
	m := new(expvar.Map).Init()
	s := intake.New(rdb, intake.WithMetrics(m), intake.WithMaxAttempts(3), intake.WithBackoff(50*time.Millisecond, 200*time.Millisecond))
	var keys []string
	for i := range 10 {
		body := "fine"
		switch i {
		case 3:
			body = "poison"
		case 5:
			body = "flaky"
		}
		e := event(t, 100+i, body)
		keys = append(keys, intake.Key(e))
		if _, err := s.Add(t.Context(), intake.SourceWebhook, e); err != nil {
			t.Fatal(err)
		}
	}
	var h handlings
	var mu sync.Mutex
	cured, flaked := false, false
	handler := func(group, name string) intake.HandlerFunc {
		return func(_ context.Context, d *intake.Delivery) error {
			var err error
			mu.Lock()
			switch body := d.Event.Message.Body; {
			case group == "audit":
			case body == "poison" && !cured:
				err = errors.New("poison: cannot handle this one")
			case body == "flaky" && !flaked:
				flaked, err = true, errors.New("flaky: try again")
			}
			mu.Unlock()
			h.add(group, name, d, err)
			return err
		}
	}
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	for _, c := range []struct{ group, name string }{{"bot", "a"}, {"bot", "b"}, {"audit", "c"}} {
		wg.Go(func() {
			if err := s.Consume(ctx, c.group, handler(c.group, c.name)); err != nil {
				t.Error(err)
			}
		})
	}
	defer func() {
		cancel()
		wg.Wait()
	}()

	waitUntil(t, "the entries handled and the poison dead", func() bool {
		dead, _ := s.DeadLetters(t.Context(), "bot", 0)
		return len(h.ok("bot")) == 9 && len(h.ok("audit")) == 10 && len(dead) == 1
	})
	if got := h.ok("audit"); !slices.Equal(got, keys) {
		t.Errorf("audit handled %v, want %v in order", got, keys)
	}
	for i, k := range keys {
		tries := h.of(k)
		var bot []string
		for _, x := range tries {
			if x.group == "bot" {
				bot = append(bot, fmt.Sprintf("%d:%v", x.d.Attempt, x.err != nil))
			}
		}
		want := "1:false"
		switch i {
		case 3:
			want = "1:true 2:true 3:true"
		case 5:
			want = "1:true 2:false"
		}
		if got := strings.Join(bot, " "); got != want {
			t.Errorf("entry %d: bot's attempts %q, want %q", i, got, want)
		}
	}
	dead, err := s.DeadLetters(t.Context(), "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(dead) != 1 || dead[0].Key != keys[3] || dead[0].Attempts != 3 || dead[0].Error != "poison: cannot handle this one" ||
		dead[0].Group != "bot" || !strings.Contains(string(dead[0].Body), `"poison"`) {
		t.Fatalf("dead letters %+v", dead)
	}
	waitNonePending(t, s, "bot")

	// The fix is deployed: replay the dead letter, for bot only.
	mu.Lock()
	cured = true
	mu.Unlock()
	if n, err := s.Replay(t.Context(), "bot"); n != 1 || err != nil {
		t.Fatalf("Replay = %d, %v", n, err)
	}
	waitUntil(t, "the replay handled", func() bool { return len(h.ok("bot")) == 10 })
	waitNonePending(t, s, "bot") // the counts below move when an entry is acknowledged
	waitNonePending(t, s, "audit")
	last := h.of(keys[3])
	if r := last[len(last)-1]; r.d.Source != intake.SourceReplay || r.d.Attempt != 1 || r.group != "bot" || r.err != nil {
		t.Errorf("the replay: %+v", r)
	}
	if n := len(h.ok("audit")); n != 10 {
		t.Errorf("audit handled %d entries after the replay, want still 10", n)
	}
	if dead, _ := s.DeadLetters(t.Context(), "", 0); len(dead) != 0 {
		t.Errorf("dead letters after the replay: %+v", dead)
	}
	counts, err := s.Counts(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if counts["handled:bot"] != 10 || counts["handled:audit"] != 10 || counts["dead"] != 1 || counts["replayed"] != 1 {
		t.Errorf("fleet counts %v", counts)
	}
	if counter(m, "failed") != 4 || counter(m, "retried") != 3 || counter(m, "dead") != 1 {
		t.Errorf("failed %d, retried %d, dead %d; want 4, 3, 1", counter(m, "failed"), counter(m, "retried"), counter(m, "dead"))
	}
}

// TestConsumeTakesOverFromADeadConsumer: a consumer that loses Redis in
// the middle of a handler (as a killed process would) leaves its entry
// pending; another consumer of the group takes it over after the claim
// time, as attempt 2. A handler that runs longer than the claim time, on
// a live consumer, keeps its entry: the third consumer does not take it.
func TestConsumeTakesOverFromADeadConsumer(t *testing.T) {
	srv := redistest.Start(t)
	opts := []intake.Option{intake.WithClaimIdle(600 * time.Millisecond)}
	m := new(expvar.Map).Init()
	s := intake.New(srv.Client(t), append(opts, intake.WithMetrics(m))...)
	for i, body := range []string{"crash", "slow"} {
		if _, err := s.Add(t.Context(), intake.SourceWebhook, event(t, i+1, body)); err != nil {
			t.Fatal(err)
		}
	}
	var h handlings
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()

	// Consumer a has its own connection to Redis, which the test cuts.
	aClient := redis.NewClient(&redis.Options{Addr: srv.Addr(), ContextTimeoutEnabled: true})
	a := intake.New(aClient, opts...)
	started, release := make(chan struct{}), make(chan struct{})
	go func() {
		_ = a.Consume(ctx, "bot", func(_ context.Context, d *intake.Delivery) error {
			h.add("bot", "a", d, nil)
			if d.Event.Message.Body == "crash" {
				close(started)
				<-release
			}
			return nil
		})
	}()
	<-started
	_ = aClient.Close()                       // a is cut off from Redis in the middle of the handler
	for _, name := range []string{"b", "c"} { // c would take b's slow entry if b did not renew it
		go func() {
			_ = s.Consume(ctx, "bot", func(_ context.Context, d *intake.Delivery) error {
				if d.Event.Message.Body == "slow" {
					time.Sleep(2 * time.Second) // over three claim times: renewed meanwhile
				}
				h.add("bot", name, d, nil)
				return nil
			})
		}()
	}
	crash := intake.Key(event(t, 1, "crash"))
	waitUntil(t, "b to take the entry over", func() bool { return len(h.of(crash)) == 2 })
	close(release)
	got := h.of(crash)
	if got[0].consumer != "a" || got[0].d.Attempt != 1 || got[1].consumer == "a" || got[1].d.Attempt != 2 {
		t.Errorf("handlings of the entry: %+v", got)
	}
	slow := intake.Key(event(t, 2, "slow"))
	waitUntil(t, "the slow entry", func() bool { return len(h.of(slow)) == 1 })
	waitNonePending(t, s, "bot")
	if got := h.of(slow); got[0].d.Attempt != 1 {
		t.Errorf("the slow entry was taken over from its live consumer: %+v", got)
	}
	if counter(m, "redelivered") != 1 {
		t.Errorf("redelivered %d, want 1", counter(m, "redelivered"))
	}
}

// TestConsumeGivesUpOnAnEntryThatKillsItsConsumers: an entry whose
// consumers all stop in the middle of it (here: lose Redis) goes to the
// dead letters after the last attempt, without a further one.
func TestConsumeGivesUpOnAnEntryThatKillsItsConsumers(t *testing.T) {
	srv := redistest.Start(t)
	opts := []intake.Option{intake.WithClaimIdle(300 * time.Millisecond), intake.WithMaxAttempts(2)}
	s := intake.New(srv.Client(t), opts...)
	if _, err := s.Add(t.Context(), intake.SourceWebhook, event(t, 1, "deadly")); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var h handlings
	for n := range 2 { // two consumers die in the handler, one after the other
		rc := redis.NewClient(&redis.Options{Addr: srv.Addr(), ContextTimeoutEnabled: true})
		started := make(chan struct{})
		go func() {
			_ = intake.New(rc, opts...).Consume(ctx, "bot", func(ctx context.Context, d *intake.Delivery) error {
				h.add("bot", fmt.Sprint(n), d, nil)
				close(started)
				<-ctx.Done()
				return ctx.Err()
			})
		}()
		<-started
		_ = rc.Close()
	}
	go func() {
		_ = s.Consume(ctx, "bot", func(_ context.Context, d *intake.Delivery) error {
			h.add("bot", "last", d, nil)
			return nil
		})
	}()
	waitUntil(t, "the dead letter", func() bool {
		d, _ := s.DeadLetters(t.Context(), "bot", 0)
		return len(d) == 1
	})
	dead, _ := s.DeadLetters(t.Context(), "bot", 0)
	if got := h.of(dead[0].Key); len(got) != 2 || dead[0].Attempts != 2 || !strings.Contains(dead[0].Error, "stopped while handling it, 2 times") {
		t.Errorf("handlings %+v; dead letter %+v", got, dead[0])
	}
}
