package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// theSpec loads the repository's openapi.yaml afresh, for a test to
// change.
func theSpec(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromFile("../../openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// operation returns the operation with the given ID and its path and
// method.
func operation(t *testing.T, doc *openapi3.T, id string) (path, method string, op *openapi3.Operation) {
	t.Helper()
	for p, item := range doc.Paths.Map() {
		for m, o := range item.Operations() {
			if o.OperationID == id {
				return p, m, o
			}
		}
	}
	t.Fatalf("no operation %s in openapi.yaml", id)
	return "", "", nil
}

// write writes doc, as JSON, with info.version set to version.
func write(t *testing.T, doc *openapi3.T, version, path string) {
	t.Helper()
	doc.Info.Version = version
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// changelog is a changelog with a section for each version.
func changelog(versions ...string) string {
	var b strings.Builder
	b.WriteString("# openapi.yaml changelog\n")
	for _, v := range versions {
		b.WriteString("\n## " + v + " — 2026-12-06\n\n- Changes.\n")
	}
	return b.String()
}

// runCheck runs the command with args and returns its exit code and
// output.
func runCheck(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var out bytes.Buffer
	code := run(args, &out, &out)
	return code, out.String()
}

// Breaking changes to a copy of the spec: each must be caught.
var breaks = []struct {
	name   string
	change func(t *testing.T, doc *openapi3.T) string // returns text the report must hold
}{
	{"an operation removed", func(t *testing.T, doc *openapi3.T) string {
		path, method, _ := operation(t, doc, "postMessage")
		doc.Paths.Value(path).SetOperation(method, nil)
		return "POST " + path
	}},
	{"a required request field added", func(t *testing.T, doc *openapi3.T) string {
		path, _, op := operation(t, doc, "createRoom")
		s := op.RequestBody.Value.Content.Get("application/x-www-form-urlencoded").Schema.Value
		s.Properties["purpose"] = openapi3.NewStringSchema().NewRef()
		s.Required = append(s.Required, "purpose")
		return "POST " + path
	}},
	{"a response property removed", func(t *testing.T, doc *openapi3.T) string {
		path, _, op := operation(t, doc, "getMe")
		s := op.Responses.Status(200).Value.Content.Get("application/json").Schema.Value
		gone := s.Required[0]
		delete(s.Properties, gone)
		s.Required = slices.DeleteFunc(s.Required, func(n string) bool { return n == gone })
		return "GET " + path
	}},
}

// TestBrokenCopyFails feeds the check deliberately broken copies of
// openapi.yaml: without a major version increase it fails and lists the
// change; with one it passes.
func TestBrokenCopyFails(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	base := filepath.Join(dir, "base.json")
	write(t, theSpec(t), "1.4.2", base)
	if err := os.WriteFile(filepath.Join(dir, "CHANGELOG.md"), []byte(changelog("2.0.0", "1.5.0", "1.4.2", "1.4.1")), 0o600); err != nil {
		t.Fatal(err)
	}
	check := func(version string, change func(*openapi3.T)) (int, string) {
		doc := theSpec(t)
		change(doc)
		write(t, doc, version, filepath.Join(dir, "rev.json"))
		return runCheck(t, "-repo", dir, "-spec", "rev.json", "-changelog", "CHANGELOG.md", "-base", base)
	}

	for _, tc := range breaks {
		var where string
		for _, v := range []struct {
			version string
			want    int
			says    string
		}{
			{"1.4.2", 1, "info.version is unchanged"},
			{"1.5.0", 1, "went from 1.4.2 to 1.5.0, the same major version"},
			{"1.4.1", 1, "went back from 1.4.2 to 1.4.1"},
			{"2.0.0", 0, "announced by the major version"},
		} {
			code, out := check(v.version, func(doc *openapi3.T) { where = tc.change(t, doc) })
			if code != v.want || !strings.Contains(out, v.says) || (v.want == 1 && !strings.Contains(out, where)) {
				t.Errorf("%s, info.version %s: exit %d, want %d saying %q and %q:\n%s", tc.name, v.version, code, v.want, v.says, where, out)
			}
		}
	}

	// Words and additions need no major version.
	code, out := check("1.4.2", func(doc *openapi3.T) {
		_, _, op := operation(t, doc, "getMe")
		op.Description += " More words."
		s := op.Responses.Status(200).Value.Content.Get("application/json").Schema.Value
		s.Properties["pronouns"] = openapi3.NewStringSchema().NewRef()
	})
	if code != 0 || !strings.Contains(out, "no breaking change") {
		t.Errorf("a description and a new response property: exit %d:\n%s", code, out)
	}
}

// TestVersionAndChangelog: info.version must be a semantic version with a
// section in the changelog, whatever the changes.
func TestVersionAndChangelog(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	base := filepath.Join(dir, "base.json")
	write(t, theSpec(t), "1.0.0", base)
	if err := os.WriteFile(filepath.Join(dir, "CHANGELOG.md"), []byte(changelog("1.0.0")), 0o600); err != nil {
		t.Fatal(err)
	}
	for version, says := range map[string]string{
		"2":     `info.version "2" is not a semantic version`,
		"v1.0":  `info.version "v1.0" is not a semantic version`,
		"1.0.1": `CHANGELOG.md has no section "## 1.0.1"`,
	} {
		write(t, theSpec(t), version, filepath.Join(dir, "rev.json"))
		code, out := runCheck(t, "-repo", dir, "-spec", "rev.json", "-changelog", "CHANGELOG.md", "-base", base)
		if code != 1 || !strings.Contains(out, says) {
			t.Errorf("info.version %q: exit %d, want 1 saying %q:\n%s", version, code, says, out)
		}
	}
}

// TestBaseFromGit runs the check on a repository's history, as make
// spec-breaking does: before any release tag against the first commit
// (before semantic versions: counted, never failed), then against the
// highest release tag.
func TestBaseFromGit(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	repo := t.TempDir()
	git := func(args ...string) {
		t.Helper()
		cmd := exec.CommandContext(context.Background(), "git", append([]string{"-C", repo, "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false"}, args...)...)
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.invalid",
			"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.invalid", "GIT_CONFIG_GLOBAL=/dev/null")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	commit := func(doc *openapi3.T, version, msg string, versions ...string) {
		t.Helper()
		write(t, doc, version, filepath.Join(repo, "openapi.yaml")) // JSON is YAML
		if err := os.WriteFile(filepath.Join(repo, "CHANGELOG.md"), []byte(changelog(versions...)), 0o600); err != nil {
			t.Fatal(err)
		}
		git("add", "-A")
		git("commit", "-q", "-m", msg)
	}
	check := func() (int, string) {
		return runCheck(t, "-repo", repo, "-spec", "openapi.yaml", "-changelog", "CHANGELOG.md")
	}
	removed := func(ids ...string) *openapi3.T {
		doc := theSpec(t)
		for _, id := range ids {
			path, method, _ := operation(t, doc, id)
			doc.Paths.Value(path).SetOperation(method, nil)
		}
		return doc
	}

	git("init", "-q")
	commit(theSpec(t), "2", "the first spec")
	commit(removed("deleteMessage"), "0.9.0", "0.9.0", "0.9.0")
	git("tag", "openapi/v0.9.0")
	git("tag", "openapi/v0.10.0-rc.1") // not a release

	// Tags exist: 0.9.0 is the last release; removing another operation
	// needs a major version.
	commit(removed("deleteMessage", "postMessage"), "0.9.1", "0.9.1", "0.9.1")
	if code, out := check(); code != 1 || !strings.Contains(out, "against release openapi/v0.9.0") || !strings.Contains(out, "POST /rooms/{room_id}/messages") {
		t.Errorf("after openapi/v0.9.0, a removal in 0.9.1: exit %d:\n%s", code, out)
	}
	commit(removed("deleteMessage", "postMessage"), "1.0.0", "1.0.0", "1.0.0")
	if code, out := check(); code != 0 || !strings.Contains(out, "1 breaking change(s), announced by the major version") {
		t.Errorf("the same removal as 1.0.0: exit %d:\n%s", code, out)
	}
	git("tag", "openapi/v1.0.0")
	if code, out := check(); code != 0 || !strings.Contains(out, "against release openapi/v1.0.0 (1.0.0): no breaking change") {
		t.Errorf("at the tag: exit %d:\n%s", code, out)
	}

	// Without release tags, the base is the first commit, from before
	// semantic versions: the changes are counted, the version not judged.
	git("tag", "-d", "openapi/v0.9.0", "openapi/v1.0.0", "openapi/v0.10.0-rc.1")
	if code, out := check(); code != 0 || !strings.Contains(out, `(info.version "2", before semantic versions): 2 breaking change(s), which the first release may make`) {
		t.Errorf("no tag: exit %d:\n%s", code, out)
	}

	// Outside git: skipped, with a message; the version is still checked.
	plain := t.TempDir()
	write(t, theSpec(t), "1.0.0", filepath.Join(plain, "openapi.yaml"))
	if err := os.WriteFile(filepath.Join(plain, "CHANGELOG.md"), []byte(changelog("1.0.0")), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out := runCheck(t, "-repo", plain, "-spec", "openapi.yaml", "-changelog", "CHANGELOG.md"); code != 0 || !strings.Contains(out, "no git history to compare with") {
		t.Errorf("outside git: exit %d:\n%s", code, out)
	}
}

// TestRepositorySpec runs the check on this repository as make
// spec-breaking does, and checks that openapi.yaml keeps the API's
// version apart from its own.
func TestRepositorySpec(t *testing.T) {
	t.Parallel()
	if code, out := runCheck(t); code != 0 {
		t.Errorf("exit %d:\n%s", code, out)
	}
	doc := theSpec(t)
	if v := doc.Info.Extensions["x-chatwork-api-version"]; v != "2" {
		t.Errorf("info.x-chatwork-api-version = %v, want \"2\"", v)
	}
	if !strings.HasSuffix(doc.Servers[0].URL, "/v"+doc.Info.Extensions["x-chatwork-api-version"].(string)) {
		t.Errorf("server %s does not end in the API's version", doc.Servers[0].URL)
	}
}
