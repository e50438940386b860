package conformance

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
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
// violation.
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
	// of forwarding it.
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
	// MaxBodySize is how many bytes of a body the proxy holds to validate
	// it (DefaultMaxBodySize when 0). Larger bodies are streamed through
	// unvalidated, and reported as notes.
	MaxBodySize int64
	// Transport sends the requests upstream (http.DefaultTransport when
	// nil).
	Transport http.RoundTripper
}

// A Proxy is a reverse proxy in front of the Chatwork API, or of anything
// that serves it (apitest, `chatwork fake`), that validates every exchange
// in both directions without changing it: requests and responses are
// forwarded byte for byte. Bodies are held up to MaxBodySize to be
// validated, and streamed beyond it.
//
// Every response carries the ConformanceHeader. Credentials are forwarded to
// the upstream origin only (the proxy follows no redirect and forwards
// nowhere else) and never reported. It is safe for concurrent use.
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
		cfg.Transport = http.DefaultTransport
	}
	p := &Proxy{v: v, cfg: cfg, upstream: u, summary: ProxySummary{Violations: map[string]int{}}}
	p.rp = &httputil.ReverseProxy{
		Rewrite:        p.rewrite,
		Transport:      cfg.Transport,
		ModifyResponse: p.modifyResponse,
		ErrorHandler:   p.upstreamError,
		ErrorLog:       nil,
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
	op      *operation
	errs    []error // the request's violations and notes
	body    []byte  // the request body, when held
	bodyDg  *digestReader
	done    sync.Once
}

type exchangeKey struct{}

// ServeHTTP validates and forwards one request.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	x := &exchange{started: time.Now(), in: r}
	p.count(func(s *ProxySummary) { s.Exchanges++ })

	// The body: held up to the cap, else streamed and hashed.
	body, rest, err := readCapped(r.Body, p.cfg.MaxBodySize)
	var note string
	switch {
	case err != nil:
		http.Error(w, "chatwork proxy: reading the request body: "+err.Error(), http.StatusBadRequest)
		return
	case rest != nil:
		x.bodyDg = newDigestReader(io.MultiReader(bytes.NewReader(body), rest))
		r.Body = struct {
			io.Reader
			io.Closer
		}{x.bodyDg, r.Body}
		note = fmt.Sprintf("the body is larger than %d bytes", p.cfg.MaxBodySize)
	default:
		x.body = body
		r.Body = io.NopCloser(bytes.NewReader(body))
		if body == nil {
			r.Body = http.NoBody
		}
	}
	var reqErr error
	if note == "" {
		x.op, reqErr = p.v.validateRequest(r, x.body)
	} else {
		x.op, reqErr = p.v.validateRequestHead(r, note)
	}
	x.errs = flatten(reqErr)
	p.report(x.errs)

	if p.cfg.Fail && !onlyNotes(reqErr) {
		p.refuse(w, x)
		return
	}
	p.rp.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), exchangeKey{}, x)))
}

// readCapped reads up to max bytes of rc. When there is more, rest gives
// the remainder (body holds what was read).
func readCapped(rc io.ReadCloser, maxBytes int64) (body []byte, rest io.Reader, err error) {
	if rc == nil || rc == http.NoBody {
		return nil, nil, nil
	}
	body, err = io.ReadAll(io.LimitReader(rc, maxBytes+1))
	if err != nil {
		return nil, nil, err
	}
	if int64(len(body)) > maxBytes {
		return body, rc, nil
	}
	return body, nil, nil
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
}

// modifyResponse validates the upstream's response, sets the
// ConformanceHeader and records the exchange.
func (p *Proxy) modifyResponse(resp *http.Response) error {
	x, _ := resp.Request.Context().Value(exchangeKey{}).(*exchange)
	if x == nil {
		return nil
	}
	body, rest, err := readCapped(resp.Body, p.cfg.MaxBodySize)
	if err != nil {
		return err // the ErrorHandler answers 502
	}
	var respErr error
	var dg *digestReader
	if rest != nil {
		dg = newDigestReader(io.MultiReader(bytes.NewReader(body), rest))
		orig := resp.Body
		resp.Body = &recordOnClose{Reader: dg, rc: orig, done: func() { p.record(x, resp, nil, dg) }}
		if x.op != nil {
			respErr = p.v.validateResponseNote(x.op, x.in, resp.StatusCode, resp.Header, fmt.Sprintf("the body is larger than %d bytes", p.cfg.MaxBodySize))
		}
	} else {
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(body))
		if x.op != nil {
			respErr = p.v.validateResponse(x.op, x.in, resp.StatusCode, resp.Header, body)
		}
	}
	errs := flatten(respErr)
	p.report(errs)
	resp.Header.Set(ConformanceHeader, headerSummary(append(append([]error(nil), x.errs...), errs...)))
	if rest == nil {
		p.record(x, resp, body, nil)
	}
	return nil
}

// upstreamError answers 502 when the upstream cannot be reached.
func (p *Proxy) upstreamError(w http.ResponseWriter, r *http.Request, err error) {
	x, _ := r.Context().Value(exchangeKey{}).(*exchange)
	msg := "chatwork proxy: the upstream did not answer: " + err.Error()
	if errors.Is(err, context.Canceled) {
		msg = "chatwork proxy: the client went away"
	}
	if x != nil {
		w.Header().Set(ConformanceHeader, headerSummary(x.errs))
		p.record(x, nil, nil, nil)
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
	p.record(x, resp, b, nil)
}

// record adds the exchange to the HAR file, once.
func (p *Proxy) record(x *exchange, resp *http.Response, body []byte, dg *digestReader) {
	if p.cfg.Record == nil {
		return
	}
	x.done.Do(func() {
		req := x.in
		if resp != nil && resp.Request != nil {
			req = resp.Request // what went upstream, at the upstream's URL
		}
		ex := har.Exchange{Request: req, RequestBody: x.body, Response: resp, ResponseBody: body,
			Started: x.started, Elapsed: time.Since(x.started)}
		if x.bodyDg != nil {
			d := x.bodyDg.digest()
			ex.RequestBodyDigest = &d
		}
		if dg != nil {
			d := dg.digest()
			ex.ResponseBodyDigest = &d
		}
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
	switch {
	case first != "":
		s += "; " + first
	case note != "":
		s += "; " + note
	}
	return headerSafe(s)
}

// headerSafe makes s a valid header value: no control characters, at most
// 512 bytes.
func headerSafe(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	if len(s) > 512 {
		s = truncateTo(s, 512)
	}
	return s
}

func truncateTo(s string, n int) string {
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}

// digestReader hashes and counts what is read through it.
type digestReader struct {
	r  io.Reader
	mu sync.Mutex
	h  hash.Hash
	n  int64
}

func newDigestReader(r io.Reader) *digestReader { return &digestReader{r: r, h: sha256.New()} }

func (d *digestReader) Read(p []byte) (int, error) {
	n, err := d.r.Read(p)
	d.mu.Lock()
	d.h.Write(p[:n])
	d.n += int64(n)
	d.mu.Unlock()
	return n, err
}

func (d *digestReader) digest() har.Digest {
	d.mu.Lock()
	defer d.mu.Unlock()
	return har.Digest{Size: d.n, SHA256: hex.EncodeToString(d.h.Sum(nil))}
}

// recordOnClose calls done when the body is closed.
type recordOnClose struct {
	io.Reader
	rc   io.Closer
	once sync.Once
	done func()
}

func (r *recordOnClose) Close() error {
	err := r.rc.Close()
	r.once.Do(r.done)
	return err
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
