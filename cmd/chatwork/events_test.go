package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/chatwork-go/chatwork/api"
	"github.com/chatwork-go/chatwork/api/intake"
	"github.com/chatwork-go/chatwork/api/webhook"
	"github.com/chatwork-go/chatwork/internal/redistest"
	"github.com/chatwork-go/chatwork/internal/timeline"
)

// roundRobin is the load balancer in front of the intake replicas: each
// request goes to the next replica in turn, and fails (502) if that one is
// down, as Chatwork's delivery then does: no retry.
type roundRobin struct {
	targets []string // host:port
	next    atomic.Int64
	ok, bad atomic.Int64
}

func (rr *roundRobin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	target := rr.targets[int(rr.next.Add(1)-1)%len(rr.targets)]
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) { pr.SetURL(&url.URL{Scheme: "http", Host: target}) },
		ModifyResponse: func(resp *http.Response) error {
			if resp.StatusCode == http.StatusOK {
				rr.ok.Add(1)
			} else {
				rr.bad.Add(1)
			}
			return nil
		},
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, _ error) {
			rr.bad.Add(1)
			w.WriteHeader(http.StatusBadGateway)
		},
	}
	rp.ServeHTTP(w, r)
}

// pollLog is a reverse proxy in front of the fake's API that records the
// time and status of every poll (GET .../messages).
type pollLog struct {
	proxy *httputil.ReverseProxy
	mu    sync.Mutex
	polls []time.Time
	n429  int
}

func newPollLog(t *testing.T, base string) *pollLog {
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	l := &pollLog{}
	l.proxy = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) { pr.SetURL(&url.URL{Scheme: u.Scheme, Host: u.Host}) },
		ModifyResponse: func(resp *http.Response) error {
			if resp.Request.Method == http.MethodGet && strings.HasSuffix(resp.Request.URL.Path, "/messages") {
				l.mu.Lock()
				l.polls = append(l.polls, time.Now())
				if resp.StatusCode == http.StatusTooManyRequests {
					l.n429++
				}
				l.mu.Unlock()
			}
			return nil
		},
	}
	return l
}

func (l *pollLog) ServeHTTP(w http.ResponseWriter, r *http.Request) { l.proxy.ServeHTTP(w, r) }

func serve(t *testing.T, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return ln.Addr().String()
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// handled is one line the test's handler wrote: an entry it handled.
type handledLine struct {
	key, id, source string
	attempt         int
}

// TestEventsFleet is the durable intake proven with real processes: a
// redis-server with an append-only file; `chatwork fake --webhook`
// delivering signed webhooks for its group chat and for mentions of you,
// through a round-robin proxy, to three `chatwork webhook listen
// --redis-url --poll` replicas that also poll the five rooms; three
// `chatwork events consume` consumers running a shell handler; Alice
// posting messages that mention you to the five rooms. Meanwhile a replica
// is killed for several seconds (its deliveries fail, as Chatwork does not
// retry), a consumer is killed in the middle of a handler, Redis is made
// slow, then restarted. At the end every posted message was handled, as
// message_created and as mention_to_me; no event was handled from two
// entries (the duplicates that remain are the documented redeliveries of
// one entry); the dead letters are the message the handler fails on
// purpose; and the fleet's polls kept to their share of the budget.
func TestEventsFleet(t *testing.T) {
	if testing.Short() {
		t.Skip("a minute of real processes")
	}
	t.Parallel()
	const (
		messages = 50
		share    = 0.8
	)
	rs := redistest.Start(t, redistest.WithAOF())
	rdb := rs.Client(t)
	dir := t.TempDir()

	rr := &roundRobin{}
	hookURL := "http://" + serve(t, rr) + "/"
	fake := startFakeProc(t, "--quiet", "--webhook", hookURL)
	polls := newPollLog(t, fake.baseURL)
	apiBase := "http://" + serve(t, polls) + "/v2"

	me, err := api.NewClient(fake.token, api.WithBaseURL(fake.baseURL))
	if err != nil {
		t.Fatal(err)
	}
	alice, err := api.NewClient(fake.aliceToken, api.WithBaseURL(fake.baseURL))
	if err != nil {
		t.Fatal(err)
	}
	rooms := []int64{fake.room}
	for i := range 4 {
		id, _, err := me.Rooms.Create(t.Context(), api.CreateRoomParams{Name: fmt.Sprint("room ", i+2), AdminIDs: []int64{fake.meID}, MemberIDs: []int64{fake.aliceID}})
		if err != nil {
			t.Fatal(err)
		}
		rooms = append(rooms, id)
	}
	var roomList []string
	for _, r := range rooms {
		roomList = append(roomList, s64(r))
	}
	tokenFile := filepath.Join(dir, "webhook-token")
	if err := os.WriteFile(tokenFile, []byte(fake.webhookToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{envBaseURL + "=" + apiBase, envToken + "=" + fake.token, envRedisURL + "=" + rs.URL()}

	// Three intake replicas, which poll the five rooms too.
	listening := regexp.MustCompile(`listening for webhooks on http://(\S+)/`)
	replica := func(addr string) *proc {
		p := startProc(t, "webhook listen "+addr, env, "webhook", "listen", "--addr", addr, "--webhook-token-file", tokenFile,
			"--poll", strings.Join(roomList, ","), "--mentions", "--share", fmt.Sprint(share), "--max-interval", "3s", "--lease", "3s")
		p.waitStderr(listening, time.Minute)
		return p
	}
	replicas := make([]*proc, 3)
	for i := range replicas {
		addr := freeAddr(t)
		rr.targets = append(rr.targets, addr)
		replicas[i] = replica(addr)
	}

	// Three consumers of group "bot" with a handler that records what it
	// handled, fails on the poison message, and is slow on its first try
	// of one message, when it writes the consumer's process ID (its
	// parent is the sh -c of --exec; the consumer is the grandparent).
	handledFile, startedFile := filepath.Join(dir, "handled"), filepath.Join(dir, "started")
	handler := filepath.Join(dir, "handler.sh")
	script := `#!/bin/sh
line=$(cat)
case "$line" in *poison*) echo "poison: refused on purpose" >&2; exit 1;; esac
case "$CHATWORK_EVENT_TYPE $CHATWORK_EVENT_ATTEMPT $line" in
"message_created 1 "*slow*) cut -d' ' -f4 /proc/$PPID/stat >> '` + startedFile + `'; sleep 60;;
esac
echo "$CHATWORK_EVENT_KEY $CHATWORK_EVENT_ID $CHATWORK_EVENT_ATTEMPT $CHATWORK_EVENT_SOURCE" >> '` + handledFile + `'
`
	if err := os.WriteFile(handler, []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	consumer := func() *proc {
		p := startGroup(t, "events consume", env, "events", "consume", "--group", "bot", "--exec", handler,
			"--claim-after", "2s", "--max-attempts", "3", "--backoff", "200ms")
		p.waitStderr(regexp.MustCompile(`consuming`), time.Minute)
		return p
	}
	consumers := []*proc{consumer(), consumer(), consumer()}

	// Alice posts, mentioning you, while things go wrong.
	type post struct {
		room int64
		id   string
	}
	var posted []post
	start := time.Now()
	at := func(d time.Duration) bool { return time.Since(start) >= d }
	chaos := []struct {
		at   time.Duration
		what string
		do   func()
	}{
		{4 * time.Second, "replica 1 killed", func() { replicas[1].kill() }},
		{10 * time.Second, "replica 1 restarted", func() { replicas[1] = replica(rr.targets[1]) }},
		{13 * time.Second, "Redis made slow (DEBUG SLEEP 2)", func() {
			go func() {
				c := redis.NewClient(&redis.Options{Addr: rs.Addr()})
				defer c.Close()
				_ = c.Do(context.Background(), "DEBUG", "SLEEP", "2").Err()
			}()
		}},
		{18 * time.Second, "Redis stopped", rs.Stop},
		{20 * time.Second, "Redis restarted", rs.Restart},
	}
	killedConsumer := false
	// chaosDue does what is due: the scheduled events, and the kill of the
	// consumer that started the slow handler.
	chaosDue := func(all bool) {
		for len(chaos) > 0 && (all || at(chaos[0].at)) {
			t.Logf("%5.1fs: %s", time.Since(start).Seconds(), chaos[0].what)
			chaos[0].do()
			chaos = chaos[1:]
		}
		if killedConsumer {
			return
		}
		b, _ := os.ReadFile(startedFile)
		pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
		for j, c := range consumers {
			if pid != 0 && c.pid() == pid {
				t.Logf("%5.1fs: consumer %d killed in the middle of a handler", time.Since(start).Seconds(), j)
				c.killGroup()
				consumers[j] = consumer()
				killedConsumer = true
			}
		}
	}
	const poisonAt, slowAt = 7, 10 // slowAt is in the group chat, whose messages come by webhook
	for i := range messages {
		chaosDue(false)
		room := rooms[i%len(rooms)]
		body := fmt.Sprintf("[To:%d] message %d", fake.meID, i)
		switch i {
		case poisonAt:
			body += " poison"
		case slowAt:
			body += " slow"
		}
		id, _, err := alice.Messages.Post(t.Context(), room, body, nil)
		if err != nil {
			t.Fatal(err)
		}
		posted = append(posted, post{room, id})
		time.Sleep(400 * time.Millisecond)
	}
	chaosDue(true)

	// Wait until every event is handled, or dead.
	want := map[string]bool{}
	poison := map[string]bool{}
	for i, p := range posted {
		for _, k := range []string{
			fmt.Sprintf("message_created:%d:%s", p.room, p.id),
			fmt.Sprintf("mention_to_me:%d:%s:%d", p.room, p.id, fake.meID),
		} {
			want[k] = true
			if i == poisonAt {
				poison[k] = true
			}
		}
	}
	s := intake.New(rdb)
	readHandled := func() []handledLine {
		b, _ := os.ReadFile(handledFile)
		var out []handledLine
		for l := range strings.SplitSeq(strings.TrimSpace(string(b)), "\n") {
			f := strings.Fields(l)
			if len(f) == 4 {
				n, _ := strconv.Atoi(f[2])
				out = append(out, handledLine{f[0], f[1], f[3], n})
			}
		}
		return out
	}
	missing := func() []string {
		done := map[string]bool{}
		for _, h := range readHandled() {
			done[h.key] = true
		}
		if dead, err := s.DeadLetters(t.Context(), "bot", 0); err == nil {
			for _, d := range dead {
				done[d.Key] = true
			}
		}
		var out []string
		for k := range want {
			if !done[k] {
				out = append(out, k)
			}
		}
		slices.Sort(out)
		return out
	}
	deadline := time.Now().Add(90 * time.Second) // bounds a hang only
	for (len(missing()) > 0 || !killedConsumer) && time.Now().Before(deadline) {
		chaosDue(true)
		time.Sleep(200 * time.Millisecond)
	}
	if !killedConsumer {
		t.Error("no consumer was killed in the middle of a handler: the slow message never started")
	}
	t.Logf("%5.1fs: all handled or dead (%d missing)", time.Since(start).Seconds(), len(missing()))
	for _, c := range consumers {
		c.stop()
	}
	for _, r := range replicas {
		r.stop()
	}
	if m := missing(); len(m) > 0 {
		for i, r := range replicas {
			t.Logf("replica %d stderr:\n%s", i, r.errout.String())
		}
		t.Fatalf("%d events never handled: %v", len(m), m)
	}

	// What happened, from the handler's records and the stream.
	entriesOf := map[string]map[string]bool{} // key -> entry IDs handled
	redelivered := 0
	for _, h := range readHandled() {
		if entriesOf[h.key] == nil {
			entriesOf[h.key] = map[string]bool{}
		}
		entriesOf[h.key][h.id] = true
		if h.attempt > 1 {
			redelivered++
		}
		if !want[h.key] {
			// The fake's welcome message, sent in the second the replicas
			// started: a watch delivers what is sent from its start's
			// second on.
			t.Logf("also handled %s (source %s)", h.key, h.source)
		}
		if poison[h.key] {
			t.Errorf("the poison event %s was handled", h.key)
		}
	}
	extra := 0
	for k, ids := range entriesOf {
		if len(ids) > 1 {
			extra += len(ids) - 1
			t.Errorf("%s handled from %d entries of the stream: a duplicate the key should have stopped", k, len(ids))
		}
	}
	dead, err := s.DeadLetters(t.Context(), "", 0)
	if err != nil {
		t.Fatal(err)
	}
	var deadKeys []string
	for _, d := range dead {
		deadKeys = append(deadKeys, d.Key)
		if !poison[d.Key] || !strings.Contains(d.Error, "poison: refused on purpose") || d.Attempts != 3 {
			t.Errorf("dead letter %+v: only the poison message, with its error, after 3 attempts", d)
		}
	}
	if len(dead) != len(poison) {
		t.Errorf("dead letters %v, want the %d poison events", deadKeys, len(poison))
	}
	var bySource = map[string]int{}
	recovered := 0
	for d, err := range s.Tail(t.Context(), 1<<20, false) {
		if err != nil {
			t.Fatal(err)
		}
		bySource[d.Source]++
		// A poll's entry where a webhook was due: every mention, and the
		// messages of the room with a message webhook.
		if d.Source == intake.SourcePoll && (strings.HasPrefix(d.Key, "mention_to_me:") || strings.HasPrefix(d.Key, "message_created:"+s64(fake.room)+":")) {
			recovered++
		}
	}
	counts, err := s.Counts(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	// One share for the fleet: 240 polls per 5 minutes, one every 1.25 s,
	// whatever the number of replicas. The rooms ask for more (five rooms,
	// each at least every 3 s), so any 20 s holds 16 polls and the edge of
	// a seventeenth (allow two more for polls delayed by a busy machine);
	// replicas spending a share each would poll up to three times as
	// often.
	polls.mu.Lock()
	nPolls, n429 := len(polls.polls), polls.n429
	most, most20 := timeline.MostInWindow(polls.polls, 5*time.Minute), timeline.MostInWindow(polls.polls, 20*time.Second)
	polls.mu.Unlock()
	budget := int(share * 300)
	if most > budget || most20 > 19 || n429 > 0 {
		t.Errorf("%d polls in 5 minutes (budget %d), %d in 20 s (at most 19), %d answered 429", most, budget, most20, n429)
	}
	t.Logf("posted %d messages (%d events); webhook deliveries answered 200: %d, failed: %d", len(posted), len(want), rr.ok.Load(), rr.bad.Load())
	t.Logf("stream: %d entries from webhooks, %d from polls (%d recovered where a webhook was due but not stored first, %d of rooms without a message webhook)",
		bySource[intake.SourceWebhook], bySource[intake.SourcePoll], recovered, bySource[intake.SourcePoll]-recovered)
	t.Logf("duplicates suppressed: %d; handled twice from two entries: %d; redelivered after a crash or a failure: %d; dead letters: %d",
		counts["deduplicated"], extra, redelivered, len(dead))
	t.Logf("polls: %d in all, at most %d in any 5 minutes (one share: %d), %d in any 20 s (the share: 16); 429s: %d", nPolls, most, budget, most20, n429)
	if recovered == 0 {
		t.Error("no event was recovered by a poll: the chaos lost nothing, so the test proves little")
	}
	if redelivered == 0 {
		t.Error("nothing was redelivered after the consumer was killed")
	}
}

// TestEventsCommands: tail, consume, pending, dead, replay and stats on a
// real Redis, in process; and the usage errors that need no Redis.
func TestEventsCommands(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"events", "tail"},
		{"events", "pending", "--redis-url", "redis://127.0.0.1:1"},
		{"events", "consume", "--group", "bot", "--redis-url", "redis://127.0.0.1:1"},
		{"events", "consume", "--group", "bot", "--exec", "true", "--max-attempts", "0", "--redis-url", "redis://127.0.0.1:1"},
		{"events", "replay", "--redis-url", "redis://127.0.0.1:1"},
		{"events", "poll", "--redis-url", "redis://127.0.0.1:1"},
		{"events", "poll", "1", "--share", "NaN", "--redis-url", "redis://127.0.0.1:1"},
		{"events", "tail", "--redis-url", "http://127.0.0.1:1"},
		{"webhook", "listen", "--poll", "1"},
	} {
		env := map[string]string{envToken: "t", envWebhookToken: "iY/hmitgwCBlc5DnjAZ8pyRG1HF0zFflfmKmtCDg1wk="}
		if r := (cli{env: env}).run(t, args...); r.code != exitUsage {
			t.Errorf("%v: exit %d, want %d; stderr %s", args, r.code, exitUsage, r.errout)
		}
	}

	rs := redistest.Start(t)
	env := map[string]string{envRedisURL: rs.URL()}
	s := intake.New(rs.Client(t))
	var keys []string
	for i := range 3 {
		e, err := webhook.Parse(fmt.Appendf(nil, `{"webhook_setting_id":"1","webhook_event_type":"message_created","webhook_event_time":1700000000,"webhook_event":{"message_id":"%d","room_id":5,"account_id":7,"body":"m%d","send_time":1700000000,"update_time":0}}`, i+1, i))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Add(t.Context(), intake.SourceWebhook, e); err != nil {
			t.Fatal(err)
		}
		keys = append(keys, intake.Key(e))
	}

	r := cli{env: env}.run(t, "events", "tail", "-n", "2").must(t, exitOK)
	var lines []streamLine
	for l := range strings.SplitSeq(strings.TrimSpace(r.out), "\n") {
		var sl streamLine
		if err := json.Unmarshal([]byte(l), &sl); err != nil {
			t.Fatalf("tail printed %q: %v", l, err)
		}
		lines = append(lines, sl)
	}
	if len(lines) != 2 || lines[0].Key != keys[1] || lines[1].Key != keys[2] || lines[1].Source != "webhook" || !strings.Contains(string(lines[1].Event), `"body":"m2"`) {
		t.Errorf("tail -n 2 printed %+v", lines)
	}

	// A consumer whose command fails on the second message: two attempts,
	// then a dead letter with the command's last line of stderr.
	handled := filepath.Join(t.TempDir(), "handled")
	b := cli{env: env}.start(t, "events", "consume", "--group", "bot", "--max-attempts", "2", "--backoff", "50ms",
		"--exec", `read -r line; echo "$CHATWORK_EVENT_KEY $CHATWORK_EVENT_ATTEMPT" >> '`+handled+`'; case "$CHATWORK_EVENT_KEY" in *:2) echo "cannot do m1" >&2; exit 3;; esac`)
	waitFor(t, "the dead letter", func() bool {
		d, _ := s.DeadLetters(t.Context(), "bot", 0)
		return len(d) == 1
	})
	b.stop(t, "events consume")
	got, _ := os.ReadFile(handled)
	if want := keys[0] + " 1\n" + keys[1] + " 1\n" + keys[1] + " 2\n" + keys[2] + " 1\n"; !sameLines(string(got), want) {
		t.Errorf("the command handled:\n%swant:\n%s", got, want)
	}
	if !strings.Contains(b.errout.String(), "2 handled, 2 failed, 1 retried, 0 redelivered, 1 dead") {
		t.Errorf("consume's summary: %s", b.errout.String())
	}

	var dead []deadLine
	cli{env: env}.run(t, "events", "dead", "-o", "json").must(t, exitOK).decode(t, &dead)
	if len(dead) != 1 || dead[0].Key != keys[1] || dead[0].Error != "exit status 3: cannot do m1" || dead[0].Attempts != 2 || dead[0].Group != "bot" {
		t.Errorf("events dead: %+v", dead)
	}
	var pending []pendingLine
	cli{env: env}.run(t, "events", "pending", "--group", "bot", "-o", "json").must(t, exitOK).decode(t, &pending)
	if len(pending) != 0 {
		t.Errorf("events pending: %+v", pending)
	}
	var replayed struct{ Replayed int }
	cli{env: env}.run(t, "events", "replay", "--group", "bot", dead[0].ID, "-o", "json").must(t, exitOK).decode(t, &replayed)
	if replayed.Replayed != 1 {
		t.Errorf("events replay: %+v", replayed)
	}
	var counts map[string]int64
	cli{env: env}.run(t, "events", "stats", "-o", "json").must(t, exitOK).decode(t, &counts)
	if counts["delivered"] != 3 || counts["handled:bot"] != 2 || counts["dead"] != 1 || counts["replayed"] != 1 {
		t.Errorf("events stats: %v", counts)
	}
	if r := (cli{env: env}).run(t, "events", "pending", "--group", "bot", "-o", "table").must(t, exitOK); !strings.HasPrefix(r.out, "ID ") {
		t.Errorf("pending as a table: %q", r.out)
	}
}

// sameLines reports whether a and b hold the same lines, in any order.
func sameLines(a, b string) bool {
	x, y := strings.Split(strings.TrimSpace(a), "\n"), strings.Split(strings.TrimSpace(b), "\n")
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}
