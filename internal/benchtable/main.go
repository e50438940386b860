// Command benchtable runs the project's benchmarks and prints the
// performance figures of the issue "make bench" side by side, in one
// Markdown table, each with its target and PASS or MISS.
//
// Run it from anywhere inside the module (make bench does):
//
//	go run ./internal/benchtable [-count 6] [-benchtime 500ms] [-o bench.out] [-strict] [-v]
//
// It runs
//
//	go test -run='^$' -bench='^(BenchmarkPostMessage|...)$' -benchmem -count=1 -benchtime=500ms \
//		./internal/bench ./conformance ./api/apitest ./api
//
// count times in a row (rounds) rather than once with -count=N: every
// round measures package api and the hand-written baseline one right
// after the other, so a change in the machine's load (a compiler starting
// next to the benchmark) hits both sides alike instead of one. The result
// is the same benchmark format as a single run with -count=N: the raw go
// test output of every round goes to the -o file, which benchstat reads
// (it needs 6 runs for a confidence interval, hence the default count):
//
//	benchstat bench.out
//	benchstat -col /client bench.out   # api against baseline
//
// The table shows the median of the rounds and the largest deviation of a
// round from it. Progress goes to stderr, the table to stdout. With -in
// FILE nothing is run: the table is made from FILE, the raw output of an
// earlier run.
//
// The exit status is 1 when a benchmark failed or a figure has no data,
// and, with -strict, when a figure misses its target; misses alone do not
// fail, since timings depend on the machine.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// packages are the packages whose benchmarks the table needs.
var packages = []string{"./internal/bench", "./conformance", "./api/apitest", "./api", "./api/redislimit", "./api/intake"}

func main() {
	count := flag.Int("count", 6, "rounds: how many times each benchmark runs (benchstat needs 6 for a confidence interval)")
	benchtime := flag.String("benchtime", "500ms", "go test -benchtime of each run")
	out := flag.String("o", "bench.out", "file for the raw benchmark output (benchstat format); empty for none")
	in := flag.String("in", "", "make the table from this raw output instead of running the benchmarks")
	strict := flag.Bool("strict", false, "exit with status 1 when a figure misses its target")
	verbose := flag.Bool("v", false, "copy the raw output to stderr as it comes")
	flag.Parse()
	if flag.NArg() > 0 || *count < 1 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*count, *benchtime, *out, *in, *strict, *verbose); err != nil {
		fmt.Fprintln(os.Stderr, "benchtable:", err)
		os.Exit(1)
	}
}

func run(count int, benchtime, outFile, inFile string, strict, verbose bool) error {
	var (
		raw    []byte
		runErr error
	)
	if inFile != "" {
		b, err := os.ReadFile(inFile)
		if err != nil {
			return err
		}
		raw = b
	} else {
		root, err := moduleRoot()
		if err != nil {
			return err
		}
		// The description of the run goes into the output as configuration
		// lines of the benchmark format, so a table made later with -in
		// (and benchstat) knows where the figures come from.
		var buf bytes.Buffer
		m := describeMachine()
		fmt.Fprintf(&buf, "benchtable-go: %s\nbenchtable-cpu: %s\nbenchtable-cores: %d\n", m.goVersion, m.cpu, m.cores)
		fmt.Fprintf(&buf, "benchtable-date: %s\nbenchtable-rounds: %d\nbenchtable-benchtime: %s\n",
			time.Now().UTC().Format(time.RFC3339), count, benchtime)
		fmt.Fprintf(&buf, "benchtable-load-before: %s\n", loadAverage())
		start := time.Now()
		out, err := runRounds(root, count, benchtime, verbose)
		buf.Write(out)
		runErr = err
		fmt.Fprintf(&buf, "benchtable-load-after: %s\nbenchtable-took: %s\n", loadAverage(), time.Since(start).Round(time.Second))
		raw = buf.Bytes()
		if outFile != "" {
			if err := os.WriteFile(outFile, raw, 0o644); err != nil {
				return err
			}
		}
	}

	res := parse(bytes.NewReader(raw))
	t := buildTable(res)
	src := inFile
	if src == "" {
		src = outFile
	}
	fmt.Print(render(t, res.config, src))

	var errs []error
	if runErr != nil {
		errs = append(errs, runErr)
	}
	if t.missing > 0 {
		errs = append(errs, fmt.Errorf("%d figures have no measurement: a benchmark is missing or failed", t.missing))
	}
	if strict && t.misses > 0 {
		errs = append(errs, fmt.Errorf("%d figures miss their targets", t.misses))
	}
	return errors.Join(errs...)
}

// runRounds runs go test over the packages count times and returns the
// concatenated output. A failed round is reported on stderr; the others
// still run.
func runRounds(root string, count int, benchtime string, verbose bool) ([]byte, error) {
	args := []string{"test", "-run=^$", "-bench=" + benchRegexp(), "-benchmem", "-count=1", "-benchtime=" + benchtime}
	args = append(args, packages...)
	fmt.Fprintf(os.Stderr, "benchtable: %d rounds of: go %s\n", count, strings.Join(args, " "))
	var all bytes.Buffer
	var failed []int
	for i := 1; i <= count; i++ {
		start := time.Now()
		var buf bytes.Buffer
		cmd := exec.Command("go", args...)
		cmd.Dir = root
		var w io.Writer = &buf
		if verbose {
			w = io.MultiWriter(&buf, os.Stderr)
		}
		cmd.Stdout, cmd.Stderr = w, w
		err := cmd.Run()
		all.Write(buf.Bytes())
		status := "ok"
		if err != nil {
			status = "FAILED: " + err.Error()
			failed = append(failed, i)
			if !verbose {
				_, _ = os.Stderr.Write(failureLines(buf.Bytes()))
			}
		}
		fmt.Fprintf(os.Stderr, "benchtable: round %d/%d %s (%.0fs, load %s)\n", i, count, status, time.Since(start).Seconds(), loadAverage())
	}
	if len(failed) > 0 {
		return all.Bytes(), fmt.Errorf("go test failed in rounds %v", failed)
	}
	return all.Bytes(), nil
}

// failureLines returns the lines of go test output that explain a
// failure: everything but benchmark results and headers.
func failureLines(out []byte) []byte {
	var b bytes.Buffer
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "Benchmark") || isConfigLine(line) || line == "PASS" || strings.HasPrefix(line, "ok ") {
			continue
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// moduleRoot returns the directory of the main module's go.mod.
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("not inside a Go module: run benchtable from the chatwork module")
	}
	return filepath.Dir(gomod), nil
}

// machine describes the computer the benchmarks run on.
type machine struct {
	goVersion string // as go version prints it, such as "go1.26.8 linux/amd64"
	cpu       string // the model name of /proc/cpuinfo
	cores     int
}

func describeMachine() machine {
	m := machine{cores: runtime.NumCPU(), cpu: "unknown"}
	if out, err := exec.Command("go", "version").Output(); err == nil {
		m.goVersion = strings.TrimPrefix(strings.TrimSpace(string(out)), "go version ")
	} else {
		m.goVersion = runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH
	}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.SplitSeq(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.cpu = strings.TrimSpace(v)
				break
			}
		}
	}
	return m
}

// loadAverage returns the 1-, 5- and 15-minute load averages, or "?".
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}
