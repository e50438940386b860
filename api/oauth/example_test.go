package oauth_test

import (
	"fmt"
	"net/url"

	"github.com/chatwork-go/chatwork/api/oauth"
)

// The consent page a web application sends its user to: the scopes it asks
// for, and the PKCE challenge of a verifier kept until the user comes back.
func ExampleConfig_AuthCodeURL() {
	cfg := &oauth.Config{
		ClientID:     "your-client-id",
		ClientSecret: "your-client-secret",
		RedirectURL:  "https://example.com/chatwork/callback",
		Scopes:       []string{oauth.ScopeRoomsMessagesWrite, oauth.ScopeUsersProfileMeRead},
	}
	verifier := oauth.NewVerifier() // keep it with the state in the user's session
	consent, err := url.Parse(cfg.AuthCodeURL("state-kept-in-the-session", verifier))
	if err != nil {
		panic(err)
	}
	q := consent.Query()
	fmt.Println(consent.Host + consent.Path)
	fmt.Println(q.Get("scope"))
	fmt.Println(q.Get("code_challenge_method"), len(q.Get("code_challenge")))
	// Output:
	// www.chatwork.com/packages/oauth2/login.php
	// rooms.messages:write users.profile.me:read
	// S256 43
}
