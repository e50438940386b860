// Package urlsafe holds the two rules about base URLs that package api and
// the command share, written once: which hosts a plain http:// URL may
// reach without an explicit opt-in, and how a URL is shown in a message
// without anything that may be a credential.
package urlsafe

import (
	"net"
	"strings"
)

// PlainHTTPAllowed reports whether plain http to host keeps the token on
// the machine: localhost, a loopback address (127.0.0.0/8, ::1), or a name
// under .invalid, which never resolves (RFC 6761; the in-memory fake of
// package apitest uses one). Case and a trailing dot do not matter.
func PlainHTTPAllowed(host string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if host == "localhost" || host == "invalid" || strings.HasSuffix(host, ".invalid") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Redact returns raw with whatever may be a credential replaced by
// "xxxxx", whether or not raw parses: everything up to the last "@" before
// the query (a password may hold a "/", so a path's "@" counts too), and
// the query and fragment.
func Redact(raw string) string {
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
		tail = rest[end:end+1] + "xxxxx"
	}
	if at := strings.LastIndex(rest[:end], "@"); at >= 0 {
		return prefix + "xxxxx" + rest[at:end] + tail
	}
	return prefix + rest[:end] + tail
}
