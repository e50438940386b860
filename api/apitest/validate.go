package apitest

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/chatwork-go/chatwork/conformance"
)

// requestValidator is the part of *conformance.Validator the server uses.
type requestValidator interface {
	ValidateRequest(*http.Request) error
}

// validate checks r against openapi.yaml and returns the messages of a 400
// answer and the validator's reason for the request log, or nil. b is the
// request's body, parsed. r.Body must hold the raw body; it is consumed.
//
// Query parameters that the operation does not declare are left out of
// the check, because Chatwork ignores them: on POST and PUT every query
// parameter is ignored since 2025-07-03, so a write parameter sent in the
// query is simply missing from the body. The validator ignores undeclared
// form fields and multipart parts too, as Chatwork does; they are noted in
// RecordedRequest.Ignored.
func (s *Server) validate(r *http.Request, op *conformance.OperationInfo, b *body) (msgs []string, reason string) {
	vr := r.Clone(r.Context())
	vr.URL.RawQuery = declaredQuery(r.URL.Query(), op).Encode()
	err := s.validator.ValidateRequest(vr)
	if err == nil {
		return nil, ""
	}
	return messages(op, b, err)
}

// declaredQuery keeps the query parameters that op declares.
func declaredQuery(q url.Values, op *conformance.OperationInfo) url.Values {
	out := url.Values{}
	if op == nil {
		return out
	}
	for _, name := range op.Query {
		if v, ok := q[name]; ok {
			out[name] = v
		}
	}
	return out
}

// messages turns violations into Chatwork-style messages:
// "Parameter 'body' is required" for a missing field, and
// "Invalid value for 'force'" for a bad one, with a hint where the short
// message alone would hide the problem: an ID list sent as repeated keys
// or as ids[0]= gets "Invalid value for 'to_ids': send the IDs as one
// comma-joined value, such as to_ids=1,2,3". A body that lacks a required
// field, such as a body sent in the query string or as JSON, is reported
// as that field missing, as Chatwork does; a multipart body that cannot be
// read, or any other problem of the body as a whole, is reported as it is.
// reason joins the validator's violations, for the request log
// ("body.to_ids: value "1&2": repeated key; send one comma-joined value
// such as 1,2,3").
func messages(op *conformance.OperationInfo, b *body, err error) (msgs []string, reason string) {
	if errors.Is(err, conformance.ErrUnknownOperation) {
		return []string{"Invalid Endpoint or HTTP method"}, "no operation has this method and path"
	}
	var reasons []string
	add := func(m string) {
		if !slices.Contains(msgs, m) {
			msgs = append(msgs, m)
		}
	}
	for _, e := range leaves(err) {
		var ce *conformance.Error
		if !errors.As(e, &ce) {
			add("Invalid request")
			reasons = append(reasons, e.Error())
			continue
		}
		reasons = append(reasons, violation(ce))
		field := ce.Field
		switch {
		case field == "body" || field == "request" || field == "":
			// The body as a whole: absent, unreadable or of the wrong
			// Content-Type.
			if b != nil && b.problem != "" {
				add(b.problem) // a multipart body that cannot be read
			} else if missing := firstMissing(op, b); missing != "" {
				add(fmt.Sprintf("Parameter '%s' is required", missing))
			} else {
				add("Invalid request body: " + ce.Reason)
			}
			continue
		case strings.HasPrefix(field, "body."):
			field = strings.TrimPrefix(field, "body.")
		case strings.HasPrefix(field, "query."):
			field = strings.TrimPrefix(field, "query.")
		case strings.HasPrefix(field, "path."):
			field = strings.TrimPrefix(field, "path.")
		}
		if i := strings.IndexAny(field, ".["); i >= 0 {
			field = field[:i] // to_ids[1] is a bad item of to_ids
		}
		switch {
		case ce.Value == "" && strings.Contains(ce.Reason, "missing"):
			add(fmt.Sprintf("Parameter '%s' is required", field))
		case strings.HasSuffix(field, "_ids"):
			// Repeated keys, or not digits and commas.
			add(fmt.Sprintf("Invalid value for '%s': send the IDs as one comma-joined value, such as %s=1,2,3", field, field))
		case strings.HasPrefix(ce.Reason, "repeated "):
			// Chatwork reads one value.
			add(fmt.Sprintf("Invalid value for '%s': %s", field, ce.Reason))
		default:
			add(fmt.Sprintf("Invalid value for '%s'", field))
		}
	}
	if len(msgs) == 0 {
		msgs = []string{"Invalid request"}
	}
	return msgs, strings.Join(reasons, "; ")
}

// firstMissing returns the first required field of op that b lacks, or "".
func firstMissing(op *conformance.OperationInfo, b *body) string {
	if op == nil {
		return ""
	}
	for _, name := range op.Required {
		if b == nil || !b.has(name) {
			return name
		}
	}
	return ""
}

// violation describes a violation without the operation, which the request
// log already names: "body.to_ids[1]: value "x": not an integer".
func violation(e *conformance.Error) string {
	var sb strings.Builder
	if e.Field != "" {
		sb.WriteString(e.Field + ": ")
	}
	if e.Value != "" {
		sb.WriteString("value " + e.Value + ": ")
	}
	sb.WriteString(e.Reason)
	return sb.String()
}

// leaves flattens errors.Join trees.
func leaves(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, leaves(e)...)
		}
		return out
	}
	return []error{err}
}
