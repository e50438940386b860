package conformance

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"log"
	"net/http"
	"net/http/httputil"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/chatwork-go/chatwork/conformance/har"
)

// DefaultUpstream is the upstream of a Proxy whose config names none.
const DefaultUpstream = "https://api.chatwork.com/v2"

// ConformanceHeader is the response header in which a Proxy reports what it
// found in the exchange: "0 violations", or "2 violations; " and the first
// violation; then, when a body was not validated, "; " and why (a body
// larger than the proxy's limit, say).
const ConformanceHeader = "X-Chatwork-Conformance"

// ProblemType is the "type" of the RFC 9457 problem that a Proxy in Fail
// mode answers a non-conforming request with.
const ProblemType = "https://github.com/chatwork-go/chatwork#validating-another-teams-client"

// ProxyConfig configures a Proxy.
type ProxyConfig struct {
	// Upstream is the base URL of the API the proxy forwards to,
	// DefaultUpstream when empty. A request for /v2/PATH goes to
	// Upstream's origin and path plus /PATH; a request outside /v2 is
	// forwarded to the upstream's origin as it is (and is a violation).
	Upstream string
	// Fail answers a request that violates the spec with 422 and an RFC
	// 9457 application/problem+json body listing the violations, instead
	// of forwarding it. The request is then held: its body is read (up to
	// MaxBodySize) and validated before anything is sent upstream.
	Fail bool
	// Report, when set, is called with each violation and each note
	// (wrapping ErrNotValidated), from the goroutine serving the exchange.
	Report func(*Error)
	// Record, when set, receives a HAR entry for every exchange, with
	// credentials redacted (see package har).
	Record *har.Writer
	// RecordMaxBodySize is the size above which the HAR file elides a
	// body (har.DefaultMaxBodySize when 0).
	RecordMaxBodySize int64
	// HoldResponses holds each response until its body is validated, so
	// that its ConformanceHeader counts the violations of the body too:
	// the body is read whole (up to MaxBodySize) before the response's
	// head is sent, then passed on byte for byte, with its headers
	// (Content-Length, Content-Encoding) unchanged. A body larger than
	// MaxBodySize, or one whose reading fails, is passed on as far as it
	// came and then streamed (or ends as it failed), with a note in the
	// header that it was not validated. A response with nothing more to
	// validate (no operation, an undeclared status) is not held. Holding
	// makes the client wait for the head until the body is in; it is
	// independent of Fail, which holds requests.
	HoldResponses bool
	// MaxBodySize is how many bytes of a body the proxy keeps a copy of
	// to validate it once it has gone through (DefaultMaxBodySize when
	// 0). Larger bodies are not validated, and are reported as notes.
	MaxBodySize int64
	// Transport sends the requests upstream. When nil, it is a copy of
	// http.DefaultTransport that does not ask for gzip on its own: the
	// upstream sees the client's Accept-Encoding, or none, and the client
	// gets the answer as it was sent. A Transport given here should not
	// either (http.Transport's DisableCompression).
	Transport http.RoundTripper
}

// A Proxy is a reverse proxy in front of the Chatwork API, or of anything
// that serves it (apitest, `chatwork fake`), that validates every exchange
// in both directions without changing it: requests and responses are
// forwarded byte for byte, as they arrive. Each body is copied on its way
// through (up to MaxBodySize) and validated when it is complete.
//
// Every response carries the ConformanceHeader. It is sent with the
// response's head, once the request's body has gone upstream: it counts
// the violations of the request and of the response's status and headers.
// Those of the response's body, found once it has streamed through, go to
// Report, the summary and the HAR file, but not into the header, which
// has gone out already: a streamed answer whose body breaks the spec
// still says "0 violations". With HoldResponses the header counts the
// body too: each response is held until its body is in and validated.
// A compressed answer (gzip or deflate) is validated, and recorded,
// decoded. In Fail mode the request is held and validated before it is
// forwarded; Fail and HoldResponses go together for a client's tests that
// want a refused request and a complete header.
//
// The proxy adds no trailer with the count of a streamed body: a trailer
// would force chunked framing on an answer of known length, and most HTTP
// clients never show one.
//
// Credentials are forwarded to the upstream origin only (the proxy follows
// no redirect and forwards nowhere else) and never reported. It is safe for
// concurrent use.
type Proxy struct {
	v        *Validator
	cfg      ProxyConfig
	upstream *url.URL
	rp       *httputil.ReverseProxy

	mu      sync.Mutex
	summary ProxySummary
}

// ProxySummary counts what a Proxy has seen.
type ProxySummary struct {
	Exchanges  int            // requests received
	Refused    int            // requests answered 422 (Fail mode)
	Violations map[string]int // violations by operation ID ("" for no operation)
	Notes      int            // bodies not validated
}

// NewProxy returns a Proxy with the given configuration. It fails on an
// upstream URL that is not absolute http or https.
func (v *Validator) NewProxy(cfg ProxyConfig) (*Proxy, error) {
	if cfg.Upstream == "" {
		cfg.Upstream = DefaultUpstream
	}
	u, err := url.Parse(cfg.Upstream)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.User != nil {
		shown := "(unparsable)"
		if err == nil {
			u.RawQuery = ""
			shown = u.Redacted()
		}
		return nil, fmt.Errorf("conformance: the upstream must be an absolute http or https URL without query or credentials, not %s", shown)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawPath = ""
	if cfg.MaxBodySize <= 0 {
		cfg.MaxBodySize = DefaultMaxBodySize
	}
	if cfg.Transport == nil {
		// http.Transport asks for gzip when a request does not say, and
		// then decodes the answer, dropping its Content-Length and
		// Content-Encoding: not what a client that did not ask sees.
		cfg.Transport = http.DefaultTransport
		if t, ok := http.DefaultTransport.(*http.Transport); ok {
			t = t.Clone()
			t.DisableCompression = true
			cfg.Transport = t
		}
	}
	p := &Proxy{v: v, cfg: cfg, upstream: u, summary: ProxySummary{Violations: map[string]int{}}}
	p.rp = &httputil.ReverseProxy{
		Rewrite:        p.rewrite,
		Transport:      cfg.Transport,
		ModifyResponse: p.modifyResponse,
		ErrorHandler:   p.upstreamError,
		// ReverseProxy logs a body that breaks off in the middle through
		// the standard logger; the tee reports it as a note instead
		// ("only N bytes of it went through"), so no line that is not a
		// report reaches the proxy's output.
		ErrorLog:      log.New(io.Discard, "", 0),
		FlushInterval: -1, // each piece of an answer goes to the client as it arrives
	}
	return p, nil
}

// Summary returns the counts so far.
func (p *Proxy) Summary() ProxySummary {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.summary
	s.Violations = make(map[string]int, len(p.summary.Violations))
	for k, n := range p.summary.Violations {
		s.Violations[k] = n
	}
	return s
}

// exchange is the state of one request through the proxy.
type exchange struct {
	started time.Time
	in      *http.Request // the client's request, as received
	body    *bodyTee      // the request body on its way upstream; nil when there is none

	checked sync.Once
	op      *operation
	errs    []error // the request's violations and notes

	recorded sync.Once
}

type exchangeKey struct{}

// ServeHTTP validates and forwards one request. Its body streams upstream
// as it arrives, except in Fail mode, where it is held and validated first.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	x := &exchange{started: time.Now(), in: r}
	p.count(func(s *ProxySummary) { s.Exchanges++ })
	// The copy that goes upstream reads the body through the tee; r keeps
	// the server's own body, which the server inspects when it answers
	// (a request that expected 100-continue and was not asked for its body).
	out := r.WithContext(context.WithValue(r.Context(), exchangeKey{}, x))
	if r.Body != nil && r.Body != http.NoBody && r.ContentLength != 0 {
		x.body = newBodyTee(r.Body, p.cfg.MaxBodySize, r.ContentLength, nil)
		out.Body = x.body
	}
	if p.cfg.Fail {
		if x.body != nil {
			// Held up to the cap; the rest of a larger body streams after it.
			held, err := io.ReadAll(io.LimitReader(x.body, p.cfg.MaxBodySize+1))
			if err != nil {
				http.Error(w, "chatwork proxy: reading the request body: "+err.Error(), http.StatusBadRequest)
				return
			}
			out.Body = struct {
				io.Reader
				io.Closer
			}{io.MultiReader(bytes.NewReader(held), x.body), x.body}
		}
		p.checkRequest(x)
		if !onlyNotes(joinErrors(x.errs)) {
			p.refuse(w, x)
			return
		}
	}
	p.rp.ServeHTTP(w, out)
}

// checkRequest validates the request once its body has gone through (or
// stopped): the whole of it when the body was complete and held, its path
// and query with a note otherwise.
func (p *Proxy) checkRequest(x *exchange) {
	x.checked.Do(func() {
		var err error
		body, note := x.body.result()
		if note == "" {
			x.op, err = p.v.validateRequest(x.in, body)
		} else {
			x.op, err = p.v.validateRequestHead(x.in, note)
		}
		x.errs = flatten(err)
		p.report(x.errs)
	})
}

func (p *Proxy) count(f func(*ProxySummary)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f(&p.summary)
}

// report counts the violations and notes and passes them to Report.
func (p *Proxy) report(errs []error) {
	for _, e := range violations(joinErrors(errs)) {
		if errors.Is(e, ErrNotValidated) {
			p.count(func(s *ProxySummary) { s.Notes++ })
		} else {
			p.count(func(s *ProxySummary) { s.Violations[e.OperationID]++ })
		}
		if p.cfg.Report != nil {
			p.cfg.Report(e)
		}
	}
}

// rewrite sends the request to the upstream: /v2/PATH to the upstream's
// path plus /PATH, anything else as it is, to the upstream's origin. The
// Host header becomes the upstream's.
func (p *Proxy) rewrite(pr *httputil.ProxyRequest) {
	out := pr.Out.URL
	out.Scheme, out.Host, out.User = p.upstream.Scheme, p.upstream.Host, nil
	if rest, ok := strings.CutPrefix(pr.In.URL.Path, basePath+"/"); ok {
		out.Path = p.upstream.Path + "/" + rest
	} else {
		out.Path = pr.In.URL.Path
	}
	out.RawPath = ""
	pr.Out.Host = ""
	if x, _ := pr.In.Context().Value(exchangeKey{}).(*exchange); x != nil && x.body != nil && pr.Out.Body != nil {
		pr.Out.Body = &sentBody{ReadCloser: pr.Out.Body, tee: x.body}
	}
}

// sentBody is the request body as the transport sends it. The transport
// closes it when it is done with it, having sent all of it or stopped
// early (an upstream that answers before it reads the body, such as a 401
// to a request that expects 100-continue): that tells the tee that the
// body has gone as far as it will. (ReverseProxy keeps the close from the
// client's body.)
type sentBody struct {
	io.ReadCloser
	tee *bodyTee
}

func (b *sentBody) Close() error {
	err := b.ReadCloser.Close()
	b.tee.finish(false)
	return err
}

// modifyResponse validates the head of the upstream's response and sets
// the ConformanceHeader. Its body is validated, and the exchange
// recorded, once the body has streamed through to the client; with
// HoldResponses, before the head is sent (see holdBody).
func (p *Proxy) modifyResponse(resp *http.Response) error {
	x, _ := resp.Request.Context().Value(exchangeKey{}).(*exchange)
	if x == nil {
		return nil
	}
	// The header counts the whole request: wait for its body to have gone
	// upstream. The transport reads it to its end, or closes it when it
	// stops early (see sentBody).
	if x.body != nil {
		select {
		case <-x.body.done:
		case <-resp.Request.Context().Done():
		}
	}
	p.checkRequest(x)
	if resp.Body == nil || resp.Body == http.NoBody || resp.ContentLength == 0 {
		var errs []error
		if x.op != nil {
			errs = flatten(p.v.validateResponse(x.op, x.in, resp.StatusCode, resp.Header, nil))
		}
		p.report(errs)
		resp.Header.Set(ConformanceHeader, headerSummary(append(slices.Clone(x.errs), errs...)))
		p.record(x, resp, recordedBody{})
		return nil
	}
	var (
		c    ectx
		r    *response
		errs []error
	)
	if x.op != nil {
		c, r, errs = p.v.validateResponseHead(x.op, x.in, resp.StatusCode, resp.Header)
	}
	p.report(errs)
	if p.cfg.HoldResponses && r != nil { // a body to validate
		p.holdBody(x, resp, c, r, errs)
		return nil
	}
	resp.Header.Set(ConformanceHeader, headerSummary(append(slices.Clone(x.errs), errs...)))
	resp.Body = newBodyTee(resp.Body, p.cfg.MaxBodySize, resp.ContentLength, func(t *bodyTee) {
		// The body is validated, and recorded (HAR's text is decoded),
		// without its Content-Encoding.
		raw, note := t.result()
		body, wire, note := p.decodeBody(resp, raw, note)
		if r != nil { // a declared status of an operation
			p.report(p.checkResponseBody(x, resp, c, r, body, note))
		}
		rb := recordedBody{body: body, wire: wire}
		if note != "" || body == nil {
			rb = recordedBody{}
			rb.body, rb.digest = t.recorded()
		}
		p.record(x, resp, rb)
	})
	return nil
}

// holdBody reads the body of a response, up to MaxBodySize, before its
// head goes to the client, validates it and sets the ConformanceHeader
// to count the request, the response's head (headErrs) and its body. The
// client then gets the same bytes. A body larger than that, or whose
// reading failed, is passed on as far as it was read, then the rest
// streams (or the failure ends it, as it would have without the proxy),
// and the header carries a note that the body was not validated.
func (p *Proxy) holdBody(x *exchange, resp *http.Response, c ectx, r *response, headErrs []error) {
	held, err := io.ReadAll(io.LimitReader(resp.Body, p.cfg.MaxBodySize+1))
	var note string
	switch {
	case err != nil:
		note = fmt.Sprintf("reading it failed after %d bytes: %v", len(held), err)
	case int64(len(held)) > p.cfg.MaxBodySize:
		note = fmt.Sprintf("the body is larger than %d bytes", p.cfg.MaxBodySize)
	}
	body, wire, decodeNote := p.decodeBody(resp, held, note)
	bodyErrs := p.checkResponseBody(x, resp, c, r, body, decodeNote)
	p.report(bodyErrs)
	resp.Header.Set(ConformanceHeader, headerSummary(slices.Concat(x.errs, headErrs, bodyErrs)))
	rest := resp.Body
	if note == "" { // read whole: recorded now, decoded if it could be
		rb := recordedBody{body: body, wire: wire}
		if decodeNote != "" {
			rb = recordedBody{body: held}
		}
		p.record(x, resp, rb)
		resp.Body = readCloser{bytes.NewReader(held), rest}
		return
	}
	var tail io.Reader = rest
	if err != nil {
		tail = failingReader{err} // the client sees the body end as it did
	}
	// What was read, then the rest: the tee records it (its digest when
	// large) once it has gone through; its note is reported already.
	resp.Body = newBodyTee(readCloser{io.MultiReader(bytes.NewReader(held), tail), rest}, p.cfg.MaxBodySize, resp.ContentLength, func(t *bodyTee) {
		var rb recordedBody
		rb.body, rb.digest = t.recorded()
		p.record(x, resp, rb)
	})
}

// readCloser reads from one source and closes another.
type readCloser struct {
	io.Reader
	io.Closer
}

// failingReader fails every read with err.
type failingReader struct{ err error }

func (f failingReader) Read([]byte) (int, error) { return 0, f.err }

// decodeBody undoes the Content-Encoding of a response body read whole
// (note is empty), or says why it cannot: wire is then the body's size as
// sent, 0 when it had no coding.
func (p *Proxy) decodeBody(resp *http.Response, raw []byte, note string) (body []byte, wire int64, why string) {
	coding := resp.Header.Get("Content-Encoding")
	if note != "" || coding == "" {
		return raw, 0, note
	}
	body, note = decode(coding, raw, p.cfg.MaxBodySize)
	return body, int64(len(raw)), note
}

// checkResponseBody validates the decoded body of a response whose head
// has been validated (r is its declared response), or notes why it was
// not.
func (p *Proxy) checkResponseBody(x *exchange, resp *http.Response, c ectx, r *response, body []byte, note string) []error {
	if note != "" {
		return []error{c.errorf("body", "", "not validated: "+note, ErrNotValidated)}
	}
	return p.v.validateResponseBody(c, r, x.op, x.in, resp.StatusCode, resp.Header, body)
}

// decode undoes the Content-Encoding of a body, gzip or deflate, up to
// maxBytes decoded bytes; for another coding, or a body it cannot decode,
// it says why.
func decode(coding string, body []byte, maxBytes int64) ([]byte, string) {
	var r io.Reader
	switch c := strings.ToLower(strings.TrimSpace(coding)); c {
	case "identity":
		return body, ""
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, "Content-Encoding " + c + ": " + err.Error()
		}
		r = zr
	case "deflate":
		// zlib, as the RFC says, or raw deflate, as some servers send.
		zr, err := zlib.NewReader(bytes.NewReader(body))
		if err != nil {
			r = flate.NewReader(bytes.NewReader(body))
		} else {
			r = zr
		}
	default:
		return nil, "Content-Encoding " + strconv.Quote(coding) + " is not decoded (gzip and deflate are)"
	}
	out, err := io.ReadAll(io.LimitReader(r, maxBytes+1))
	switch {
	case err != nil:
		return nil, "Content-Encoding " + coding + ": " + err.Error()
	case int64(len(out)) > maxBytes:
		return nil, fmt.Sprintf("the decoded body is larger than %d bytes", maxBytes)
	}
	return out, ""
}

// upstreamError answers 502 when the upstream cannot be reached.
func (p *Proxy) upstreamError(w http.ResponseWriter, r *http.Request, err error) {
	x, _ := r.Context().Value(exchangeKey{}).(*exchange)
	msg := "chatwork proxy: the upstream did not answer: " + err.Error()
	if errors.Is(err, context.Canceled) {
		msg = "chatwork proxy: the client went away"
	}
	if x != nil {
		p.checkRequest(x)
		w.Header().Set(ConformanceHeader, headerSummary(x.errs))
		p.record(x, nil, recordedBody{})
	}
	http.Error(w, msg, http.StatusBadGateway)
}

// refuse answers a request with violations 422, in Fail mode.
func (p *Proxy) refuse(w http.ResponseWriter, x *exchange) {
	p.count(func(s *ProxySummary) { s.Refused++ })
	var vs []*Error
	for _, e := range violations(joinErrors(x.errs)) {
		if !errors.Is(e, ErrNotValidated) {
			vs = append(vs, e)
		}
	}
	detail := headerSummary(x.errs)
	problem := struct {
		Type       string   `json:"type"`
		Title      string   `json:"title"`
		Status     int      `json:"status"`
		Detail     string   `json:"detail"`
		Instance   string   `json:"instance,omitempty"`
		Operation  string   `json:"operation,omitempty"`
		Violations []*Error `json:"violations"`
	}{
		Type: ProblemType, Title: "The request does not conform to the Chatwork API description",
		Status: http.StatusUnprocessableEntity, Detail: "Not forwarded: " + detail,
		Instance: x.in.URL.Path, Violations: vs,
	}
	if x.op != nil {
		problem.Operation = x.op.id
	}
	b, _ := json.Marshal(problem) // plain values cannot fail
	h := w.Header()
	h.Set("Content-Type", "application/problem+json")
	h.Set(ConformanceHeader, detail)
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusUnprocessableEntity)
	_, _ = w.Write(b)
	resp := &http.Response{StatusCode: http.StatusUnprocessableEntity, Header: h.Clone(), Proto: "HTTP/1.1"}
	p.record(x, resp, recordedBody{body: b})
}

// recordedBody is what the HAR file records of a response body: its
// bytes (decoded from their Content-Encoding when wire is not 0), or its
// digest.
type recordedBody struct {
	body   []byte
	digest *har.Digest
	wire   int64 // the size as sent, when body is decoded
}

// record adds the exchange to the HAR file, once.
func (p *Proxy) record(x *exchange, resp *http.Response, rb recordedBody) {
	if p.cfg.Record == nil {
		return
	}
	x.recorded.Do(func() {
		req := x.in
		if resp != nil && resp.Request != nil {
			req = resp.Request // what went upstream, at the upstream's URL
		}
		ex := har.Exchange{Request: req, Response: resp, Started: x.started, Elapsed: time.Since(x.started)}
		ex.RequestBody, ex.RequestBodyDigest = x.body.recorded()
		ex.ResponseBody, ex.ResponseBodyDigest, ex.ResponseBodyWireSize = rb.body, rb.digest, rb.wire
		// A failing HAR file is reported once, as a note, and the
		// exchange goes on.
		if err := p.cfg.Record.Add(har.NewEntry(ex, p.cfg.RecordMaxBodySize)); err != nil {
			p.report([]error{ectx{method: x.in.Method, path: x.in.URL.Path, part: PartResponse}.errorf("har", "", "recording failed: "+err.Error(), ErrNotValidated)})
		}
	})
}

// headerSummary is the value of the ConformanceHeader for errs.
func headerSummary(errs []error) string {
	var first string
	n := 0
	var note string
	for _, e := range violations(joinErrors(errs)) {
		if errors.Is(e, ErrNotValidated) {
			if note == "" {
				note = e.Field + ": " + e.Reason
			}
			continue
		}
		if n == 0 {
			first = strings.TrimPrefix(e.Error(), "conformance: ")
		}
		n++
	}
	s := strconv.Itoa(n) + " violations"
	if first != "" {
		s += "; " + first
	}
	if note != "" {
		// The note says that the count may be short: it is kept, the
		// first violation shortened if need be.
		if first != "" && len(s) > maxHeaderValue/2 {
			s = truncateTo(s, maxHeaderValue/2)
		}
		s += "; " + note
	}
	return headerSafe(s)
}

// maxHeaderValue is the longest ConformanceHeader, in bytes.
const maxHeaderValue = 512

// headerSafe makes s a valid header value: no control characters, at most
// maxHeaderValue bytes.
func headerSafe(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	if len(s) > maxHeaderValue {
		s = truncateTo(s, maxHeaderValue)
	}
	return s
}

func truncateTo(s string, n int) string {
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}

// A bodyTee passes a body on as it is read, keeps a copy of its first
// max bytes to validate once it is complete, hashes a larger one for the
// HAR file, and calls end once, when the body ends or is closed.
type bodyTee struct {
	rc   io.ReadCloser
	max  int64
	want int64 // the declared length; -1 when unknown
	end  func(*bodyTee)
	done chan struct{} // closed when the body has ended

	mu   sync.Mutex
	held []byte    // the body so far, while it fits in max
	n    int64     // bytes read
	h    hash.Hash // of the body, once it is larger than max
	eof  bool      // read to its end

	once sync.Once
}

func newBodyTee(rc io.ReadCloser, maxBytes, length int64, end func(*bodyTee)) *bodyTee {
	return &bodyTee{rc: rc, max: maxBytes, want: length, end: end, done: make(chan struct{})}
}

func (t *bodyTee) Read(b []byte) (int, error) {
	n, err := t.rc.Read(b)
	if n > 0 {
		t.mu.Lock()
		t.n += int64(n)
		switch {
		case t.h != nil:
			t.h.Write(b[:n])
		case t.n > t.max:
			t.h = sha256.New()
			t.h.Write(t.held)
			t.h.Write(b[:n])
			t.held = nil
		default:
			t.held = append(t.held, b[:n]...)
		}
		t.mu.Unlock()
	}
	// The end of a body of known length is known with its last bytes:
	// it is validated, and recorded, before they are passed on.
	if err != nil || t.n == t.want {
		t.finish(err == io.EOF)
	}
	return n, err
}

// Close closes the body; a body closed before its end is complete only
// when all its declared bytes went through.
func (t *bodyTee) Close() error {
	err := t.rc.Close()
	t.finish(false)
	return err
}

func (t *bodyTee) finish(eof bool) {
	t.once.Do(func() {
		t.mu.Lock()
		t.eof = eof || t.n == t.want
		t.mu.Unlock()
		close(t.done)
		if t.end != nil {
			t.end(t)
		}
	})
}

// result returns the whole body, or why it cannot be validated. A nil
// tee is an empty body.
func (t *bodyTee) result() (body []byte, note string) {
	if t == nil {
		return nil, ""
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case t.h != nil:
		return nil, fmt.Sprintf("the body is larger than %d bytes", t.max)
	case !t.eof:
		return nil, fmt.Sprintf("only %d bytes of it went through", t.n)
	}
	return t.held, ""
}

// recorded returns what the HAR file records of the body: its bytes, or
// its length and SHA-256 when it was larger than max.
func (t *bodyTee) recorded() ([]byte, *har.Digest) {
	if t == nil {
		return nil, nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.h == nil {
		return t.held, nil
	}
	return nil, &har.Digest{Size: t.n, SHA256: hex.EncodeToString(t.h.Sum(nil))}
}

// MarshalJSON encodes a violation as one JSON object with the keys
// operation, method, path, status (0 for requests), part, field, value and
// reason. Like Error, it never contains a credential.
func (e *Error) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Operation string `json:"operation"`
		Method    string `json:"method"`
		Path      string `json:"path"`
		Status    int    `json:"status,omitempty"`
		Part      string `json:"part"`
		Field     string `json:"field"`
		Value     string `json:"value,omitempty"`
		Reason    string `json:"reason"`
	}{e.OperationID, e.Method, e.Path, e.Status, e.Part, e.Field, e.Value, e.Reason})
}
