package checks

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chatwork-go/chatwork/internal/budgets"
)

// budgetSource are the files that may write a budget's numbers: the spec
// and what go generate makes of it.
var budgetSource = []string{"openapi.yaml", "openapi.json", "gen/", "internal/embeddedspec/", "internal/budgets/"}

// TestBudgetsComeFromTheSpec: the rate limits live in openapi.yaml
// (x-chatwork-rate-limits) and reach the code through internal/budgets.
//
//   - No Go code gives a limit, window or budget a literal that is one of
//     the budgets' numbers (limit = 300, roomWindow: 10 * time.Second): it
//     reads internal/budgets.
//   - Prose (doc comments, help texts, Markdown) may say the budgets to
//     its reader, but what it says is the spec's: every "N ... per M
//     seconds/minutes" and "M-minute window" names a budget of the spec,
//     so that changing a budget in the spec lists every sentence to
//     change.
//
// Tests are not read: they scale budgets and count other rates.
func TestBudgetsComeFromTheSpec(t *testing.T) {
	t.Parallel()
	root := repoRoot(t)
	files := strings.Split(strings.TrimSpace(run(t, root, nil, "git", "ls-files", "--cached", "--others", "--exclude-standard")), "\n")
	checked := 0
	for _, name := range files {
		if isBudgetSource(name) || strings.HasSuffix(name, "_test.go") || !(strings.HasSuffix(name, ".go") || strings.HasSuffix(name, ".md")) {
			continue
		}
		src, err := os.ReadFile(filepath.Join(root, name))
		if os.IsNotExist(err) {
			continue // deleted in the work tree, not yet committed
		}
		if err != nil {
			t.Fatal(err)
		}
		checked++
		for _, p := range budgetProse(string(src)) {
			t.Errorf("%s:%d: %q is not a budget of openapi.yaml (%s); say the spec's, or not a budget at all", name, p.line, p.text, budgetList())
		}
		if strings.HasSuffix(name, ".go") {
			for _, l := range budgetLiterals(t, name, src) {
				t.Errorf("%s: %s is written by hand; read it from internal/budgets", name, l)
			}
		}
	}
	if checked < 50 {
		t.Fatalf("checked only %d files: the file list is wrong", checked)
	}
}

func isBudgetSource(name string) bool {
	for _, p := range budgetSource {
		if name == p || strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

func budgetList() string {
	return fmt.Sprintf("%d per %v, %d per %v", budgets.AccountLimit, budgets.AccountWindow, budgets.RoomLimit, budgets.RoomWindow)
}

var (
	// "300 requests per 5 minutes", "10 message posts or task creations per
	// 10 seconds", "10 per 10 seconds": a number, a few words, per, a time.
	perPhrase = regexp.MustCompile(`(?i)\b(\d[\d,]*)((?:\s+(?://\s*)?[A-Za-z-]+){0,6}?)\s+(?://\s*)?per\s+(?://\s*)?(\d+)[\s-]+(?://\s*)?(second|minute|hour)s?\b`)
	// "the API's 5-minute window".
	windowPhrase = regexp.MustCompile(`(?i)\b(\d+)[\s-](second|minute|hour)s?\s+(?://\s*)?window`)
)

type prose struct {
	line int
	text string
}

// budgetProse returns the phrases of src that state a budget other than
// the spec's.
func budgetProse(src string) []prose {
	var bad []prose
	lineOf := func(i int) int { return strings.Count(src[:i], "\n") + 1 }
	for _, m := range perPhrase.FindAllStringSubmatchIndex(src, -1) {
		n, err1 := strconv.Atoi(strings.ReplaceAll(src[m[2]:m[3]], ",", ""))
		k, err2 := strconv.Atoi(src[m[6]:m[7]])
		if err1 != nil || err2 != nil {
			continue
		}
		d := time.Duration(k) * unit(src[m[8]:m[9]])
		if !(n == budgets.AccountLimit && d == budgets.AccountWindow) && !(n == budgets.RoomLimit && d == budgets.RoomWindow) {
			bad = append(bad, prose{lineOf(m[0]), src[m[0]:m[1]]})
		}
	}
	for _, m := range windowPhrase.FindAllStringSubmatchIndex(src, -1) {
		k, err := strconv.Atoi(src[m[2]:m[3]])
		if err != nil {
			continue
		}
		if d := time.Duration(k) * unit(src[m[4]:m[5]]); d != budgets.AccountWindow && d != budgets.RoomWindow {
			bad = append(bad, prose{lineOf(m[0]), src[m[0]:m[1]]})
		}
	}
	return bad
}

func unit(s string) time.Duration {
	switch strings.ToLower(s) {
	case "second":
		return time.Second
	case "minute":
		return time.Minute
	default:
		return time.Hour
	}
}

// budgetName matches the names of what holds a budget's number.
var budgetName = regexp.MustCompile(`(?i)limit|window|budget`)

// budgetLiterals returns the constants written for a limit, window or
// budget (by name: a field, variable or constant) that equal a number of
// the spec's budgets.
func budgetLiterals(t *testing.T, name string, src []byte) []string {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, name, src, 0)
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	check := func(target string, value ast.Expr) {
		if !budgetName.MatchString(target) {
			return
		}
		if v, ok := constValue(value); ok && isBudgetNumber(v) {
			found = append(found, fmt.Sprintf("line %d: %s = %s", fset.Position(value.Pos()).Line, target, exprString(value)))
		}
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.KeyValueExpr:
			if id, ok := n.Key.(*ast.Ident); ok {
				check(id.Name, n.Value)
			}
		case *ast.AssignStmt:
			for i, lhs := range n.Lhs {
				if i < len(n.Rhs) {
					check(exprString(lhs), n.Rhs[i])
				}
			}
		case *ast.ValueSpec:
			for i, id := range n.Names {
				if i < len(n.Values) {
					check(id.Name, n.Values[i])
				}
			}
		}
		return true
	})
	return found
}

// isBudgetNumber reports whether v, a count or a duration in nanoseconds,
// is a limit or a window of the spec's budgets.
func isBudgetNumber(v int64) bool {
	return v == budgets.AccountLimit || v == budgets.RoomLimit || v == int64(budgets.AccountWindow) || v == int64(budgets.RoomWindow)
}

var timeUnits = map[string]time.Duration{"Nanosecond": time.Nanosecond, "Microsecond": time.Microsecond,
	"Millisecond": time.Millisecond, "Second": time.Second, "Minute": time.Minute, "Hour": time.Hour}

// constValue evaluates integer literals, time.Unit and their products.
func constValue(e ast.Expr) (int64, bool) {
	switch e := e.(type) {
	case *ast.BasicLit:
		if e.Kind != token.INT {
			return 0, false
		}
		v, err := strconv.ParseInt(strings.ReplaceAll(e.Value, "_", ""), 0, 64)
		return v, err == nil
	case *ast.ParenExpr:
		return constValue(e.X)
	case *ast.SelectorExpr:
		if pkg, ok := e.X.(*ast.Ident); ok && pkg.Name == "time" {
			u, ok := timeUnits[e.Sel.Name]
			return int64(u), ok
		}
	case *ast.BinaryExpr:
		if e.Op != token.MUL {
			return 0, false
		}
		a, ok1 := constValue(e.X)
		b, ok2 := constValue(e.Y)
		return a * b, ok1 && ok2
	}
	return 0, false
}

func exprString(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name
	case *ast.BasicLit:
		return e.Value
	case *ast.SelectorExpr:
		return exprString(e.X) + "." + e.Sel.Name
	case *ast.BinaryExpr:
		return exprString(e.X) + " " + e.Op.String() + " " + exprString(e.Y)
	case *ast.ParenExpr:
		return "(" + exprString(e.X) + ")"
	}
	return "…"
}

// TestBudgetCheckFindsHandWrittenBudgets: the check above finds what it is
// for, so that its silence means something.
func TestBudgetCheckFindsHandWrittenBudgets(t *testing.T) {
	t.Parallel()
	src := fmt.Sprintf(`package p

import "time"

// Chatwork allows %[1]d requests per 7 minutes; a 3-minute window.
var (
	cfg = config{globalLimit: %[1]d, roomWindow: %[2]d * time.Second, other: %[1]d}
	apiWindow = time.Minute * %[3]d
)

func f() { limit := %[4]d; window = %[3]d * time.Minute; _ = limit }
`, budgets.AccountLimit, budgets.RoomWindow/time.Second, budgets.AccountWindow/time.Minute, budgets.RoomLimit)
	if got := budgetProse(src); len(got) != 2 {
		t.Errorf("prose found: %v, want the two phrases of line 5", got)
	}
	if got := budgetLiterals(t, "p.go", []byte(src)); len(got) != 5 {
		t.Errorf("literals found: %v, want globalLimit, roomWindow, apiWindow, limit and window", got)
	}
	ok := fmt.Sprintf("// %d requests per %d minutes, %d posts per %d seconds, the %d-minute window.",
		budgets.AccountLimit, budgets.AccountWindow/time.Minute, budgets.RoomLimit, budgets.RoomWindow/time.Second, budgets.AccountWindow/time.Minute)
	if got := budgetProse(ok); len(got) != 0 {
		t.Errorf("the spec's budgets flagged: %v", got)
	}
}
