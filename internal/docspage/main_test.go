package main

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// A bundle with the byte sequences that would end or confuse an inline
// script element if they were pasted into the page as text.
const trickyBundle = `window.Redoc = {init: function () {}}; var s = "</script><!--<script>é";`

func TestRenderCarriesBundleAndSpec(t *testing.T) {
	t.Parallel()
	spec := `{"openapi":"3.0.3","info":{"title":"Chatwork API","version":"2"},"x-id":1928374655918273645,"x":"</script>"}`
	page, err := render(renderer{js: []byte(trickyBundle), license: "MIT <licence>", version: "9.9.9"}, []byte(spec))
	if err != nil {
		t.Fatal(err)
	}
	html := string(page)
	if n := strings.Count(strings.ToLower(html), "</script"); n != 2 {
		t.Errorf("the page has %d </script sequences, want the 2 of its own script elements:\n%s", n, html)
	}
	m := regexp.MustCompile(`<script id="redoc-bundle" type="application/octet-stream">([^<]*)</script>`).FindStringSubmatch(html)
	if m == nil {
		t.Fatalf("no bundle element in:\n%s", html)
	}
	got, err := base64.StdEncoding.DecodeString(m[1])
	if err != nil || string(got) != trickyBundle {
		t.Errorf("the bundle does not decode to the input: %q, %v", got, err)
	}
	for _, want := range []string{
		"<title>Chatwork API reference</title>",
		`content="default-src 'none';`,
		"1928374655918273645", // exact, not a float64
		"Redoc 9.9.9",
		"MIT &lt;licence&gt;",
	} {
		if !strings.Contains(html, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if strings.Contains(html, "src=") || regexp.MustCompile(`(src|href)=`).MatchString(html) {
		t.Errorf("the page refers to something outside itself:\n%s", html)
	}
}

func TestRunChecksTheBundleHash(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bundle := filepath.Join(dir, "redoc.standalone.js")
	license := filepath.Join(dir, "LICENSE")
	spec := filepath.Join(dir, "openapi.json")
	out := filepath.Join(dir, "docs", "index.html")
	if err := os.WriteFile(bundle, []byte(trickyBundle), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(spec, []byte(`{"info":{"title":"T"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(license, []byte("MIT"), 0o644); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(trickyBundle))
	files := bundleFiles{js: bundle, license: license, version: "1", sha256: strings.Repeat("0", 64)}
	if err := run(files, spec, out); err == nil || !strings.Contains(err.Error(), "not the pinned Redoc bundle") {
		t.Errorf("a wrong SHA-256 gave %v", err)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a page was written from an unchecked bundle (%v)", err)
	}
	files.sha256 = hex.EncodeToString(sum[:])
	if err := run(files, spec, out); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(out); err != nil {
		t.Error(err)
	}
}

// TestForReaders: the reference says each operation's security in one
// sentence (and drops the list Redoc would draw), folds x-chatwork-sources
// into a note at the end of the description beside them, and moves the
// description's version from beside the title into the introduction;
// keys keep their order and 19-digit numbers their digits.
func TestForReaders(t *testing.T) {
	t.Parallel()
	spec := `{"openapi":"3.0.3","info":{"title":"Chatwork API v2","version":"1.2.3","description":"Intro."},` +
		`"paths":{"/rooms":{"get":{"operationId":"listRooms","security":[{"ApiToken":[]},{"OAuth2":["rooms.all:read_write"]},{"OAuth2":["rooms.all:read"]},{"OAuth2":["rooms.info:read"]}],"x-id":1928374655918273645},` +
		`"post":{"operationId":"createRoom","description":"Creates a chat.","security":[{"ApiToken":[]},{"OAuth2":["rooms:write"]}],` +
		`"x-chatwork-sources":[{"source":"RAML","note":"required"},{"source":"PDF","note":"absent"}]}}},` +
		`"x-webhooks":{"a":{"post":{"operationId":"receive","security":[]}}},"z":1}`
	out, err := forReaders([]byte(spec))
	if err != nil {
		t.Fatal(err)
	}
	got := string(out)
	for _, want := range []string{
		`"description":"**Authorization:** the API token (` + "`X-ChatWorkToken`" + `), or an OAuth access token with one of the scopes ` +
			"`rooms.all:read_write`, `rooms.all:read` or `rooms.info:read`" + `."`,
		`"description":"**Authorization:** the API token (` + "`X-ChatWorkToken`" + `), or an OAuth access token with the scope ` + "`rooms:write`" + `.\n\nCreates a chat.`,
		`<details><summary>Sources</summary>\n\n- RAML: required\n- PDF: absent\n\n</details>`,
		`"version":""`,
		`This is version 1.2.3 of the description`,
		`"x-id":1928374655918273645`,
		`"security":[]`, // the webhook's: none to say
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the reader's spec lacks %s:\n%s", want, got)
		}
	}
	if strings.Count(got, `"security"`) != 1 {
		t.Errorf("an operation keeps its security list:\n%s", got)
	}
	if !strings.HasPrefix(got, `{"openapi":"3.0.3","info":{"title"`) || !strings.HasSuffix(got, `,"z":1}`) {
		t.Errorf("the keys lost their order:\n%s", got)
	}
}
