package api_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/chatwork-go/chatwork/api"
	"github.com/chatwork-go/chatwork/api/apitest"
	"github.com/chatwork-go/chatwork/api/pacing"
	"github.com/chatwork-go/chatwork/internal/budgets"
	"github.com/chatwork-go/chatwork/internal/pacingtest"
	"golang.org/x/oauth2"
)

// Chatwork's limits as the spec states them, which the fake enforces by
// default.
const (
	globalLimit  = budgets.AccountLimit
	globalWindow = budgets.AccountWindow
	roomLimit    = budgets.RoomLimit
	roomWindow   = budgets.RoomWindow
)

// checkStoredOnce asserts the fake holds each of the n messages "msg-i"
// exactly once, and no other message in rooms.
func checkStoredOnce(t *testing.T, s *apitest.Server, rooms []int64, n int) {
	t.Helper()
	if seen := pacingtest.StoredOnce(t, s, rooms, n, "msg"); len(seen) != n {
		t.Errorf("%d distinct messages stored, want %d", len(seen), n)
	}
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
		errs := pacingtest.Post(t.Context(), []*api.Client{c}, rooms, 1000, 8, "msg")
		elapsed := time.Since(start)
		if len(errs) > 0 {
			t.Fatalf("%d posts failed, first: %v", len(errs), errs[0])
		}
		if n := pacingtest.Count429(s, 0); n != 0 {
			t.Errorf("%d 429s received; pacing must avoid them", n)
		}
		checkStoredOnce(t, s, rooms, 1000)
		ideal := pacingtest.IdealFinish(pacing.Chatwork(), 1000, 5)
		share := float64(ideal) / float64(elapsed)
		t.Logf("1000 posts in %v; the limits allow it in %v at best: %.1f%% of the allowance used", elapsed, ideal, 100*share)
		if os.Getenv("PACING_REPORT") == "1" {
			fmt.Printf("pacing-report share=%.4f 429s=%d\n", share, pacingtest.Count429(s, 0))
		}
		if share < 0.97 {
			t.Errorf("used %.1f%% of the allowance, want at least 97%%", 100*share)
		}
	})
}

// TestRawPostsSpendTheRoomBudget: posts and task creations built by the
// caller, sent with Client.Do or the generated client of Client.Raw, spend
// the budget of the room their path names, as Messages.Post does: 8
// goroutines firing three times the room's limit at one room meet no 429
// from the fake (which enforces the spec's budgets), every post is stored
// once, and the burst takes the room's windows it needs.
func TestRawPostsSpendTheRoomBudget(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, c := fakeClient(t, nil)
		room := groupRooms(s, 1)[0]
		const posts = 3 * roomLimit
		jobs := make(chan int)
		var wg sync.WaitGroup
		start := time.Now()
		for range 8 {
			wg.Go(func() {
				for i := range jobs {
					body := url.Values{"body": {fmt.Sprintf("msg-%d", i)}}.Encode()
					var resp *http.Response
					var err error
					switch i % 3 {
					case 0: // a message through Do
						var req *http.Request
						req, err = http.NewRequestWithContext(t.Context(), http.MethodPost, fmt.Sprintf("%s/rooms/%d/messages", testBaseURL, room), strings.NewReader(body))
						if err != nil {
							t.Error(err)
							continue
						}
						req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
						resp, err = c.Do(req)
					case 1: // a message through Raw
						resp, err = c.Raw().PostMessageWithBody(t.Context(), room, "application/x-www-form-urlencoded", strings.NewReader(body))
					default: // a task through Raw
						resp, err = c.Raw().CreateRoomTasksWithBody(t.Context(), room, "application/x-www-form-urlencoded",
							strings.NewReader(body+"&to_ids="+strconv.FormatInt(s.Me().AccountID, 10)))
					}
					if err != nil {
						t.Errorf("post %d: %v", i, err)
						continue
					}
					if resp.StatusCode != http.StatusOK {
						t.Errorf("post %d: status %d", i, resp.StatusCode)
					}
					resp.Body.Close()
				}
			})
		}
		for i := range posts {
			jobs <- i
		}
		close(jobs)
		wg.Wait()
		elapsed := time.Since(start)
		if n := pacingtest.Count429(s, 0); n != 0 {
			t.Errorf("%d 429s: raw posts were not paced to the room's budget", n)
		}
		if n := len(s.Messages(room)); n != posts { // a task posts its message too
			t.Errorf("%d messages stored, want %d", n, posts)
		}
		if min := (posts/roomLimit - 1) * roomWindow; elapsed < min {
			t.Errorf("%d posts to one room in %v; the room's budget allows them in %v at best", posts, elapsed, min)
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
		errs := pacingtest.Post(t.Context(), []*api.Client{c}, rooms, 100, 4, "msg")
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
			if pacingtest.Count429(s, 0) != 1 {
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

// TestDeadlineShorterThanTheWait: a call whose wait (pacing, or after a
// 429) cannot end before its context's deadline returns a *RateLimitError
// at once, with when the budget frees up, and sends nothing more; the
// allowance is the smaller of the maximum wait and the deadline.
func TestDeadlineShorterThanTheWait(t *testing.T) {
	for _, tc := range []struct {
		name     string
		pacing   bool          // the client paces rooms (else the fake's 429 comes)
		maxWait  time.Duration // WithMaxRateLimitWait
		deadline time.Duration // the context's
		refused  bool
	}{
		{"pacing, deadline first", true, time.Minute, 2 * time.Second, true},
		{"pacing, maximum wait first", true, time.Second, time.Minute, true},
		{"pacing, both long enough", true, time.Minute, time.Minute, false},
		{"after a 429, deadline first", false, time.Minute, 2 * time.Second, true},
		{"after a 429, maximum wait first", false, time.Second, time.Minute, true},
		{"after a 429, both long enough", false, time.Minute, time.Minute, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				opts := []api.Option{api.WithMaxRateLimitWait(tc.maxWait)}
				if !tc.pacing {
					opts = append(opts, api.WithRoomPostLimit(0, 0))
				}
				s, c := fakeClient(t, nil, opts...)
				room := groupRooms(s, 1)[0]
				for i := range roomLimit {
					if _, _, err := c.Messages.Post(t.Context(), room, fmt.Sprint(i), nil); err != nil {
						t.Fatal(err)
					}
				}
				ctx, cancel := context.WithTimeout(t.Context(), tc.deadline)
				defer cancel()
				start := time.Now()
				_, _, err := c.Messages.Post(ctx, room, "one more", nil)
				took := time.Since(start)
				want429 := 0
				if !tc.pacing {
					want429 = 1
				}
				if n := pacingtest.Count429(s, 0); n != want429 {
					t.Errorf("%d 429s, want %d", n, want429)
				}
				if !tc.refused {
					if err != nil {
						t.Fatalf("err = %v after %v, want the post sent once the room frees up", err, took)
					}
					if took < roomWindow-time.Second || took > roomWindow+2*time.Second {
						t.Errorf("the post went after %v, want about the room's window %v", took, roomWindow)
					}
					return
				}
				var rle *api.RateLimitError
				if !errors.As(err, &rle) || !rle.PerRoom || ctx.Err() != nil {
					t.Fatalf("err = %v (context: %v), want a per-room *RateLimitError before the deadline", err, ctx.Err())
				}
				if took != 0 {
					t.Errorf("waited %v for a wait that could not end in time", took)
				}
				if d := rle.Reset.Sub(start); d < roomWindow-time.Second || d > roomWindow+time.Second {
					t.Errorf("reset in %v, want about the room's window %v", d, roomWindow)
				}
				if n := len(s.Messages(room)); n != roomLimit {
					t.Errorf("%d messages stored, want %d", n, roomLimit)
				}
			})
		})
	}
}

// TestAccountWaitAndDeadline: the same for the account's budget, whose
// wait after a 429 comes from the headers.
func TestAccountWaitAndDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, c := fakeClient(t, []apitest.Option{apitest.WithRateLimit(3, 30*time.Second)}, api.WithRateLimit(0, 0))
		for range 3 {
			if _, _, err := c.Me.Get(t.Context()); err != nil {
				t.Fatal(err)
			}
		}
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		start := time.Now()
		_, _, err := c.Me.Get(ctx)
		var rle *api.RateLimitError
		if !errors.As(err, &rle) || rle.PerRoom || rle.StatusCode != 429 {
			t.Fatalf("err = %v, want the account's 429 as a *RateLimitError", err)
		}
		if time.Since(start) != 0 {
			t.Errorf("waited %v", time.Since(start))
		}
		if d := rle.Reset.Sub(start); d < 29*time.Second || d > 32*time.Second {
			t.Errorf("reset in %v, want the fake's window", d)
		}
		if n := pacingtest.Count429(s, 0); n != 1 {
			t.Errorf("%d 429s, want 1", n)
		}
	})
}

// TestNoCallWaitsPastTheMaximum: a budget spent until
// far ahead, a reset in the year 2100 or a low limit never hold a call
// beyond the maximum wait; a wait that would be longer returns a
// *RateLimitError at once.
func TestNoCallWaitsPastTheMaximum(t *testing.T) {
	const maxWait = 30 * time.Second
	answer := func(status int, limit, remaining, reset func() string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			rateHeadersOf(w, limit(), remaining(), reset())
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			if status == http.StatusTooManyRequests {
				_, _ = w.Write([]byte(`{"errors":["Rate limit exceeded."]}`))
				return
			}
			_, _ = w.Write([]byte(meJSON))
		}
	}
	is := func(s string) func() string { return func() string { return s } }
	in := func(d time.Duration) func() string { return func() string { return unixIn(d) } }
	year2100 := is(strconv.FormatInt(time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC).Unix(), 10))

	for name, h := range map[string]http.HandlerFunc{
		"200 spent until 1h ahead":    answer(200, is("300"), is("0"), in(time.Hour)),
		"200 spent until 2100":        answer(200, is("300"), is("0"), year2100),
		"429 with reset 1h ahead":     answer(429, is("300"), is("0"), in(time.Hour)),
		"429 with reset in 2100":      answer(429, is("300"), is("0"), year2100),
		"200 spent for 4 minutes":     answer(200, is("300"), is("0"), in(4*time.Minute)),
		"429 with reset in 4 minutes": answer(429, is("300"), is("0"), in(4*time.Minute)),
	} {
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				c := newTestClient(t, testToken, handlerTransport{h}, api.WithMaxRateLimitWait(maxWait))
				ctx, cancel := context.WithTimeout(t.Context(), 2*time.Hour)
				defer cancel()
				for i := range 3 {
					start := time.Now()
					_, _, err := c.Me.Get(ctx)
					took := time.Since(start)
					if took > maxWait {
						t.Fatalf("call %d took %v, more than the maximum wait %v (err %v)", i, took, maxWait, err)
					}
					var rle *api.RateLimitError
					if err != nil && !errors.As(err, &rle) {
						t.Fatalf("call %d: %v, want success or *RateLimitError", i, err)
					}
					if rle != nil && (rle.Reset.Before(start) || rle.Reset.After(start.Add(6*time.Minute))) {
						t.Errorf("call %d: reset %v; a far reset is malformed, not reported", i, rle.Reset)
					}
				}
			})
		})
	}

	t.Run("pacing wait beyond the maximum", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			s, c := fakeClient(t, nil, api.WithMaxRateLimitWait(5*time.Second))
			room := groupRooms(s, 1)[0]
			for i := range roomLimit {
				if _, _, err := c.Messages.Post(t.Context(), room, fmt.Sprint(i), nil); err != nil {
					t.Fatal(err)
				}
			}
			start := time.Now()
			_, _, err := c.Messages.Post(t.Context(), room, "one too many", nil)
			var rle *api.RateLimitError
			if !errors.As(err, &rle) || !errors.Is(err, api.ErrRateLimited) || !rle.PerRoom {
				t.Fatalf("err = %v, want a per-room *RateLimitError", err)
			}
			if time.Since(start) != 0 {
				t.Errorf("waited %v before refusing", time.Since(start))
			}
			if d := rle.Reset.Sub(start); d < 9*time.Second || d > 11*time.Second {
				t.Errorf("reset in %v, want the room's window", d)
			}
			if n := len(s.Messages(room)); n != roomLimit {
				t.Errorf("%d messages stored; the refused post must not be sent", n)
			}
		})
	})

	t.Run("x-ratelimit-limit 1", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			// An honest server with a budget of 1 per second.
			var mu sync.Mutex
			var windowEnd time.Time
			used, n429 := 0, 0
			c := newTestClient(t, testToken, handlerTransport{func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				defer mu.Unlock()
				now := time.Now()
				if !now.Before(windowEnd) {
					windowEnd, used = now.Truncate(time.Second).Add(time.Second), 0
				}
				status := http.StatusOK
				if used++; used > 1 {
					status, used = http.StatusTooManyRequests, 1
					n429++
				}
				answer(status, is("1"), is("0"), is(strconv.FormatInt(windowEnd.Unix(), 10)))(w, r)
			}})
			start := time.Now()
			for i := range 5 {
				if _, _, err := c.Me.Get(t.Context()); err != nil {
					t.Fatalf("call %d: %v", i, err)
				}
			}
			if d := time.Since(start); d > 6*time.Second {
				t.Errorf("5 calls at 1 per second took %v", d)
			}
			if n429 != 0 {
				t.Errorf("%d 429s", n429)
			}
		})
	})
}

// TestAdoptedLimitUsesTheAPIWindow: when the client adopts the server's x-ratelimit-limit, that limit is per
// the API's 5 minutes, not per the window the caller configured.
func TestAdoptedLimitUsesTheAPIWindow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var sent atomic.Int64
		// A server that reports 300 but whose remaining count never moves.
		c := newTestClient(t, testToken, handlerTransport{func(w http.ResponseWriter, r *http.Request) {
			sent.Add(1)
			rateHeadersOf(w, "300", "299", unixIn(4*time.Minute))
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(meJSON))
		}}, api.WithRateLimit(10000, 20*time.Millisecond))
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				// Until the deadline, or until the pacing wait would pass
				// it: then the call is refused at once.
				for ctx.Err() == nil {
					if _, _, err := c.Me.Get(ctx); errors.Is(err, api.ErrRateLimited) {
						return
					}
				}
			})
		}
		wg.Wait()
		if n := sent.Load(); n > 300 {
			t.Errorf("%d requests in one second; the server's 300 are per 5 minutes", n)
		}
	})
}

// pipeNet connects clients to an http.Server through net.Pipe inside a
// synctest bubble, and delays each new connection, as TLS setup does.
type pipeNet struct {
	delay time.Duration
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
	dials atomic.Int64
}

func newPipeNet(delay time.Duration) *pipeNet {
	return &pipeNet{delay: delay, conns: make(chan net.Conn), done: make(chan struct{})}
}

func (p *pipeNet) Accept() (net.Conn, error) {
	select {
	case c := <-p.conns:
		return c, nil
	case <-p.done:
		return nil, net.ErrClosed
	}
}

func (p *pipeNet) Close() error { p.once.Do(func() { close(p.done) }); return nil }

func (p *pipeNet) Addr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 443} }

func (p *pipeNet) dial(ctx context.Context, _, _ string) (net.Conn, error) {
	p.dials.Add(1)
	select {
	case <-time.After(p.delay):
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	client, server := net.Pipe()
	select {
	case p.conns <- server:
		return client, nil
	case <-p.done:
		return nil, net.ErrClosed
	}
}

// TestRoomBurstOverSlowConnections: 64 goroutines post
// to 10 rooms over connections that each take 200 ms to set up; the server
// counts a post when it arrives. No per-room 429, and at least 97% of the
// allowance used.
func TestRoomBurstOverSlowConnections(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := apitest.NewServer(t, apitest.WithoutListener())
		pn := newPipeNet(200 * time.Millisecond)
		srv := &http.Server{Handler: s.Handler()}
		go func() { _ = srv.Serve(pn) }()
		tr := &http.Transport{DialContext: pn.dial}
		c := newTestClient(t, s.Token(), tr, api.WithBaseURL(s.URL())) // plain http over the pipes
		rooms := groupRooms(s, 10)
		const posts = 300
		start := time.Now()
		errs := pacingtest.Post(t.Context(), []*api.Client{c}, rooms, posts, 64, "msg")
		elapsed := time.Since(start)
		tr.CloseIdleConnections()
		_ = srv.Close()
		if len(errs) > 0 {
			t.Fatalf("%d posts failed, first: %v", len(errs), errs[0])
		}
		checkStoredOnce(t, s, rooms, posts)
		ideal := pacingtest.IdealFinish(pacing.Chatwork(), posts, len(rooms))
		share := float64(ideal) / float64(elapsed)
		t.Logf("%d posts over %d new connections in %v; ideal %v: %.1f%% of the allowance used", posts, pn.dials.Load(), elapsed, ideal, 100*share)
		if n := pacingtest.Count429(s, 0); n != 0 {
			t.Errorf("%d 429s", n)
		}
		if share < 0.97 {
			t.Errorf("used %.1f%% of the allowance, want at least 97%%", 100*share)
		}
	})
}

// TestPacingUnderClockSkew: whatever the offset of the server's clock
// (within a window either way, and 2 minutes behind), 4 goroutines
// calling Me.Get against a budget of 20 per 5 s for 12 windows use at
// least 90% of the allowance, meet at most one window's worth of 429s
// after the first window, and never go silent for longer than a window
// (synctest: the clocks are fake).
func TestPacingUnderClockSkew(t *testing.T) {
	for _, f := range append(pacingtest.Skews, -24) {
		t.Run(fmt.Sprint(f), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				run := pacingtest.SkewRun{Limit: 20, Window: 5 * time.Second, Windows: 12,
					Fake: func(opts ...apitest.Option) *apitest.Server {
						return apitest.NewServer(t, append([]apitest.Option{apitest.WithoutListener()}, opts...)...)
					},
					Client: func(s *apitest.Server, opts ...api.Option) *api.Client {
						return newTestClient(t, s.Token(), s.Transport(), append([]api.Option{api.WithBaseURL(s.URL())}, opts...)...)
					},
				}
				run.Skew = time.Duration(f * float64(run.Window))
				res := run.Run(t)
				t.Logf("skew %+.2f windows: %d accepted, %.1f%% of the allowance, %d 429s (%d after the first window), longest silence %v",
					f, res.Accepted, 100*res.Allowance, res.All429, res.Late429, res.Silence)
				if pacingtest.Reporting() {
					fmt.Println(pacingtest.Report("local", f, res))
				}
				run.Check(t, res)
			})
		})
	}
}

// BenchmarkSkew reports, as custom metrics, the share of the allowance
// used and the 429s for each clock skew of TestPacingUnderClockSkew.
func BenchmarkSkew(b *testing.B) { pacingtest.BenchSkews(b, "TestPacingUnderClockSkew", "local") }

// scripted is a RoundTripper that answers every request with what the
// fuzzer made up: the first attempt gets status1, later ones status2, all
// with the same headers and body, whose reading fails after cut bytes when
// cut is within it. A negative cut leaves Response.Request unset, as a
// sloppy RoundTripper of a caller may.
type scripted struct {
	status1, status2 int
	header           http.Header
	body             []byte
	cut              int
	n                atomic.Int32
}

func (s *scripted) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_, _ = io.Copy(io.Discard, req.Body)
		req.Body.Close()
	}
	status := s.status1
	if s.n.Add(1) > 1 {
		status = s.status2
	}
	var body io.Reader = bytes.NewReader(s.body)
	if s.cut > 0 && s.cut < len(s.body) {
		body = io.MultiReader(bytes.NewReader(s.body[:s.cut]), errorAfter{io.ErrUnexpectedEOF})
	}
	resp := &http.Response{
		StatusCode:    status,
		Status:        strconv.Itoa(status) + " " + http.StatusText(status),
		Header:        s.header.Clone(),
		Body:          io.NopCloser(body),
		ContentLength: int64(len(s.body)),
		Request:       req,
	}
	if s.cut < 0 {
		resp.Request = nil
	}
	return resp, nil
}

type errorAfter struct{ err error }

func (e errorAfter) Read([]byte) (int, error) { return 0, e.err }

// fuzzHeader reads "Key: value" lines.
func fuzzHeader(s string) http.Header {
	h := http.Header{}
	for line := range strings.SplitSeq(s, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok || k == "" {
			continue
		}
		h.Add(textproto.CanonicalMIMEHeaderKey(strings.TrimSpace(k)), strings.TrimSpace(v))
	}
	return h
}

// fuzzCalls are the operations the fuzzer drives: reads, writes that must
// never be sent twice, lists, deletes, and a download that follows the
// answer's download_url through the same transport.
var fuzzCalls = []func(ctx context.Context, c *api.Client) error{
	func(ctx context.Context, c *api.Client) error { _, _, err := c.Me.Get(ctx); return err },
	func(ctx context.Context, c *api.Client) error {
		_, _, err := c.Messages.Post(ctx, 7, "hello", nil)
		return err
	},
	func(ctx context.Context, c *api.Client) error {
		_, _, err := c.Tasks.Create(ctx, 7, api.CreateTaskParams{Body: "t", AssigneeIDs: []int64{1, 2}})
		return err
	},
	func(ctx context.Context, c *api.Client) error { _, _, err := c.Messages.ListLatest(ctx, 7); return err },
	func(ctx context.Context, c *api.Client) error { _, err := c.Rooms.Leave(ctx, 7); return err },
	func(ctx context.Context, c *api.Client) error { _, err := c.Links.Delete(ctx, 7); return err },
	func(ctx context.Context, c *api.Client) error {
		_, _, err := c.Files.Download(ctx, 7, 9, io.Discard)
		return err
	},
	func(ctx context.Context, c *api.Client) error {
		_, _, err := c.Files.Upload(ctx, 7, api.UploadFileParams{Name: "a.txt", Content: strings.NewReader("data")})
		return err
	},
}

// fuzzBound is the longest two calls may take, in synctest's virtual time:
// each at most the maximum rate-limit wait the client is given (1 minute)
// plus 3 retries with backoff of at most 8 s, with room to spare.
const fuzzBound = 5 * time.Minute

// FuzzTransportStack drives the whole client (authentication, pacing,
// retries, redirect policy, decoding, the download fetch) with arbitrary
// statuses, headers and bodies from a fake RoundTripper. Every call must
// return, without a panic, within fuzzBound of virtual time, allocating a
// bounded amount of memory, and a 2xx it accepts must not be taken from a
// non-answer.
func FuzzTransportStack(f *testing.F) {
	now := strconv.FormatInt(time.Date(2000, 1, 1, 0, 5, 0, 0, time.UTC).Unix(), 10)
	rate := "X-Ratelimit-Limit: 300\nX-Ratelimit-Remaining: 299\nX-Ratelimit-Reset: " + now
	f.Add(200, 200, rate, []byte(`{"account_id":1}`), 0, uint8(0))
	f.Add(200, 200, rate, []byte(`{"message_id":"1928374655918273645"}`), 0, uint8(1))
	f.Add(200, 200, rate, []byte(`{"task_ids":[1,2]}`), 0, uint8(2))
	f.Add(204, 204, rate, []byte(nil), 0, uint8(3))
	f.Add(204, 204, "", []byte(nil), 0, uint8(4))
	f.Add(200, 200, rate, []byte(`{"public":false}`), 0, uint8(5))
	f.Add(200, 200, rate, []byte(`{"file_id":9,"download_url":"https://dl.example.com/f?sig=1","filesize":4}`), 0, uint8(6))
	f.Add(200, 200, rate, []byte(`{"file_id":9}`), 0, uint8(7))
	f.Add(429, 200, rate, []byte(`{"errors":["Rate limit for message posting per room exceeded."]}`), 0, uint8(1))
	f.Add(503, 200, rate, []byte(`{"errors":["down"]}`), 0, uint8(3))
	f.Add(503, 503, "", []byte(`oops`), 0, uint8(1))
	f.Add(200, 200, rate, []byte(`{"account_id":1,"name":"`+strings.Repeat("x", 100)+`"}`), 20, uint8(0))
	f.Add(302, 302, "Location: https://elsewhere.example.com/v2/me", []byte(nil), 0, uint8(0))
	f.Add(307, 307, "Location: /v2/me", []byte(nil), 0, uint8(1))
	f.Add(401, 401, `Www-Authenticate: Bearer error="invalid_token", error_description="expired`, []byte(nil), 0, uint8(8))
	f.Add(200, 200, rate+"\nDate: Sat, 01 Jan 2000 00:00:00 GMT", []byte("null"), 0, uint8(2))
	f.Add(999, -1, "X-Ratelimit-Reset: -5\nX-Ratelimit-Limit: x", []byte("{"), 1, uint8(3))
	f.Add(404, 404, rate, []byte(`{"errors":["Not found"]}`), -1, uint8(0))
	f.Add(200, 200, rate, []byte(`{}`), -1, uint8(1))

	f.Fuzz(func(t *testing.T, status1, status2 int, headers string, body []byte, cut int, op uint8) {
		if status1 < 100 || status1 > 999 || status2 < 100 || status2 > 999 {
			return // net/http never returns such a status
		}
		synctest.Test(t, func(t *testing.T) {
			rt := &scripted{status1: status1, status2: status2, header: fuzzHeader(headers), body: body, cut: cut}
			opts := []api.Option{
				api.WithBaseURL("https://api.chatwork.com/v2"),
				api.WithHTTPClient(&http.Client{Transport: rt}),
				api.WithMaxRateLimitWait(time.Minute),
			}
			var c *api.Client
			var err error
			if op&8 != 0 {
				c, err = api.NewOAuthClient(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "fuzz-token"}), opts...)
			} else {
				c, err = api.NewClient("fuzz-token", opts...)
			}
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()

			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			start := time.Now()
			done := make(chan error, 1)
			// Two calls: the second meets the pacing state the first left.
			go func() {
				first := fuzzCalls[int(op)%len(fuzzCalls)](ctx, c)
				second := fuzzCalls[int(op>>4)%len(fuzzCalls)](ctx, c)
				done <- errors.Join(first, second)
			}()
			timer := time.NewTimer(fuzzBound)
			defer timer.Stop()
			select {
			case err = <-done:
			case <-timer.C:
				cancel()
				t.Fatalf("the call did not return within %v of virtual time (then: %v)", fuzzBound, <-done)
			}
			runtime.ReadMemStats(&after)
			if grew := after.TotalAlloc - before.TotalAlloc; grew > 256<<20 {
				t.Errorf("the call allocated %d MiB", grew>>20)
			}
			if took := time.Since(start); took > fuzzBound {
				t.Errorf("the call took %v", took)
			}
			if err == nil && (status1 < 200 || status1 > 299) && (status2 < 200 || status2 > 299) {
				t.Errorf("statuses %d, %d: no error", status1, status2)
			}
			if needsResult := op%8 == 0 || op%8 == 1 || op%8 == 2 || op%8 == 7; err == nil && needsResult && len(bytes.TrimSpace(body)) < 2 {
				t.Errorf("op %d succeeded on a body of %q", op%8, body)
			}
			if err != nil && strings.Contains(err.Error(), "fuzz-token") {
				t.Errorf("the error leaks the token: %v", err)
			}
			var ue *api.UnexpectedResponseError
			if errors.As(err, &ue) && strings.Contains(ue.Body, "fuzz-token") {
				t.Errorf("the error's body leaks the token")
			}
		})
	})
}
