package api_test

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/chatwork-go/chatwork/api"
	"github.com/chatwork-go/chatwork/api/apitest"
	"github.com/chatwork-go/chatwork/api/pacing"
	"github.com/chatwork-go/chatwork/internal/pacingtest"
)

// recordingLimiter lets every request through and records what the client
// tells it.
type recordingLimiter struct {
	mu    sync.Mutex
	waits []int64
	obs   []pacing.Observation
	rooms []int64
}

func (l *recordingLimiter) Wait(_ context.Context, room int64, _ time.Duration) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.waits = append(l.waits, room)
	return nil
}

func (l *recordingLimiter) Observe(room int64, o pacing.Observation) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.rooms = append(l.rooms, room)
	l.obs = append(l.obs, o)
}

// TestWithLimiterSeesCleanFacts: a Limiter plugged in with WithLimiter is
// asked before every attempt and told once per request it let through,
// with the room, when the request left, the checked headers and whose 429
// it was.
func TestWithLimiterSeesCleanFacts(t *testing.T) {
	lim := &recordingLimiter{}
	c, ts := setup(t, api.WithLimiter(lim), api.WithMaxRateLimitWait(0))
	ts.handle("POST /v2/rooms/{room}/messages", func(w http.ResponseWriter, r *http.Request) {
		switch r.PathValue("room") {
		case "7":
			reply(w, 429, `{"errors":["Rate limit for message posting per room exceeded."]}`)
		default:
			w.Header().Set("X-Ratelimit-Limit", "2147483647")
			w.Header().Set("X-Ratelimit-Remaining", "-3")
			w.Header().Set("X-Ratelimit-Reset", "0")
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"message_id":"12345"}`))
		}
	})
	ts.handle("GET /v2/me", func(w http.ResponseWriter, r *http.Request) { reply(w, 200, meJSON) })
	ts.handle("POST /v2/rooms/{room}/tasks", func(w http.ResponseWriter, r *http.Request) { reply(w, 200, `{"task_ids":[5]}`) })
	start := time.Now()
	if _, _, err := c.Messages.Post(t.Context(), 8, "hi", nil); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Me.Get(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Tasks.Create(t.Context(), 9, api.CreateTaskParams{Body: "x", AssigneeIDs: []int64{1}}); err != nil {
		t.Fatal(err)
	}
	// The room's 429: the Limiter lets the retry go at once, the client's
	// floor after a 429 (the retries' backoff) is beyond the maximum wait
	// of 0, so the retry is not sent and the Limiter is told so.
	_, _, err := c.Messages.Post(t.Context(), 7, "hi", nil)
	var rle *api.RateLimitError
	if !errors.As(err, &rle) || !rle.PerRoom || rle.StatusCode != 429 {
		t.Fatalf("err = %v, want the room's 429 as a per-room *RateLimitError", err)
	}
	lim.mu.Lock()
	defer lim.mu.Unlock()
	if len(lim.waits) != 5 || len(lim.obs) != 5 {
		t.Fatalf("%d waits, %d observations; want 5 of each", len(lim.waits), len(lim.obs))
	}
	for i, want := range []int64{8, 0, 9, 7, 7} {
		if lim.waits[i] != want || lim.rooms[i] != want {
			t.Errorf("request %d: waited for room %d, observed room %d; want %d", i, lim.waits[i], lim.rooms[i], want)
		}
	}
	for i, o := range lim.obs {
		if o.Sent.Before(start) || o.Sent.After(time.Now()) {
			t.Errorf("observation %d: sent at %v, not during the test", i, o.Sent)
		}
	}
	if o := lim.obs[0]; o.StatusCode != 200 || o.HasRateLimit() || o.RoomLimited {
		t.Errorf("absurd headers passed on: %+v", o)
	}
	if o := lim.obs[1]; o.StatusCode != 200 || o.Limit != 300 || o.Remaining != 299 {
		t.Errorf("sane headers lost: %+v", o)
	}
	if o := lim.obs[3]; o.StatusCode != 429 || !o.RoomLimited {
		t.Errorf("room 429 not told: %+v", o)
	}
	if o := lim.obs[4]; o.StatusCode != 0 {
		t.Errorf("the retry that was not sent: %+v, want status 0", o)
	}
}

// TestA429WaitIsTheLimiters: after a 429 the call waits as its Limiter
// says, for the retry as for any request; the Limiter's budgets decide,
// not the options of the in-memory limiter it replaced, and
// RateLimitError.Reset is when the Limiter says the budget frees up.
func TestA429WaitIsTheLimiters(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const window = 3 * time.Second // not the default room window
		s := apitest.NewServer(t, apitest.WithoutListener(), apitest.WithRoomPostLimit(1, window))
		room := groupRooms(s, 1)[0]
		newClient := func(opts ...api.Option) *api.Client {
			// Room pacing off, so that the fake's 429s come.
			return newTestClient(t, s.Token(), s.Transport(), append([]api.Option{api.WithBaseURL(s.URL()),
				api.WithLimiter(pacing.NewLocal(pacing.Budgets{RoomWindow: window}))}, opts...)...)
		}
		c := newClient()
		if _, _, err := c.Messages.Post(t.Context(), room, "first", nil); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if _, _, err := c.Messages.Post(t.Context(), room, "second", nil); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d < window || d > window+time.Second {
			t.Errorf("the post after a room's 429 waited %v, want the Limiter's room window %v", d, window)
		}
		if n := pacingtest.Count429(s, 0); n != 1 {
			t.Errorf("%d 429s, want 1", n)
		}

		short := newClient(api.WithMaxRateLimitWait(time.Second))
		start = time.Now()
		_, _, err := short.Messages.Post(t.Context(), room, "third", nil)
		var rle *api.RateLimitError
		if !errors.As(err, &rle) || !rle.PerRoom || rle.StatusCode != 429 {
			t.Fatalf("err = %v, want the room's 429", err)
		}
		if d := rle.Reset.Sub(start); d < window || d > window+time.Second {
			t.Errorf("reset in %v, want the Limiter's room window %v", d, window)
		}
		if time.Since(start) != 0 {
			t.Errorf("waited %v for a wait beyond the maximum", time.Since(start))
		}
	})
}

// TestALimiterThatIgnores429sDoesNotHammer: a Limiter that lets the retry
// of a 429 go at once still meets the retries' backoff, so the server sees
// a handful of retries, not a storm, until the maximum wait is spent.
func TestALimiterThatIgnores429sDoesNotHammer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var attempts atomic.Int64
		c := newTestClient(t, testToken, handlerTransport{func(w http.ResponseWriter, r *http.Request) {
			attempts.Add(1)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = w.Write([]byte(`{"errors":["Rate limit exceeded."]}`))
		}}, api.WithLimiter(&recordingLimiter{}), api.WithRetries(3, 100*time.Millisecond, 400*time.Millisecond),
			api.WithMaxRateLimitWait(2*time.Second))
		start := time.Now()
		_, _, err := c.Me.Get(t.Context())
		if !errors.Is(err, api.ErrRateLimited) {
			t.Fatalf("err = %v, want the 429", err)
		}
		// Floors of 75-100, 150-200, then 300-400 ms: 6 to 9 retries fit
		// in 2 s.
		if n := attempts.Load(); n < 6 || n > 10 {
			t.Errorf("%d attempts in %v", n, time.Since(start))
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("took %v, beyond the maximum wait", d)
		}
	})
}

func TestWithLimiterRefusesNil(t *testing.T) {
	if _, err := api.NewClient("t", api.WithLimiter(nil)); !errors.Is(err, api.ErrInvalidInput) {
		t.Fatalf("err = %v, want ErrInvalidInput", err)
	}
}

// TestServerWindowLongerThanConfigured: a server reports the configured
// limit but a reset far beyond the configured window, and keeps counting
// in that window. The client must not take the window for ended at the
// configured length and then wait for a new one that never comes: it
// follows the server's remaining count and its own log.
func TestServerWindowLongerThanConfigured(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		reset := unixIn(4 * time.Minute)
		c := newTestClient(t, testToken, handlerTransport{func(w http.ResponseWriter, r *http.Request) {
			rateHeadersOf(w, "20", "19", reset)
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(meJSON))
		}}, api.WithRateLimit(20, time.Second), api.WithMaxRateLimitWait(10*time.Second))
		start := time.Now()
		for i := range 200 {
			if _, _, err := c.Me.Get(t.Context()); err != nil {
				t.Fatalf("call %d after %v: %v", i, time.Since(start), err)
			}
		}
		// 20 per second by the client's own log: about 10 s for 200.
		if d := time.Since(start); d > 12*time.Second {
			t.Errorf("200 calls took %v", d)
		}
	})
}
