package api

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
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
// plain http to a host that could be on the network. Loopback addresses,
// localhost and names under .invalid (which never resolve, RFC 6761; the
// in-memory fake of package apitest uses one) are allowed.
func insecureBaseURL(u *url.URL) error {
	if !strings.EqualFold(u.Scheme, "http") {
		return nil
	}
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	if host == "localhost" || host == "invalid" || strings.HasSuffix(host, ".invalid") {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return &InputError{Field: "WithBaseURL", Reason: fmt.Sprintf(
		"%s uses plain http to %s, which would send the token in clear over the network: use https, "+
			"or WithInsecureHTTP() if the network path is trusted", redactURL(u.String()), u.Host)}
}

// redactURL returns raw with anything that may be user info, and its query
// and fragment, replaced by
// "xxxxx", whether or not raw parses: a URL's password must never appear in
// an error. It errs on the side of hiding: everything up to the last "@"
// before the query goes, even a path's, since a password may hold a "/".
func redactURL(raw string) string {
	rest, prefix := raw, ""
	if i := strings.Index(raw, "://"); i >= 0 {
		prefix, rest = raw[:i+3], raw[i+3:]
	}
	end := strings.IndexAny(rest, "?#")
	if end < 0 {
		end = len(rest)
	}
	tail := ""
	if end < len(rest) {
		tail = rest[end:end+1] + "xxxxx" // a query may hold a credential too
	}
	if at := strings.LastIndex(rest[:end], "@"); at >= 0 {
		return prefix + "xxxxx" + rest[at:end] + tail
	}
	return prefix + rest[:end] + tail
}
