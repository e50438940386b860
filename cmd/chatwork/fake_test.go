package main

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// TestFakePrintsRefusals runs "chatwork fake", sends it requests as a
// client in another language would (a bearer API token, repeated keys) and
// reads the lines it prints on stderr; with --quiet there are none.
func TestFakePrintsRefusals(t *testing.T) {
	t.Parallel()
	for _, quiet := range []bool{false, true} {
		args := []string{"fake", "--addr", "127.0.0.1:0"}
		if quiet {
			args = append(args, "--quiet")
		}
		var tok string
		errout := runFake(t, args, func(base, token, _ string) {
			tok = token
			send := func(method, path, auth, body string) {
				if status := sendForm(t, method, base+path, "Authorization", auth, body); status < 400 {
					t.Errorf("%s %s: status %d, want a refusal", method, path, status)
				}
			}
			send("POST", "/rooms", "", "X-ChatWorkToken="+token+"&name=x&members_admin_ids=1&members_admin_ids=2")
			send("GET", "/me", "Bearer "+token, "")
		})
		lines := regexp.MustCompile(`(?m)^chatwork fake: .*$`).FindAllString(errout, -1)
		if strings.Contains(errout, tok) {
			t.Errorf("the token was printed:\n%s", errout)
		}
		if quiet {
			if len(lines) != 0 {
				t.Errorf("--quiet printed %q", lines)
			}
			continue
		}
		if len(lines) != 2 {
			t.Fatalf("want 2 lines for 2 refusals, got:\n%s", errout)
		}
		if !strings.HasPrefix(lines[0], "chatwork fake: POST /v2/rooms: 401: ") {
			t.Errorf("line %q", lines[0])
		}
		if lines[1] != "chatwork fake: GET /v2/me: 401: an API token sent as Authorization: Bearer; send it in the X-ChatWorkToken header (Bearer is for OAuth access tokens)" {
			t.Errorf("line %q", lines[1])
		}
	}
}

// TestFakePrintsValidatorReason checks the line of a request refused by
// the validator: it carries the validator's reason.
func TestFakePrintsValidatorReason(t *testing.T) {
	t.Parallel()
	errout := runFake(t, []string{"fake", "--addr", "127.0.0.1:0"}, func(base, token, _ string) {
		sendForm(t, "POST", base+"/rooms", "X-ChatWorkToken", token, "name=x&members_admin_ids=1&members_admin_ids=2")
	})
	want := `chatwork fake: POST /v2/rooms: 400: body.members_admin_ids: value "1&2": repeated key; send one comma-joined value such as 1,2,3`
	if !strings.Contains(errout, want+"\n") {
		t.Errorf("stderr lacks %q:\n%s", want, errout)
	}
	if strings.Contains(errout, "X-ChatWorkToken=") {
		t.Error("a token was printed")
	}
}

// runFake runs the command with args until use has returned, and returns
// what it printed on stderr once it has stopped. use gets the base URL and
// the API token from the banner, and the whole banner.
func runFake(t *testing.T, args []string, use func(base, token, banner string)) string {
	t.Helper()
	b := cli{}.start(t, args...)
	waitFor(t, "the fake's banner", func() bool { return strings.Contains(b.out.String(), "Serving until") })
	banner := b.out.String()
	base := regexp.MustCompile(`(?m)^  export CHATWORK_BASE_URL=(\S+)$`).FindStringSubmatch(banner)
	tok := regexp.MustCompile(`(?m)^  export CHATWORK_API_TOKEN=(\S+)$`).FindStringSubmatch(banner)
	if base == nil || tok == nil {
		t.Fatalf("the banner lacks the export lines:\n%s", banner)
	}
	use(base[1], tok[1], banner)
	b.stop(t, "fake")
	return b.errout.String()
}

// sendForm sends a form body with one header and returns the status.
func sendForm(t *testing.T, method, url, header, value, body string) int {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set(header, value)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
