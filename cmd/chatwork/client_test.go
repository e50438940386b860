package main

import (
	"context"
	"net"
	"net/http"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/chatwork-go/chatwork/api"
	"github.com/chatwork-go/chatwork/api/apitest"
	"github.com/chatwork-go/chatwork/api/webhook"
)

// TestTokenFileBOMAndCRLF writes the API token file as Windows editors do
// (a UTF-8 byte-order mark, CRLF line ends) and checks that the token the
// API receives is the token alone.
func TestTokenFileBOMAndCRLF(t *testing.T) {
	t.Parallel()
	s := apitest.NewServer(t)
	env := map[string]string{envBaseURL: s.URL(), envMaxWait: "0"}
	for name, content := range map[string]string{
		"BOM":        "\uFEFF" + s.Token() + "\n",
		"CRLF":       s.Token() + "\r\n",
		"BOM+CRLF":   "\uFEFF" + s.Token() + "\r\n\r\n",
		"no newline": "\uFEFF" + s.Token(),
		"comment":    "# my token\r\n" + s.Token() + "\r\n",
	} {
		r := cli{env: env}.run(t, "--token-file", writeFile(t, "token", content), "me")
		if r.code != exitOK {
			t.Errorf("%s: exit code %d: %s", name, r.code, r.errout)
		}
	}
	// The webhook token file too: the signature verifies with the bare token.
	file := writeFile(t, "webhook", "\uFEFF"+webhookToken+"\r\n")
	r := cli{stdin: "{}"}.run(t, "webhook", "sign", "--webhook-token-file", file).must(t, exitOK)
	if err := webhook.Verify([]byte("{}"), strings.TrimSpace(r.out), webhookToken); err != nil {
		t.Errorf("signature with a BOM and CRLF token file: %v", err)
	}
}

// TestTokenFilePermissionWarning: like ssh with keys, a token file that
// group or others may read draws a warning on stderr (the command still
// runs); a private one does not.
func TestTokenFilePermissionWarning(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("Windows files have no Unix permission bits")
	}
	s := apitest.NewServer(t)
	env := map[string]string{envBaseURL: s.URL(), envMaxWait: "0"}
	for _, tc := range []struct {
		mode os.FileMode
		warn bool
	}{{0o600, false}, {0o400, false}, {0o640, true}, {0o644, true}, {0o604, true}} {
		path := writeFile(t, "token", s.Token()+"\n")
		if err := os.Chmod(path, tc.mode); err != nil {
			t.Fatal(err)
		}
		r := cli{env: env}.run(t, "--token-file", path, "me").must(t, exitOK)
		warned := strings.Contains(r.errout, "warning: the token file "+path+" is accessible by group or others")
		if warned != tc.warn {
			t.Errorf("mode %04o: warned %v, want %v; stderr %q", tc.mode, warned, tc.warn, r.errout)
		}
		if strings.Contains(r.out, "warning") {
			t.Errorf("mode %04o: the warning went to stdout", tc.mode)
		}
		if strings.Contains(r.errout, s.Token()) {
			t.Errorf("mode %04o: the warning holds the token", tc.mode)
		}
	}
	// The webhook token file too.
	path := writeFile(t, "webhook", webhookToken+"\n")
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	r := cli{stdin: "{}"}.run(t, "webhook", "sign", "--webhook-token-file", path).must(t, exitOK)
	if !strings.Contains(r.errout, "warning: the webhook token file") || strings.Contains(r.errout, webhookToken) {
		t.Errorf("stderr %q", r.errout)
	}
}

// TestInsecureHTTPNeedsOptIn: a plain http:// base URL for a host that is
// not loopback is refused before anything is sent, with a message that
// explains, unless --insecure-http is given. The "remote" host is the fake,
// reached through a dialer, so that nothing leaves the machine.
func TestInsecureHTTPNeedsOptIn(t *testing.T) {
	t.Parallel()
	s := apitest.NewServer(t)
	fakeAddr := strings.TrimPrefix(strings.TrimSuffix(s.URL(), "/v2"), "http://")
	var dialed []string
	hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true, DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		dialed = append(dialed, addr)
		return (&net.Dialer{}).DialContext(ctx, network, fakeAddr)
	}}}
	runWith := func(args ...string) result {
		return cli{env: map[string]string{envToken: s.Token(), envMaxWait: "0"}, apiOpts: []api.Option{api.WithHTTPClient(hc)}}.run(t, args...)
	}

	remote := "http://chatwork.example.com/v2"
	r := runWith("--base-url", remote, "me").must(t, exitUsage)
	if !strings.Contains(r.errout, "plain http: the API token would travel unencrypted to chatwork.example.com") ||
		!strings.Contains(r.errout, "--insecure-http") {
		t.Errorf("stderr does not explain: %q", r.errout)
	}
	if len(dialed) != 0 || len(s.Requests()) != 0 {
		t.Fatalf("refused, yet dialed %v", dialed)
	}
	// The environment variable is held to the same rule.
	r = cli{env: map[string]string{envToken: s.Token(), envBaseURL: "http://10.1.2.3/v2"}}.run(t, "me")
	if r.code != exitUsage || !strings.Contains(r.errout, envBaseURL+": http://10.1.2.3/v2 is plain http") {
		t.Errorf("CHATWORK_BASE_URL: code %d, stderr %q", r.code, r.errout)
	}

	// With the opt-in, before or after the command, the call goes through.
	runWith("--insecure-http", "--base-url", remote, "me").must(t, exitOK)
	runWith("me", "--base-url", remote, "--insecure-http").must(t, exitOK)
	if len(dialed) != 2 || dialed[0] != "chatwork.example.com:80" {
		t.Errorf("dialed %v", dialed)
	}

	// Loopback needs no opt-in; https never does.
	for _, base := range []string{s.URL(), strings.Replace(s.URL(), "127.0.0.1", "localhost", 1)} {
		cli{env: map[string]string{envToken: s.Token(), envMaxWait: "0"}}.run(t, "--base-url", base, "me").must(t, exitOK)
	}
	// A password in the URL is never echoed, even in a URL that does not parse.
	for _, base := range []string{
		"http://me:s3cret@chatwork.example.com/v2", "https://me:s3cret@api.chatwork.com/v2", "http://me:s3cret@bad host/v2",
		"ftp://me:s3cret@host/", "http://me:s3/cret@chatwork.example.com/v2", "https://api.chatwork.com/v2?token=s3cret",
		"https://api.chatwork.com/v2#s3cret", "http://me:s3cret%zz@host/",
	} {
		r := runWith("--base-url", base, "me").must(t, exitUsage)
		if strings.Contains(r.errout, "s3cret") {
			t.Errorf("%s: the password was echoed: %q", base, r.errout)
		}
	}
}

// TestTokenNeverPrinted runs successes and failures of every kind with a
// recognisable token and looks for it in everything printed.
func TestTokenNeverPrinted(t *testing.T) {
	t.Parallel()
	const canary = "CANARY7f3a9c2b5e1d4f60"
	s := apitest.NewServer(t, apitest.WithDefaultAccount(apitest.Account{Name: "Canary", Token: canary}))
	if s.Token() != canary {
		t.Fatalf("the fake did not take the canary token")
	}
	env := fakeEnv(s)
	room := s64(s.Me().RoomID)
	tokenFile := writeFile(t, "token", canary+"\n")
	badFile := writeFile(t, "bad", canary+"\nsecond line\n")
	s.InjectFault(apitest.Fault{OperationID: "getRoom", Status: 500, Times: 100})

	runs := [][]string{
		{"me"},
		{"--verbose", "rooms", "list", "--output", "table"},
		{"--verbose", "rooms", "get", room},                        // 500
		{"--verbose", "rooms", "get", "999999"},                    // 500 too
		{"messages", "post", room, "--body", ""},                   // invalid input
		{"send", room, "hello", "--to", s64(s.Me().AccountID)},     // success
		{"send", room, "x", "--reply", "123"},                      // 404
		{"--token-file", tokenFile, "--verbose", "status"},         // token file
		{"--token-file", badFile, "status"},                        // bad token file
		{"--base-url", "http://127.0.0.1:1/v2", "--verbose", "me"}, // network error
	}
	for _, args := range runs {
		r := cli{env: env, apiOpts: []api.Option{noRetry}}.run(t, args...)
		if strings.Contains(r.out, canary) || strings.Contains(r.errout, canary) {
			t.Errorf("%v printed the token:\nstdout: %s\nstderr: %s", args, r.out, r.errout)
		}
	}
	// A token the API refuses, and one the client refuses.
	for _, tok := range []string{canary + "x", canary + "\x01"} {
		r := cli{env: with(env, envToken, tok), apiOpts: []api.Option{noRetry}}.run(t, "--verbose", "me")
		if r.code == exitOK {
			t.Errorf("token %q accepted", tok)
		}
		if strings.Contains(r.out+r.errout, canary) {
			t.Errorf("a refused token was printed: %s", r.errout)
		}
	}
}
