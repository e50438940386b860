// Package oauth signs users in to Chatwork with OAuth 2.0, for programs
// that act for users other than the owner of an API token: the
// authorization code flow with PKCE (S256), the exchange of the code for
// tokens, refreshing them, and the scopes to ask for.
//
//	cfg := &oauth.Config{ClientID: id, ClientSecret: secret, RedirectURL: callback,
//		Scopes: []string{oauth.ScopeRoomsMessagesWrite}}
//	verifier := oauth.NewVerifier() // kept with state in the user's session
//	http.Redirect(w, r, cfg.AuthCodeURL(state, verifier), http.StatusFound)
//	// ... on the callback, once its state parameter is checked:
//	tok, err := cfg.Exchange(ctx, r.URL.Query().Get("code"), verifier)
//	c, err := api.NewOAuthClient(cfg.TokenSource(ctx, tok))
//
// The code is valid for one minute. Access tokens live 15 minutes; the
// source of [Config.TokenSource] refreshes them ten seconds before they
// expire, one refresh at a time (two racing refreshes would make Chatwork
// answer invalid_grant), so that an expired token is never sent. Chatwork
// documents expires_in two ways (seconds, or a string of epoch
// milliseconds), so the expiry comes from the access token's own exp claim
// (it is a JWT), else 15 minutes from issue. Confidential clients
// authenticate to the token endpoint with HTTP Basic, as Chatwork requires;
// public clients (no secret) send their ID in the form. A refused exchange
// or refresh names the endpoint's error code and description, never the
// code or the tokens; an empty code or refresh token is an *api.InputError
// before anything is sent.
//
// The endpoints (AuthURL, TokenURL) and the scopes, with what each grants,
// are generated from the OAuth2 security scheme of openapi.yaml. Package
// api itself needs none of this: api.NewOAuthClient takes any
// oauth2.TokenSource.
//
// This package depends on package api (for its errors) and
// golang.org/x/oauth2 only.
package oauth
