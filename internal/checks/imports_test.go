package checks

import (
	"slices"
	"strings"
	"testing"
)

// importRules lists, for every public package, the packages of this module
// it may depend on (directly or through another package), and why. Each
// package's doc says the same in words. A package missing from the table
// fails the test: a new package decides its rule when it is added.
var importRules = map[string]struct {
	allowed []string // paths relative to the module
	why     string
}{
	"api": {[]string{"gen", "api/pacing", "api/wire", "internal/budgets", "internal/limits", "internal/wait", "internal/urlsafe"},
		"the client stands alone: never the fake (apitest), the validator (conformance, kin-openapi) or the CLI"},
	"api/redislimit": {[]string{"api/pacing", "internal/budgets", "internal/wait"},
		"a Limiter for the client, over Redis: it builds on package pacing and nothing else of the module"},
	"api/pacing": {[]string{"internal/budgets"},
		"what a Limiter needs: the budgets and nothing of the client"},
	"api/intake": {[]string{"api", "api/pacing", "api/webhook", "api/notation", "gen", "api/wire", "internal/budgets", "internal/limits", "internal/wait", "internal/urlsafe"},
		"the durable intake over Redis: it builds on the client (Watch), webhook and notation, and nothing imports it but programs that want Redis"},
	"api/oauth": {[]string{"api", "gen", "api/pacing", "api/wire", "internal/budgets", "internal/limits", "internal/wait", "internal/urlsafe"},
		"signing users in builds on the client's errors and nothing else of the module"},
	"api/webhook": {[]string{"gen", "api/wire"},
		"receiving webhooks needs no API client"},
	"api/notation": {nil,
		"message notation is plain text: no API client, no generated types"},
	"api/wire": {nil,
		"the wire types are the bottom layer"},
	"gen": {[]string{"api/wire"},
		"generated code uses the wire types only"},
	"conformance/har": {nil,
		"HAR files are plain data: the standard library only"},
	"conformance": {[]string{"internal/embeddedspec", "internal/schemarand", "conformance/har"},
		"the validator checks clients from the outside: it knows the spec, not the client"},
	"api/apitest": {[]string{"conformance", "conformance/har", "gen", "api/wire", "internal/budgets", "internal/limits", "internal/embeddedspec", "internal/schemarand", "internal/wait"},
		"the fake is the other side of the client's tests: it must not share the client's logic (package api)"},
}

// TestImportRules checks with `go list -deps` that each public package
// depends on no package of this module beyond those its rule allows.
func TestImportRules(t *testing.T) {
	t.Parallel()
	root := repoRoot(t)
	pkgs := publicPackages(t, root)
	if len(pkgs) < 7 {
		t.Fatalf("found only %d public packages (%v): the package list is wrong", len(pkgs), pkgs)
	}
	for _, pkg := range pkgs {
		rel := strings.TrimPrefix(pkg, modulePath+"/")
		rule, ok := importRules[rel]
		if !ok {
			t.Errorf("%s has no import rule: add it to importRules (and say it in its package doc)", rel)
			continue
		}
		for _, dep := range strings.Fields(run(t, root, nil, goTool(t), "list", "-deps", pkg)) {
			if dep == pkg || (dep != modulePath && !strings.HasPrefix(dep, modulePath+"/")) {
				continue
			}
			depRel := strings.TrimPrefix(dep, modulePath+"/")
			if dep == modulePath || !slices.Contains(rule.allowed, depRel) {
				t.Errorf("%s depends on %s; it may depend only on %v: %s", rel, depRel, rule.allowed, rule.why)
			}
		}
	}
}
