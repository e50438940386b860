package api

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/chatwork-go/chatwork/internal/urlsafe"
)

// ErrRedirect matches a *RedirectError: the API answered with a redirect
// the client refused to follow.
var ErrRedirect = errors.New("chatwork: redirect refused")

// RedirectError is a redirect from the API to another origin (scheme, host
// and port) than the base URL's. The client does not follow it: the request
// would carry the token, or re-send a message, to a host the caller never
// chose. Location is the target without its query, fragment or user info.
type RedirectError struct {
	StatusCode int    // the redirect's status, such as 302 or 307
	Method     string // the method of the request that was redirected
	Path       string // the path of the request that was redirected
	Location   string // scheme://host/path of the refused target
}

// Error says where the redirect pointed and why it was not followed.
func (e *RedirectError) Error() string {
	return fmt.Sprintf("chatwork: %s %s: %d redirect to %s refused: the client sends credentials only to the base URL's scheme and host",
		e.Method, e.Path, e.StatusCode, e.Location)
}

// Is matches ErrRedirect.
func (e *RedirectError) Is(target error) bool { return target == ErrRedirect }

// origin is a URL's scheme and host in one canonical form: lower case,
// without the scheme's default port.
type origin struct{ scheme, host string }

// is reports whether u has origin o. Requests built from the base URL
// spell it the same way, which is checked first without allocating.
func (o origin) is(u *url.URL) bool {
	if u.Scheme == o.scheme && u.Host == o.host {
		return true
	}
	return originOf(u) == o
}

func originOf(u *url.URL) origin {
	scheme := strings.ToLower(u.Scheme)
	host := strings.ToLower(u.Hostname())
	port := u.Port()
	if port == "" || (scheme == "https" && port == "443") || (scheme == "http" && port == "80") {
		return origin{scheme, host}
	}
	return origin{scheme, net.JoinHostPort(host, port)}
}

// redirectPolicy wraps the caller's CheckRedirect (nil: net/http's default
// of 10 redirects). A redirect to another origin is refused with a
// *RedirectError whatever the caller's policy, so neither the token nor a
// request body ever leaves the base URL's origin; within it the caller's
// policy decides.
func redirectPolicy(base origin, next func(*http.Request, []*http.Request) error, redact func(string) string) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if !base.is(req.URL) {
			prev := via[len(via)-1]
			e := &RedirectError{Method: prev.Method, Path: redact(prev.URL.Path), Location: redact(safeLocation(req.URL))}
			if req.Response != nil {
				e.StatusCode = req.Response.StatusCode
			}
			return e
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
}

// safeLocation is a URL without user info, query or fragment: any of them
// may hold a credential.
func safeLocation(u *url.URL) string {
	v := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}
	return v.String()
}

// insecureBaseURL reports why u may not be used without WithInsecureHTTP:
// plain http to a host that could be on the network (the rule of
// urlsafe.PlainHTTPAllowed, shared with the command).
func insecureBaseURL(u *url.URL) error {
	if !strings.EqualFold(u.Scheme, "http") || urlsafe.PlainHTTPAllowed(u.Hostname()) {
		return nil
	}
	return &InputError{Field: "WithBaseURL", Reason: fmt.Sprintf(
		"%s uses plain http to %s, which would send the token in clear over the network: use https, "+
			"or WithInsecureHTTP() if the network path is trusted", redactURL(u.String()), u.Host)}
}

// redactURL is urlsafe.Redact: a URL's password never appears in an error.
func redactURL(raw string) string { return urlsafe.Redact(raw) }
