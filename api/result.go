package api

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
)

// expect says what a successful answer of an operation must carry.
type expect uint8

const (
	// expectNothing: any 2xx is success and the body is discarded (the
	// 204 operations: leave or delete a room, reject a contact request).
	expectNothing expect = iota
	// expectResult: a JSON object the operation always returns; a 204 or
	// an empty, null or {} body is an *UnexpectedResponseError.
	expectResult
	// expectList: a JSON array, or a 204 for an empty list.
	expectList
	// expectResultOr204: a 204, or a result as for expectResult (deleting
	// a message or a link, where sources disagree on the answer).
	expectResultOr204
)

// maxUnexpectedBody is how much of a body an *UnexpectedResponseError keeps.
const maxUnexpectedBody = 512

// missing(v), which says what a decoded result breaks of the schema that
// openapi.yaml gives it, is written by go generate into
// result_rules.gen.go (see internal/resultrules).

// emptyJSON reports whether a trimmed body is null or an object without
// members: no result at all.
func emptyJSON(b []byte) bool {
	if string(b) == "null" {
		return true
	}
	if len(b) < 2 || b[0] != '{' || b[len(b)-1] != '}' {
		return false
	}
	return len(bytes.TrimSpace(b[1:len(b)-1])) == 0
}

// unexpected builds the error for a 2xx answer without its result. body is
// what was read of it. The server's words (the body, a bad ID in the
// reason) are kept only with the client's credential cut out.
func (c *Client) unexpected(resp *http.Response, body []byte, err error, format string, args ...any) error {
	e := &UnexpectedResponseError{StatusCode: resp.StatusCode, Reason: c.redact(fmt.Sprintf(format, args...)), err: err}
	e.Method, e.Path = requestLine(resp)
	if n := maxUnexpectedBody + len(c.currentSecret()); len(body) > n {
		body = body[:n]
	}
	s := c.redact(string(body))
	if len(s) > maxUnexpectedBody {
		s = s[:maxUnexpectedBody]
	}
	e.Body = strings.ToValidUTF8(s, "\uFFFD")
	return e
}

func (c *Client) currentSecret() string {
	if c.secret == nil {
		return ""
	}
	return c.secret()
}

// redact cuts the client's credential out of text that came from the
// server, which may echo it.
func (c *Client) redact(s string) string {
	if secret := c.currentSecret(); secret != "" {
		return strings.ReplaceAll(s, secret, "[token]")
	}
	return s
}

// clientOf returns a service's client, or nil for a nil service (such as
// the fields of a Client not made by NewClient): call refuses a nil client
// with an *InputError instead of panicking.
func clientOf[S ~struct{ c *Client }](s *S) *Client {
	if s == nil {
		return nil
	}
	return struct{ c *Client }(*s).c
}

// requestLine returns the method and path of the request resp answers, or
// empty strings when a caller's RoundTripper left resp.Request unset.
func requestLine(resp *http.Response) (method, path string) {
	if req := resp.Request; req != nil {
		method = req.Method
		if req.URL != nil {
			path = req.URL.Path
		}
	}
	return method, path
}
