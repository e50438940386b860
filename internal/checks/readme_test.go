package checks

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// snippetContext is what a README fragment may assume around it: the
// values the prose around the snippets talks about ("a client", "the room",
// "in your HTTP handler"). Anything else a snippet uses it declares itself.
// It is compiled into every snippet's package except those that are whole
// files with their own package clause.
const snippetContext = `package readme

import (
	"context"
	"io"
	"net/http"

	"github.com/chatwork-go/chatwork/api"
)

var (
	ctx    context.Context     // the program's or the request's context
	c      *api.Client         // a client, made as in the quick start
	roomID int64               // a room the client's account is in
	token  string              // an API token
	f      io.Reader           // the content of a file to upload
	w      http.ResponseWriter // inside an HTTP handler
	r      *http.Request

	// OAuth: the registered client and the state of the sign-in.
	clientID, clientSecret, callbackURL, state string
)

// notify stands for the reader's own code in the testing example.
func notify(c *api.Client, roomID int64) error { return nil }
`

// snippetImports are the packages a README snippet may use without an
// import line, by package name.
var snippetImports = map[string]string{
	"api":         "github.com/chatwork-go/chatwork/api",
	"apitest":     "github.com/chatwork-go/chatwork/api/apitest",
	"notation":    "github.com/chatwork-go/chatwork/api/notation",
	"oauth":       "github.com/chatwork-go/chatwork/api/oauth",
	"webhook":     "github.com/chatwork-go/chatwork/api/webhook",
	"redislimit":  "github.com/chatwork-go/chatwork/api/redislimit",
	"redis":       "github.com/redis/go-redis/v9",
	"conformance": "github.com/chatwork-go/chatwork/conformance",
	"gen":         "github.com/chatwork-go/chatwork/gen",
	"oauth2":      "golang.org/x/oauth2",
	"bytes":       "bytes",
	"context":     "context",
	"errors":      "errors",
	"fmt":         "fmt",
	"http":        "net/http",
	"httptest":    "net/http/httptest",
	"io":          "io",
	"json":        "encoding/json",
	"log":         "log",
	"os":          "os",
	"signal":      "os/signal",
	"slog":        "log/slog",
	"strings":     "strings",
	"sync":        "sync",
	"synctest":    "testing/synctest",
	"testing":     "testing",
	"time":        "time",
}

// A snippet is one fenced go block of README.md.
type snippet struct {
	line int // of the opening fence
	code string
}

// readmeSnippets returns the go blocks of a Markdown document.
func readmeSnippets(md string) ([]snippet, error) {
	var out []snippet
	var cur *snippet
	var body strings.Builder
	for i, line := range strings.Split(md, "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case cur == nil && (trimmed == "```go" || strings.HasPrefix(trimmed, "```go ")):
			cur = &snippet{line: i + 1}
			body.Reset()
		case cur != nil && trimmed == "```":
			cur.code = body.String()
			out = append(out, *cur)
			cur = nil
		case cur != nil:
			body.WriteString(line)
			body.WriteByte('\n')
		}
	}
	if cur != nil {
		return nil, fmt.Errorf("README.md:%d: go block not closed", cur.line)
	}
	return out, nil
}

// snippetFiles turns a snippet into the files of its package: a snippet
// with a package clause is used as is; one made of declarations is a file
// of package readme; statements are wrapped in a function. Imports are
// added from snippetImports for the package names the code uses.
func snippetFiles(s snippet) (map[string]string, error) {
	if strings.HasPrefix(strings.TrimSpace(s.code), "package ") {
		return map[string]string{"snippet.go": s.code}, nil
	}
	var src string
	if _, err := parser.ParseFile(token.NewFileSet(), "", "package readme\n"+s.code, 0); err == nil {
		src = s.code
	} else {
		src = "func _() {\n" + s.code + "}\n"
	}
	// Unresolved names at file scope are the package names used, the
	// context's names and predeclared ones.
	f, err := parser.ParseFile(token.NewFileSet(), "", "package readme\n"+src, 0)
	if err != nil {
		return nil, fmt.Errorf("wrapped in a function, it does not parse: %w", err)
	}
	var imports []string
	for _, id := range f.Unresolved {
		if p, ok := snippetImports[id.Name]; ok && !slices.Contains(imports, p) && usedAsPackage(f, id.Name) {
			imports = append(imports, p)
		}
	}
	slices.Sort(imports)
	var b strings.Builder
	b.WriteString("package readme\n\n")
	for _, p := range imports {
		fmt.Fprintf(&b, "import %q\n", p)
	}
	// Line directives point compiler errors at README.md.
	fmt.Fprintf(&b, "\n//line README.md:%d\n%s", s.line+1, strings.Replace(src, "func _() {\n", "func _() {\n//line README.md:"+fmt.Sprint(s.line+1)+"\n", 1))
	return map[string]string{"context.go": snippetContext, "snippet.go": b.String()}, nil
}

// usedAsPackage reports whether name is used as the X of a selector (name.Sel).
func usedAsPackage(f *ast.File, name string) bool {
	found := false
	ast.Inspect(f, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if id, ok := sel.X.(*ast.Ident); ok && id.Name == name && id.Obj == nil {
				found = true
			}
		}
		return !found
	})
	return found
}

// TestREADMESnippetsCompile compiles every go block of README.md,
// each as its own package, so that what users copy works and checks its
// errors. The packages live in an overlay: nothing is written to the tree.
func TestREADMESnippetsCompile(t *testing.T) {
	t.Parallel()
	root := repoRoot(t)
	md, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	snippets, err := readmeSnippets(string(md))
	if err != nil {
		t.Fatal(err)
	}
	if len(snippets) < 5 {
		t.Fatalf("README.md has %d go blocks; the extraction is wrong", len(snippets))
	}

	tmp := t.TempDir()
	overlay := map[string]string{}
	type pkg struct {
		dir  string
		line int
	}
	var pkgs []pkg
	for i, s := range snippets {
		files, err := snippetFiles(s)
		if err != nil {
			t.Errorf("README.md:%d: %v", s.line, err)
			continue
		}
		rel := fmt.Sprintf("internal/checks/readmesnippet/line%d", s.line)
		for name, body := range files {
			real := filepath.Join(tmp, fmt.Sprintf("%d-%s", i, name))
			if err := os.WriteFile(real, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
			overlay[filepath.Join(root, rel, name)] = real
		}
		pkgs = append(pkgs, pkg{dir: "./" + rel, line: s.line})
	}
	js, err := json.Marshal(map[string]any{"Replace": overlay})
	if err != nil {
		t.Fatal(err)
	}
	overlayFile := filepath.Join(tmp, "overlay.json")
	if err := os.WriteFile(overlayFile, js, 0o644); err != nil {
		t.Fatal(err)
	}
	// One package at a time, so that each failing snippet is reported. (go
	// vet cannot run here: it changes into the package directory, which
	// exists only in the overlay.)
	for _, p := range pkgs {
		if out, err := goCommand(root, "build", "-o", os.DevNull, "-overlay="+overlayFile, p.dir); err != nil {
			t.Errorf("the go block at README.md:%d does not compile:\n%s", p.line, out)
		}
	}
	t.Logf("compiled %d go blocks of README.md", len(pkgs))
}

// TestSnippetFiles checks the three shapes a README go block can take.
func TestSnippetFiles(t *testing.T) {
	t.Parallel()
	md := "text\n```go\nx, err := os.Open(\"f\")\n```\n\n```go\nfunc F() error { return errors.New(\"e\") }\n```\n" +
		"```go\npackage main\n\nfunc main() {}\n```\n```sh\nnot go\n```\n"
	snippets, err := readmeSnippets(md)
	if err != nil {
		t.Fatal(err)
	}
	if len(snippets) != 3 || snippets[0].line != 2 || snippets[1].line != 6 || snippets[2].line != 9 {
		t.Fatalf("snippets: %+v", snippets)
	}
	for i, want := range []struct{ has, hasNot []string }{
		{has: []string{`import "os"`, "func _() {\n//line README.md:3\nx, err :="}, hasNot: []string{`"errors"`}},
		{has: []string{`import "errors"`, "//line README.md:7\nfunc F()"}, hasNot: []string{"func _()", `"os"`}},
		{has: []string{"package main"}, hasNot: []string{"package readme"}},
	} {
		files, err := snippetFiles(snippets[i])
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range want.has {
			if !strings.Contains(files["snippet.go"], s) {
				t.Errorf("snippet %d lacks %q:\n%s", i, s, files["snippet.go"])
			}
		}
		for _, s := range want.hasNot {
			if strings.Contains(files["snippet.go"], s) {
				t.Errorf("snippet %d has %q:\n%s", i, s, files["snippet.go"])
			}
		}
	}
	if _, err := readmeSnippets("```go\nx := 1\n"); err == nil {
		t.Error("an unclosed go block was accepted")
	}
}
