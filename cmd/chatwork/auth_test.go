package main

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/chatwork-go/chatwork/api"
	"github.com/chatwork-go/chatwork/api/apitest"
)

// TestAuthLoginStatusLogout logs in as a script would (the token on
// stdin), checks the file (mode 0600 under XDG_CONFIG_HOME, the token in
// no output), runs a command with nothing but the configuration, reads
// auth status, and logs out.
func TestAuthLoginStatusLogout(t *testing.T) {
	t.Parallel()
	s := apitest.NewServer(t)
	xdg := t.TempDir()
	env := map[string]string{envXDGConfigHome: xdg, envMaxWait: "0"}
	path := filepath.Join(xdg, "chatwork", "config.yml")

	r := cli{env: env, stdin: s.Token() + "\n"}.run(t, "auth", "login", "--with-token", "--base-url", s.URL()).must(t, exitOK)
	want := "✓ Logged in to " + hostOf(s.URL()) + " as " + s.Me().Name + " (account " + s64(s.Me().AccountID) + "); the token is saved in " + path + `, profile "default"` + "\n"
	if r.errout != want || r.out != "" {
		t.Errorf("login: stdout %q, stderr %q, want %q", r.out, r.errout, want)
	}
	b, err := os.ReadFile(path)
	if err != nil || !strings.Contains(string(b), "token: "+s.Token()) || !strings.Contains(string(b), "base_url: "+s.URL()) {
		t.Fatalf("config %q (%v)", b, err)
	}
	if runtime.GOOS != "windows" {
		if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
			t.Errorf("config mode %04o, want 0600", fi.Mode().Perm())
		}
		if fi, _ := os.Stat(filepath.Dir(path)); fi.Mode().Perm() != 0o700 {
			t.Errorf("config directory mode %04o, want 0700", fi.Mode().Perm())
		}
	}

	// Nothing but the configuration: the token and base URL of the profile.
	w := cli{env: env}.run(t, "me", "--jq", ".account_id").must(t, exitOK)
	if w.out != s64(s.Me().AccountID)+"\n" {
		t.Errorf("me with the configuration: %q", w.out)
	}

	st := cli{env: env}.run(t, "auth", "status").must(t, exitOK)
	for _, want := range []string{"✓ Logged in as " + s.Me().Name, `Token: from profile "default" in ` + path, "Rate limit: ", " of 300 requests left"} {
		if !strings.Contains(st.out, want) {
			t.Errorf("auth status lacks %q:\n%s", want, st.out)
		}
	}
	for _, out := range []string{r.out + r.errout, w.out + w.errout, st.out + st.errout} {
		if strings.Contains(out, s.Token()) {
			t.Errorf("the token was printed: %q", out)
		}
	}

	// A token the API refuses is not saved.
	bad := cli{env: env, stdin: "wrong-token\n"}.run(t, "auth", "login", "--profile", "bad", "--base-url", s.URL()).must(t, exitAPI)
	if !strings.Contains(bad.errout, "the token was not accepted, nothing was saved") {
		t.Errorf("bad token: %q", bad.errout)
	}
	if b, _ := os.ReadFile(path); strings.Contains(string(b), "bad:") {
		t.Errorf("a refused token was saved:\n%s", b)
	}

	lo := cli{env: env}.run(t, "auth", "logout").must(t, exitOK)
	if !strings.Contains(lo.errout, `✓ Logged out of profile "default"`) {
		t.Errorf("logout: %q", lo.errout)
	}
	cli{env: env}.run(t, "me").must(t, exitUsage)
	if r := (cli{env: env}).run(t, "auth", "logout"); r.code != exitUsage || !strings.Contains(r.errout, `not logged in with profile "default"`) {
		t.Errorf("second logout: %d %q", r.code, r.errout)
	}
}

// TestSettingsPrecedence: a setting comes from its flag, then its
// environment variable, then the configuration's profile ($CHATWORK_PROFILE
// or default); --profile is a flag, and beats the environment.
func TestSettingsPrecedence(t *testing.T) {
	t.Parallel()
	s := apitest.NewServer(t)
	anna := s.AddAccount(apitest.Account{Name: "Anna"})
	bob := s.AddAccount(apitest.Account{Name: "Bob"})
	carl := s.AddAccount(apitest.Account{Name: "Carl"})
	xdg := t.TempDir()
	cfg := &config{Profiles: map[string]profile{
		"default": {Token: s.Token(), BaseURL: s.URL()},
		"work":    {Token: anna.Token, BaseURL: s.URL()},
	}}
	if err := cfg.save(filepath.Join(xdg, "chatwork", "config.yml")); err != nil {
		t.Fatal(err)
	}
	tokenFile := writeFile(t, "token", carl.Token+"\n")
	base := map[string]string{envXDGConfigHome: xdg, envMaxWait: "0"}
	for _, tc := range []struct {
		name string
		env  []string
		args []string
		want string // the account's name
	}{
		{"config's default profile", nil, nil, s.Me().Name},
		{"$CHATWORK_PROFILE", []string{envProfile, "work"}, nil, "Anna"},
		{"env token over config", []string{envToken, bob.Token}, nil, "Bob"},
		{"env token over $CHATWORK_PROFILE", []string{envToken, bob.Token, envProfile, "work"}, nil, "Bob"},
		{"--profile over env token", []string{envToken, bob.Token}, []string{"--profile", "work"}, "Anna"},
		{"--token-file over all", []string{envToken, bob.Token}, []string{"--profile", "work", "--token-file", tokenFile}, "Carl"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := cli{env: with(base, tc.env...)}.run(t, append(tc.args, "me", "--jq", ".name")...).must(t, exitOK)
			if r.out != tc.want+"\n" {
				t.Errorf("account %q, want %q", strings.TrimSpace(r.out), tc.want)
			}
		})
	}
	// Base URL: the flag beats the environment, which beats the profile.
	r := cli{env: with(base, envBaseURL, "http://127.0.0.1:1/v2")}.run(t, "--base-url", s.URL(), "me").must(t, exitOK)
	if r.errout != "" {
		t.Errorf("stderr %q", r.errout)
	}
	r = cli{env: with(base, envBaseURL, "http://127.0.0.2:1/v2"), apiOpts: []api.Option{noRetry}}.run(t, "auth", "status")
	if !strings.HasPrefix(r.out, "127.0.0.2:1\n") || r.code != exitError {
		t.Errorf("$CHATWORK_BASE_URL over the profile: %q", r.out)
	}
	if r := (cli{env: with(base, envProfile, "nope")}).run(t, "--profile", "nope", "me"); r.code != exitUsage || !strings.Contains(r.errout, `no profile "nope": run chatwork auth login --profile nope`) {
		t.Errorf("unknown profile: %d %q", r.code, r.errout)
	}
}
