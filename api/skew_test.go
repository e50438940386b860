package api_test

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/chatwork-go/chatwork/api"
	"github.com/chatwork-go/chatwork/api/apitest"
)

// skews are the offsets of the server's clock from the client's, as
// fractions of the account's window, that the pacing must live with.
var skews = []float64{-0.9, -0.4, -0.1, -0.01, 0, 0.01, 0.1, 0.4, 0.9}

// skewResult is what a run against a skewed server measured.
type skewResult struct {
	accepted  int     // requests the server accepted during the run
	allowance float64 // accepted over what the server would have accepted at best
	all429    int     // 429s
	late429   int     // 429s after the first window
	silent    time.Duration
}

// skewRun runs 4 goroutines calling Me.Get for windows windows of a fake
// whose clock is off by skew (limit requests per window for the account),
// inside a synctest bubble. A call refused by pacing waits until the reset
// it was told, as a program would.
func skewRun(t *testing.T, skew time.Duration, limit int, window time.Duration, windows int) skewResult {
	t.Helper()
	var mu sync.Mutex
	var res skewResult
	var lastAnswer time.Time
	start := time.Now()
	end := start.Add(time.Duration(windows) * window)
	observer := func(r apitest.RecordedRequest) {
		mu.Lock()
		defer mu.Unlock()
		now := time.Now()
		if d := now.Sub(lastAnswer); !lastAnswer.IsZero() && d > res.silent {
			res.silent = d
		}
		lastAnswer = now
		switch {
		case r.Status == http.StatusOK && now.Before(end):
			res.accepted++
		case r.Status == http.StatusTooManyRequests:
			res.all429++
			if now.Sub(start) > window {
				res.late429++
			}
		}
	}
	s, c := fakeClient(t, []apitest.Option{apitest.WithRateLimit(limit, window), apitest.WithRequestObserver(observer)},
		api.WithRateLimit(limit, window), api.WithMaxRateLimitWait(2*window))
	s.AdvanceClock(skew)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for time.Now().Before(end) {
				_, _, err := c.Me.Get(t.Context())
				var rle *api.RateLimitError
				switch {
				case errors.As(err, &rle):
					time.Sleep(max(min(time.Until(rle.Reset), time.Until(end)), time.Millisecond))
				case err != nil:
					t.Errorf("call: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if d := end.Sub(lastAnswer); d > res.silent {
		res.silent = d
	}
	// A window of the fake's lasts window from the first request after the
	// previous one ended: at best one window's worth in each window of the
	// run.
	res.allowance = float64(res.accepted) / float64(limit*windows)
	return res
}

// TestPacingUnderClockSkew: whatever the offset of the server's clock
// (within a window either way), a run of calls uses at least 90% of the
// allowance and meets at most one window's worth of 429s after the first
// window; the client never goes silent for longer than a window while the
// server would accept.
func TestPacingUnderClockSkew(t *testing.T) {
	const limit, window, windows = 20, 5 * time.Second, 12
	for _, f := range append(skews, -24) { // and the server 2 minutes behind
		t.Run(fmt.Sprint(f), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := skewRun(t, time.Duration(f*float64(window)), limit, window, windows)
				t.Logf("skew %+.2f windows: %d accepted, %.1f%% of the allowance, %d 429s (%d after the first window), longest silence %v",
					f, r.accepted, 100*r.allowance, r.all429, r.late429, r.silent)
				if os.Getenv("SKEW_REPORT") == "1" {
					fmt.Printf("skew-report limiter=local skew=%g allowance=%.4f all429=%d late429=%d\n", f, r.allowance, r.all429, r.late429)
				}
				if r.allowance < 0.9 {
					t.Errorf("used %.1f%% of the allowance, want at least 90%%", 100*r.allowance)
				}
				if r.late429 > limit {
					t.Errorf("%d 429s after the first window, want at most %d", r.late429, limit)
				}
				if r.silent > window+window/10 {
					t.Errorf("no request for %v, longer than a window", r.silent)
				}
			})
		})
	}
}

// BenchmarkSkew reports, as custom metrics, the share of the allowance
// used and the 429s after the first window for each clock skew of
// TestPacingUnderClockSkew. The figures come from synctest runs, whose
// clock is fake, so the benchmark runs the test in a child process of this
// test binary and reads its report lines; ns/op is the cost of simulating
// them all.
func BenchmarkSkew(b *testing.B) {
	reports := map[string][3]float64{}
	for b.Loop() {
		cmd := exec.Command(os.Args[0], "-test.run=^TestPacingUnderClockSkew$", "-test.v", "-test.count=1")
		cmd.Env = append(os.Environ(), "SKEW_REPORT=1")
		out, _ := cmd.CombinedOutput() // a failed skew still reports its figures
		for _, m := range regexp.MustCompile(`skew-report limiter=local skew=(\S+) allowance=([0-9.]+) all429=([0-9]+) late429=([0-9]+)`).FindAllSubmatch(out, -1) {
			var r [3]float64
			for i := range r {
				r[i], _ = strconv.ParseFloat(string(m[i+2]), 64)
			}
			reports[string(m[1])] = r
		}
		if len(reports) == 0 {
			b.Fatalf("no report in:\n%s", out)
		}
	}
	for _, f := range skews {
		r, ok := reports[fmt.Sprint(f)]
		if !ok {
			b.Fatalf("no report for skew %v", f)
		}
		b.Run(fmt.Sprintf("skew=%+g", f), func(b *testing.B) {
			for b.Loop() {
			}
			b.ReportMetric(100*r[0], "%allowance")
			b.ReportMetric(r[1], "429s")
			b.ReportMetric(r[2], "late-429s")
		})
	}
}
