// Package pacingtest runs the scenarios the limiters of package pacing
// and redislimit are measured with, for their tests and benchmarks: calls
// against the fake (api/apitest) whose clock is off from the client's.
// Only tests import it.
package pacingtest

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
	"time"

	"github.com/chatwork-go/chatwork/api"
	"github.com/chatwork-go/chatwork/api/apitest"
)

// Skews are the offsets of the server's clock from the client's, as
// fractions of the account's window (negative: the server behind), that
// pacing must live with.
var Skews = []float64{-0.9, -0.4, -0.1, -0.01, 0, 0.01, 0.1, 0.4, 0.9}

// SkewRun describes a run: Limit requests per Window for the account (the
// fake's and the client's), for Windows windows, the fake's clock off by
// Skew. Fake starts the fake with the options given (its budget and the
// run's observer); Client makes a client of it, once per replica
// (Replicas, 1 when 0), each a process of its own.
//
// Latency is, for a run in real time, how much the machine may add to
// each of the limiter's pauses between windows: a limiter counts a window
// from the answer that told of it, so the answer's way back, the
// limiter's calls to Redis and the wake-ups of a busy machine come on
// top of the window. It is 0 under synctest, where they take no time.
type SkewRun struct {
	Limit    int
	Window   time.Duration
	Windows  int
	Skew     time.Duration
	Replicas int
	Latency  time.Duration
	Fake     func(opts ...apitest.Option) *apitest.Server
	Client   func(s *apitest.Server, opts ...api.Option) *api.Client
}

// SkewResult is what a run measured.
type SkewResult struct {
	Accepted  int           // requests the server accepted during the run
	Allowance float64       // Accepted over the most the server would accept in the run
	All429    int           // 429s
	Late429   int           // 429s after the first window
	Silence   time.Duration // the longest time without an answer
}

// Run has 4 goroutines, spread over the replicas, call Me.Get until the
// run ends. A call refused by pacing waits until the reset it was told, as
// a program would.
func (r SkewRun) Run(t testing.TB) SkewResult {
	t.Helper()
	var mu sync.Mutex
	var res SkewResult
	var start, end, last time.Time // set once the fake and the clients are ready
	observer := func(rec apitest.RecordedRequest) {
		mu.Lock()
		defer mu.Unlock()
		now := time.Now()
		res.Silence = max(res.Silence, now.Sub(last))
		last = now
		switch {
		case rec.Status == http.StatusOK && now.Before(end):
			res.Accepted++
		case rec.Status == http.StatusTooManyRequests:
			res.All429++
			if now.Sub(start) > r.Window {
				res.Late429++
			}
		}
	}
	s := r.Fake(apitest.WithRateLimit(r.Limit, r.Window), apitest.WithRequestObserver(observer))
	s.AdvanceClock(r.Skew)
	clients := make([]*api.Client, max(r.Replicas, 1))
	for i := range clients {
		clients[i] = r.Client(s, api.WithRateLimit(r.Limit, r.Window), api.WithMaxRateLimitWait(2*r.Window))
	}
	// The run starts now: starting a fake and its clients takes real time
	// (hundreds of milliseconds under the race detector on a busy
	// machine), which is no silence of the limiter's.
	mu.Lock()
	start = time.Now()
	end = start.Add(time.Duration(r.Windows) * r.Window)
	last = start
	mu.Unlock()
	var wg sync.WaitGroup
	for i := range 4 {
		c := clients[i%len(clients)]
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
	res.Silence = max(res.Silence, end.Sub(last))
	// A window of the fake's lasts Window from the first request after the
	// previous one ended: at best one window's worth in each window of the
	// run.
	res.Allowance = float64(res.Accepted) / float64(r.Limit*r.Windows)
	return res
}

// Check fails t unless the run used at least 90% of the allowance, met at
// most a window's worth of 429s after the first window, and never went
// silent for longer than a window (and a tenth, and the Latency) while the
// server would accept.
//
// With a Latency, the allowance is that of a server whose windows last a
// window and the Latency: a limiter that waits out each window and no more
// sends a burst every Window+Latency at worst, so the run holds
// ceil(Windows*Window / (Window+Latency)) of them. A limiter that misses a
// window is silent for two and still fails both checks.
func (r SkewRun) Check(t testing.TB, res SkewResult) {
	t.Helper()
	if r.Latency == 0 {
		if res.Allowance < 0.9 {
			t.Errorf("used %.1f%% of the allowance, want at least 90%%", 100*res.Allowance)
		}
	} else {
		run := time.Duration(r.Windows) * r.Window
		bursts := int((run + r.Window + r.Latency - 1) / (r.Window + r.Latency))
		if want := 0.9 * float64(r.Limit*bursts); float64(res.Accepted) < want {
			t.Errorf("%d accepted, want at least %.0f (90%% of %d windows of %d: one every %v in %v)",
				res.Accepted, want, bursts, r.Limit, r.Window+r.Latency, run)
		}
	}
	if res.Late429 > r.Limit {
		t.Errorf("%d 429s after the first window, want at most %d", res.Late429, r.Limit)
	}
	if bound := r.Window + r.Window/10 + r.Latency; res.Silence > bound {
		t.Errorf("no answer for %v, longer than a window (bound %v)", res.Silence, bound)
	}
}

// Report is the line a run prints for BenchmarkSkew to read.
func Report(limiter string, skew float64, res SkewResult) string {
	return fmt.Sprintf("skew-report limiter=%s skew=%g allowance=%.4f all429=%d late429=%d", limiter, skew, res.Allowance, res.All429, res.Late429)
}

var reportLine = regexp.MustCompile(`skew-report limiter=(\S+) skew=(\S+) allowance=([0-9.]+) all429=([0-9]+) late429=([0-9]+)`)

// ReadReports reads the report lines of the limiter in out: by skew (as
// fmt.Sprint prints it), the allowance used, the 429s and the 429s after
// the first window.
func ReadReports(out []byte, limiter string) map[string][3]float64 {
	reports := map[string][3]float64{}
	for _, m := range reportLine.FindAllSubmatch(out, -1) {
		if string(m[1]) != limiter {
			continue
		}
		var r [3]float64
		for i := range r {
			r[i], _ = strconv.ParseFloat(string(m[i+3]), 64)
		}
		reports[string(m[2])] = r
	}
	return reports
}

// BenchSkews reports the figures of the skew runs of the test named test
// (a function of this test binary that prints Report lines for limiter
// when SKEW_REPORT=1) as sub-benchmarks skew=±f, one per skew, with the
// metrics %allowance, 429s and late-429s. The runs happen in a child
// process (synctest runs take no real time, and each round runs the test
// once); a skew that fails its test still reports its figures.
func BenchSkews(b *testing.B, test, limiter string) {
	var reports map[string][3]float64
	for b.Loop() {
		cmd := exec.Command(os.Args[0], "-test.run=^"+test+"$", "-test.v", "-test.count=1") //nolint:gosec // G204: this test binary, running one of its tests
		cmd.Env = append(os.Environ(), "SKEW_REPORT=1")
		out, _ := cmd.CombinedOutput()
		if reports = ReadReports(out, limiter); len(reports) == 0 {
			b.Fatalf("no report in:\n%s", out)
		}
	}
	bench(b, reports)
}

// Reporting reports whether a test runs for BenchSkews.
func Reporting() bool { return os.Getenv("SKEW_REPORT") == "1" }

// Overtaken returns, for the posts of a run (arrival and grant orders as
// sequence numbers), the most later arrivals that went before one post.
func Overtaken(arrival, grant []int) int {
	worst := 0
	for w := range arrival {
		n := 0
		for v := range arrival {
			if arrival[v] > arrival[w] && grant[v] < grant[w] {
				n++
			}
		}
		worst = max(worst, n)
	}
	return worst
}

// bench reports the figures of reports as sub-benchmarks.
func bench(b *testing.B, reports map[string][3]float64) {
	for _, f := range Skews {
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
