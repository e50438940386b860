package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
)

// root is the module root, where openapi.yaml is.
const root = "../.."

// codeSample is one entry of an operation's x-codeSamples.
type codeSample struct {
	op, lang, label, source string
}

// loadSamples returns the spec and every code sample of openapi.yaml, in
// the order of its paths and methods.
func loadSamples(t *testing.T) (*openapi3.T, []codeSample) {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromFile(filepath.Join(root, "openapi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var out []codeSample
	for _, p := range doc.Paths.InMatchingOrder() {
		item := doc.Paths.Value(p)
		for _, m := range []string{"GET", "POST", "PUT", "DELETE"} {
			op := item.GetOperation(m)
			if op == nil {
				continue
			}
			list, _ := op.Extensions["x-codeSamples"].([]any)
			for _, x := range list {
				s, _ := x.(map[string]any)
				lang, _ := s["lang"].(string)
				label, _ := s["label"].(string)
				source, _ := s["source"].(string)
				out = append(out, codeSample{op.OperationID, lang, label, source})
			}
		}
	}
	return doc, out
}

// TestSamplesAreFresh: the samples in openapi.yaml are those its examples
// make now (go generate writes them; check-generate catches a stale file
// too), and every operation has the three.
func TestSamplesAreFresh(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile(filepath.Join(root, "openapi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	out, err := rewrite(src)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, src) {
		t.Error("the code samples of openapi.yaml are stale: run go generate ./... (make generate)")
	}
	doc, samples := loadSamples(t)
	n := 0
	for _, item := range doc.Paths.Map() {
		n += len(item.Operations())
	}
	langs := map[string]int{}
	for _, s := range samples {
		langs[s.lang]++
	}
	for _, lang := range []string{"Shell", "TypeScript", "Go"} {
		if langs[lang] != n {
			t.Errorf("%d %s samples for %d operations", langs[lang], lang, n)
		}
	}
}

// TestGoSamplesCompile compiles every Go sample as the program it is,
// with go build, in the module (through an overlay: nothing is written to
// the tree).
func TestGoSamplesCompile(t *testing.T) {
	t.Parallel()
	_, samples := loadSamples(t)
	abs, err := filepath.Abs(root)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	overlay := map[string]string{}
	var pkgs []string
	for _, s := range samples {
		if s.lang != "Go" {
			continue
		}
		file := filepath.Join(dir, s.op+".go")
		if err := os.WriteFile(file, []byte(s.source), 0o600); err != nil {
			t.Fatal(err)
		}
		pkg := "internal/codesamples/vet_" + s.op
		overlay[filepath.Join(abs, pkg, "main.go")] = file
		pkgs = append(pkgs, "./"+pkg)
	}
	if len(pkgs) < 32 {
		t.Fatalf("only %d Go samples", len(pkgs))
	}
	ov, _ := json.Marshal(map[string]any{"Replace": overlay})
	ovFile := filepath.Join(dir, "overlay.json")
	if err := os.WriteFile(ovFile, ov, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(goTool(), append([]string{"build", "-overlay", ovFile}, pkgs...)...)
	cmd.Dir = abs
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("go build of the Go samples: %v\n%s", err, out)
	}
}

func goTool() string {
	if p := filepath.Join(os.Getenv("GOROOT"), "bin", "go"); os.Getenv("GOROOT") != "" {
		return p
	}
	return "go"
}

// needs returns the path of a program the sample runner needs; without it
// the test is skipped, but fails under CI=true.
func needs(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not installed; CI must have it", name)
		}
		t.Skipf("%s is not installed", name)
	}
	return p
}

// prerequisites are the samples that must run first, after the reset:
// a link to change or delete, messages read before they are made unread.
var prerequisites = map[string]string{
	"updateInvitationLink": "createInvitationLink",
	"deleteInvitationLink": "createInvitationLink",
	"markMessagesUnread":   "markMessagesRead",
}

// TestSamplesRunAgainstTheFake runs every curl and TypeScript sample of
// openapi.yaml, as a reader would copy it (the base URL pointed at the
// fake), against `chatwork fake` built from this module and seeded with
// the state the examples name (seed.yaml), over loopback. Before each
// sample the fake goes back to its seed. Each must exit 0 (curl with
// --fail-with-body; the TypeScript samples throw on a non-2xx), and the
// fake must have answered its operation with a 2xx; the upload must have
// arrived with its Japanese file name in filename=.
func TestSamplesRunAgainstTheFake(t *testing.T) {
	bash, node := needs(t, "bash"), needs(t, "node")
	needs(t, "curl")
	doc, samples := loadSamples(t)
	abs, err := filepath.Abs(root)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "chatwork")
	build := exec.Command(goTool(), "build", "-o", bin, "./cmd/chatwork")
	build.Dir = abs
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building chatwork: %v\n%s", err, out)
	}
	base, admin := startFake(t, bin)

	// The upload's file, named as its example names it.
	upload := doc.Paths.Find("/rooms/{room_id}/files").Post.RequestBody.Value.Content.Get("multipart/form-data").Example.(map[string]any)
	fileName := upload["file"].(string)
	if err := os.WriteFile(filepath.Join(dir, fileName), []byte("%PDF-1.4 minutes\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	token := "sample-token-of-john" // seed.yaml's first account

	byOp := map[string]map[string]codeSample{}
	for _, s := range samples {
		if byOp[s.op] == nil {
			byOp[s.op] = map[string]codeSample{}
		}
		byOp[s.op][s.lang] = s
	}
	runOne := func(s codeSample) error {
		src := strings.ReplaceAll(s.source, baseURL, base)
		var args []string
		switch s.lang {
		case "Shell":
			if !strings.HasPrefix(src, "curl ") {
				return fmt.Errorf("the sample does not start with curl")
			}
			args = []string{bash, "-c", "curl --fail-with-body -sS " + strings.TrimPrefix(src, "curl ")}
		case "TypeScript":
			file := filepath.Join(dir, s.op+".mjs")
			if err := os.WriteFile(file, []byte(src), 0o600); err != nil {
				return err
			}
			args = []string{node, file}
		default:
			return fmt.Errorf("no runner for %s", s.lang)
		}
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute) // bounds a hang only
		defer cancel()
		cmd := exec.CommandContext(ctx, args[0], args[1:]...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "CHATWORK_API_TOKEN="+token)
		out, err := cmd.CombinedOutput()
		if err != nil {
			return fmt.Errorf("%w\n%s", err, out)
		}
		return nil
	}
	ran := 0
	for _, op := range slices.Sorted(maps.Keys(byOp)) {
		for _, lang := range []string{"Shell", "TypeScript"} {
			s, ok := byOp[op][lang]
			if !ok {
				t.Errorf("%s: no %s sample", op, lang)
				continue
			}
			control(t, base, admin, http.MethodPost, "/reset", nil)
			if pre := prerequisites[op]; pre != "" {
				if err := runOne(byOp[pre][lang]); err != nil {
					t.Errorf("%s %s: its prerequisite %s failed: %v", op, lang, pre, err)
					continue
				}
			}
			if err := runOne(s); err != nil {
				t.Errorf("%s %s sample failed: %v\n%s", op, lang, err, s.source)
				continue
			}
			var reqs []struct {
				Status int `json:"status"`
				Files  []struct {
					FileName string `json:"file_name"`
				} `json:"files"`
			}
			control(t, base, admin, http.MethodGet, "/requests?operation_id="+op, &reqs)
			if len(reqs) != 1 || reqs[0].Status/100 != 2 {
				t.Errorf("%s %s: the fake recorded %+v for the operation, want one 2xx", op, lang, reqs)
				continue
			}
			if op == "uploadFile" && (len(reqs[0].Files) != 1 || reqs[0].Files[0].FileName != fileName) {
				t.Errorf("uploadFile %s: file parts %+v, want one named %q in filename=", lang, reqs[0].Files, fileName)
			}
			ran++
		}
	}
	t.Logf("%d samples ran against chatwork fake", ran)
}

// startFake starts `chatwork fake` with seed.yaml on a free loopback port
// and returns its base URL and the control API's token.
func startFake(t *testing.T, bin string) (base, admin string) {
	t.Helper()
	admin = "samples-admin-token"
	cmd := exec.Command(bin, "fake", "--seed", "seed.yaml", "--admin-token", admin, "--addr", "127.0.0.1:0", "--quiet")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(time.Minute): // bounds a hang only
			_ = cmd.Process.Kill()
		}
	})
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	deadline := time.After(time.Minute) // bounds a hang only
	for base == "" || !strings.HasPrefix(base, "http://127.0.0.1:") {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatal("chatwork fake exited before printing its base URL")
			}
			if v, found := strings.CutPrefix(strings.TrimSpace(l), "export CHATWORK_BASE_URL="); found {
				base = v
			}
		case <-deadline:
			t.Fatal("chatwork fake printed no base URL")
		}
	}
	go func() {
		for range lines { // keep the pipe drained
		}
	}()
	return base, admin
}

// control calls the fake's control API and decodes its JSON answer into
// out (nil for none).
func control(t *testing.T, base, admin, method, path string, out any) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, strings.TrimSuffix(base, "/v2")+"/_fake"+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+admin)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		t.Fatalf("%s /_fake%s: %s %s", method, path, resp.Status, body)
	}
	if out != nil {
		if err := json.Unmarshal(body, out); err != nil {
			t.Fatalf("%s /_fake%s: %v", method, path, err)
		}
	}
}

// TestShellQuote: what the curl samples quote reaches the program as it
// was, whatever it holds.
func TestShellQuote(t *testing.T) {
	t.Parallel()
	bash := needs(t, "bash")
	for _, s := range []string{"plain", "it's", `"$HOME" \n`, "報告書 2026.pdf", "two\nlines", "'", ""} {
		out, err := exec.Command(bash, "-c", "printf %s "+shellQuote(s)).Output()
		if err != nil || string(out) != s {
			t.Errorf("%q came through the shell as %q (%v)", s, out, err)
		}
	}
}
