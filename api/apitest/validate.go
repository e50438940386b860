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

func newValidator() (requestValidator, error) {
	return conformance.New()
}

// validate checks r against openapi.yaml and returns the messages of a 400
// answer, or nil. r.Body must hold the raw body; it is consumed.
//
// Query parameters that the operation does not declare are left out of
// the check, because Chatwork ignores them: on POST and PUT every query
// parameter is ignored since 2025-07-03, so a write parameter sent in the
// query is simply missing from the body. Undeclared form fields, on the
// other hand, are refused: a misspelled optional field would be silently
// ignored by Chatwork, and a test should hear about it.
func (s *Server) validate(r *http.Request, op *operation) []string {
	vr := r.Clone(r.Context())
	vr.URL.RawQuery = declaredQuery(r.URL.Query(), op).Encode()
	err := s.validator.ValidateRequest(vr)
	if err == nil {
		return nil
	}
	return messages(op, err)
}

// declaredQuery keeps the query parameters that op declares.
func declaredQuery(q url.Values, op *operation) url.Values {
	out := url.Values{}
	if op == nil {
		return out
	}
	for _, name := range op.query {
		if v, ok := q[name]; ok {
			out[name] = v
		}
	}
	return out
}

// messages turns violations into Chatwork-style messages:
// "Parameter 'body' is required" for a missing field, and
// "Invalid value for 'force'" for a bad one. A missing or unreadable body
// is reported as its first required field being missing, as Chatwork
// does for a body sent in the query string.
func messages(op *operation, err error) []string {
	if errors.Is(err, conformance.ErrUnknownOperation) {
		return []string{"Invalid Endpoint or HTTP method"}
	}
	var out []string
	add := func(m string) {
		if !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	for _, e := range leaves(err) {
		var ce *conformance.Error
		if !errors.As(e, &ce) {
			add("Invalid request")
			continue
		}
		field := ce.Field
		switch {
		case field == "body" || field == "request" || field == "":
			// The body as a whole: absent, or of the wrong Content-Type.
			if op != nil && len(op.required) > 0 {
				add(fmt.Sprintf("Parameter '%s' is required", op.required[0]))
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
		if strings.Contains(ce.Reason, "not declared") || strings.Contains(ce.Reason, "comma-joined value (") {
			// A field the operation does not have, such as ids[0].
			add(fmt.Sprintf("Unknown parameter '%s'", field))
			continue
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
		default:
			add(fmt.Sprintf("Invalid value for '%s'", field))
		}
	}
	if len(out) == 0 {
		out = []string{"Invalid request"}
	}
	return out
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
