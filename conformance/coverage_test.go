package conformance_test

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// coverage records which operation answered with which status, and by
// which source ("fixtures", "fake").
type coverage struct {
	mu   sync.Mutex
	seen map[string]map[int]map[string]bool
}

func newCoverage() *coverage { return &coverage{seen: map[string]map[int]map[string]bool{}} }

func (c *coverage) add(source, op string, status int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seen[op] == nil {
		c.seen[op] = map[int]map[string]bool{}
	}
	if c.seen[op][status] == nil {
		c.seen[op][status] = map[string]bool{}
	}
	c.seen[op][status][source] = true
}

func (c *coverage) has(op string, status int) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.seen[op][status]) > 0
}

// table renders operation × status; each cell names the sources that
// exercised it (F fixtures, A the api package against the fake), "-" for a
// declared status nobody exercised, and is blank for undeclared ones.
func (c *coverage) table(ops []string, declared func(string) []int) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var all []int
	for _, op := range ops {
		for _, s := range declared(op) {
			if !slices.Contains(all, s) {
				all = append(all, s)
			}
		}
	}
	slices.Sort(all)
	var b strings.Builder
	fmt.Fprintf(&b, "%-22s", "operation")
	for _, s := range all {
		fmt.Fprintf(&b, " %4d", s)
	}
	b.WriteString("\n")
	for _, op := range ops {
		fmt.Fprintf(&b, "%-22s", op)
		d := declared(op)
		for _, s := range all {
			cell := ""
			switch {
			case !slices.Contains(d, s):
			case len(c.seen[op][s]) == 0:
				cell = "-"
			default:
				if c.seen[op][s]["fixtures"] {
					cell += "F"
				}
				if c.seen[op][s]["fake"] {
					cell += "A"
				}
			}
			fmt.Fprintf(&b, " %4s", cell)
		}
		b.WriteString("\n")
	}
	b.WriteString("F: recorded fixture, A: api package against apitest; - : declared but not exercised\n")
	return b.String()
}

// TestCoverage runs the fixtures and the api package against the fake
// server through the validating transport, then asserts that every
// operation and every declared status (default excluded) was exercised at
// least once. The table is logged; see it with -v.
func TestCoverage(t *testing.T) {
	cov := newCoverage()
	t.Run("fixtures", func(t *testing.T) { checkFixtures(t, loadFixtures(t), cov) })
	t.Run("fake", func(t *testing.T) { runFakeSuite(t, cov) })

	v := validator(t)
	ops := v.OperationIDs()
	if len(ops) != 32 {
		t.Errorf("the spec has %d operations, want 32", len(ops))
	}
	var missing []string
	for _, op := range ops {
		for _, s := range v.DeclaredStatuses(op) {
			if !cov.has(op, s) {
				missing = append(missing, op+" "+strconv.Itoa(s))
			}
		}
	}
	t.Logf("coverage (operation × status):\n%s", cov.table(ops, v.DeclaredStatuses))
	if len(missing) > 0 {
		t.Errorf("declared but never exercised: %s", strings.Join(missing, ", "))
	}
}
