package apitest_test

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"testing/synctest"
	"time"

	"github.com/chatwork-go/chatwork/api/apitest"
	"github.com/chatwork-go/chatwork/internal/budgets"
)

func header(t testing.TB, r *response, name string) int64 {
	t.Helper()
	v, err := strconv.ParseInt(r.header.Get(name), 10, 64)
	if err != nil {
		t.Fatalf("%s = %q", name, r.header.Get(name))
	}
	return v
}

func TestGlobalRateLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t, apitest.WithRateLimit(5, time.Minute))
		start := time.Now()
		for i := range 5 {
			r := w.cme.must(200, http.MethodGet, "/me", nil)
			if header(t, r, "X-Ratelimit-Limit") != 5 || header(t, r, "X-Ratelimit-Remaining") != int64(4-i) ||
				header(t, r, "X-Ratelimit-Reset") != start.Add(time.Minute).Unix() {
				t.Fatalf("request %d: headers %v", i, r.header)
			}
			time.Sleep(time.Second)
		}
		// Another token of the same account shares the budget.
		other := w.cme.as(w.s.AddToken(apitest.Token{AccountID: w.me.AccountID}).Token)
		r := other.send(http.MethodPost, roomPath(w.room, "/messages"), url.Values{"body": {"x"}})
		wantError(t, r, http.StatusTooManyRequests, budgets.AccountError)
		if header(t, r, "X-Ratelimit-Remaining") != 0 || header(t, r, "X-Ratelimit-Reset") != start.Add(time.Minute).Unix() {
			t.Fatalf("429 headers %v", r.header)
		}
		if len(w.s.Messages(w.room)) != 0 {
			t.Fatal("a 429'd post was stored")
		}
		// Other accounts have their own budget.
		w.calice.must(200, http.MethodGet, "/me", nil)
		// The window is fixed: it resets one minute after it started.
		time.Sleep(time.Until(start.Add(time.Minute)) - time.Millisecond)
		wantError(t, w.cme.send(http.MethodGet, "/me", nil), http.StatusTooManyRequests, budgets.AccountError)
		time.Sleep(time.Millisecond)
		r = w.cme.must(200, http.MethodGet, "/me", nil)
		if header(t, r, "X-Ratelimit-Remaining") != 4 || header(t, r, "X-Ratelimit-Reset") != time.Now().Add(time.Minute).Unix() {
			t.Fatalf("new window headers %v", r.header)
		}
		// Budget spent by "another program".
		w.s.SpendRateLimit(w.me.AccountID, 4)
		wantError(t, w.cme.send(http.MethodGet, "/me", nil), http.StatusTooManyRequests, budgets.AccountError)
		if limit, remaining, _ := w.s.RateLimit(w.me.AccountID); limit != 5 || remaining != 0 {
			t.Fatalf("RateLimit() = %d, %d", limit, remaining)
		}
	})
}

func TestRoomPostLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t, apitest.WithRoomPostLimit(3, 10*time.Second))
		other := w.s.AddRoom(apitest.Room{Name: "Other", AdminIDs: []int64{w.me.AccountID}}).RoomID
		w.cme.post(w.room, "1")
		time.Sleep(4 * time.Second)
		w.calice.post(w.room, "2") // the budget is the room's, not the account's
		w.cme.must(200, http.MethodPost, roomPath(w.room, "/tasks"), url.Values{"body": {"t"}, "to_ids": {ids(w.alice.AccountID)}})
		_, before, _ := w.s.RateLimit(w.me.AccountID)
		r := w.cme.send(http.MethodPost, roomPath(w.room, "/messages"), url.Values{"body": {"4"}})
		wantError(t, r, http.StatusTooManyRequests, "Rate limit for message posting per room exceeded.")
		// A per-room 429 spends global budget.
		if _, after, _ := w.s.RateLimit(w.me.AccountID); after != before-1 || header(t, r, "X-Ratelimit-Remaining") != int64(after) {
			t.Fatalf("remaining %d -> %d, header %v", before, after, r.header)
		}
		wantError(t, w.cme.send(http.MethodPost, roomPath(w.room, "/tasks"), url.Values{"body": {"t"}, "to_ids": {ids(w.alice.AccountID)}}),
			http.StatusTooManyRequests, "Rate limit for message posting per room exceeded.")
		if n := len(w.s.Messages(w.room)); n != 3 {
			t.Fatalf("%d messages stored, want 3", n)
		}
		if n := len(w.s.Tasks(w.room)); n != 1 {
			t.Fatalf("%d tasks stored, want 1", n)
		}
		// Other rooms and other operations are not limited.
		w.cme.post(other, "elsewhere")
		w.cme.must(http.StatusOK, http.MethodGet, roomPath(w.room, "/messages?force=1"), nil)
		// The window slides: the first post leaves it 10 s after it was made.
		time.Sleep(6 * time.Second)
		w.cme.post(w.room, "5")
		wantError(t, w.cme.send(http.MethodPost, roomPath(w.room, "/messages"), url.Values{"body": {"6"}}),
			http.StatusTooManyRequests, "Rate limit for message posting per room exceeded.")
		time.Sleep(4 * time.Second)
		w.cme.post(w.room, "7")
		w.cme.post(w.room, "8")
		if w.s.PostCount(w.room) != 6 {
			t.Fatalf("PostCount = %d", w.s.PostCount(w.room))
		}
	})
}

func TestRateLimitsOff(t *testing.T) {
	w := newWorld(t, apitest.WithoutRateLimits())
	for range 20 {
		w.cme.post(w.room, "x")
	}
	r := w.cme.must(200, http.MethodGet, "/me", nil)
	if header(t, r, "X-Ratelimit-Limit") != 1_000_000 || header(t, r, "X-Ratelimit-Remaining") != 1_000_000 {
		t.Fatalf("headers %v", r.header)
	}
}

func TestHeadersOnEveryResponse(t *testing.T) {
	w := newWorld(t, apitest.WithRateLimit(3, time.Minute))
	for _, r := range []*response{
		w.cme.send(http.MethodGet, "/me", nil),                                   // 200
		w.cme.send(http.MethodGet, "/contacts", nil),                             // 200
		w.cme.send(http.MethodGet, roomPath(w.room, "/tasks"), nil),              // 204
		w.cme.send(http.MethodGet, roomPath(12345, ""), nil),                     // 429
		w.cme.send(http.MethodGet, "/nowhere", nil),                              // 400
		w.cme.send(http.MethodPost, roomPath(w.room, "/messages"), url.Values{}), // 400
		w.cme.as("bad").send(http.MethodGet, "/me", nil),                         // 401
	} {
		for _, h := range []string{"X-Ratelimit-Limit", "X-Ratelimit-Remaining", "X-Ratelimit-Reset"} {
			if r.header.Get(h) == "" {
				t.Errorf("status %d without %s", r.status, h)
			}
		}
	}
	// Requests refused before the rate limit (400, 401) spend nothing.
	if _, remaining, _ := w.s.RateLimit(w.me.AccountID); remaining != 0 {
		t.Fatalf("remaining = %d", remaining)
	}
}

// TestBudgetOptionsRefuseWhatIsNotABudget: the budget options read as
// api's do: 0 switches a limit off, a negative limit or a positive one
// without a window is refused when the server starts.
func TestBudgetOptionsRefuseWhatIsNotABudget(t *testing.T) {
	for name, opt := range map[string]apitest.Option{
		"negative limit":         apitest.WithRateLimit(-1, time.Minute),
		"limit without a window": apitest.WithRateLimit(5, 0),
		"negative room limit":    apitest.WithRoomPostLimit(-1, time.Second),
		"room without a window":  apitest.WithRoomPostLimit(3, -time.Second),
	} {
		if s, err := apitest.Start(apitest.WithoutListener(), opt); err == nil {
			s.Close()
			t.Errorf("%s: the server started", name)
		}
	}
	for _, opt := range []apitest.Option{apitest.WithRateLimit(0, 0), apitest.WithRoomPostLimit(0, 0)} {
		s, err := apitest.Start(apitest.WithoutListener(), opt)
		if err != nil {
			t.Fatalf("a limit of 0 (off): %v", err)
		}
		s.Close()
	}
}
