package api

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"

	"github.com/chatwork-go/chatwork/gen"
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

// missing returns what a decoded result lacks that its operation always
// returns, or "" when it is complete. Counts may be 0 and strings empty;
// IDs may not.
func missing(v any) string {
	switch v := v.(type) {
	case *Me:
		return positive("account_id", v.AccountID)
	case *Contact:
		return positive("account_id", v.AccountID)
	case *Member:
		return positive("account_id", v.AccountID)
	case *IncomingRequest:
		return positive("request_id", v.RequestID)
	case *Room:
		return positive("room_id", v.RoomID)
	case *RoomDetail:
		return positive("room_id", v.RoomID)
	case *gen.RoomIDResult:
		return positive("room_id", v.RoomID)
	case *MembersResult:
		if len(v.Admin) == 0 {
			return "admin is empty: a chat has at least one administrator"
		}
	case *Message:
		return digits(v.MessageID)
	case *gen.MessageIDResult:
		return digits(v.MessageID)
	case *MyTask:
		return positive("task_id", v.TaskID)
	case *RoomTask:
		return positive("task_id", v.TaskID)
	case *gen.TaskIDResult:
		return positive("task_id", v.TaskID)
	case *gen.TaskIDsResult:
		if len(v.TaskIDs) == 0 {
			return "task_ids is missing or empty"
		}
		for _, id := range v.TaskIDs {
			if id <= 0 {
				return fmt.Sprintf("task_ids holds %d, not an ID", id)
			}
		}
	case *File:
		return positive("file_id", v.FileID)
	case *gen.FileIDResult:
		return positive("file_id", v.FileID)
	}
	return ""
}

func positive(field string, id int64) string {
	if id <= 0 {
		return field + " is missing or not a positive ID"
	}
	return ""
}

func digits(id string) string {
	if checkMessageRef(id) != nil {
		return fmt.Sprintf("message_id %q is missing or not a message ID", truncate(strings.ToValidUTF8(id, "?")))
	}
	return ""
}

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
