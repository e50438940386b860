package api_test

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/chatwork-go/chatwork/api"
)

// recordingLimiter lets every request through and records what the client
// tells it.
type recordingLimiter struct {
	mu    sync.Mutex
	waits []int64
	obs   []api.Observation
	rooms []int64
}

func (l *recordingLimiter) Wait(_ context.Context, room int64, _ time.Duration) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.waits = append(l.waits, room)
	return nil
}

func (l *recordingLimiter) Observe(room int64, o api.Observation) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.rooms = append(l.rooms, room)
	l.obs = append(l.obs, o)
}

// TestWithLimiterSeesCleanFacts: a Limiter plugged in with WithLimiter is
// asked before every attempt and told once per attempt, with the room, the
// checked headers and whose 429 it was.
func TestWithLimiterSeesCleanFacts(t *testing.T) {
	lim := &recordingLimiter{}
	c, ts := setup(t, api.WithLimiter(lim), api.WithMaxRateLimitWait(time.Second))
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
	if _, _, err := c.Messages.Post(t.Context(), 8, "hi", nil); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Me.Get(t.Context()); err != nil {
		t.Fatal(err)
	}
	// The room's 429 is retried once after the room's window would be
	// waited; with a maximum wait of 1 s it is returned at once.
	_, _, err := c.Messages.Post(t.Context(), 7, "hi", nil)
	var rle *api.RateLimitError
	if !errors.As(err, &rle) || !rle.PerRoom {
		t.Fatalf("err = %v, want a per-room *RateLimitError", err)
	}
	lim.mu.Lock()
	defer lim.mu.Unlock()
	if len(lim.waits) != 3 || len(lim.obs) != 3 {
		t.Fatalf("%d waits, %d observations; want 3 of each", len(lim.waits), len(lim.obs))
	}
	for i, want := range []int64{8, 0, 7} {
		if lim.waits[i] != want || lim.rooms[i] != want {
			t.Errorf("request %d: waited for room %d, observed room %d; want %d", i, lim.waits[i], lim.rooms[i], want)
		}
	}
	if o := lim.obs[0]; o.StatusCode != 200 || !o.RateLimit.IsZero() || o.RoomLimited {
		t.Errorf("absurd headers passed on: %+v", o)
	}
	if o := lim.obs[1]; o.StatusCode != 200 || o.RateLimit.Limit != 300 || o.RateLimit.Remaining != 299 {
		t.Errorf("sane headers lost: %+v", o)
	}
	if o := lim.obs[2]; o.StatusCode != 429 || !o.RoomLimited {
		t.Errorf("room 429 not told: %+v", o)
	}
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
