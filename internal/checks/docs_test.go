package checks

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chatwork-go/chatwork/internal/cdp"
)

// chromiumHangGuard stops a chromium that never exits. It is not a speed
// check: rendering is bounded by virtual time (see chromiumArgs).
const chromiumHangGuard = 5 * time.Minute

// TestDocsRenderOffline opens docs/index.html (written by `make docs`) in
// headless Chromium with every network request sent to a proxy that does
// not exist, and checks that Redoc drew every operation of openapi.json
// (32) and every webhook of x-webhooks. The page's source has no
// operation in it: what the browser shows was drawn by the inlined
// renderer, offline. It then checks the reference as a reader meets it:
// the sidebar in the order of x-tagGroups, the introduction (requests,
// authentication, rate limits, errors, message notation, webhooks) before
// the operations; the title without a version beside it; each operation's
// authorization said once, in one sentence; the curl sample of postMessage
// open beside it; and the search box finding "toall" (Message notation)
// and "filename" (the upload). A screenshot goes to docs/reference.png.
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
	browser := cdp.Find()
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
	checkReaderView(t, root, dom)
	checkSearch(t, browser, string(src))

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
	args := append(append(cdp.Flags(t.TempDir()), "--proxy-bypass-list=<-loopback>", "--virtual-time-budget=60000"), extra...)
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

// introduction is what the reference explains before the operations, as
// tags of x-tagGroups' first group.
var introduction = []string{"authentication", "rate_limits", "errors", "notation", "webhooks"}

// checkReaderView checks the drawn reference (dom, without its scripts)
// against openapi.json: the sidebar's order, the introduction, the title,
// the authorization sentences and postMessage's code sample.
func checkReaderView(t *testing.T, root, dom string) {
	t.Helper()
	dom = regexp.MustCompile(`(?s)<script\b.*?</script>`).ReplaceAllString(dom, "")
	raw, err := os.ReadFile(filepath.Join(root, "openapi.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Groups []struct {
			Name string   `json:"name"`
			Tags []string `json:"tags"`
		} `json:"x-tagGroups"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, g := range doc.Groups {
		want = append(want, "group/"+strings.ReplaceAll(g.Name, " ", "-"))
		for _, tag := range g.Tags {
			want = append(want, "tag/"+tag)
		}
	}
	var got []string
	for _, m := range regexp.MustCompile(`data-item-id="((?:group|tag)/[^"/]+)"`).FindAllStringSubmatch(dom, -1) {
		got = append(got, m[1])
	}
	if !slices.Equal(got, want) {
		t.Errorf("the sidebar reads\n  %v\nwant the order of x-tagGroups\n  %v", got, want)
	}
	if len(doc.Groups) == 0 || doc.Groups[0].Name != "Introduction" {
		t.Fatalf("x-tagGroups does not start with the Introduction: %+v", doc.Groups)
	}
	for _, tag := range introduction {
		if !slices.Contains(doc.Groups[0].Tags, tag) {
			t.Errorf("the introduction has no %s section", tag)
		}
	}

	text := func(html string) string {
		return strings.Join(strings.Fields(regexp.MustCompile(`<[^>]+>`).ReplaceAllString(html, " ")), " ")
	}
	if m := regexp.MustCompile(`(?s)<h1[^>]*>(.*?)</h1>`).FindStringSubmatch(dom); m == nil || text(m[1]) != "Chatwork API v2" {
		t.Errorf("the title reads %q, want Chatwork API v2", m)
	}
	if strings.Contains(dom, "Authorizations:") {
		t.Error(`an operation shows Redoc's "Authorizations:" list; its sentence is enough`)
	}
	op := func(tag, id string) string {
		i := strings.Index(dom, fmt.Sprintf(`data-section-id="tag/%s/operation/%s"`, tag, id))
		if i < 0 {
			t.Fatalf("no section for %s", id)
		}
		j := strings.Index(dom[i+1:], `data-section-id="tag/`)
		if j < 0 {
			return dom[i:]
		}
		return dom[i : i+1+j]
	}
	post := op("messages", "postMessage")
	if s := text(post); strings.Count(s, "Authorization:") != 1 ||
		!strings.Contains(s, "Authorization: the API token ( X-ChatWorkToken ), or an OAuth access token with one of the scopes") {
		t.Errorf("postMessage does not say its authorization once, in a sentence:\n%s", tail(s, 600))
	}
	selected := regexp.MustCompile(`(?s)<li class="react-tabs__tab react-tabs__tab--selected"[^>]*>([^<]*)</li>.*?<div class="react-tabs__tab-panel react-tabs__tab-panel--selected"[^>]*>(.*?)</div></div></div>`).FindStringSubmatch(post)
	switch {
	case selected == nil:
		t.Error("postMessage shows no selected request sample")
	case selected[1] != "curl":
		t.Errorf("postMessage's request samples open on %q, want curl", selected[1])
	default:
		code := html.UnescapeString(regexp.MustCompile(`<[^>]+>`).ReplaceAllString(selected[2], ""))
		for _, want := range []string{"curl 'https://api.chatwork.com/v2/rooms/1234/messages'", `-H "X-ChatWorkToken: $CHATWORK_API_TOKEN"`, "--data-urlencode 'body="} {
			if !strings.Contains(code, want) {
				t.Errorf("postMessage's curl sample lacks %q:\n%s", want, code)
			}
		}
	}
}

// searchProbe is a script added to a copy of the page: it types each term
// into Redoc's search box, waits for the results (for up to a minute each,
// typing the term again every 2 s: Redoc builds its index in a Web Worker,
// and a search run before the index is complete finds nothing), and writes
// their labels into data-search-<term> of the body, where checkSearch reads
// them.
const searchProbe = `<script>
(function () {
  var setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value").set;
  function results() { return document.querySelectorAll('[data-role="search:results"] li'); }
  function type(input, term) {
    setter.call(input, term);
    input.dispatchEvent(new Event("input", { bubbles: true }));
  }
  function search(terms) {
    if (terms.length === 0) return;
    var input = document.querySelector('input[placeholder="Search..."]');
    if (!input) { setTimeout(function () { search(terms); }, 200); return; }
    type(input, "");
    var tries = 0;
    (function cleared() {
      if (results().length > 0 && tries++ < 100) { setTimeout(cleared, 100); return; }
      type(input, terms[0]);
      tries = 0;
      (function found() {
        var items = results();
        if (items.length === 0 && tries++ < 300) {
          // A search run before the worker finished the index finds
          // nothing, and Redoc does not run it again: ask again.
          if (tries % 10 === 0) { type(input, ""); type(input, terms[0]); }
          setTimeout(found, 200);
          return;
        }
        var labels = [];
        items.forEach(function (li) { labels.push(li.textContent.trim()); });
        document.body.setAttribute("data-search-" + terms[0], JSON.stringify(labels));
        search(terms.slice(1));
      })();
    })();
  }
  setTimeout(function () { search(["toall", "filename"]); }, 1000);
})();
</script>
`

// checkSearch runs the search box of a copy of the page (src) with
// searchProbe: "toall" must find the Message notation section, "filename"
// the upload. The browser runs in real time, driven over the DevTools
// protocol: under --virtual-time-budget the probe's first search could
// run, in no real time, before the Web Worker had built the index, and
// found nothing (once in CI, on a busy machine).
func checkSearch(t *testing.T, browser, src string) {
	t.Helper()
	probe := filepath.Join(t.TempDir(), "search.html")
	if err := os.WriteFile(probe, []byte(strings.Replace(src, "</body>", searchProbe+"</body>", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), chromiumHangGuard)
	defer cancel()
	b, err := cdp.Start(ctx, browser, "--proxy-bypass-list=<-loopback>")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	page, err := b.Open(ctx, "file://"+probe)
	if err != nil {
		t.Fatal(err)
	}
	// The probe writes its last term's results once it is done with all.
	const done = `document.body && document.body.getAttribute("data-search-filename")`
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		var last *string
		if err := b.Eval(ctx, page, done, &last); err != nil {
			t.Fatal(err)
		}
		if last != nil {
			break
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			t.Fatalf("the search probe did not finish: %v", ctx.Err())
		}
	}
	var dom string
	if err := b.Eval(ctx, page, "document.documentElement.outerHTML", &dom); err != nil {
		t.Fatal(err)
	}
	for term, want := range map[string]string{"toall": "Message notation", "filename": "Upload a file"} {
		m := regexp.MustCompile(`data-search-` + term + `="([^"]*)"`).FindStringSubmatch(dom)
		if m == nil {
			t.Errorf("searching %q found nothing", term)
			continue
		}
		var labels []string
		if err := json.Unmarshal([]byte(html.UnescapeString(m[1])), &labels); err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(labels, func(l string) bool { return strings.Contains(l, want) }) {
			t.Errorf("searching %q found %q, not %q", term, labels, want)
		} else {
			t.Logf("searching %q finds %q", term, labels)
		}
	}
}
