package main

import (
	"io"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
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

// startFake runs chatwork fake with args (and limits, nil for the
// defaults) until the end of the test, and returns it with the banner's
// base URL and control API URL once it serves.
func startFake(t *testing.T, limits *serverLimits, args ...string) (b *background, base, control string) {
	t.Helper()
	b = cli{limits: limits}.start(t, append([]string{"fake", "--addr", "127.0.0.1:0", "--quiet"}, args...)...)
	waitFor(t, "the fake's banner", func() bool { return strings.Contains(b.out.String(), "Serving until") })
	banner := b.out.String()
	m := regexp.MustCompile(`(?m)^  export CHATWORK_BASE_URL=(\S+)$`).FindStringSubmatch(banner)
	c := regexp.MustCompile(`(?m)^  export CHATWORK_FAKE_URL=(\S+)$`).FindStringSubmatch(banner)
	if m == nil || c == nil {
		t.Fatalf("the banner lacks the export lines:\n%s", banner)
	}
	return b, m[1], c[1]
}

// control calls the control API and returns the status and the body.
func control(t *testing.T, adminToken, method, url, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+adminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

const fakeSeed = `# a seed
accounts:
  - {account_id: 11, token: tok-11, name: Ren}
  - {account_id: 12, token: tok-12, name: Mio}
rooms:
  - room_id: 300
    name: Release
    admin_ids: [11]
    member_ids: [12]
messages:
  - {room_id: 300, account_id: 12, body: "hi Ren"}
`

// TestFakeSeedAndControlAPI starts the fake from a seed file, changes it
// through the API and the control API, and resets it.
func TestFakeSeedAndControlAPI(t *testing.T) {
	t.Parallel()
	b, base, ctl := startFake(t, nil, "--seed", writeFile(t, "seed.yaml", fakeSeed), "--admin-token", "s3cret")
	banner := b.out.String()
	for _, want := range []string{"Ren (you) (account_id 11)", "token: tok-12", "room     Release (room_id 300)", "export CHATWORK_API_TOKEN=tok-11", "export CHATWORK_FAKE_ADMIN_TOKEN=s3cret"} {
		if !strings.Contains(banner, want) {
			t.Errorf("the banner lacks %q:\n%s", want, banner)
		}
	}
	if status := sendForm(t, "POST", base+"/rooms/300/messages", "X-ChatWorkToken", "tok-11", "body=hello+Mio"); status != 200 {
		t.Fatalf("post: %d", status)
	}
	if status, body := control(t, "s3cret", "GET", ctl+"/requests?operation_id=postMessage", ""); status != 200 ||
		!strings.Contains(body, `"form":{"body":["hello Mio"]}`) {
		t.Errorf("recorded requests: %d %s", status, body)
	}
	if status, body := control(t, "s3cret", "GET", ctl+"/messages?room_id=300", ""); status != 200 || strings.Count(body, `"message_id"`) != 2 {
		t.Errorf("messages: %d %s", status, body)
	}
	if status, _ := control(t, "wrong", "POST", ctl+"/reset", ""); status != http.StatusForbidden {
		t.Errorf("reset with a wrong admin token: %d", status)
	}
	if status, body := control(t, "s3cret", "POST", ctl+"/reset", ""); status != http.StatusNoContent {
		t.Fatalf("reset: %d %s", status, body)
	}
	if _, body := control(t, "s3cret", "GET", ctl+"/messages?room_id=300", ""); strings.Count(body, `"message_id"`) != 1 {
		t.Errorf("messages after reset: %s", body)
	}
	b.stop(t, "fake")
}

// TestFakeSeedMistakes: a seed file with mistakes is a usage error that
// names each one's place.
func TestFakeSeedMistakes(t *testing.T) {
	t.Parallel()
	bad := writeFile(t, "bad.yaml", "accounts:\n  - account_id: 1\nrooms:\n  - admin_ids: [1, 7]\n    colour: red\n")
	r := cli{}.run(t, "fake", "--seed", bad).must(t, exitUsage)
	if !strings.Contains(r.errout, bad+":5: rooms[0].colour: unknown field") {
		t.Errorf("stderr %q", r.errout)
	}
	r = cli{}.run(t, "fake", "--seed", writeFile(t, "ref.json", `{"accounts": [{"account_id": 1}],`+"\n"+`"rooms": [{"admin_ids": [1, 7]}]}`)).must(t, exitUsage)
	if !regexp.MustCompile(`ref\.json:2: rooms\[0\]\.admin_ids\[1\]: unknown account 7`).MatchString(r.errout) {
		t.Errorf("stderr %q", r.errout)
	}
	cli{}.run(t, "fake", "--seed", filepath.Join(t.TempDir(), "missing.yaml")).must(t, exitUsage)
	cli{}.run(t, "fake", "--webhook", "ftp://x").must(t, exitUsage)
	cli{}.run(t, "fake", "--admin-token", "a b").must(t, exitUsage)
}

// TestFakePrintSeed: --print-seed writes the starting state, which --seed
// reads back into the same state.
func TestFakePrintSeed(t *testing.T) {
	t.Parallel()
	first := cli{}.run(t, "fake", "--print-seed", "--seed", writeFile(t, "seed.yaml", fakeSeed)).must(t, exitOK)
	again := cli{}.run(t, "fake", "--print-seed", "--seed", writeFile(t, "printed.json", first.out)).must(t, exitOK)
	if first.out != again.out {
		t.Errorf("printed, read back and printed again:\n%s\n---\n%s", first.out, again.out)
	}
	var seed struct {
		Accounts []struct {
			Token  string `json:"token"`
			RoomID int64  `json:"room_id"`
		} `json:"accounts"`
		Messages []struct {
			MessageID string `json:"message_id"`
		} `json:"messages"`
	}
	first.decode(t, &seed)
	if len(seed.Accounts) != 2 || seed.Accounts[1].Token != "tok-12" || seed.Accounts[1].RoomID == 0 || len(seed.Messages) != 1 || seed.Messages[0].MessageID == "" {
		t.Errorf("printed seed %s", first.out)
	}
	// Without --seed: the sandbox, with its tokens chosen.
	sandbox := cli{}.run(t, "fake", "--print-seed").must(t, exitOK)
	if !strings.Contains(sandbox.out, `"name": "Sandbox"`) || !strings.Contains(sandbox.out, `"token": "`) {
		t.Errorf("sandbox seed %s", sandbox.out)
	}
}

// TestFakeClosesSlowClients: the fake has webhook listen's limits: slow
// headers are cut off, oversized ones refused.
func TestFakeClosesSlowClients(t *testing.T) {
	t.Parallel()
	b, base, _ := startFake(t, &shortLimits)
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	closed := closedByServer(conn)
	if !trickle(conn, closed, "GET /v2/me HTTP/1.1\r\nHost: x\r\n"+strings.Repeat("X-Slow: 1\r\n", 50)) {
		t.Fatal("the connection is still open after 500 header bytes sent one at a time")
	}
	b.stop(t, "fake")

	// The default limits: the header size cap.
	b, base, _ = startFake(t, nil)
	if status := oversizedHeaders(t, http.MethodGet, base+"/me"); status != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("64 KiB of headers got %d, want 431", status)
	}
	b.stop(t, "fake")
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

// TestFake starts "chatwork fake", reads the base URL and token it prints,
// and points the command at it.
func TestFake(t *testing.T) {
	t.Parallel()
	var base string
	runFake(t, []string{"fake", "--addr", "127.0.0.1:0"}, func(baseURL, token, banner string) {
		base = baseURL
		room := regexp.MustCompile(`room     Sandbox \(room_id (\d+)\)`).FindStringSubmatch(banner)
		if room == nil {
			t.Fatalf("the banner lacks the room:\n%s", banner)
		}
		if !strings.HasPrefix(base, "http://127.0.0.1:") {
			t.Errorf("base URL %q is not loopback", base)
		}
		env := map[string]string{envBaseURL: base, envToken: token, envMaxWait: "0"}
		r := cli{env: env}.run(t, "messages", "list", room[1], "--output", "table").must(t, exitOK)
		if !strings.Contains(r.out, "Welcome to the fake Chatwork") {
			t.Errorf("the seeded room:\n%s", r.out)
		}
		r = cli{env: env}.run(t, "requests", "list", "--output", "table").must(t, exitOK)
		if !strings.Contains(r.out, "Bob Suzuki") || !strings.Contains(r.out, "Carol Sato") {
			t.Errorf("the seeded contact requests:\n%s", r.out)
		}
	})
	// The server is gone.
	if resp, err := http.Get(base + "/me"); err == nil {
		resp.Body.Close()
		t.Error("the fake still answers after it stopped")
	}
}
