package checks

import (
	"strings"
	"testing"
)

// testHelperPackages are public packages made for tests, allowed to link
// package testing. api/apitest is the fake Chatwork for users' tests;
// NewServer takes a testing.TB.
var testHelperPackages = map[string]bool{
	"github.com/chatwork-go/chatwork/api/apitest": true,
}

// TestProductionPackagesDoNotLinkTesting fails when a public package that
// programs import in production (api and its subpackages, conformance,
// gen) depends on package testing, which would register test flags and
// link the testing runtime into users' binaries.
func TestProductionPackagesDoNotLinkTesting(t *testing.T) {
	t.Parallel()
	root := repoRoot(t)
	var pkgs []string
	for _, p := range publicPackages(t, root) {
		if !testHelperPackages[p] {
			pkgs = append(pkgs, p)
		}
	}
	if len(pkgs) < 4 {
		t.Fatalf("found only %d public packages (%v): the package list is wrong", len(pkgs), pkgs)
	}
	for _, pkg := range pkgs {
		deps := strings.Fields(run(t, root, nil, goTool(t), "list", "-deps", pkg))
		for _, dep := range deps {
			if dep == "testing" || strings.HasPrefix(dep, "testing/") {
				why := strings.TrimSpace(run(t, root, nil, goTool(t), "list", "-deps", "-f",
					`{{range .Imports}}{{if eq . "testing"}}{{$.ImportPath}} {{end}}{{end}}`, pkg))
				t.Errorf("%s links %s (imported by: %s); production packages must not", pkg, dep, why)
				break
			}
		}
	}
	t.Logf("checked %d packages: %s", len(pkgs), strings.Join(pkgs, ", "))
}
