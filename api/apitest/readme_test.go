package apitest_test

import (
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/chatwork-go/chatwork/api/apitest"
)

// TestREADMEFakeFromAnyLanguage runs the README's section "Using the fake
// from any language": its seed file loads, and its curl commands, sent to
// a fake started from that seed, succeed.
func TestREADMEFakeFromAnyLanguage(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "## Using the fake from any language\n")
	if !ok {
		t.Fatal("the README has no section Using the fake from any language")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	yaml := regexp.MustCompile("(?s)```yaml\n# seed.yaml\n(.*?)```").FindStringSubmatch(section)
	if yaml == nil {
		t.Fatal("the section has no seed.yaml")
	}
	seed, err := apitest.ReadSeed("README.md seed.yaml", []byte(yaml[1]))
	if err != nil {
		t.Fatal(err)
	}
	curls := regexp.MustCompile(`(?m)^curl .*$`).FindAllString(section, -1)
	if len(curls) != 3 {
		t.Fatalf("the section has %d curl commands, want 3", len(curls))
	}
	if _, err := exec.LookPath("curl"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("curl is not installed; CI must run this test")
		}
		t.Skip("curl is not installed")
	}
	s := apitest.NewServer(t, apitest.WithSeed(seed), apitest.WithAdminToken("secret"))
	root := strings.TrimSuffix(s.URL(), "/v2")
	for _, line := range curls {
		args := splitShell(t, strings.ReplaceAll(line, "http://127.0.0.1:8080", root))[1:]
		out, err := exec.CommandContext(t.Context(), "curl", append([]string{"-sS", "--fail-with-body", "-w", "\n%{http_code}"}, args...)...).CombinedOutput()
		if err != nil {
			t.Errorf("%s: %v\n%s", line, err, out)
		}
	}
	if f := s.Faults(); len(f) != 1 || f[0].RateLimit != apitest.RateLimitRoom {
		t.Errorf("the fault command injected %+v", f)
	}
}

// splitShell splits a command line of words and single-quoted strings.
func splitShell(t *testing.T, line string) []string {
	t.Helper()
	var out []string
	for _, m := range regexp.MustCompile(`'([^']*)'|(\S+)`).FindAllStringSubmatch(line, -1) {
		if m[1] != "" {
			out = append(out, m[1])
		} else {
			out = append(out, m[2])
		}
	}
	return out
}
