package api_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"sort"
	"strconv"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/chatwork-go/chatwork/api"
	"github.com/chatwork-go/chatwork/api/apitest"
	"github.com/chatwork-go/chatwork/internal/budgets"
)

// Chatwork's limits as the spec states them, which the fake enforces by
// default.
const (
	globalLimit  = budgets.AccountLimit
	globalWindow = budgets.AccountWindow
	roomLimit    = budgets.RoomLimit
	roomWindow   = budgets.RoomWindow
)

// groupRooms creates n group chats administered by the default account.
func groupRooms(s *apitest.Server, n int) []int64 {
	rooms := make([]int64, n)
	for i := range rooms {
		rooms[i] = s.AddRoom(apitest.Room{Name: fmt.Sprintf("room %d", i), AdminIDs: []int64{s.Me().AccountID}}).RoomID
	}
	return rooms
}

// postAll posts n messages "msg-i", round-robin over rooms, from workers
// goroutines, and returns the errors.
func postAll(ctx context.Context, c *api.Client, rooms []int64, n, workers int) []error {
	jobs := make(chan int)
	var mu sync.Mutex
	var errs []error
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range jobs {
				if _, _, err := c.Messages.Post(ctx, rooms[i%len(rooms)], fmt.Sprintf("msg-%d", i), nil); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}
		})
	}
	for i := range n {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	return errs
}

// checkStoredOnce asserts the fake holds each of the n messages exactly once.
func checkStoredOnce(t *testing.T, s *apitest.Server, rooms []int64, n int) {
	t.Helper()
	seen := map[string]int{}
	for _, r := range rooms {
		for _, m := range s.Messages(r) {
			seen[m.Body]++
		}
	}
	for i := range n {
		if k := seen[fmt.Sprintf("msg-%d", i)]; k != 1 {
			t.Errorf("msg-%d stored %d times, want exactly once", i, k)
		}
	}
	if len(seen) != n {
		t.Errorf("%d distinct messages stored, want %d", len(seen), n)
	}
}

func count429(s *apitest.Server, accountID int64) int {
	n := 0
	for _, r := range s.Requests() {
		if r.Status == http.StatusTooManyRequests && (accountID == 0 || r.AccountID == accountID) {
			n++
		}
	}
	return n
}

// idealFinish is the earliest time at which any client could have had n
// posts, spread round-robin over rooms, accepted by a server with fixed
// global windows and per-room windows: the greedy schedule, which is
// optimal for limits of this kind.
func idealFinish(n, rooms int) time.Duration {
	var t time.Duration
	var globalStart time.Duration
	globalUsed := 0
	roomSent := make([][]time.Duration, rooms)
	for i := range n {
		r := i % rooms
		if globalUsed == globalLimit {
			globalStart += globalWindow
			t = max(t, globalStart)
			globalUsed = 0
		}
		if k := len(roomSent[r]); k >= roomLimit {
			t = max(t, roomSent[r][k-roomLimit]+roomWindow)
		}
		roomSent[r] = append(roomSent[r], t)
		globalUsed++
	}
	return t
}

// TestPacingUsesTheWholeAllowance: 1,000 posts from 8 goroutines to 5
// rooms, against a server that enforces both limits, meet no 429, are each
// stored once, and use at least 97% of the allowance (the best possible
// time over the time taken).
func TestPacingUsesTheWholeAllowance(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, c := fakeClient(t, nil)
		rooms := groupRooms(s, 5)
		start := time.Now()
		errs := postAll(t.Context(), c, rooms, 1000, 8)
		elapsed := time.Since(start)
		if len(errs) > 0 {
			t.Fatalf("%d posts failed, first: %v", len(errs), errs[0])
		}
		if n := count429(s, 0); n != 0 {
			t.Errorf("%d 429s received; pacing must avoid them", n)
		}
		checkStoredOnce(t, s, rooms, 1000)
		ideal := idealFinish(1000, 5)
		share := float64(ideal) / float64(elapsed)
		t.Logf("1000 posts in %v; the limits allow it in %v at best: %.1f%% of the allowance used", elapsed, ideal, 100*share)
		if os.Getenv("PACING_REPORT") == "1" {
			fmt.Printf("pacing-report share=%.4f 429s=%d\n", share, count429(s, 0))
		}
		if share < 0.97 {
			t.Errorf("used %.1f%% of the allowance, want at least 97%%", 100*share)
		}
	})
}

// TestSecondClientSharesTheBudget: another program spends
// the same account's budget; ours meets 429s, waits and loses nothing.
func TestSecondClientSharesTheBudget(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, c := fakeClient(t, nil)
		rooms := groupRooms(s, 2)
		other := newTestClient(t, s.AddToken(apitest.Token{AccountID: s.Me().AccountID}).Token, s.Transport(),
			api.WithRateLimit(0, 0), api.WithMaxRateLimitWait(0))
		done := make(chan struct{})
		go func() {
			defer close(done)
			// Once ours is under way, the other program takes every request left.
			time.Sleep(3 * time.Second)
			for {
				if _, _, err := other.Me.Status(t.Context()); errors.Is(err, api.ErrRateLimited) {
					return
				} else if err != nil {
					t.Errorf("other client: %v", err)
					return
				}
			}
		}()
		errs := postAll(t.Context(), c, rooms, 100, 4)
		<-done
		if len(errs) > 0 {
			t.Fatalf("%d posts failed, first: %v", len(errs), errs[0])
		}
		checkStoredOnce(t, s, rooms, 100)
		ours := 0
		for _, r := range s.Requests() {
			if r.Status == http.StatusTooManyRequests && r.OperationID == "postMessage" {
				ours++
			}
		}
		if ours == 0 {
			t.Error("our client met no 429; the scenario did not happen")
		}
		t.Logf("our client met %d 429s and stored all 100 messages once", ours)
	})
}

// TestPostNotRetriedAfterDroppedConnection: a post whose connection drops
// after the server stored it is returned as an error, never sent again.
func TestPostNotRetriedAfterDroppedConnection(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, c := fakeClient(t, nil)
		room := groupRooms(s, 1)[0]
		s.InjectFault(apitest.Fault{OperationID: "postMessage", Times: 1, DropAfterProcessing: true})
		_, _, err := c.Messages.Post(t.Context(), room, "only once", nil)
		if err == nil {
			t.Fatal("Post succeeded although the connection was dropped")
		}
		if got := len(s.Messages(room)); got != 1 {
			t.Errorf("%d messages stored, want exactly 1", got)
		}
		posts := 0
		for _, r := range s.Requests() {
			if r.OperationID == "postMessage" {
				posts++
			}
		}
		if posts != 1 {
			t.Errorf("the post was sent %d times, want once", posts)
		}
	})
}

// TestGetRetriedAfter503: a GET that meets two 503s is retried with
// backoff (0.5 s, then 1 s, less jitter) and succeeds.
func TestGetRetriedAfter503(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, c := fakeClient(t, nil)
		s.InjectFault(apitest.Fault{OperationID: "getMe", Times: 2, Status: http.StatusServiceUnavailable})
		start := time.Now()
		me, _, err := c.Me.Get(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if me.AccountID != s.Me().AccountID {
			t.Errorf("account %d", me.AccountID)
		}
		var statuses []int
		for _, r := range s.Requests() {
			statuses = append(statuses, r.Status)
		}
		if fmt.Sprint(statuses) != "[503 503 200]" {
			t.Errorf("statuses %v, want [503 503 200]", statuses)
		}
		// Backoff 0.5 s then 1 s, less up to a quarter of jitter.
		if d := time.Since(start); d < 1125*time.Millisecond || d > 1500*time.Millisecond {
			t.Errorf("waited %v between attempts", d)
		}
	})
}

func TestPostNotRetriedAfter5xx(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, c := fakeClient(t, nil)
		room := groupRooms(s, 1)[0]
		s.InjectFault(apitest.Fault{OperationID: "postMessage", Times: 1, Status: http.StatusBadGateway})
		if _, _, err := c.Messages.Post(t.Context(), room, "x", nil); !errors.Is(err, api.ErrServer) {
			t.Fatalf("err = %v, want ErrServer", err)
		}
		if n := len(s.Requests()); n != 1 {
			t.Errorf("%d requests; a POST must not be resent after a 502", n)
		}
	})
}

// TestCancelEndsWaitAtOnce: cancelling the context ends a pacing wait and
// a 429 wait at once.
func TestCancelEndsWaitAtOnce(t *testing.T) {
	t.Run("pacing", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			s, c := fakeClient(t, nil)
			room := groupRooms(s, 1)[0]
			for i := range roomLimit {
				if _, _, err := c.Messages.Post(t.Context(), room, fmt.Sprint(i), nil); err != nil {
					t.Fatal(err)
				}
			}
			ctx, cancel := context.WithCancel(t.Context())
			time.AfterFunc(time.Second, cancel)
			start := time.Now()
			_, _, err := c.Messages.Post(ctx, room, "one too many", nil)
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("err = %v, want context.Canceled", err)
			}
			if d := time.Since(start); d != time.Second {
				t.Errorf("returned after %v, want at once on cancel (1s)", d)
			}
			if got := len(s.Messages(room)); got != roomLimit {
				t.Errorf("%d messages stored, want %d", got, roomLimit)
			}
		})
	})
	t.Run("429", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			s, c := fakeClient(t, nil, api.WithRoomPostLimit(0, 0))
			room := groupRooms(s, 1)[0]
			for i := range roomLimit {
				if _, _, err := c.Messages.Post(t.Context(), room, fmt.Sprint(i), nil); err != nil {
					t.Fatal(err)
				}
			}
			ctx, cancel := context.WithCancel(t.Context())
			time.AfterFunc(2*time.Second, cancel)
			start := time.Now()
			_, _, err := c.Messages.Post(ctx, room, "one too many", nil)
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("err = %v, want context.Canceled", err)
			}
			if d := time.Since(start); d != 2*time.Second {
				t.Errorf("returned after %v, want 2s", d)
			}
			if count429(s, 0) != 1 {
				t.Errorf("want exactly one 429 before the wait")
			}
		})
	})
}

func TestRateLimitErrorPastMaxWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, c := fakeClient(t, []apitest.Option{apitest.WithRateLimit(5, time.Minute)},
			api.WithRateLimit(0, 0), api.WithMaxRateLimitWait(10*time.Second))
		for range 5 {
			if _, _, err := c.Me.Get(t.Context()); err != nil {
				t.Fatal(err)
			}
		}
		start := time.Now()
		_, _, err := c.Me.Get(t.Context())
		var rl *api.RateLimitError
		if !errors.As(err, &rl) || !errors.Is(err, api.ErrRateLimited) {
			t.Fatalf("err = %v, want *RateLimitError", err)
		}
		if rl.PerRoom || rl.Reset.Sub(start) <= 10*time.Second || rl.Reset.Sub(start) > time.Minute+time.Second {
			t.Errorf("RateLimitError %+v: reset %v after start", rl, rl.Reset.Sub(start))
		}
		if time.Since(start) != 0 {
			t.Errorf("waited %v although the reset is beyond the maximum wait", time.Since(start))
		}
		_, rem, _ := s.RateLimit(s.Me().AccountID)
		if rem != 0 {
			t.Errorf("remaining %d", rem)
		}
	})
}

func TestRateLimit429IsWaitedOut(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, c := fakeClient(t, []apitest.Option{apitest.WithRateLimit(3, 30*time.Second)}, api.WithRateLimit(0, 0))
		start := time.Now()
		for range 4 {
			if _, _, err := c.Me.Get(t.Context()); err != nil {
				t.Fatal(err)
			}
		}
		d := time.Since(start)
		if d < 30*time.Second || d > 34*time.Second {
			t.Errorf("the fourth call took %v, want the 30 s window plus jitter", d)
		}
		var statuses []int
		for _, r := range s.Requests() {
			statuses = append(statuses, r.Status)
		}
		sort.Ints(statuses)
		if fmt.Sprint(statuses) != "[200 200 200 200 429]" {
			t.Errorf("statuses %v", statuses)
		}
	})
}

// BenchmarkPacing reports, as custom metrics, the share of the server's
// allowance used and the 429s received by TestPacingUsesTheWholeAllowance. The figures come
// from the synctest simulation, whose clock is fake, so the benchmark runs
// TestPacingUsesTheWholeAllowance in a child process of this test binary and
// reads its report line; ns/op is the cost of simulating 1,000 posts.
func BenchmarkPacing(b *testing.B) {
	var share, n429 float64
	for b.Loop() {
		cmd := exec.Command(os.Args[0], "-test.run=^TestPacingUsesTheWholeAllowance$", "-test.v", "-test.count=1")
		cmd.Env = append(os.Environ(), "PACING_REPORT=1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			b.Fatalf("%v\n%s", err, out)
		}
		m := regexp.MustCompile(`pacing-report share=([0-9.]+) 429s=([0-9]+)`).FindSubmatch(out)
		if m == nil {
			b.Fatalf("no report in:\n%s", out)
		}
		share, _ = strconv.ParseFloat(string(m[1]), 64)
		n429, _ = strconv.ParseFloat(string(m[2]), 64)
	}
	b.ReportMetric(100*share, "%allowance")
	b.ReportMetric(n429, "429s")
}
