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
	"github.com/chatwork-go/chatwork/internal/limits"
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
	eachSourceFile(t, func(name string, src []byte) {
		if isBudgetSource(name) {
			return
		}
		for _, p := range budgetProse(string(src)) {
			t.Errorf("%s:%d: %q is not a budget of openapi.yaml (%s); say the spec's, or not a budget at all", name, p.line, p.text, budgetList())
		}
		if strings.HasSuffix(name, ".go") {
			for _, l := range budgetLiterals(t, name, src) {
				t.Errorf("%s: %s is written by hand; read it from internal/budgets", name, l)
			}
		}
	})
}

// eachSourceFile calls f with each Go, Markdown or YAML file of the
// repository but tests, generated files and what go generate makes of the
// spec (openapi.json, gen, internal/embeddedspec): what people and programs
// write by hand.
func eachSourceFile(t *testing.T, f func(name string, src []byte)) {
	t.Helper()
	root := repoRoot(t)
	files := strings.Split(strings.TrimSpace(run(t, root, nil, "git", "ls-files", "--cached", "--others", "--exclude-standard")), "\n")
	checked := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") || strings.HasSuffix(name, ".gen.go") || strings.HasPrefix(name, "gen/") ||
			strings.HasPrefix(name, "internal/embeddedspec/") || !(strings.HasSuffix(name, ".go") || strings.HasSuffix(name, ".md") || strings.HasSuffix(name, ".yaml")) {
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
		f(name, src)
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
	return namedLiterals(t, name, src, budgetName, isBudgetNumber)
}

// namedLiterals returns the constants written for what has a name that
// matches target (a field, variable or constant) and whose value is one of
// a fact's, by isFact.
func namedLiterals(t *testing.T, name string, src []byte, target *regexp.Regexp, isFact func(int64) bool) []string {
	t.Helper()
	fset, f := parseGo(t, name, src)
	var found []string
	check := func(name string, value ast.Expr) {
		if !target.MatchString(name) {
			return
		}
		if v, ok := constValue(value); ok && isFact(v) {
			found = append(found, fmt.Sprintf("line %d: %s = %s", fset.Position(value.Pos()).Line, name, exprString(value)))
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

// TestLifetimesAndErrorsComeFromTheSpec: the lifetimes of a download URL
// and of an OAuth access token (x-chatwork-lifetime-seconds) and the
// messages of the two 429s (x-chatwork-rate-limits) reach the code through
// internal/limits and internal/budgets.
//
//   - No Go code gives a lifetime, TTL or expiry a literal that is one of
//     the lifetimes (downloadTTL = 30 * time.Second), nor writes a 429's
//     message in a string.
//   - Prose, the spec's included, may say them, but what it says is the
//     spec's: a duration said of a download URL or an access token is its
//     lifetime, and a 429's {"errors":[...]} holds one of the two messages.
func TestLifetimesAndErrorsComeFromTheSpec(t *testing.T) {
	t.Parallel()
	eachSourceFile(t, func(name string, src []byte) {
		for _, p := range lifetimeProse(string(src)) {
			t.Errorf("%s:%d: %s", name, p.line, p.text)
		}
		for _, p := range errorProse(string(src)) {
			t.Errorf("%s:%d: %q is not a 429 of openapi.yaml (%q or %q)", name, p.line, p.text, budgets.AccountError, budgets.RoomError)
		}
		if !strings.HasSuffix(name, ".go") || isBudgetSource(name) {
			return
		}
		for _, l := range namedLiterals(t, name, src, lifetimeName, isLifetime) {
			t.Errorf("%s: %s is written by hand; read it from internal/limits", name, l)
		}
		for _, l := range errorLiterals(t, name, src) {
			t.Errorf("%s: %s is written by hand; read it from internal/budgets", name, l)
		}
	})
}

// lifetimes are what the spec gives a lifetime, by the words prose uses
// for it, and the lifetime; a subject without one (a refresh token) is
// there so that a duration said of it is not taken for another's.
var lifetimes = []struct {
	subject *regexp.Regexp
	life    time.Duration
}{
	{regexp.MustCompile(`(?i)\bdownload(?:[\s_-]|//)*urls?\b|\bthe url\b`), limits.DownloadURLLifetime},
	{regexp.MustCompile(`(?i)\baccess(?:[\s_-]|//)*tokens?\b`), limits.AccessTokenLifetime},
	{regexp.MustCompile(`(?i)\brefresh(?:[\s_-]|//)*tokens?\b`), 0},
}

var (
	// "30 seconds", "**15 minutes**", "30-second".
	durationPhrase = regexp.MustCompile(`(?i)\b(\d+)[\s-](second|minute|hour|day)s?\b`)
	// The end of a sentence or of a paragraph (in a comment too).
	sentenceEnd = regexp.MustCompile(`[.!?]\s|\n[\t ]*(?://|#)?[\t ]*\n`)
	// 429 {"errors":["..."]}, in a comment, Markdown or a description.
	errorPhrase = regexp.MustCompile(`429[^\n{]{0,20}\{\s*"errors"\s*:\s*\[\s*"([^"]*)"`)
	// The names of what holds a lifetime.
	lifetimeName = regexp.MustCompile(`(?i)ttl|life|expir|valid`)
)

// lifetimeProse returns the durations of src said of something the spec
// gives a lifetime, that are not its lifetime. A duration is said of the
// subject nearest before it within its sentence, or of one right after it
// ("a 30-second download URL").
func lifetimeProse(src string) []prose {
	var bad []prose
	lineOf := func(i int) int { return strings.Count(src[:i], "\n") + 1 }
	for _, m := range durationPhrase.FindAllStringSubmatchIndex(src, -1) {
		start, end := max(0, m[0]-160), min(len(src), m[1]+60)
		if ends := sentenceEnd.FindAllStringIndex(src[start:m[0]], -1); len(ends) > 0 {
			start += ends[len(ends)-1][1]
		}
		if e := sentenceEnd.FindStringIndex(src[m[1]:end]); e != nil {
			end = m[1] + e[0]
		}
		n, err := strconv.Atoi(src[m[2]:m[3]])
		if err != nil {
			continue
		}
		said := time.Duration(n) * unit(src[m[4]:m[5]])
		nearest, life := len(src), time.Duration(0)
		for _, l := range lifetimes {
			for _, s := range l.subject.FindAllStringIndex(src[start:end], -1) {
				d := m[0] - (start + s[1]) // before the duration
				if start+s[0] >= m[1] {
					if d = start + s[0] - m[1]; d > 3 { // after it, not right after
						continue
					}
				}
				if d >= 0 && d < nearest {
					nearest, life = d, l.life
				}
			}
		}
		if life != 0 && said != life {
			bad = append(bad, prose{lineOf(m[0]), fmt.Sprintf("%q says %v of what lives %v in openapi.yaml (x-chatwork-lifetime-seconds)", src[m[0]:m[1]], said, life)})
		}
	}
	return bad
}

// errorProse returns the 429 answers of src whose message is neither of
// the spec's.
func errorProse(src string) []prose {
	var bad []prose
	for _, m := range errorPhrase.FindAllStringSubmatchIndex(src, -1) {
		if msg := src[m[2]:m[3]]; msg != budgets.AccountError && msg != budgets.RoomError {
			bad = append(bad, prose{strings.Count(src[:m[0]], "\n") + 1, src[m[0]:m[1]]})
		}
	}
	return bad
}

// isLifetime reports whether v, a duration in nanoseconds or a count of
// seconds, is a lifetime the spec states.
func isLifetime(v int64) bool {
	for _, l := range []time.Duration{limits.DownloadURLLifetime, limits.AccessTokenLifetime} {
		if v == int64(l) || v == int64(l/time.Second) {
			return true
		}
	}
	return false
}

// parseGo parses the Go file name, of content src.
func parseGo(t *testing.T, name string, src []byte) (*token.FileSet, *ast.File) {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, name, src, 0)
	if err != nil {
		t.Fatal(err)
	}
	return fset, f
}

// errorLiterals returns the string literals of a Go file that hold the
// message of a 429.
func errorLiterals(t *testing.T, name string, src []byte) []string {
	t.Helper()
	fset, f := parseGo(t, name, src)
	var found []string
	ast.Inspect(f, func(n ast.Node) bool {
		if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
			if s, err := strconv.Unquote(lit.Value); err == nil && (strings.Contains(s, budgets.AccountError) || strings.Contains(s, budgets.RoomError)) {
				found = append(found, fmt.Sprintf("line %d: %s", fset.Position(lit.Pos()).Line, lit.Value))
			}
		}
		return true
	})
	return found
}

// TestLifetimeCheckFindsHandWrittenFacts: the checks above find what they
// are for, and leave alone the spec's facts and durations said of other
// things.
func TestLifetimeCheckFindsHandWrittenFacts(t *testing.T) {
	t.Parallel()
	url, token := int(limits.DownloadURLLifetime/time.Second), int(limits.AccessTokenLifetime/time.Minute)
	src := fmt.Sprintf(`package p

import "time"

// A download URL lives %[1]d seconds; the URL's %[3]d seconds are long.
// Access tokens live %[2]d minutes, refresh tokens 14 days; an access
// token lives %[4]d minutes. Fetch it through a %[3]d-second download URL.
//
// The fake answers 429 {"errors":["Slow down."]}, or
// 429 {"errors":[%[5]q]}.
const (
	downloadTTL  = %[1]d * time.Second
	tokenLife    = time.Minute * %[2]d
	expirySecs   = %[6]d
	readTimeout  = %[1]d * time.Second
	msg          = %[5]q
	roomMsg      = "error: " + %[7]q
)
`, url, token, url+1, token+5, budgets.AccountError, url, budgets.RoomError)
	if got := lifetimeProse(src); len(got) != 3 {
		t.Errorf("lifetimes found in prose: %v, want the URL's %d seconds (twice) and an access token's %d minutes", got, url+1, token+5)
	}
	if got := errorProse(src); len(got) != 1 {
		t.Errorf("429s found in prose: %v, want Slow down.", got)
	}
	if got := namedLiterals(t, "p.go", []byte(src), lifetimeName, isLifetime); len(got) != 3 {
		t.Errorf("lifetimes found: %v, want downloadTTL, tokenLife and expirySecs", got)
	}
	if got := errorLiterals(t, "p.go", []byte(src)); len(got) != 2 {
		t.Errorf("429 messages found: %v, want msg and roomMsg", got)
	}
	ok := fmt.Sprintf("With create_download_url=1 the answer carries a **download URL valid for %d seconds**.\n\n"+
		"An access token lives **%d minutes** and a refresh token **14 days**. The code is valid 1 minute.\n"+
		"Wait 10 seconds after a 429; the webhook URL times out after 5 seconds.\n", url, token)
	if got := lifetimeProse(ok); len(got) != 0 {
		t.Errorf("the spec's lifetimes, or other durations, flagged: %v", got)
	}
}
