package checks

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// chromiumHangGuard stops a chromium that never exits. It is not a speed
// check: rendering is bounded by virtual time (see chromiumArgs).
const chromiumHangGuard = 5 * time.Minute

// TestDocsRenderOffline opens docs/index.html (written by `make docs`) in
// headless Chromium with every network request sent to a proxy that does
// not exist, and checks that Redoc drew every operation of openapi.json
// (32) and every webhook of x-webhooks. The page's source has no
// operation in it: what the browser shows was drawn by the inlined
// renderer, offline. A screenshot goes to docs/reference.png.
//
// Without chromium or docs/index.html the test skips, except under
// CI=true, where it fails.
func TestDocsRenderOffline(t *testing.T) {
	t.Parallel()
	root := repoRoot(t)
	page := filepath.Join(root, "docs", "index.html")
	src, err := os.ReadFile(page)
	if err != nil {
		missing(t, fmt.Sprintf("%v: run make docs first", err))
		return
	}
	browser := findChromium()
	if browser == "" {
		missing(t, "chromium is not installed (apt-get install chromium)")
		return
	}
	ops, hooks := specOperations(t, filepath.Join(root, "openapi.json"))
	if len(ops) != 32 {
		t.Errorf("openapi.json has %d path operations, want the 32 of the Chatwork API v2", len(ops))
	}
	if len(hooks) == 0 {
		t.Error("openapi.json has no x-webhooks operations")
	}

	checkSelfContained(t, string(src))

	dom := chromium(t, browser, page, "--dump-dom")
	drawn := map[string]int{}
	for _, m := range regexp.MustCompile(`data-section-id="operation/([^"]+)"`).FindAllStringSubmatch(dom, -1) {
		drawn[m[1]]++
	}
	pathOps := 0
	for id, tag := range ops {
		if drawn[id] != 1 || !strings.Contains(dom, fmt.Sprintf(`data-section-id="tag/%s/operation/%s"`, tag, id)) {
			t.Errorf("operation %s (tag %s) is not drawn once under its tag (%d times)", id, tag, drawn[id])
			continue
		}
		pathOps++
	}
	hookOps := 0
	for _, id := range hooks {
		if drawn[id] != 1 {
			t.Errorf("webhook %s is not drawn once (%d times)", id, drawn[id])
			continue
		}
		hookOps++
	}
	for id := range drawn {
		if _, ok := ops[id]; !ok && !slices.Contains(hooks, id) {
			t.Errorf("the page draws operation %s, which openapi.json does not have", id)
		}
	}
	t.Logf("drawn offline: %d operations, %d webhooks (%d bytes of DOM)", pathOps, hookOps, len(dom))

	shot := filepath.Join(root, "docs", "reference.png")
	chromium(t, browser, page, "--screenshot="+shot, "--window-size=1280,1600", "--hide-scrollbars")
	if info, err := os.Stat(shot); err != nil || info.Size() < 10_000 {
		t.Errorf("no screenshot at %s (%v)", shot, err)
	} else {
		t.Logf("screenshot: %s (%d bytes)", shot, info.Size())
	}
}

// missing skips the test, or fails it under CI=true.
func missing(t *testing.T, why string) {
	t.Helper()
	if inCI() {
		t.Fatalf("CI=true: %s", why)
	}
	t.Skip(why)
}

func findChromium() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// specOperations returns the operationIds of the paths, with their tags,
// and those of x-webhooks.
func specOperations(t *testing.T, path string) (ops map[string]string, hooks []string) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	type operation struct {
		OperationID string   `json:"operationId"`
		Tags        []string `json:"tags"`
	}
	var doc struct {
		Paths    map[string]map[string]json.RawMessage `json:"paths"`
		Webhooks map[string]map[string]operation       `json:"x-webhooks"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	ops = map[string]string{}
	for _, item := range doc.Paths {
		for method, v := range item {
			if method == "parameters" || strings.HasPrefix(method, "x-") {
				continue
			}
			var op operation
			if err := json.Unmarshal(v, &op); err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			if len(op.Tags) != 1 {
				t.Fatalf("operation %s has tags %v, want one", op.OperationID, op.Tags)
			}
			ops[op.OperationID] = op.Tags[0]
		}
	}
	for _, item := range doc.Webhooks {
		for _, op := range item {
			hooks = append(hooks, op.OperationID)
		}
	}
	slices.Sort(hooks)
	return ops, hooks
}

// checkSelfContained fails if the page's source loads anything from
// elsewhere, lacks the policy that forbids the network, or already holds
// the rendered reference.
func checkSelfContained(t *testing.T, src string) {
	t.Helper()
	for _, m := range regexp.MustCompile(`(?i)<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=\s*"?([^" >]+)`).FindAllStringSubmatch(src, -1) {
		t.Errorf("docs/index.html loads %s: the page must carry everything it needs", m[1])
	}
	if !strings.Contains(src, `http-equiv="Content-Security-Policy" content="default-src 'none';`) {
		t.Error("docs/index.html has no Content-Security-Policy with default-src 'none'")
	}
	if strings.Contains(src, `data-section-id="operation/`) {
		t.Error("docs/index.html is pre-rendered: the browser check would not show that the renderer runs offline")
	}
}

// chromium runs headless Chromium on page with no network: every request
// goes to a proxy at 127.0.0.1:9, where nothing listens. Virtual time lets
// the page's timers and rendering run to completion before the DOM is
// dumped or the screenshot taken, however slow the machine. It returns
// standard output.
func chromium(t *testing.T, browser, page string, extra ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), chromiumHangGuard)
	defer cancel()
	args := append([]string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-default-apps", "--disable-extensions", "--no-first-run", "--no-default-browser-check",
		"--user-data-dir=" + t.TempDir(),
		"--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
		"--virtual-time-budget=60000",
	}, extra...)
	args = append(args, "file://"+page)
	cmd := exec.CommandContext(ctx, browser, args...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %s: %v\n%s", strings.Join(extra, " "), err, tail(stderr.String(), 2000))
	}
	return stdout.String()
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}
