package api

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/chatwork-go/chatwork/conformance"
	"github.com/chatwork-go/chatwork/internal/budgets"
)

// TestPostRoomFollowsTheSpec checks the client's choice of the requests
// that spend a room's posting budget against the spec's one list
// (x-chatwork-room-post-limit, as package conformance describes it): the
// methods that mark their request with withPostRoom are exactly those of
// the marked operations, as their "METHOD /path" comment line names them.
func TestPostRoomFollowsTheSpec(t *testing.T) {
	v, err := conformance.New()
	if err != nil {
		t.Fatal(err)
	}
	marked := map[string]bool{}
	for _, op := range v.Operations() {
		marked[op.Method+" "+op.Path] = op.RoomPostLimit
	}
	line := regexp.MustCompile(`^(GET|POST|PUT|DELETE) (/[^\s?]*)`)
	seen := 0
	for _, f := range sourceFiles(t) {
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Recv == nil || fn.Doc == nil || fn.Body == nil {
				continue
			}
			marks := false
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				if call, ok := n.(*ast.CallExpr); ok {
					if id, ok := call.Fun.(*ast.Ident); ok && id.Name == "withPostRoom" {
						marks = true
					}
				}
				return true
			})
			for _, c := range fn.Doc.List {
				m := line.FindStringSubmatch(strings.TrimSpace(strings.TrimPrefix(c.Text, "//")))
				if m == nil {
					continue
				}
				want, ok := marked[m[1]+" "+m[2]]
				if !ok {
					continue // TestEveryOperationHasAMethod reports it
				}
				seen++
				if marks != want {
					t.Errorf("%s (%s %s): spends a room's posting budget: %v; the spec: %v", fn.Name.Name, m[1], m[2], marks, want)
				}
			}
		}
	}
	if seen < len(marked) {
		t.Errorf("found %d documented methods for %d operations", seen, len(marked))
	}
}

// sourceFiles parses the package's files, tests aside, with comments.
func sourceFiles(t *testing.T) []*ast.File {
	t.Helper()
	names, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var files []*ast.File
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	return files
}

// TestRoomPostsAreTheSpecs: the generated list of operations that spend a
// room's posting budget (internal/budgets) is the spec's, as package
// conformance reads it: the same methods and path templates.
func TestRoomPostsAreTheSpecs(t *testing.T) {
	v, err := conformance.New()
	if err != nil {
		t.Fatal(err)
	}
	var want, got []string
	for _, op := range v.Operations() {
		if op.RoomPostLimit {
			want = append(want, op.Method+" "+op.Path)
		}
	}
	for _, op := range budgets.RoomPosts() {
		got = append(got, op.Method+" "+op.Path)
	}
	slices.Sort(want)
	slices.Sort(got)
	if len(want) == 0 || !slices.Equal(got, want) {
		t.Errorf("internal/budgets lists %v, the spec marks %v: run go generate", got, want)
	}
}

// TestPostRoomOf: a request built by a caller spends the budget of the
// room its path names exactly when it is one of the spec's room posts;
// anything else, or a path whose room is not an ID, spends none.
func TestPostRoomOf(t *testing.T) {
	for _, c := range []struct {
		method, path string
		want         int64
	}{
		{"POST", "/rooms/5/messages", 5},
		{"POST", "/rooms/9007199254740993/tasks", 9007199254740993},
		{"GET", "/rooms/5/messages", 0},
		{"PUT", "/rooms/5/messages", 0},
		{"POST", "/rooms/5/files", 0},
		{"POST", "/rooms/5", 0},
		{"POST", "/rooms", 0},
		{"POST", "/rooms/5/messages/", 0},
		{"POST", "/rooms/5/messages/7", 0},
		{"POST", "rooms/5/messages", 0},
		{"POST", "/rooms//messages", 0},
		{"POST", "/rooms/abc/messages", 0},
		{"POST", "/rooms/-5/messages", 0},
		{"POST", "/rooms/+5/messages", 0},
		{"POST", "/rooms/0/messages", 0},
		{"POST", "/rooms/9223372036854775808/messages", 0},
		{"post", "/rooms/5/messages", 0},
	} {
		if got := postRoomOf(c.method, c.path); got != c.want {
			t.Errorf("%s %s: room %d, want %d", c.method, c.path, got, c.want)
		}
	}
}
