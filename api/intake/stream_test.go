package intake_test

import (
	"context"
	"expvar"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chatwork-go/chatwork/api"
	"github.com/chatwork-go/chatwork/api/apitest"
	"github.com/chatwork-go/chatwork/api/intake"
	"github.com/chatwork-go/chatwork/api/webhook"
	"github.com/chatwork-go/chatwork/internal/redistest"
)

// counter reads one counter of an expvar.Map.
func counter(m *expvar.Map, name string) int64 {
	if v, ok := m.Get(name).(*expvar.Int); ok {
		return v.Value()
	}
	return 0
}

// entries returns the stream's entries as "source key", oldest first.
func entries(t *testing.T, s *intake.Stream) []string {
	t.Helper()
	var out []string
	for d, err := range s.Tail(t.Context(), 1<<20, false) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, d.Source+" "+d.Key)
	}
	return out
}

// TestKeyRule: the documented keys of each event type.
func TestKeyRule(t *testing.T) {
	for body, want := range map[string]string{
		`{"webhook_setting_id":"1","webhook_event_type":"message_created","webhook_event_time":1700000000,"webhook_event":{"message_id":"1928374655918273645","room_id":123,"account_id":7,"body":"hi","send_time":1700000000,"update_time":0}}`:                               "message_created:123:1928374655918273645",
		`{"webhook_setting_id":"1","webhook_event_type":"message_updated","webhook_event_time":1700000060,"webhook_event":{"message_id":"1928374655918273645","room_id":123,"account_id":7,"body":"hi!","send_time":1700000000,"update_time":1700000060}}`:                     "message_updated:123:1928374655918273645:1700000060",
		`{"webhook_setting_id":"2","webhook_event_type":"mention_to_me","webhook_event_time":1700000000,"webhook_event":{"from_account_id":7,"to_account_id":42,"room_id":123,"message_id":"1928374655918273645","body":"[To:42] hi","send_time":1700000000,"update_time":0}}`: "mention_to_me:123:1928374655918273645:42",
	} {
		e, err := webhook.Parse([]byte(body))
		if err != nil {
			t.Fatal(err)
		}
		if got := intake.Key(e); got != want {
			t.Errorf("Key = %q, want %q", got, want)
		}
	}
	a, _ := webhook.Parse([]byte(`{"webhook_event_type":"room_renamed","webhook_event":{"room_id":1,"name":"a"}}`))
	b, _ := webhook.Parse([]byte(`{"webhook_event_type":"room_renamed","webhook_event":{"room_id":1,"name":"b"}}`))
	if ka, kb := intake.Key(a), intake.Key(b); !strings.HasPrefix(ka, "room_renamed:") || ka == kb {
		t.Errorf("unknown types: keys %q and %q, want the type and a hash of the event", ka, kb)
	}
}

// TestDeduplication is the key rule at work: one message that mentions
// the account, sent by Chatwork as message_created and as mention_to_me,
// to two replicas (two webhook settings behind different URLs), then found
// by a poll that recovers mentions too. The stream holds two events (the
// message and the mention), each once; the other four copies are dropped.
// After the horizon, the same event is stored again.
func TestDeduplication(t *testing.T) {
	rdb := redistest.Start(t).Client(t)
	fake := apitest.NewServer(t)
	me := fake.Me()
	anna := fake.AddAccount(apitest.Account{Name: "Anna"})
	room := fake.AddRoom(apitest.Room{Name: "Team", AdminIDs: []int64{me.AccountID}, MemberIDs: []int64{anna.AccountID}}).RoomID

	var replicas []*expvar.Map
	var streams []*intake.Stream
	for range 2 {
		m := new(expvar.Map).Init()
		s := intake.New(rdb, intake.WithMetrics(m))
		h, err := s.Handler([]string{webhookToken})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		fake.AddWebhook(apitest.Webhook{URL: srv.URL, Token: webhookToken, RoomID: room, AccountID: me.AccountID,
			Events: []string{webhook.TypeMessageCreated, webhook.TypeMentionToMe}})
		replicas, streams = append(replicas, m), append(streams, s)
	}
	// The poller starts first, and stops: a watch delivers what is sent
	// after it started, and keeps its start in Redis.
	pollMetrics := new(expvar.Map).Init()
	poller := intake.New(rdb, intake.WithMetrics(pollMetrics))
	c, err := api.NewClient(fake.Token(), api.WithBaseURL(fake.URL()), api.WithRateLimit(300, time.Second))
	if err != nil {
		t.Fatal(err)
	}
	poll := func(until func() bool) {
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() {
			done <- poller.Poll(ctx, c, []int64{room}, &intake.PollOptions{Mentions: true})
		}()
		waitUntil(t, "the poll", until)
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	poll(func() bool {
		n, _ := rdb.HLen(t.Context(), "{"+intake.DefaultName+"}:marks").Result()
		return n == 1
	})
	msg := fake.AddMessage(apitest.Message{RoomID: room, AccountID: anna.AccountID, Body: "[To:" + s64(me.AccountID) + "] lunch?"}).MessageID
	fake.FlushWebhooks()
	for _, d := range fake.WebhookDeliveries() {
		if d.StatusCode != http.StatusOK {
			t.Errorf("delivery %s answered %d, want 200", d.EventType, d.StatusCode)
		}
	}
	if n := len(fake.WebhookDeliveries()); n != 4 {
		t.Fatalf("%d deliveries, want 4 (two events to two replicas)", n)
	}

	// The poller again: it finds the message, and the mention in it.
	poll(func() bool { return counter(pollMetrics, "deduplicated") == 2 })

	wantKeys := []string{
		"webhook message_created:" + s64(room) + ":" + msg,
		"webhook mention_to_me:" + s64(room) + ":" + msg + ":" + s64(me.AccountID),
	}
	got := entries(t, streams[0])
	slices.Sort(got)
	slices.Sort(wantKeys)
	if !slices.Equal(got, wantKeys) {
		t.Errorf("stream holds %q, want %q", got, wantKeys)
	}
	delivered := counter(replicas[0], "delivered") + counter(replicas[1], "delivered")
	dropped := counter(replicas[0], "deduplicated") + counter(replicas[1], "deduplicated") + counter(pollMetrics, "deduplicated")
	if delivered != 2 || dropped != 4 || counter(pollMetrics, "recovered") != 0 {
		t.Errorf("delivered %d, deduplicated %d, recovered %d; want 2, 4, 0", delivered, dropped, counter(pollMetrics, "recovered"))
	}
	counts, err := streams[1].Counts(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if counts["delivered"] != 2 || counts["deduplicated"] != 4 {
		t.Errorf("fleet counts %v, want delivered 2, deduplicated 4", counts)
	}
}

// TestHorizon: an event is dropped while its key is remembered, and stored
// again once the horizon has passed.
func TestHorizon(t *testing.T) {
	rdb := redistest.Start(t).Client(t)
	s := intake.New(rdb, intake.WithHorizon(300*time.Millisecond))
	e, err := webhook.Parse([]byte(`{"webhook_setting_id":"1","webhook_event_type":"message_created","webhook_event_time":1700000000,"webhook_event":{"message_id":"5","room_id":1,"account_id":7,"body":"hi","send_time":1700000000,"update_time":0}}`))
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []bool{true, false} {
		if stored, err := s.Add(t.Context(), intake.SourceWebhook, e); err != nil || stored != want {
			t.Fatalf("add %d: stored %v, %v; want %v", i, stored, err, want)
		}
	}
	waitUntil(t, "the key to expire", func() bool {
		n, _ := rdb.Exists(t.Context(), "{"+intake.DefaultName+"}:seen:"+intake.Key(e)).Result()
		return n == 0
	})
	if stored, err := s.Add(t.Context(), intake.SourceWebhook, e); err != nil || !stored {
		t.Fatalf("after the horizon: stored %v, %v; want true", stored, err)
	}
}

// TestHandlerAnswers: a verified delivery gets 200 with an empty body once
// stored; a bad signature 401 without touching the stream; a delivery
// that cannot be stored (Redis gone) 500, counted as refused, and nothing
// is stored.
func TestHandlerAnswers(t *testing.T) {
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	m := new(expvar.Map).Init()
	s := intake.New(rdb, intake.WithMetrics(m), intake.WithCallTimeout(500*time.Millisecond))
	h, err := s.Handler([]string{webhookToken})
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"webhook_setting_id":"1","webhook_event_type":"message_created","webhook_event_time":1700000000,"webhook_event":{"message_id":"9","room_id":1,"account_id":7,"body":"hi","send_time":1700000000,"update_time":0}}`)
	post := func(token string) *httptest.ResponseRecorder {
		req, err := webhook.NewRequest(t.Context(), "http://intake.invalid/", body, token)
		if err != nil {
			t.Fatal(err)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	if rec := post(otherToken); rec.Code != http.StatusUnauthorized {
		t.Errorf("bad signature: %d", rec.Code)
	}
	if n, _ := rdb.XLen(t.Context(), "{"+intake.DefaultName+"}").Result(); n != 0 {
		t.Errorf("a refused delivery reached the stream (%d entries)", n)
	}
	if rec := post(webhookToken); rec.Code != http.StatusOK || rec.Body.Len() != 0 {
		t.Errorf("stored: %d %q, want 200 and no body", rec.Code, rec.Body)
	}
	srv.Kill()
	if rec := post(webhookToken); rec.Code != http.StatusInternalServerError {
		t.Errorf("Redis down: %d, want 500", rec.Code)
	}
	if counter(m, "refused") != 1 || counter(m, "delivered") != 1 {
		t.Errorf("delivered %d, refused %d; want 1 and 1", counter(m, "delivered"), counter(m, "refused"))
	}
}
