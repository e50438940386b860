package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/chatwork-go/chatwork/api"
	"github.com/chatwork-go/chatwork/conformance"
	"github.com/chatwork-go/chatwork/conformance/har"
	"github.com/chatwork-go/chatwork/internal/urlsafe"
)

func proxyCommand() *command {
	return &command{
		nargs: 0, noAPI: true,
		usage:   "[--upstream URL] [--addr 127.0.0.1:8080] [--hold] [--fail] [--record FILE.har] [--record-max-body BYTES]",
		summary: "a reverse proxy that checks every exchange with the API against the spec",
		examples: `chatwork proxy --addr 127.0.0.1:8080
chatwork proxy --upstream http://127.0.0.1:9000/v2 --hold --fail --record session.har`,
		details: `Point any client (TypeScript, Python, PHP, Java, curl...) at http://ADDR/v2 instead of
https://api.chatwork.com/v2: every request and answer is forwarded unchanged, byte for byte
(uploads included), as it arrives, and checked against the API's OpenAPI description in both
directions once it is complete: form bodies, comma-joined ID lists, 0/1 flags, parameters in the
query of a POST, string message IDs, declared statuses, the rate-limit headers.

Each violation is printed on stderr as one JSON line:
  {"operation":"postMessage","method":"POST","path":"/v2/rooms/1/messages","part":"request","field":"query.body","value":"\"hi\"","reason":"POST parameters belong in the form body: ..."}
and every answer carries the header
  X-Chatwork-Conformance: 1 violations; postMessage request: query.body: ...
so that a test can assert on it. The header goes out with the answer's head, once the request
has gone upstream: it counts the request's violations and those of the answer's status and
headers. By default the answer's body streams on to the client and is checked once it has gone
through (decoded, when the server compressed it with gzip or deflate): its violations are printed
and summed up at exit, but cannot be in its own header, which says "0 violations" for an answer
whose body alone breaks the spec.

With --hold the header counts the answer's body too: each answer is held until its body is in
(up to ` + maxBodyMiB + `) and checked, then sent as it came, same bytes, same Content-Length and
Content-Encoding. The client waits for the head until the body is in. A larger body, or one
that fails midway, is passed on as far as it came and then streams (or ends as it failed), and
the header adds a note that it was not checked.

With --fail a request that violates the spec is not forwarded: it is answered 422 with an RFC
9457 application/problem+json body listing the violations. To be checked first, each request is
then held: its body is read whole (up to ` + maxBodyMiB + `) before anything is sent upstream.
--fail holds requests, --hold answers: for a test suite that asserts "0 violations" on every
answer, use both.

--upstream is https://api.chatwork.com/v2 by default; 'chatwork fake' prints a URL to use
instead. Tokens are forwarded to the upstream only, never elsewhere, and never printed.

--record FILE.har writes every exchange to a HAR 1.2 file (open it in a browser's developer
tools, or check it later with 'chatwork conformance check'): X-ChatWorkToken, Authorization,
cookies and token-like query values are replaced by REDACTED; bodies larger than
--record-max-body are left out, with their length and SHA-256. Each exchange is in the file once
its answer has gone through.

The proxy keeps a copy of up to ` + maxBodyMiB + ` of each body to check it; larger bodies go through
unchecked (a note says so). Serves until interrupted, then prints a summary: exchanges, violations
per operation.`,
		setup: func(fs *flag.FlagSet) runFunc {
			upstream := fs.String("upstream", conformance.DefaultUpstream, "forward to the API at this base `URL`")
			addr := fs.String("addr", "127.0.0.1:8080", "listen on this `host:port` (port 0: any free port)")
			fail := fs.Bool("fail", false, "answer a request that violates the spec with 422 instead of forwarding it")
			hold := fs.Bool("hold", false, "hold each answer until its body is checked, so that its header counts the body too")
			record := fs.String("record", "", "write every exchange to the HAR file at `PATH`")
			recordMax := fs.Int64("record-max-body", har.DefaultMaxBodySize, "elide bodies larger than `BYTES` in the HAR file")
			return func(ctx context.Context, a *app, _ []string) error {
				return a.runProxy(ctx, proxyOptions{upstream: *upstream, addr: *addr, fail: *fail, hold: *hold, record: *record, recordMax: *recordMax})
			}
		},
	}
}

// maxBodyMiB is how much of a body the proxy checks, for its help.
var maxBodyMiB = strconv.Itoa(conformance.DefaultMaxBodySize>>20) + " MiB"

type proxyOptions struct {
	upstream, addr, record string
	fail, hold             bool
	recordMax              int64
}

func (a *app) runProxy(ctx context.Context, o proxyOptions) error {
	u, err := url.Parse(o.upstream)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return usagef("--upstream: %s is not an absolute http(s) URL such as %s", urlsafe.Redact(o.upstream), api.DefaultBaseURL)
	}
	if u.Scheme == "http" && !urlsafe.PlainHTTPAllowed(u.Hostname()) && !a.insecureHTTP {
		return usagef("--upstream: %s is plain http: tokens would travel unencrypted to %s; use https, or pass --insecure-http", urlsafe.Redact(o.upstream), u.Hostname())
	}
	if o.recordMax <= 0 {
		return usagef("--record-max-body must be positive")
	}
	v, err := conformance.New()
	if err != nil {
		return err
	}
	lines := &jsonLines{w: a.stderr}
	cfg := conformance.ProxyConfig{Upstream: o.upstream, Fail: o.fail, HoldResponses: o.hold, Report: lines.write, RecordMaxBodySize: o.recordMax}
	var rec *har.Writer
	if o.record != "" {
		rec, err = har.Create(o.record, har.Creator{Name: "chatwork proxy", Version: api.Version})
		if err != nil {
			return err
		}
		cfg.Record = rec
	}
	p, err := v.NewProxy(cfg)
	if err != nil {
		return usagef("--upstream: %v", err)
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return err
	}
	// No read or write deadline: uploads and downloads stream for as long
	// as they take. Slow headers and idle connections are cut off.
	srv := &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10}
	mode := "reporting violations"
	if o.fail {
		mode = "refusing violations (--fail)"
	}
	if o.hold {
		mode += ", holding answers (--hold)"
	}
	fmt.Fprintf(a.stderr, "chatwork: proxy on http://%s/v2 forwarding to %s, %s; Ctrl+C stops\n", ln.Addr(), urlsafe.Redact(o.upstream), mode)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err = <-errc:
	case <-ctx.Done():
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = srv.Shutdown(shut)
		cancel()
		err = nil
	}
	if rec != nil {
		if cerr := rec.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}
	printProxySummary(a.stderr, p.Summary(), o.record)
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// jsonLines writes violations as JSON lines, one at a time.
type jsonLines struct {
	mu sync.Mutex
	w  io.Writer
}

func (j *jsonLines) write(e *conformance.Error) {
	b, err := json.Marshal(violationLine{e, errors.Is(e, conformance.ErrNotValidated)})
	if err != nil {
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	fmt.Fprintf(j.w, "%s\n", b)
}

// violationLine is a violation as printed: the fields of
// conformance.Error's JSON, and "note": true for what was not validated.
type violationLine struct {
	e    *conformance.Error
	note bool
}

func (v violationLine) MarshalJSON() ([]byte, error) {
	b, err := json.Marshal(v.e)
	if err != nil || !v.note {
		return b, err
	}
	return append(b[:len(b)-1], `,"note":true}`...), nil
}

func printProxySummary(w io.Writer, s conformance.ProxySummary, record string) {
	total := 0
	for _, n := range s.Violations {
		total += n
	}
	fmt.Fprintf(w, "chatwork: proxy stopped: %d exchanges, %d violations", s.Exchanges, total)
	if s.Refused > 0 {
		fmt.Fprintf(w, ", %d requests refused", s.Refused)
	}
	if s.Notes > 0 {
		fmt.Fprintf(w, ", %d bodies not validated", s.Notes)
	}
	fmt.Fprintln(w)
	for _, op := range slices.Sorted(maps.Keys(s.Violations)) {
		name := op
		if name == "" {
			name = "(no operation)"
		}
		fmt.Fprintf(w, "chatwork:   %-24s %d violations\n", name, s.Violations[op])
	}
	if record != "" {
		fmt.Fprintf(w, "chatwork: exchanges recorded in %s\n", record)
	}
}
