package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

const module = "github.com/chatwork-go/chatwork"

// bench names a benchmark: its package (relative to the module) and full
// name with sub-benchmarks, without the -GOMAXPROCS suffix.
type bench struct{ pkg, name string }

// pkgPath returns the import path of the benchmark's package.
func (b bench) pkgPath() string { return module + "/" + b.pkg }

// targetKind says how a figure is judged.
type targetKind int

const (
	noTarget targetKind = iota
	ratioAtMost
	atMost
	atLeast
)

// figure is one row of the table.
type figure struct {
	id     string // the item of the issue: a to f
	what   string
	unit   string // the go test unit: ns/op, B/op, allocs/op or a custom one
	api    bench
	base   *bench // the hand-written baseline, if the figure has one
	kind   targetKind
	target float64

	// paired is set when api is a benchmark that alternates the api and
	// baseline calls (internal/bench's interleave): the row then shows its
	// api-ns/call, baseline-ns/call and api/baseline metrics.
	paired bool
}

// figures are the rows of the table, in the order of the issue.
var figures = func() []figure {
	var fs []figure
	// add appends rows of a benchmark of internal/bench with the
	// sub-benchmarks client=api and client=baseline, one per unit.
	add := func(id, what, name string, units ...string) {
		a := bench{"internal/bench", name + "/client=api"}
		b := &bench{"internal/bench", name + "/client=baseline"}
		for _, u := range units {
			fs = append(fs, figure{id: id, what: what, unit: u, api: a, base: b})
		}
	}
	judge := func(kind targetKind, target float64) {
		fs[len(fs)-1].kind, fs[len(fs)-1].target = kind, target
	}

	// pairedTime appends the time row of an interleaved benchmark.
	pairedTime := func(what, name string) {
		fs = append(fs, figure{id: "a", what: what, unit: "ns/op", api: bench{"internal/bench", name},
			paired: true, kind: ratioAtMost, target: 1.15})
	}
	pairedTime("post a message (loopback)", "BenchmarkPostMessageInterleaved")
	add("a", "post a message (loopback)", "BenchmarkPostMessage", "allocs/op")
	judge(ratioAtMost, 1.5)
	add("a", "post a message (loopback)", "BenchmarkPostMessage", "B/op")
	pairedTime("list 100 messages (loopback)", "BenchmarkListMessages100Interleaved")
	add("a", "list 100 messages (loopback)", "BenchmarkListMessages100", "allocs/op")
	judge(ratioAtMost, 1.5)
	add("a", "list 100 messages (loopback)", "BenchmarkListMessages100", "B/op")
	add("a", "post a message (in memory: client only)", "BenchmarkPostMessageInMemory", "ns/op", "allocs/op")
	add("b", "createRoom form body, every field", "BenchmarkCreateRoomForm", "ns/op", "allocs/op", "B/op")
	add("b", "createRoom request, every field", "BenchmarkCreateRoomRequest", "ns/op", "allocs/op")

	fs = append(fs,
		figure{id: "c", what: "validate response: GET /me 200", unit: "ns/op",
			api: bench{"conformance", "BenchmarkValidateResponse/getMe"}, kind: atMost, target: 15000},
		figure{id: "c", what: "validate response: GET /me 200", unit: "allocs/op",
			api: bench{"conformance", "BenchmarkValidateResponse/getMe"}},
		figure{id: "c", what: "validate response: 100 messages", unit: "ns/op",
			api: bench{"conformance", "BenchmarkValidateResponse/listMessages100"}},
		figure{id: "d", what: "pacing: share of the allowance used", unit: "%allowance",
			api: bench{"api", "BenchmarkPacing"}, kind: atLeast, target: 97},
		figure{id: "d", what: "pacing: 429s received", unit: "429s",
			api: bench{"api", "BenchmarkPacing"}, kind: atMost, target: 0},
		figure{id: "e", what: "fake server, parallel, validation on", unit: "req/s",
			api: bench{"api/apitest", "BenchmarkServerParallel"}, kind: atLeast, target: 10000},
	)
	add("f", "decode 100 messages (from memory)", "BenchmarkDecodeMessages100", "ns/op", "allocs/op", "B/op")

	shared := bench{"api/redislimit", "BenchmarkReplicas/limiter=shared"}
	local := bench{"api/redislimit", "BenchmarkReplicas/limiter=local"}
	fs = append(fs,
		figure{id: "g", what: "4 replicas, shared limiter (Redis): 429s", unit: "429s", api: shared, kind: atMost, target: 0},
		figure{id: "g", what: "4 replicas, shared limiter (Redis): allowance", unit: "%allowance", api: shared, kind: atLeast, target: 95},
		figure{id: "g", what: "4 replicas, shared limiter (Redis): time wasted", unit: "wasted-s", api: shared},
		figure{id: "g", what: "4 replicas, local limiters only: 429s", unit: "429s", api: local},
		figure{id: "g", what: "4 replicas, local limiters only: allowance", unit: "%allowance", api: local},
		figure{id: "g", what: "4 replicas, local limiters only: time wasted", unit: "wasted-s", api: local},
	)
	for _, mode := range []string{"redis", "local"} {
		what := map[string]string{"redis": "limiter cost per call: Redis on loopback", "local": "limiter cost per call: in-memory"}[mode]
		for _, u := range []string{"ns/op", "allocs/op", "B/op"} {
			fs = append(fs, figure{id: "g", what: what, unit: u, api: bench{"api/redislimit", "BenchmarkLimiterCall/limiter=" + mode}})
		}
	}
	// Skews of the server's clock, as TestPacingUnderClockSkew runs them
	// (pacingtest.Skews), for the in-memory and the shared limiter.
	for _, lim := range []struct {
		name, bench string
		limit       float64
	}{{"in-memory", "api BenchmarkSkew", 20}, {"Redis", "api/redislimit BenchmarkSkewShared", 10}} {
		pkg, name, _ := strings.Cut(lim.bench, " ")
		for _, f := range []string{"-0.9", "-0.4", "-0.1", "-0.01", "+0", "+0.01", "+0.1", "+0.4", "+0.9"} {
			b := bench{pkg, name + "/skew=" + f}
			what := "server clock " + f + " window, " + lim.name + ": "
			fs = append(fs,
				figure{id: "h", what: what + "allowance", unit: "%allowance", api: b, kind: atLeast, target: 90},
				figure{id: "h", what: what + "429s after the first window", unit: "late-429s", api: b, kind: atMost, target: lim.limit},
				figure{id: "h", what: what + "429s in all", unit: "429s", api: b},
			)
		}
	}
	in := bench{"api/intake", "BenchmarkIntake"}
	fs = append(fs,
		figure{id: "i", what: "intake: webhook into the stream at 1,000/s (loopback, Redis): p99", unit: "p99-ms", api: in, kind: atMost, target: 5},
		figure{id: "i", what: "intake: webhook into the stream at 1,000/s (loopback, Redis): p50", unit: "p50-ms", api: in},
		figure{id: "i", what: "intake: webhook into the stream at 1,000/s (loopback, Redis): answered 200", unit: "%ok", api: in, kind: atLeast, target: 100},
	)
	return fs
}()

// row is a figure with its measurements and verdict.
type row struct {
	figure
	api, base stat
	ratio     float64 // api/baseline, 0 without a baseline
	ratioStat stat    // the ratios of the rounds, for a paired figure
	verdict   string  // PASS, MISS, "" (no target) or "no data"
}

type table struct {
	rows            []row
	misses, missing int
}

func buildTable(res results) table {
	var t table
	for _, f := range figures {
		r := row{figure: f}
		pkg := f.api.pkgPath()
		switch {
		case f.paired:
			r.api = res.get(pkg, f.api.name, "api-ns/call")
			r.base = res.get(pkg, f.api.name, "baseline-ns/call")
			r.ratioStat = res.get(pkg, f.api.name, "api/baseline")
			r.ratio = r.ratioStat.median
		default:
			r.api = res.get(pkg, f.api.name, f.unit)
			if f.base != nil {
				r.base = res.get(f.base.pkgPath(), f.base.name, f.unit)
				if r.base.median != 0 {
					r.ratio = r.api.median / r.base.median
				}
			}
		}
		hasBase := f.paired || f.base != nil
		if r.api.n == 0 || (hasBase && (r.base.n == 0 || r.ratio == 0)) {
			r.verdict = "no data"
			t.missing++
		}
		if r.verdict == "" && f.kind != noTarget {
			v := r.api.median
			if f.kind == ratioAtMost {
				v = r.ratio
			}
			ok := (f.kind == atLeast && v >= f.target) || (f.kind != atLeast && v <= f.target)
			if ok {
				r.verdict = "PASS"
			} else {
				r.verdict = "MISS"
				t.misses++
			}
		}
		t.rows = append(t.rows, r)
	}
	return t
}

// benchRegexp returns the -bench pattern that selects the benchmarks of
// the figures: their top-level names, whatever the package.
func benchRegexp() string {
	var names []string
	seen := map[string]bool{}
	for _, f := range figures {
		for _, b := range []*bench{&f.api, f.base} {
			if b == nil {
				continue
			}
			top, _, _ := strings.Cut(b.name, "/")
			if !seen[top] {
				seen[top] = true
				names = append(names, top)
			}
		}
	}
	return "^(" + strings.Join(names, "|") + ")$"
}

// render formats the table and its notes as Markdown. cfg holds the
// configuration lines of the benchmark output (benchtable-* describe the
// run); raw names the file of that output.
func render(t table, cfg map[string]string, raw string) string {
	var sb strings.Builder
	sb.WriteString("\n## Performance figures\n\n")
	if v := cfg["benchtable-go"]; v != "" {
		cpu := cfg["benchtable-cpu"]
		if cpu == "" || cpu == "unknown" {
			cpu = cfg["cpu"]
		}
		fmt.Fprintf(&sb, "%s, %s, %s cores; %s; median of %s rounds of -benchtime=%s (%s in all).\n",
			v, cpu, cfg["benchtable-cores"], cfg["benchtable-date"], cfg["benchtable-rounds"], cfg["benchtable-benchtime"], cfg["benchtable-took"])
		fmt.Fprintf(&sb, "Load average before: %s, after: %s.\n\n", cfg["benchtable-load-before"], cfg["benchtable-load-after"])
	} else if cpu := cfg["cpu"]; cpu != "" {
		fmt.Fprintf(&sb, "%s/%s, %s.\n\n", cfg["goos"], cfg["goarch"], cpu)
	}

	header := []string{"", "figure", "unit", "measured", "baseline", "ratio", "target", "result"}
	cells := [][]string{header}
	for _, r := range t.rows {
		c := []string{r.id, r.what, unitName(r.unit), formatStat(r.unit, r.api), "", "", formatTarget(r.figure), r.verdict}
		if r.paired || r.figure.base != nil {
			c[4] = formatStat(r.unit, r.base)
			if r.ratio != 0 {
				unit := "×"
				if r.kind == ratioAtMost {
					unit = "×3" // three decimals, so a ratio just over its target does not print as equal to it
				}
				c[5] = formatValue(unit, r.ratio)
				if r.paired {
					c[5] = formatStat(unit, r.ratioStat)
				}
			}
		}
		if r.verdict == "" {
			c[7] = "—"
		}
		cells = append(cells, c)
	}
	writeMarkdown(&sb, cells)

	sb.WriteString("\nNotes:\n")
	for _, n := range notes {
		sb.WriteString("- " + n + "\n")
	}
	if raw != "" {
		fmt.Fprintf(&sb, "- Raw output: %s (benchstat %s; benchstat -col /client %s).\n", raw, raw, raw)
	}
	fmt.Fprintf(&sb, "\n%d targets missed; %d figures without data.\n", t.misses, t.missing)
	return sb.String()
}

var notes = []string{
	"measured: package api (a, b, f), conformance (c), api's pacing (d, h), api/apitest (e), api/redislimit (g), api/intake (i); baseline: the hand-written client of internal/bench; ratio: measured/baseline.",
	"a: both clients call the same httptest.Server over loopback TCP, a handler answering canned Chatwork bodies with x-ratelimit-* headers, each through its own *http.Transport with the same settings (keep-alive, 100 idle connections per host); one call before the measurement opens the connection.",
	"a: the api client is configured as a user would (api.NewClient with its defaults: pacing, retries, default User-Agent and logger) with a big budget, api.WithRateLimit and api.WithRoomPostLimit of 10,000 per 20 ms, the limit the server reports, so pacing never waits (the benchmark fails if calls come near it).",
	"a: time/op comes from the Interleaved benchmarks, which alternate an api call and a baseline call (in alternating order) and time each, so both meet the same moments of machine load; api/baseline is the ratio of their total times. B/op and allocs/op come from separate runs of each client (sub-benchmarks client=api and client=baseline).",
	"a: baseline is internal/bench.Baseline: url.Values form, X-ChatWorkToken, http.Client.Do, encoding/json into small structs. The in-memory row answers from a RoundTripper, without network or server: each client's own cost.",
	"b: api builds gen.CreateRoomFormdataRequestBody as Rooms.Create does (wire.JoinIDs, wire.FlagOf) and encodes it with runtime.MarshalForm, as the generated client does; the request row adds gen.NewCreateRoomRequestWithFormdataBody. Baseline: url.Values and http.NewRequest.",
	"c: conformance.Validator.ValidateResponse, operation lookup included (BenchmarkValidateResponse in ./conformance).",
	"d: the synctest simulation of 1,000 posts to 5 rooms (BenchmarkPacing in ./api, from TestPacingUsesTheWholeAllowance): a fake clock, so the figures do not depend on the machine's speed, only a little on goroutine scheduling.",
	"e: BenchmarkServerParallel in ./api/apitest: GET /me through the in-memory transport with validation on, b.RunParallel with GOMAXPROCS goroutines.",
	"g: BenchmarkReplicas in ./api/redislimit: 4 clients, each with its own *http.Transport and its own limiter, send 1,000 posts to 5 rooms of one account (16 goroutines) to the fake served over loopback HTTP, its budgets scaled 1/125 in time (300 per 2.4 s, 10 per 80 ms per room). shared: one redislimit.Limiter per client on one redis-server; local: pacing.NewLocal per client. allowance: the best possible time under the budgets over the time taken; wasted: the difference, in seconds. Runs once per round.",
	"g: BenchmarkLimiterCall: one Wait and one Observe (a post, with 200's headers) on budgets that never wait; Redis: two round trips to a redis-server on loopback; in-memory: package api's default limiter.",
	"h: BenchmarkSkew in ./api: the synctest runs of TestPacingUnderClockSkew, one per offset of the fake's clock from the client's (a fraction of the window; negative: the server behind): 4 goroutines call Me.Get for 12 windows of a budget of 20 per 5 s (the fake's and the client's). BenchmarkSkewShared in ./api/redislimit: the same with 2 replicas on one redis-server, the fake over loopback HTTP, in real time, 6 windows of 10 per second. allowance: requests accepted during the run over a window's worth per window; 429s after the first window: at most one window's worth.",
	"i: BenchmarkIntake in ./api/intake: 2,000 signed message_created deliveries sent open loop at 1,000 per second (each at its time, answered or not) over loopback HTTP to intake.Stream.Handler, which verifies, deduplicates and adds each to a redis-server on loopback before answering 200; the load generator shares the machine. Runs once per round.",
	"f: api = what api's Client.call does with a body (io.ReadAll, json.Unmarshal into []api.Message); baseline = json.Decoder into []Message.",
	"Figures are medians; ±N% is the largest deviation of a round from the median. Rounds run api and baseline back to back, so load from other processes affects both.",
}

func unitName(u string) string {
	switch u {
	case "ns/op":
		return "time/op"
	case "%allowance":
		return "% used"
	case "wasted-s":
		return "time"
	case "p50-ms", "p99-ms":
		return "latency"
	case "%ok":
		return "% answered"
	}
	return u
}

// formatStat formats a median with its spread.
func formatStat(unit string, s stat) string {
	if s.n == 0 {
		return "—"
	}
	v := formatValue(unit, s.median)
	if s.n > 1 && s.spread >= 0.005 {
		v += fmt.Sprintf(" ±%.0f%%", math.Max(1, math.Round(100*s.spread)))
	}
	return v
}

func formatValue(unit string, v float64) string {
	switch unit {
	case "ns/op":
		switch {
		case v < 1e3:
			return fmt.Sprintf("%.0f ns", v)
		case v < 1e6:
			return fmt.Sprintf("%.1f µs", v/1e3)
		case v < 1e9:
			return fmt.Sprintf("%.2f ms", v/1e6)
		}
		return fmt.Sprintf("%.2f s", v/1e9)
	case "B/op":
		if v < 1024 {
			return fmt.Sprintf("%.0f B", v)
		}
		return fmt.Sprintf("%.1f KiB", v/1024)
	case "%allowance", "%ok":
		return fmt.Sprintf("%.1f %%", v)
	case "p50-ms", "p99-ms":
		return fmt.Sprintf("%.2f ms", v)
	case "wasted-s":
		return fmt.Sprintf("%.2f s", v)
	case "×":
		return fmt.Sprintf("%.2f×", v)
	case "×3":
		return fmt.Sprintf("%.3f×", v)
	case "allocs/op", "429s", "late-429s", "req/s":
		return thousands(int64(math.Round(v)))
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

func formatTarget(f figure) string {
	switch f.kind {
	case ratioAtMost:
		return fmt.Sprintf("≤ %.2f×", f.target)
	case atMost:
		if f.target == 0 {
			return "0"
		}
		return "≤ " + formatValue(f.unit, f.target)
	case atLeast:
		return "≥ " + formatValue(f.unit, f.target)
	}
	return "—"
}

// thousands formats n with comma separators.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// writeMarkdown writes cells as a Markdown table with aligned columns;
// the first row is the header.
func writeMarkdown(sb *strings.Builder, cells [][]string) {
	width := make([]int, len(cells[0]))
	for _, row := range cells {
		for i, c := range row {
			width[i] = max(width[i], len([]rune(c)))
		}
	}
	line := func(row []string) {
		sb.WriteString("|")
		for i, c := range row {
			sb.WriteString(" " + c + strings.Repeat(" ", width[i]-len([]rune(c))) + " |")
		}
		sb.WriteString("\n")
	}
	line(cells[0])
	sep := make([]string, len(width))
	for i, w := range width {
		sep[i] = strings.Repeat("-", w)
	}
	line(sep)
	for _, row := range cells[1:] {
		line(row)
	}
}
