package checks

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// mainPublicPackages must be among the public packages: if the listing
// missed them, the test would prove nothing.
var mainPublicPackages = []string{
	modulePath + "/api",
	modulePath + "/api/apitest",
	modulePath + "/api/notation",
	modulePath + "/api/webhook",
	modulePath + "/conformance",
	modulePath + "/gen",
}

// toolingModules are module path prefixes of this repository's build tools
// (the code generator and what it needs, linters). None belongs in a
// user's go.mod.
var toolingModules = []string{
	"github.com/oapi-codegen/oapi-codegen/v2",
	"github.com/speakeasy-api/",
	"golang.org/x/tools",
	"golang.org/x/mod",
	"github.com/dprotaso/go-yit",
	"github.com/vmware-labs/yaml-jsonpath",
	"github.com/golangci/",
	"honnef.co/go/tools",
	"mvdan.cc/gofumpt",
}

// TestUserModulePullsNoTooling builds a throwaway module that imports every
// public package, api/wire and any new one included (through a replace
// directive to this checkout), runs
// go mod tidy in it, and fails if a tooling module shows up in its go.mod.
// The module cache serves everything after the first run.
func TestUserModulePullsNoTooling(t *testing.T) {
	t.Parallel()
	root := repoRoot(t)
	dir := t.TempDir()

	pkgs := publicPackages(t, root)
	for _, p := range mainPublicPackages {
		if !slices.Contains(pkgs, p) {
			t.Fatalf("%s is not among the public packages found: %v", p, pkgs)
		}
	}
	var imports strings.Builder
	for _, p := range pkgs {
		fmt.Fprintf(&imports, "\t_ %q\n", p)
	}
	files := map[string]string{
		"go.mod": "module example.com/user\n\ngo 1.26.0\n\n" +
			"require github.com/chatwork-go/chatwork v0.0.0\n\n" +
			"replace github.com/chatwork-go/chatwork => " + root + "\n",
		"main.go": "// Command user imports every public package of the toolkit.\npackage main\n\nimport (\n" +
			imports.String() + ")\n\nfunc main() {}\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	env := []string{"GOFLAGS=-mod=mod", "GOWORK=off"}
	run(t, dir, env, goTool(t), "mod", "tidy")
	run(t, dir, env, goTool(t), "build", "./...")

	gomod, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	gosum, err := os.ReadFile(filepath.Join(dir, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("a user's module importing every public package: go.mod %d lines, go.sum %d lines\n%s",
		lines(gomod), lines(gosum), gomod)

	for _, line := range strings.Split(string(gomod), "\n") {
		f := strings.Fields(strings.TrimPrefix(strings.TrimSpace(line), "require "))
		if len(f) < 2 {
			continue
		}
		for _, tool := range toolingModules {
			if strings.HasPrefix(f[0], tool) {
				t.Errorf("a user's go.mod requires %s %s, a tool of this repository (match %q): "+
					"some public package imports the root package or another tooling import", f[0], f[1], tool)
			}
		}
	}
	if !strings.Contains(string(gomod), "github.com/oapi-codegen/runtime") {
		t.Errorf("a user's go.mod lacks github.com/oapi-codegen/runtime, which gen needs: the test module did not resolve the imports")
	}
}

func lines(b []byte) int { return strings.Count(string(b), "\n") }
