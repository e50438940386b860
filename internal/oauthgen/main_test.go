package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/chatwork-go/chatwork/internal/genfile"
)

const good = `
components:
  securitySchemes:
    OAuth2:
      type: oauth2
      flows:
        authorizationCode:
          authorizationUrl: https://www.example.com/login
          tokenUrl: https://oauth.example.com/token
          refreshUrl: https://oauth.example.com/token
          scopes:
            "rooms.all:read_write": Read and
              write everything.
            offline_access: Refresh tokens that do not expire.
            "rooms:write": Create chats.
`

// TestRender: the endpoints and every scope, in the spec's order, with
// its Go name and its description on one line.
func TestRender(t *testing.T) {
	t.Parallel()
	code, err := genfile.Then(parse, render)([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	s := string(code)
	var at []int
	for _, want := range []string{
		`AuthURL  = "https://www.example.com/login"`,
		`TokenURL = "https://oauth.example.com/token"`,
		`ScopeRoomsAllReadWrite = "rooms.all:read_write" // Read and write everything.`,
		`ScopeOfflineAccess     = "offline_access"       // Refresh tokens that do not expire.`,
		`ScopeRoomsWrite        = "rooms:write"          // Create chats.`,
	} {
		i := strings.Index(s, want)
		if i < 0 {
			t.Errorf("the generated file lacks %q:\n%s", want, s)
		}
		at = append(at, i)
	}
	if at[2] > at[3] || at[3] > at[4] {
		t.Errorf("the scopes are not in the spec's order:\n%s", s)
	}
	if !bytes.HasPrefix(code, []byte("// Code generated ")) || !strings.Contains(strings.SplitN(s, "\n", 2)[0], "DO NOT EDIT.") {
		t.Errorf("the first line is not Go's generated-code marker:\n%s", s)
	}
}

// TestParseRefusesWhatIsNotAFlow: no scheme, plain http endpoints, a
// refresh endpoint the package would not use, scope names that are not
// Chatwork's shape, that collide in Go, or have no description.
func TestParseRefusesWhatIsNotAFlow(t *testing.T) {
	t.Parallel()
	for name, edit := range map[string][2]string{
		"no scheme":         {"OAuth2:", "Other:"},
		"http endpoint":     {"https://oauth.example.com/token\n          refreshUrl", "http://oauth.example.com/token\n          refreshUrl"},
		"query in the URL":  {"https://www.example.com/login", "https://www.example.com/login?a=1"},
		"other refresh URL": {"refreshUrl: https://oauth.example.com/token", "refreshUrl: https://oauth.example.com/refresh"},
		"bad scope name":    {`"rooms:write"`, `"Rooms:Write"`},
		"Go names collide":  {`"rooms:write"`, `"rooms.all.read:write"`},
		"no description":    {"Create chats.", `""`},
		"no scopes":         {"          scopes:\n", "          scopes: {}\n          x-scopes:\n"},
	} {
		src := strings.Replace(good, edit[0], edit[1], 1)
		if src == good {
			t.Fatalf("%s: the edit changed nothing", name)
		}
		if _, err := parse([]byte(src)); err == nil {
			t.Errorf("%s: accepted:\n%s", name, src)
		}
	}
}

func TestGoName(t *testing.T) {
	t.Parallel()
	for scope, want := range map[string]string{
		"offline_access": "ScopeOfflineAccess", "users.profile.me:read": "ScopeUsersProfileMeRead",
		"rooms:write": "ScopeRoomsWrite", "contacts.all:read_write": "ScopeContactsAllReadWrite",
	} {
		if got := goName(scope); got != want {
			t.Errorf("goName(%q) = %s, want %s", scope, got, want)
		}
	}
}
