package conformance

import (
	"errors"
	"net/url"
	"slices"
	"strings"

	"github.com/chatwork-go/chatwork/conformance/har"
)

// HARConfig selects the entries of a HAR file that CheckHAR validates.
type HARConfig struct {
	// Hosts, when not empty, limits the check to entries whose URL has one
	// of these hosts ("api.chatwork.com", "127.0.0.1:8080"). Entries under
	// the base path /v2 of any host are checked otherwise.
	Hosts []string
}

// HARReport is the result of CheckHAR.
type HARReport struct {
	Entries int // entries in the file
	Checked int // Chatwork exchanges validated
	// Skipped counts the entries that are not Chatwork exchanges (another
	// host, or a path outside /v2), by host.
	Skipped map[string]int
	// Findings lists the checked entries with violations or notes, in
	// the order of the file.
	Findings []HARFinding
}

// HARFinding is what CheckHAR found in one entry.
type HARFinding struct {
	Entry      int    // the index of the entry in log.entries, from 0
	Method     string // the request's method
	Path       string // the request's URL path
	Violations []*Error
	// Notes are the parts that could not be validated, such as a body
	// that the file elided; each wraps ErrNotValidated.
	Notes []*Error
}

// ViolationCount returns the number of violations of all findings.
func (r *HARReport) ViolationCount() int {
	n := 0
	for _, f := range r.Findings {
		n += len(f.Violations)
	}
	return n
}

// ByOperation counts the violations of all findings by operation ID ("" for
// requests that match no operation).
func (r *HARReport) ByOperation() map[string]int {
	out := map[string]int{}
	for _, f := range r.Findings {
		for _, e := range f.Violations {
			out[e.OperationID]++
		}
	}
	return out
}

// SkippedCount returns the number of entries that were not checked.
func (r *HARReport) SkippedCount() int {
	n := 0
	for _, c := range r.Skipped {
		n += c
	}
	return n
}

// CheckHAR validates every Chatwork exchange of a HAR file, both its
// request and its response, as Transport would have: the same rules, the
// same *Error values. Requests are rebuilt from the file (har.Entry's
// HTTPRequest): header values of credentials redacted by the recorder
// still count as present. A body the file elided is reported as a note,
// and the rest of the exchange is still validated; an entry without an
// answer (status 0) has its request validated only.
func (v *Validator) CheckHAR(h *har.HAR, cfg HARConfig) *HARReport {
	rep := &HARReport{Entries: len(h.Log.Entries), Skipped: map[string]int{}}
	for i := range h.Log.Entries {
		e := &h.Log.Entries[i]
		u, err := url.Parse(e.Request.URL)
		if err != nil || !cfg.wants(u) {
			host := "(unparsable URL)"
			if err == nil {
				host = u.Host
			}
			rep.Skipped[host]++
			continue
		}
		rep.Checked++
		f := HARFinding{Entry: i, Method: e.Request.Method, Path: u.Path}
		for _, x := range violations(v.checkEntry(e)) {
			if errors.Is(x, ErrNotValidated) {
				f.Notes = append(f.Notes, x)
			} else {
				f.Violations = append(f.Violations, x)
			}
		}
		if len(f.Violations)+len(f.Notes) > 0 {
			rep.Findings = append(rep.Findings, f)
		}
	}
	return rep
}

func (c HARConfig) wants(u *url.URL) bool {
	if _, ok := stripBase(u.Path); !ok {
		return false
	}
	return len(c.Hosts) == 0 || slices.ContainsFunc(c.Hosts, func(h string) bool { return strings.EqualFold(h, u.Host) })
}

// checkEntry validates one entry, returning its violations and notes.
func (v *Validator) checkEntry(e *har.Entry) error {
	req, body, err := e.HTTPRequest()
	if req == nil {
		return ectx{method: e.Request.Method, part: PartRequest}.errorf("url", "", err.Error(), err)
	}
	var op *operation
	var reqErr error
	if errors.Is(err, har.ErrElided) {
		op, reqErr = v.validateRequestHead(req, err.Error())
	} else {
		op, reqErr = v.validateRequest(req, body)
	}
	errs := flatten(reqErr)
	if op == nil {
		return joinErrors(errs)
	}
	resp, rbody, err := e.HTTPResponse() //nolint:bodyclose // an in-memory body over the file's bytes
	switch {
	case resp == nil && err == nil:
		// No answer: the request is all there is.
	case resp == nil:
		c := ectx{op: op.id, method: req.Method, path: req.URL.Path, part: PartResponse}
		errs = append(errs, c.errorf("body", "", err.Error(), err))
	case errors.Is(err, har.ErrElided):
		errs = append(errs, flatten(v.validateResponseNote(op, req, resp.StatusCode, resp.Header, err.Error()))...)
	default:
		errs = append(errs, flatten(v.validateResponse(op, req, resp.StatusCode, resp.Header, rbody))...)
	}
	return joinErrors(errs)
}
