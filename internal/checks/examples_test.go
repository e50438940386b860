package checks

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// exampleExceptions are the Examples that may break a rule of
// TestExamplesStandAlone, and why. An exception that is no longer needed
// fails the test, so that the list only shrinks.
var exampleExceptions = map[string]string{
	"api/redislimit/example_test.go: Example has no // Output": "it needs a Redis server and a real Chatwork token: compiled, never run",
	"api/intake/example_test.go: Example has no // Output":     "a fleet's replica: it needs a Redis server, a real Chatwork token and webhooks; compiled, never run (TestEventsFleet runs it all with real processes)",
}

// TestExamplesStandAlone keeps every Example of the public packages
// copyable from pkg.go.dev, where an Example is shown alone: it may call
// only public APIs and its own locals, never a helper, constant or
// variable declared elsewhere in the package's test files, and it has an
// Output comment, so that `go test` runs it and checks what it prints.
func TestExamplesStandAlone(t *testing.T) {
	t.Parallel()
	root := repoRoot(t)
	examples := 0
	excepted := map[string]bool{}
	fail := func(problem, format string, args ...any) {
		if _, ok := exampleExceptions[problem]; ok {
			excepted[problem] = true
			return
		}
		t.Errorf(format, args...)
	}
	defer func() {
		for problem, why := range exampleExceptions {
			if !excepted[problem] {
				t.Errorf("exampleExceptions lists %q (%s), which no longer happens: remove it", problem, why)
			}
		}
	}()
	for _, pkg := range publicPackages(t, root) {
		dir := filepath.Join(root, strings.TrimPrefix(pkg, modulePath))
		fset := token.NewFileSet()
		files := map[string]*ast.File{}
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if !strings.HasSuffix(e.Name(), "_test.go") {
				continue
			}
			f, err := parser.ParseFile(fset, filepath.Join(dir, e.Name()), nil, parser.ParseComments)
			if err != nil {
				t.Fatal(err)
			}
			files[e.Name()] = f
		}
		// What the test files declare at the top level, by test package:
		// an Example may use none of it.
		declared := map[string]map[string]bool{}
		for _, f := range files {
			names := declared[f.Name.Name]
			if names == nil {
				names = map[string]bool{}
				declared[f.Name.Name] = names
			}
			for _, d := range f.Decls {
				switch d := d.(type) {
				case *ast.FuncDecl:
					if d.Recv == nil {
						names[d.Name.Name] = true
					}
				case *ast.GenDecl:
					for _, s := range d.Specs {
						switch s := s.(type) {
						case *ast.ValueSpec:
							for _, n := range s.Names {
								names[n.Name] = true
							}
						case *ast.TypeSpec:
							names[s.Name.Name] = true
						}
					}
				}
			}
		}
		for name, f := range files {
			for _, d := range f.Decls {
				fn, ok := d.(*ast.FuncDecl)
				if !ok || fn.Recv != nil || !strings.HasPrefix(fn.Name.Name, "Example") {
					continue
				}
				examples++
				where := filepath.Join(strings.TrimPrefix(pkg, modulePath+"/"), name) + ": " + fn.Name.Name
				if !hasOutput(f, fn) {
					fail(where+" has no // Output", "%s has no // Output: comment, so go test never runs it", where)
				}
				reported := map[string]bool{}
				ast.Inspect(fn, func(n ast.Node) bool {
					switch n := n.(type) {
					case *ast.SelectorExpr:
						ast.Inspect(n.X, func(m ast.Node) bool { return checkIdent(fail, where, m, declared[f.Name.Name], reported, fn) })
						return false
					case *ast.KeyValueExpr:
						// A field name in a composite literal is not a reference.
						if _, ok := n.Key.(*ast.Ident); ok {
							ast.Inspect(n.Value, func(m ast.Node) bool { return checkIdent(fail, where, m, declared[f.Name.Name], reported, fn) })
							return false
						}
					}
					return checkIdent(fail, where, n, declared[f.Name.Name], reported, fn)
				})
			}
		}
	}
	if examples < 30 {
		t.Errorf("found %d Examples in the public packages, want at least 30: the walk is wrong", examples)
	}
}

// checkIdent reports an identifier of an Example that names a top-level
// declaration of the test package rather than a local of the Example.
func checkIdent(fail func(problem, format string, args ...any), where string, n ast.Node, declared, reported map[string]bool, fn *ast.FuncDecl) bool {
	id, ok := n.(*ast.Ident)
	if !ok || id == fn.Name || !declared[id.Name] || reported[id.Name] {
		return true
	}
	if id.Obj != nil && id.Obj.Pos() >= fn.Pos() && id.Obj.Pos() < fn.End() {
		return true // declared inside the Example
	}
	reported[id.Name] = true
	fail(where+" uses "+id.Name, "%s uses %s, declared outside it in the test files: a reader of the Example cannot copy it", where, id.Name)
	return true
}

// hasOutput reports whether fn's body holds an Output comment.
func hasOutput(f *ast.File, fn *ast.FuncDecl) bool {
	for _, cg := range f.Comments {
		if cg.Pos() < fn.Body.Pos() || cg.End() > fn.Body.End() {
			continue
		}
		for _, c := range cg.List {
			text := strings.TrimSpace(strings.TrimPrefix(c.Text, "//"))
			if strings.HasPrefix(text, "Output:") || strings.HasPrefix(text, "Unordered output:") {
				return true
			}
		}
	}
	return false
}
