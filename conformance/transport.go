package conformance

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
)

// TransportOption configures the RoundTripper returned by
// Validator.Transport.
type TransportOption func(*transportConfig)

type transportConfig struct {
	report func(error)
}

// ReportTo makes the transport pass every violation to fn and let the call
// through unchanged: the request is sent and the response returned as if
// nothing was checked. This suits a production canary. fn receives one
// error per exchange side (request, then response), possibly several *Error
// joined; it may be called from several goroutines at once.
func ReportTo(fn func(error)) TransportOption {
	return func(c *transportConfig) { c.report = fn }
}

// LogTo makes the transport log every violation at level Warn on l, one
// line per *Error with its fields as attributes, and let the call through.
// Credentials are never logged.
func LogTo(l *slog.Logger) TransportOption {
	return ReportTo(func(err error) {
		for _, e := range violations(err) {
			l.LogAttrs(context.Background(), slog.LevelWarn, "chatwork API conformance violation",
				slog.String("operation", e.OperationID),
				slog.String("method", e.Method),
				slog.String("path", e.Path),
				slog.Int("status", e.Status),
				slog.String("part", e.Part),
				slog.String("field", e.Field),
				slog.String("value", e.Value),
				slog.String("reason", e.Reason),
			)
		}
	})
}

// Transport returns an http.RoundTripper that validates every exchange made
// through it against openapi.yaml, then hands the request to next
// (http.DefaultTransport when nil).
//
// Only requests under the base path /v2 are API calls: other requests,
// such as the fetch of a file's download_url, pass through unchecked. A
// request under /v2 that matches no operation is a violation.
//
// By default a violation fails the call: a bad request is not sent, and
// RoundTrip returns an error wrapping the *Error values (errors.As works
// through the *url.Error of http.Client); a bad response is closed and
// replaced by such an error. ReportTo, LogTo and FailTest report violations
// instead and let the call through.
//
// The transport never modifies the caller's request: it sends a clone with
// its own body reader, and the clone's GetBody replays the same bytes. The
// response body is read in full and replaced by a reader over the same
// bytes, so the caller reads it as usual.
func (v *Validator) Transport(next http.RoundTripper, opts ...TransportOption) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	t := &transport{v: v, next: next}
	for _, o := range opts {
		o(&t.cfg)
	}
	return t
}

type transport struct {
	v    *Validator
	next http.RoundTripper
	cfg  transportConfig
}

// RoundTrip implements http.RoundTripper.
func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL == nil {
		return t.next.RoundTrip(req)
	}
	if _, ok := stripBase(req.URL.Path); !ok {
		// Not an API call, such as the fetch of a file's download_url.
		return t.next.RoundTrip(req)
	}
	body, hadBody, err := readBody(req)
	if err != nil {
		return nil, fmt.Errorf("conformance: reading the request body: %w", err)
	}
	out := req.Clone(req.Context())
	if hadBody {
		out.Body = io.NopCloser(bytes.NewReader(body))
		out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	}

	op, reqErr := t.v.validateRequest(out, body)
	if reqErr != nil {
		if t.cfg.report == nil {
			return nil, fmt.Errorf("request not sent: %w", reqErr)
		}
		t.cfg.report(reqErr)
	}

	resp, err := t.next.RoundTrip(out)
	if err != nil || op == nil {
		return resp, err
	}
	respBody, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("conformance: reading the response body: %w", err)
	}
	resp.Body = io.NopCloser(bytes.NewReader(respBody))

	if respErr := t.v.validateResponse(op, out, resp.StatusCode, resp.Header, respBody); respErr != nil {
		if t.cfg.report == nil {
			return nil, fmt.Errorf("response rejected: %w", respErr)
		}
		t.cfg.report(respErr)
	}
	return resp, nil
}

// readBody returns the request body without disturbing req: through
// GetBody when it is set, otherwise by reading (and closing) req.Body, which
// a RoundTripper must close anyway.
func readBody(req *http.Request) (body []byte, hadBody bool, err error) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, false, nil
	}
	if req.GetBody != nil {
		if rc, gerr := req.GetBody(); gerr == nil {
			body, err = io.ReadAll(rc)
			rc.Close()
			if err == nil {
				// The original body is not sent; close it as RoundTrip
				// must.
				req.Body.Close()
				return body, true, nil
			}
		}
	}
	body, err = io.ReadAll(req.Body)
	req.Body.Close()
	return body, true, err
}
