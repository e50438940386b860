package conformance

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
)

// TransportOption configures the RoundTripper returned by
// Validator.Transport.
type TransportOption func(*transportConfig)

type transportConfig struct {
	report  func(error)
	maxBody int64
}

// DefaultMaxBodySize is how much of a request or response body the
// transport holds to validate it, unless MaxBodySize says otherwise.
const DefaultMaxBodySize = 16 << 20

// ErrNotValidated is the cause of an *Error that is a note, not a
// violation: a body the transport let through without validating it,
// because it was larger than MaxBodySize, could not be read to its end, or
// the caller closed it first. ReportTo and LogTo receive such notes;
// FailTest logs them without failing the test.
var ErrNotValidated = errors.New("not validated")

// MaxBodySize sets how many bytes of a body the transport holds to validate
// it (DefaultMaxBodySize by default). A larger body is passed through
// untouched, streamed and never held whole, and reported as a note
// wrapping ErrNotValidated. n must be positive.
func MaxBodySize(n int64) TransportOption {
	return func(c *transportConfig) {
		if n > 0 {
			c.maxBody = n
		}
	}
}

// ReportTo makes the transport pass every violation to fn and let the call
// through unchanged: the request is sent and the response returned as if
// nothing was checked, with the same status, headers, body bytes and read
// errors, however broken the answer. This suits a production canary. fn
// receives one error per exchange side (request, then response), possibly
// several *Error joined, notes wrapping ErrNotValidated included; it may be
// called from several goroutines at once.
//
// The response is validated as the caller reads its body: fn is called for
// it when the body reaches its end, fails, or is closed, so a body the
// caller never reads or closes is never reported.
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
// its own body reader over the same bytes. In the default mode the clone's
// GetBody replays them; in reporting mode the clone has a GetBody only if
// the caller's request had one, so net/http retries exactly as it would
// without the canary. Memory is bounded and follows the bytes received:
// at most MaxBodySize bytes of each body are held, and a Content-Length
// reserves nothing before its bytes arrive. Larger bodies, and bodies that
// fail while being read, are passed through as they are, with the same
// bytes and the same read error, and only their status, headers, path and
// query are checked.
func (v *Validator) Transport(next http.RoundTripper, opts ...TransportOption) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	t := &transport{v: v, next: next, cfg: transportConfig{maxBody: DefaultMaxBodySize}}
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
	out, body, note := t.requestBody(req)

	var op *operation
	var reqErr error
	if note == "" {
		op, reqErr = t.v.validateRequest(out, body)
	} else {
		op, reqErr = t.v.validateRequestHead(out, note)
	}
	if reqErr != nil {
		if t.cfg.report == nil && !onlyNotes(reqErr) {
			closeBody(out)
			return nil, fmt.Errorf("request not sent: %w", reqErr)
		}
		t.report(reqErr)
	}

	resp, err := t.next.RoundTrip(out)
	if err != nil || op == nil || resp == nil {
		return resp, err
	}
	if t.cfg.report != nil {
		resp.Body = t.watch(op, out, resp)
		return resp, nil
	}
	respBody, note := t.readResponse(resp)
	var respErr error
	if note == "" {
		respErr = t.v.validateResponse(op, out, resp.StatusCode, resp.Header, respBody)
	} else {
		respErr = t.v.validateResponseNote(op, out, resp.StatusCode, resp.Header, note)
	}
	if respErr != nil && !onlyNotes(respErr) {
		resp.Body.Close()
		return nil, fmt.Errorf("response rejected: %w", respErr)
	}
	return resp, nil
}

func (t *transport) report(err error) {
	if t.cfg.report != nil {
		t.cfg.report(err)
	}
}

// requestBody returns the request to send and, when the body is complete
// and within the cap, its bytes; otherwise a note on why it is not
// validated. The request sent is a clone whose body gives the same bytes,
// and the same read error, as the caller's.
func (t *transport) requestBody(req *http.Request) (out *http.Request, body []byte, note string) {
	out = req.Clone(req.Context())
	if req.Body == nil || req.Body == http.NoBody {
		return out, nil, ""
	}
	if req.GetBody != nil {
		if rc, err := req.GetBody(); err == nil {
			b, err := io.ReadAll(io.LimitReader(rc, t.cfg.maxBody+1))
			rc.Close()
			if err == nil && int64(len(b)) <= t.cfg.maxBody {
				req.Body.Close() // the clone sends a copy; RoundTrip must close the original
				out.Body = io.NopCloser(bytes.NewReader(b))
				out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
				return out, b, ""
			}
			if err == nil {
				return out, nil, fmt.Sprintf("the body is larger than %d bytes", t.cfg.maxBody) // sent as it is
			}
		}
	}
	b, err := io.ReadAll(io.LimitReader(req.Body, t.cfg.maxBody+1))
	switch {
	case err != nil:
		out.Body = replayBody(b, err, req.Body)
		out.GetBody = nil
		return out, nil, "reading the body failed: " + err.Error()
	case int64(len(b)) > t.cfg.maxBody:
		out.Body = replayBody(b, nil, req.Body)
		out.GetBody = nil
		return out, nil, fmt.Sprintf("the body is larger than %d bytes", t.cfg.maxBody)
	}
	req.Body.Close()
	out.Body = io.NopCloser(bytes.NewReader(b))
	// A body that can be replayed lets net/http retry the request on a
	// dead keep-alive connection. Reporting mode changes nothing, so it
	// adds that only where the caller's request had it.
	out.GetBody = nil
	if t.cfg.report == nil {
		out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	}
	return out, b, ""
}

// readResponse reads up to the cap of resp's body and puts back a body that
// gives the same bytes, then the rest of the original or its read error.
func (t *transport) readResponse(resp *http.Response) (body []byte, note string) {
	if resp.Body == nil || resp.Body == http.NoBody {
		return nil, ""
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, t.cfg.maxBody+1))
	switch {
	case err != nil:
		resp.Body = replayBody(b, err, resp.Body)
		return nil, "reading the body failed: " + err.Error()
	case int64(len(b)) > t.cfg.maxBody:
		resp.Body = replayBody(b, nil, resp.Body)
		return nil, fmt.Sprintf("the body is larger than %d bytes", t.cfg.maxBody)
	}
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return b, ""
}

// replayBody gives prefix, then the rest of rc (err nil) or err, and closes
// rc on Close.
func replayBody(prefix []byte, err error, rc io.ReadCloser) io.ReadCloser {
	var rest io.Reader = rc
	if err != nil {
		rest = errReader{err}
	}
	return struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(prefix), rest), rc}
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}

// watch returns a body that passes resp's through untouched, keeps a copy
// of up to the cap, and reports the response's validation once: at the
// body's end, at its first read error, or when it is closed.
func (t *transport) watch(op *operation, req *http.Request, resp *http.Response) io.ReadCloser {
	w := &watchedBody{rc: resp.Body, max: t.cfg.maxBody}
	// Memory follows the bytes received, not the bytes announced: a
	// Content-Length within the cap only bounds how far the buffer grows,
	// so a server that announces megabytes and sends nothing costs nothing.
	switch cl := resp.ContentLength; {
	case cl > t.cfg.maxBody:
		w.over = true // known too large: nothing is held
	case cl > 0:
		w.announced = cl
	}
	status, hdr := resp.StatusCode, resp.Header
	w.done = func(body []byte, note string) {
		var err error
		if note == "" {
			err = t.v.validateResponse(op, req, status, hdr, body)
		} else {
			err = t.v.validateResponseNote(op, req, status, hdr, note)
		}
		if err != nil {
			t.report(err)
		}
	}
	if resp.Body == nil || resp.Body == http.NoBody {
		w.finish(nil)
		return resp.Body
	}
	return w
}

type watchedBody struct {
	rc   io.ReadCloser
	max  int64
	done func(body []byte, note string)

	mu        sync.Mutex
	buf       []byte
	announced int64 // the Content-Length, if known and within max; 0 otherwise
	over      bool
	finished  bool
}

func (w *watchedBody) Read(p []byte) (int, error) {
	n, err := w.rc.Read(p)
	w.mu.Lock()
	defer w.mu.Unlock()
	if n > 0 && !w.over {
		need := int64(len(w.buf) + n)
		switch {
		case need > w.max:
			w.over, w.buf = true, nil
		case need > int64(cap(w.buf)):
			w.grow(need)
			w.buf = append(w.buf, p[:n]...)
		default:
			w.buf = append(w.buf, p[:n]...)
		}
	}
	switch {
	case err == io.EOF:
		w.finishLocked(nil)
	case err != nil:
		w.finishLocked(err)
	}
	return n, err
}

// grow makes room for need bytes in buf, which holds only what has
// arrived. It doubles, within the cap: append's slower growth for large
// slices would allocate several times the cap in total. A body that keeps
// to its announced length ends in a buffer of exactly that length.
func (w *watchedBody) grow(need int64) {
	size := min(max(2*int64(cap(w.buf)), need, 4096), w.max)
	if w.announced >= need {
		size = min(size, w.announced)
	}
	grown := make([]byte, len(w.buf), size)
	copy(grown, w.buf)
	w.buf = grown
}

func (w *watchedBody) Close() error {
	err := w.rc.Close()
	w.mu.Lock()
	defer w.mu.Unlock()
	w.finishLocked(errClosedEarly)
	return err
}

var errClosedEarly = errors.New("the caller closed it before its end")

func (w *watchedBody) finish(err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.finishLocked(err)
}

func (w *watchedBody) finishLocked(err error) {
	if w.finished {
		return
	}
	w.finished = true
	body := w.buf
	w.buf = nil
	switch {
	case w.over:
		w.done(nil, fmt.Sprintf("the body is larger than %d bytes", w.max))
	case errors.Is(err, errClosedEarly):
		w.done(nil, "the body was not read to its end: "+err.Error())
	case err != nil:
		w.done(nil, "reading the body failed: "+err.Error())
	default:
		w.done(body, "")
	}
}

// onlyNotes reports whether every error joined in err is a note wrapping
// ErrNotValidated.
func onlyNotes(err error) bool {
	for _, e := range flatten(err) {
		if !errors.Is(e, ErrNotValidated) {
			return false
		}
	}
	return true
}

// validateRequestHead checks what can be checked of a request whose body
// was not read (path and query) and adds the note on the body.
func (v *Validator) validateRequestHead(req *http.Request, note string) (*operation, error) {
	op, _, err := v.route(req, true)
	if err != nil {
		return nil, err
	}
	c := ectx{op: op.id, method: req.Method, path: urlPath(req.URL), part: PartRequest}
	errs := v.checkQuery(c, op, req.URL, nil)
	errs = append(errs, c.errorf("body", "", "not validated: "+note, ErrNotValidated))
	return op, joinErrors(errs)
}

// validateResponseNote checks the status and headers of a response whose
// body was not validated, and adds the note on the body.
func (v *Validator) validateResponseNote(op *operation, req *http.Request, status int, hdr http.Header, note string) error {
	c, _, errs := v.validateResponseHead(op, req, status, hdr)
	errs = append(errs, c.errorf("body", "", "not validated: "+note, ErrNotValidated))
	return joinErrors(errs)
}
