package main

import (
	"strings"
	"testing"
)

// sample is go test output of two rounds, trimmed to a few figures.
const sample = `benchtable-go: go1.26.8 linux/amd64
benchtable-cpu: Test CPU @ 2.00GHz
benchtable-cores: 2
benchtable-date: 2026-11-22T03:26:00Z
benchtable-rounds: 2
benchtable-benchtime: 500ms
benchtable-load-before: 0.71 1.56 2.03
goos: linux
goarch: amd64
pkg: github.com/chatwork-go/chatwork/internal/bench
cpu: Test CPU @ 2.00GHz
BenchmarkPostMessage/client=api-2         	    9051	     50000 ns/op	     52000 cpu-ns/op	   11239 B/op	     135 allocs/op
BenchmarkPostMessage/client=baseline-2    	    8454	     40000 ns/op	     41000 cpu-ns/op	    8987 B/op	     111 allocs/op
BenchmarkDecodeMessages100/client=api-2   	    1550	    400000 ns/op	  60.00 MB/s	  110040 B/op	     457 allocs/op
BenchmarkPostMessageInterleaved-2         	    5074	    120000 ns/op	     66000 api-ns/call	         1.20 api/baseline	     55000 baseline-ns/call	   20231 B/op	     246 allocs/op
PASS
ok  	github.com/chatwork-go/chatwork/internal/bench	12.641s
goos: linux
goarch: amd64
pkg: github.com/chatwork-go/chatwork/conformance
cpu: Test CPU @ 2.00GHz
BenchmarkValidateResponse/getMe-2         	   21986	     12000 ns/op	  16.59 MB/s	    4816 B/op	      64 allocs/op
pkg: github.com/chatwork-go/chatwork/api
BenchmarkPacing-2   	       1	  94531860 ns/op	        99.76 %allowance	         0 429s	   18600 B/op	      91 allocs/op
--- FAIL: BenchmarkSomething
pkg: github.com/chatwork-go/chatwork/internal/bench
BenchmarkPostMessage/client=api-2         	    9051	     60000 ns/op	   11239 B/op	     135 allocs/op
BenchmarkPostMessage/client=baseline-2    	    8454	     44000 ns/op	    8987 B/op	     111 allocs/op
BenchmarkPostMessageInterleaved-2         	    5074	    120000 ns/op	     60000 api-ns/call	         1.30 api/baseline	     46000 baseline-ns/call	   20231 B/op	     246 allocs/op
BenchmarkPostMessageInterleaved-2         	    5074	    120000 ns/op	     63000 api-ns/call	         1.26 api/baseline	     50000 baseline-ns/call	   20231 B/op	     246 allocs/op
benchtable-load-after: 1.35 1.55 1.99
benchtable-took: 1m16s
`

func TestParse(t *testing.T) {
	res := parse(strings.NewReader(sample))
	if res.config["cpu"] != "Test CPU @ 2.00GHz" || res.config["benchtable-cores"] != "2" {
		t.Errorf("config %q", res.config)
	}
	const bench = module + "/internal/bench"
	if s := res.get(bench, "BenchmarkPostMessage/client=api", "ns/op"); s.n != 2 || s.median != 55000 || s.spread < 0.09 || s.spread > 0.091 {
		t.Errorf("api ns/op %+v, want 2 runs, median 55000, spread 1/11", s)
	}
	if s := res.get(bench, "BenchmarkPostMessage/client=api", "cpu-ns/op"); s.n != 1 || s.median != 52000 {
		t.Errorf("cpu-ns/op %+v", s)
	}
	if s := res.get(bench, "BenchmarkDecodeMessages100/client=api", "MB/s"); s.median != 60 {
		t.Errorf("MB/s %+v", s)
	}
	if s := res.get(module+"/api", "BenchmarkPacing", "%allowance"); s.median != 99.76 {
		t.Errorf("%%allowance %+v", s)
	}
	if s := res.get(module+"/api", "BenchmarkPacing", "429s"); s.n != 1 || s.median != 0 {
		t.Errorf("429s %+v", s)
	}
	if s := res.get(module+"/conformance", "BenchmarkPostMessage/client=api", "ns/op"); s.n != 0 {
		t.Errorf("a benchmark of another package matched: %+v", s)
	}
}

func TestTable(t *testing.T) {
	tb := buildTable(parse(strings.NewReader(sample)))
	verdict := func(id, what, unit string) row {
		t.Helper()
		for _, r := range tb.rows {
			if r.id == id && strings.HasPrefix(r.what, what) && r.unit == unit {
				return r
			}
		}
		t.Fatalf("no row %s %s %s", id, what, unit)
		return row{}
	}
	// The paired benchmark's ratios 1.20, 1.30, 1.26: median 1.26, over 1.15.
	if r := verdict("a", "post", "ns/op"); r.verdict != "MISS" || r.ratio != 1.26 || r.api.median != 63000 || r.base.median != 50000 {
		t.Errorf("post time: %s, ratio %.3f, api %v, baseline %v", r.verdict, r.ratio, r.api.median, r.base.median)
	}
	// 135/111 from the separate runs.
	if r := verdict("a", "post", "allocs/op"); r.ratio < 1.216 || r.ratio > 1.217 {
		t.Errorf("post allocs ratio %.3f", r.ratio)
	}
	if r := verdict("a", "post", "allocs/op"); r.verdict != "PASS" {
		t.Errorf("post allocs: %s", r.verdict)
	}
	if r := verdict("a", "post", "B/op"); r.verdict != "" {
		t.Errorf("post B/op has no target, got %s", r.verdict)
	}
	if r := verdict("c", "validate response: GET /me", "ns/op"); r.verdict != "PASS" {
		t.Errorf("validation: %s", r.verdict)
	}
	if r := verdict("d", "pacing: share", "%allowance"); r.verdict != "PASS" {
		t.Errorf("pacing: %s", r.verdict)
	}
	if r := verdict("d", "pacing: 429s", "429s"); r.verdict != "PASS" {
		t.Errorf("429s: %s", r.verdict)
	}
	// No baseline run of the decode benchmark, no server benchmark.
	if r := verdict("f", "decode", "ns/op"); r.verdict != "no data" {
		t.Errorf("decode without a baseline: %s", r.verdict)
	}
	if r := verdict("e", "fake server", "req/s"); r.verdict != "no data" {
		t.Errorf("server: %s", r.verdict)
	}
	if tb.misses != 1 {
		t.Errorf("%d misses, want 1", tb.misses)
	}

	out := render(tb, parse(strings.NewReader(sample)).config, "bench.out")
	for _, want := range []string{
		"| a | post a message (loopback)",
		"63.0 µs ±5%",
		"1.260× ±5%",
		"≤ 1.15×",
		"MISS",
		"≥ 10,000",
		"99.8 %",
		"no data",
		"go1.26.8 linux/amd64, Test CPU @ 2.00GHz, 2 cores; 2026-11-22T03:26:00Z; median of 2 rounds of -benchtime=500ms (1m16s in all).",
		"Load average before: 0.71 1.56 2.03, after: 1.35 1.55 1.99.",
		"Raw output: bench.out",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}

func TestBenchRegexp(t *testing.T) {
	re := benchRegexp()
	for _, name := range []string{"BenchmarkPostMessage", "BenchmarkValidateResponse", "BenchmarkPacing", "BenchmarkServerParallel", "BenchmarkDecodeMessages100"} {
		if !strings.Contains(re, "|"+name+"|") && !strings.Contains(re, "("+name+"|") && !strings.Contains(re, "|"+name+")") {
			t.Errorf("%s lacks %s", re, name)
		}
	}
	if strings.Count(re, "BenchmarkPostMessage|") != 1 {
		t.Errorf("duplicate names in %s", re)
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 72387: "72,387", 1234567: "1,234,567", -4200: "-4,200"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}
