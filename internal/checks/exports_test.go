package checks

import (
	"go/ast"
	"go/doc"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// apiExports is the number of top-level names package api exports (types,
// functions, constants and variables; methods and fields not counted).
// Check a change of it against the rule in api's package documentation
// ("What this package exports"), then set the new number here.
const apiExports = 123

// mutableExceptions are exported variables that are not sentinel errors,
// and why they are still there. One that no longer exists fails the test,
// so that the list only shrinks.
var mutableExceptions = map[string]string{}

// TestExportedNames counts the exported top-level names of every public
// package (logged with -v: the size of each package's surface), holds
// package api to apiExports, and checks that no package exports a variable
// other than a sentinel error (ErrX = errors.New(...)): a value that
// callers read is a constant or the result of a function, so that no
// program can change it for another.
func TestExportedNames(t *testing.T) {
	t.Parallel()
	root := repoRoot(t)
	seen := map[string]bool{}
	for _, pkg := range publicPackages(t, root) {
		rel := strings.TrimPrefix(pkg, modulePath+"/")
		d := packageDoc(t, filepath.Join(root, rel), pkg)
		var types, funcs, consts, vars int
		count := func(vs []*doc.Value) int {
			n := 0
			for _, v := range vs {
				n += len(v.Names)
			}
			return n
		}
		checkVars := func(vs []*doc.Value) {
			for _, v := range vs {
				for _, spec := range v.Decl.Specs {
					vs := spec.(*ast.ValueSpec)
					for i, name := range vs.Names {
						if !name.IsExported() {
							continue
						}
						id := d.Name + "." + name.Name
						if _, ok := mutableExceptions[id]; ok {
							seen[id] = true
							continue
						}
						if !strings.HasPrefix(name.Name, "Err") || i >= len(vs.Values) || !isNewError(vs.Values[i]) {
							t.Errorf("%s is an exported variable, not a sentinel error: make it a constant or a function", id)
						}
					}
				}
			}
		}
		consts, vars, funcs = count(d.Consts), count(d.Vars), len(d.Funcs)
		checkVars(d.Vars)
		for _, typ := range d.Types {
			types++
			consts += count(typ.Consts)
			vars += count(typ.Vars)
			funcs += len(typ.Funcs)
			checkVars(typ.Vars)
		}
		total := types + funcs + consts + vars
		t.Logf("%-16s %3d exported names: %3d types, %3d functions, %3d constants, %2d variables", rel, total, types, funcs, consts, vars)
		if rel == "api" && total != apiExports {
			t.Errorf("api exports %d names, apiExports says %d: check the change against the rule in api's package documentation, then update apiExports", total, apiExports)
		}
	}
	for id, why := range mutableExceptions {
		if !seen[id] {
			t.Errorf("mutableExceptions lists %s (%s), which no longer exists: remove it", id, why)
		}
	}
}

// packageDoc reads the documentation of the package in dir, as go doc
// shows it: exported names only, tests left out.
func packageDoc(t *testing.T, dir, importPath string) *doc.Package {
	t.Helper()
	fset := token.NewFileSet()
	var files []*ast.File
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	d, err := doc.NewFromFiles(fset, files, importPath)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// isNewError reports whether e is errors.New(...) or fmt.Errorf(...).
func isNewError(e ast.Expr) bool {
	call, ok := e.(*ast.CallExpr)
	if !ok {
		return false
	}
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	pkg, ok := sel.X.(*ast.Ident)
	return ok && (pkg.Name == "errors" && sel.Sel.Name == "New" || pkg.Name == "fmt" && sel.Sel.Name == "Errorf")
}

// TestCommandNeedsNoGen checks that the CLI imports no generated type:
// whatever it needs of the API, package api offers (values of enumerations
// included).
func TestCommandNeedsNoGen(t *testing.T) {
	t.Parallel()
	root := repoRoot(t)
	imports := strings.Fields(run(t, root, nil, goTool(t), "list", "-f", `{{join .Imports " "}}`, "./cmd/chatwork"))
	if len(imports) < 5 {
		t.Fatalf("cmd/chatwork imports %v: the listing is wrong", imports)
	}
	if slices.Contains(imports, modulePath+"/gen") {
		t.Errorf("cmd/chatwork imports package gen: give package api what the command needs instead")
	}
}
