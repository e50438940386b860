package main

import (
	"bufio"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// results holds every measurement of a benchmark output: for each
// benchmark (package path and name, the -GOMAXPROCS suffix removed) and
// unit, the values of all runs in order.
type results struct {
	values map[key]map[string][]float64
	config map[string]string // the configuration lines, such as cpu; the last value of each
}

type key struct{ pkg, name string }

var procSuffix = regexp.MustCompile(`-\d+$`)

// isConfigLine reports whether line is a "key: value" line of the
// benchmark format, such as "pkg: github.com/..." or "cpu: ...".
func isConfigLine(line string) bool {
	k, _, ok := strings.Cut(line, ":")
	return ok && k != "" && !strings.ContainsAny(k, " \t") && strings.ToLower(k[:1]) == k[:1]
}

// parse reads go test -bench output, as many packages and runs as it has.
func parse(r io.Reader) results {
	res := results{values: map[key]map[string][]float64{}, config: map[string]string{}}
	pkg := ""
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if isConfigLine(line) {
			k, v, _ := strings.Cut(line, ":")
			res.config[k] = strings.TrimSpace(v)
			if k == "pkg" {
				pkg = strings.TrimSpace(v)
			}
			continue
		}
		f := strings.Fields(line)
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") || len(f)%2 != 0 {
			continue
		}
		if _, err := strconv.Atoi(f[1]); err != nil {
			continue
		}
		k := key{pkg, procSuffix.ReplaceAllString(f[0], "")}
		m := res.values[k]
		if m == nil {
			m = map[string][]float64{}
			res.values[k] = m
		}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			m[f[i+1]] = append(m[f[i+1]], v)
		}
	}
	return res
}

// stat summarises the runs of one figure.
type stat struct {
	n      int
	median float64
	spread float64 // the largest deviation from the median, as a fraction of it
}

// get returns the summary of unit for the benchmark, n == 0 if absent.
func (r results) get(pkg, name, unit string) stat {
	vs := r.values[key{pkg, name}][unit]
	if len(vs) == 0 {
		return stat{}
	}
	s := append([]float64(nil), vs...)
	sort.Float64s(s)
	med := s[len(s)/2]
	if len(s)%2 == 0 {
		med = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	st := stat{n: len(s), median: med}
	if med != 0 {
		st.spread = max(med-s[0], s[len(s)-1]-med) / abs(med)
	}
	return st
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
