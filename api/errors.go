package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/chatwork-go/chatwork/gen"
	"github.com/chatwork-go/chatwork/internal/budgets"
)

// errorMessages reads the messages of Chatwork's error body
// {"errors": [...]}, the spec's ErrorBody. ok is false when body is not
// JSON of that shape; msgs then holds what could be decoded.
func errorMessages(body []byte) (msgs []string, ok bool) {
	var eb gen.ErrorBody
	err := json.Unmarshal(body, &eb)
	return eb.Errors, err == nil
}

// Sentinel errors. An *APIError matches the one for its status with
// errors.Is, so callers need not compare status codes:
//
//	if errors.Is(err, api.ErrNotFound) { ... }
var (
	ErrBadRequest   = errors.New("chatwork: bad request")   // 400
	ErrUnauthorized = errors.New("chatwork: unauthorized")  // 401
	ErrForbidden    = errors.New("chatwork: forbidden")     // 403
	ErrNotFound     = errors.New("chatwork: not found")     // 404
	ErrRateLimited  = errors.New("chatwork: rate limited")  // 429
	ErrInvalidInput = errors.New("chatwork: invalid input") // refused before sending; see *InputError
	ErrServer       = errors.New("chatwork: server error")  // 5xx

	// ErrUnexpectedResponse matches an *UnexpectedResponseError: a 2xx
	// answer without what the operation always returns.
	ErrUnexpectedResponse = errors.New("chatwork: unexpected response")
)

// APIError is an error answer of the Chatwork API: any status outside 2xx.
// It never holds the token: only the response's headers, the method and the
// URL path are kept.
type APIError struct {
	StatusCode int         // the HTTP status, such as 404
	Errors     []string    // the API's {"errors": [...]} messages, when it sent any
	Method     string      // the request's method
	Path       string      // the request's URL path, such as /v2/rooms/123/messages
	Header     http.Header // the response headers
	RateLimit  RateLimit   // the rate-limit state the response reported

	// MessageLimited is true when the response carried the free plan's
	// "chatwork-message-limitation: true": on a 404 of Messages.Get it means
	// the message exists but the plan hides it.
	MessageLimited bool

	// Auth holds the details of WWW-Authenticate on a 401, such as an
	// expired OAuth access token. Nil when the header was absent.
	Auth *AuthChallenge
}

// AuthChallenge is the parsed WWW-Authenticate header of a 401, for example
// Bearer error="invalid_token", error_description="The access token expired".
type AuthChallenge struct {
	Scheme      string // "Bearer"
	Code        string // the error parameter, such as "invalid_token"
	Description string // the error_description parameter
}

// Error describes the failure with the API's own messages.
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "chatwork: %s %s: %d %s", e.Method, e.Path, e.StatusCode, http.StatusText(e.StatusCode))
	if len(e.Errors) > 0 {
		b.WriteString(": ")
		b.WriteString(strings.Join(e.Errors, "; "))
	}
	if e.Auth != nil && e.Auth.Code != "" {
		fmt.Fprintf(&b, " (%s", e.Auth.Code)
		if e.Auth.Description != "" {
			b.WriteString(": " + e.Auth.Description)
		}
		b.WriteString(")")
	}
	if e.MessageLimited {
		b.WriteString(" (hidden by the free plan's message limitation)")
	}
	return b.String()
}

// Is matches the sentinel of the error's status: ErrBadRequest,
// ErrUnauthorized, ErrForbidden, ErrNotFound, ErrRateLimited or ErrServer.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrBadRequest:
		return e.StatusCode == http.StatusBadRequest
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests
	case ErrServer:
		return e.StatusCode >= 500
	}
	return false
}

// UnexpectedResponseError is a success status whose answer lacks what the
// operation always returns: a 204 or an empty, null or {} body where a
// result was due, a body that does not decode, or a result without its ID
// (message_id, room_id, file_id, task_ids, account_id, ...) or with a
// message_id that is not a string of digits. The call's result is never a
// zero value taken for success. errors.Is(err, ErrUnexpectedResponse)
// matches it.
type UnexpectedResponseError struct {
	StatusCode int    // the HTTP status, such as 200 or 204
	Method     string // the request's method
	Path       string // the request's URL path
	Reason     string // what is missing or wrong
	// Body is the start of the response body (at most 512 bytes, valid
	// UTF-8), with the client's credentials removed should the server have
	// echoed them.
	Body string

	err error // the decoding error, if any
}

// Error names the request, the status and what was wrong.
func (e *UnexpectedResponseError) Error() string {
	return fmt.Sprintf("chatwork: %s %s: unexpected %d response: %s", e.Method, e.Path, e.StatusCode, e.Reason)
}

// Is matches ErrUnexpectedResponse.
func (e *UnexpectedResponseError) Is(target error) bool { return target == ErrUnexpectedResponse }

// Unwrap gives the JSON decoding error, if that was the cause.
func (e *UnexpectedResponseError) Unwrap() error { return e.err }

// roomLimitMessage is the body of a 429 from the per-room posting limit.
const roomLimitMessage = budgets.RoomError

// RateLimitError is the error of a request that met 429 Too Many Requests
// and could not be retried within the client's maximum wait (see
// WithMaxRateLimitWait). errors.Is(err, ErrRateLimited) matches it, and
// errors.As gives both *RateLimitError and *APIError.
type RateLimitError struct {
	APIError

	// Reset is when the limit that was hit allows requests again.
	Reset time.Time
	// PerRoom is true for the per-room posting limit (10 posts or tasks per
	// 10 seconds per room), false for the account's global limit.
	PerRoom bool
}

// Error says which limit was hit and when it resets.
func (e *RateLimitError) Error() string {
	which := "account rate limit"
	if e.PerRoom {
		which = "per-room posting limit"
	}
	return fmt.Sprintf("%s (%s; resets at %s)", e.APIError.Error(), which, e.Reset.UTC().Format(time.RFC3339))
}

// Unwrap gives the *APIError.
func (e *RateLimitError) Unwrap() error { return &e.APIError }

// InputError is bad input refused before any request was sent.
// errors.Is(err, ErrInvalidInput) matches it.
//
// Field names what was refused. Input that becomes a request parameter is
// named as the API spells the parameter ("room_id", "body", "to_ids",
// "file"); any other input by the Go name the caller wrote: a function's
// parameter ("ctx", "token", "w"), an option ("WithBaseURL"), a field of an
// options struct ("WatchOptions.Share"), or "Client" for a nil Client or
// service, or one not made by NewClient or NewOAuthClient.
type InputError struct {
	Field  string // what was refused, such as "room_id", "ctx" or "WithBaseURL"
	Reason string // what is wrong with it
}

// Error names the field and the reason.
func (e *InputError) Error() string {
	return "chatwork: invalid " + e.Field + ": " + e.Reason
}

// Is matches ErrInvalidInput.
func (e *InputError) Is(target error) bool { return target == ErrInvalidInput }

func invalid(field, format string, args ...any) error {
	return &InputError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// parseAuthChallenge reads a WWW-Authenticate value such as
// Bearer error="invalid_token", error_description="The access token expired".
func parseAuthChallenge(v string) *AuthChallenge {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil
	}
	c := &AuthChallenge{}
	scheme, rest, _ := strings.Cut(v, " ")
	c.Scheme = scheme
	for rest != "" {
		rest = strings.TrimLeft(rest, " ,")
		key, after, ok := strings.Cut(rest, "=")
		if !ok {
			break
		}
		key = strings.TrimSpace(key)
		var val string
		if strings.HasPrefix(after, `"`) {
			if s, err := strconv.QuotedPrefix(after); err == nil {
				val, _ = strconv.Unquote(s)
				rest = after[len(s):]
			} else {
				end := strings.IndexByte(after[1:], '"')
				if end < 0 {
					val, rest = after[1:], ""
				} else {
					val, rest = after[1:end+1], after[end+2:]
				}
			}
		} else {
			val, rest, _ = strings.Cut(after, ",")
			val = strings.TrimSpace(val)
		}
		switch key {
		case "error":
			c.Code = val
		case "error_description":
			c.Description = val
		}
	}
	return c
}
