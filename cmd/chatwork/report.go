package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/chatwork-go/chatwork/api"
)

// exitCode maps an error to the documented exit codes.
func exitCode(err error) int {
	var (
		ue *usageError
		se *suggestionError
		ie *api.InputError
		re *api.RateLimitError
		ae *api.APIError
	)
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ue), errors.As(err, &se), errors.As(err, &ie), errors.Is(err, api.ErrInvalidInput):
		return exitUsage
	case errors.As(err, &re), errors.Is(err, api.ErrRateLimited):
		return exitRateLimited
	case errors.As(err, &ae):
		return exitAPI
	}
	return exitError
}

// report prints err on stderr, in words meant for a person, and returns
// its exit code.
func (a *app) report(err error) int {
	code := exitCode(err)
	if err == nil {
		return code
	}
	w := a.stderr
	var (
		se *suggestionError
		ie *api.InputError
		re *api.RateLimitError
		ae *api.APIError
	)
	hint := "Run 'chatwork help' for usage."
	if a.cmd != nil {
		hint = "Run 'chatwork " + a.cmd.path() + " -h' for usage."
	}
	var st *sentenceError
	switch {
	case errors.As(err, &st):
		fmt.Fprintf(w, "chatwork: %s\n", st.msg)
	case errors.As(err, &se):
		fmt.Fprintf(w, "chatwork: %s\n%s%s\n", se.msg, se.suggestions(), hint)
	case code == exitUsage && errors.As(err, &ie):
		fmt.Fprintf(w, "chatwork: invalid input, nothing was sent: %s %s\n%s\n", ie.Field, ie.Reason, hint)
	case code == exitUsage:
		fmt.Fprintf(w, "chatwork: %s\n%s\n", errText(err), hint)
	case errors.As(err, &re):
		which := "the account's rate limit"
		if re.RateLimit.Limit > 0 {
			which += fmt.Sprintf(" (%d requests per window)", re.RateLimit.Limit)
		}
		if re.PerRoom {
			which = "the room's posting limit (10 messages or tasks per 10 seconds)"
		}
		fmt.Fprintf(w, "chatwork: rate limited: %s was reached (%s %s)\n", which, re.Method, re.Path)
		if !re.Reset.IsZero() {
			fmt.Fprintf(w, "chatwork: it resets at %s (in %s); --max-wait lets the command wait for it\n",
				re.Reset.Local().Format("15:04:05"), time.Until(re.Reset).Round(time.Second))
		}
	case errors.As(err, &ae):
		fmt.Fprintf(w, "chatwork: API error: %d %s (%s %s)\n", ae.StatusCode, http.StatusText(ae.StatusCode), ae.Method, ae.Path)
		for _, m := range ae.Errors {
			fmt.Fprintf(w, "chatwork:   %s\n", m)
		}
		if ae.Auth != nil && ae.Auth.Code != "" {
			fmt.Fprintf(w, "chatwork:   %s %s\n", ae.Auth.Code, ae.Auth.Description)
		}
		if ae.MessageLimited {
			fmt.Fprintln(w, "chatwork:   (hidden by the free plan's message limitation)")
		}
		if ae.StatusCode == 401 {
			fmt.Fprintf(w, "chatwork: check the token (chatwork auth status says where it comes from)\n")
		}
	case errors.Is(err, context.Canceled):
		fmt.Fprintln(w, "chatwork: interrupted")
	case errors.Is(err, errNotConfirmed):
		fmt.Fprintf(w, "chatwork: %v\n", err)
	default:
		if host, cause, ok := networkFailure(err); ok {
			if host == "" {
				host = a.apiHost()
			}
			fmt.Fprintf(w, "chatwork: cannot reach %s: %s\n", host, cause)
			return code
		}
		fmt.Fprintf(w, "chatwork: %s\n", errText(err))
	}
	return code
}

// sentenceError is an error told in one sentence of the command's own,
// printed as it is; its exit code is that of the error it wraps.
type sentenceError struct {
	msg string
	err error
}

func (e *sentenceError) Error() string { return e.msg }
func (e *sentenceError) Unwrap() error { return e.err }

// sentence wraps err in a one-sentence message.
func sentence(err error, format string, args ...any) error {
	return &sentenceError{msg: fmt.Sprintf(format, args...), err: err}
}

// networkFailure finds the host and the cause of a failure to talk to
// the API at all, in the words a person knows: "no such host",
// "connection refused", "timed out". The host is "" when the error does
// not name it (the api package drops URLs from its errors).
func networkFailure(err error) (host, cause string, ok bool) {
	var (
		ue  *url.Error
		dns *net.DNSError
		op  *net.OpError
		ne  net.Error
	)
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil {
			host = u.Host
		}
	}
	switch {
	case errors.As(err, &dns) && dns.IsNotFound:
		cause = "no such host"
	case errors.As(err, &dns):
		cause = "DNS lookup failed: " + dns.Err
	case errors.Is(err, syscall.ECONNREFUSED):
		cause = "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		cause = "connection reset"
	case errors.As(err, &ne) && ne.Timeout():
		cause = "timed out"
	case errors.As(err, &op) && op.Err != nil:
		cause = op.Err.Error()
	case ue != nil:
		cause = errText(ue.Err)
	default:
		return "", "", false
	}
	return host, cause, true
}

// apiHost is the host of the base URL the command talks to.
func (a *app) apiHost() string {
	cr, _ := a.credentials()
	return hostOf(cr.baseURL)
}

// errText is the error's message without the "chatwork: " the api package
// starts its errors with, since report adds its own.
func errText(err error) string {
	return strings.TrimPrefix(err.Error(), "chatwork: ")
}
