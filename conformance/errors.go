package conformance

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// ErrUnknownOperation is the cause of an *Error for a request that matches
// no operation of the spec: an unknown path, or a method the path does not
// declare. Test for it with errors.Is.
var ErrUnknownOperation = errors.New("no operation of openapi.yaml matches the request")

// Parts of an exchange, as found in Error.Part.
const (
	PartRequest  = "request"
	PartResponse = "response"
	PartWebhook  = "webhook"
)

// maxValueLen bounds Error.Value, in bytes.
const maxValueLen = 100

// Error is one violation of openapi.yaml. It names the operation, the part
// of the exchange, the field and the offending value. When an exchange has
// several violations they are returned together by errors.Join, so that each
// is visible; errors.As(err, &e) finds the first.
//
// Error messages never contain credentials: request header values are never
// reported, and values of fields whose name contains "token" are redacted.
type Error struct {
	OperationID string // the spec's operationId; "" when no route matched
	Method      string // the request's method
	Path        string // the request's URL path, without the query
	Status      int    // the response status; 0 for requests and webhooks
	Part        string // PartRequest, PartResponse or PartWebhook
	// Field locates the violation: "status", "path.room_id", "query.force",
	// "header.x-ratelimit-reset", "body" (the whole body),
	// "body.members_admin_ids", "body[3].account.account_id".
	Field string
	// Value is the offending value when known, as JSON (strings are
	// quoted, so "5" and 5 can be told apart), truncated to about 100
	// bytes. It is empty when the value is absent, as for a missing field.
	Value  string
	Reason string // a short human reason
	Err    error  // the underlying kin-openapi error, or ErrUnknownOperation
}

// Error formats the violation on one line, for example
//
//	conformance: postMessage request: body.body: value "": minimum string length is 1
//	conformance: getMe response 200: header.x-ratelimit-reset: required header is missing
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("conformance: ")
	switch {
	case e.OperationID != "":
		b.WriteString(e.OperationID)
	case e.Path != "":
		b.WriteString(e.Method)
		b.WriteByte(' ')
		b.WriteString(e.Path)
	}
	if e.OperationID != "" || e.Path != "" {
		b.WriteByte(' ')
	}
	b.WriteString(e.Part)
	if e.Status != 0 {
		b.WriteByte(' ')
		b.WriteString(strconv.Itoa(e.Status))
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	if e.Value != "" {
		b.WriteString("value ")
		b.WriteString(e.Value)
		b.WriteString(": ")
	}
	b.WriteString(e.Reason)
	return b.String()
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// joinErrors returns nil, the only error, or errors.Join of all of them.
func joinErrors(errs []error) error {
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return errs[0]
	}
	return errors.Join(errs...)
}

// ectx is the part of an Error that is common to every violation of one
// request, response or webhook.
type ectx struct {
	op     string
	method string
	path   string
	status int
	part   string
}

func (c ectx) errorf(field, value, reason string, err error) *Error {
	return &Error{
		OperationID: c.op, Method: c.method, Path: c.path, Status: c.status, Part: c.part,
		Field: field, Value: value, Reason: reason, Err: err,
	}
}

// convert maps an error of openapi3filter or openapi3 into *Error values.
// base is the field prefix for schema errors that carry no location of
// their own ("body" for bodies).
func (c ectx) convert(err error, base string) []error {
	var out []error
	c.convertInto(&out, err, base)
	return out
}

func (c ectx) convertInto(out *[]error, err error, base string) {
	// A switch on the exact types: kin-openapi returns these unwrapped, and
	// errors.As would see through a MultiError to its first entry only.
	switch e := err.(type) { //nolint:errorlint // see above
	case nil:
		return
	case openapi3.MultiError:
		for _, x := range e {
			c.convertInto(out, x, base)
		}
		return
	case *openapi3filter.SecurityRequirementsError:
		*out = append(*out, c.errorf("header.x-chatworktoken", "",
			"no credentials: set X-ChatWorkToken, or Authorization: Bearer with an OAuth access token", e))
		return
	case *openapi3filter.RequestError:
		switch {
		case e.Parameter != nil:
			field := e.Parameter.In + "." + e.Parameter.Name
			c.convertCause(out, e, e.Err, field, e.Reason)
		case e.RequestBody != nil:
			c.convertCause(out, e, e.Err, "body", e.Reason)
		default:
			c.convertCause(out, e, e.Err, base, e.Reason)
		}
		return
	case *openapi3filter.ResponseError:
		c.convertCause(out, e, e.Err, base, e.Reason)
		return
	case *openapi3.SchemaError:
		c.convertSchemaError(out, e, base, e)
		return
	case *openapi3filter.ParseError:
		c.convertParseError(out, e, base, e)
		return
	}
	*out = append(*out, c.errorf(base, "", err.Error(), err))
}

// convertCause converts the cause of a RequestError or ResponseError; wrap
// is kept as Error.Err so that callers can reach kin-openapi's error.
func (c ectx) convertCause(out *[]error, wrap, cause error, field, reason string) {
	var me openapi3.MultiError
	var se *openapi3.SchemaError
	var pe *openapi3filter.ParseError
	switch {
	case cause == nil:
		*out = append(*out, c.errorf(field, "", friendlyReason(reason), wrap))
	case errors.As(cause, &me) && isMulti(cause):
		for _, x := range me {
			c.convertCause(out, wrap, x, field, reason)
		}
	case errors.As(cause, &se):
		c.convertSchemaError(out, se, field, wrap)
	case errors.As(cause, &pe):
		c.convertParseError(out, pe, field, wrap)
	case errors.Is(cause, openapi3filter.ErrInvalidRequired):
		if field == "body" {
			*out = append(*out, c.errorf(field, "", "the request body is required but empty", wrap))
		} else {
			*out = append(*out, c.errorf(field, "", "required parameter is missing", wrap))
		}
	case errors.Is(cause, openapi3filter.ErrInvalidEmptyValue):
		*out = append(*out, c.errorf(field, `""`, "empty value is not allowed", wrap))
	default:
		r := cause.Error()
		if reason != "" && reason != r {
			r = friendlyReason(reason) + ": " + r
		}
		*out = append(*out, c.errorf(field, "", r, wrap))
	}
}

// isMulti reports whether err itself, not something it wraps, is a
// MultiError.
func isMulti(err error) bool {
	_, ok := err.(openapi3.MultiError) //nolint:errorlint // the exact type, see above
	return ok
}

// friendlyReason rewrites a few kin-openapi reasons that read poorly out of
// context.
func friendlyReason(r string) string {
	if rest, ok := strings.CutPrefix(r, "response header Content-Type has unexpected value: "); ok {
		return "Content-Type " + rest + " is not declared for this response"
	}
	if rest, ok := strings.CutPrefix(r, "header Content-Type has unexpected value "); ok {
		return "Content-Type " + rest + " is not declared for this request body"
	}
	return r
}

// convertSchemaError converts a schema violation. Its location is the JSON
// pointer of the error below base; allOf failures are flattened so that
// each failing property is reported on its own.
func (c ectx) convertSchemaError(out *[]error, se *openapi3.SchemaError, base string, wrap error) {
	if se.SchemaField == "allOf" && se.Origin != nil {
		if u, ok := errors.Unwrap(se.Origin).(interface{ Unwrap() error }); ok {
			if me, ok := u.Unwrap().(openapi3.MultiError); ok { //nolint:errorlint // allOf's own list, one level down
				for _, x := range me {
					var inner *openapi3.SchemaError
					if errors.As(x, &inner) {
						c.convertSchemaError(out, inner, base, wrap)
					} else {
						c.convertInto(out, x, base)
					}
				}
				return
			}
		}
	}
	ptr := se.JSONPointer()
	field := joinField(base, ptr)
	reason := se.Reason
	if reason == "" {
		if se.Origin != nil {
			reason = se.Origin.Error()
		} else {
			reason = fmt.Sprintf("does not match the schema's %q", se.SchemaField)
		}
	}
	value := ""
	switch se.SchemaField {
	case "required":
		// The pointer names the missing property; there is no value.
		reason = "required property is missing"
	case "properties":
		// The error is about the object; the reason names the property.
		if name, ok := quotedName(reason, "property ", " is unsupported"); ok {
			field = joinField(field, []string{name})
			reason = "property is not declared in the spec (unknown properties are rejected)"
			if m, ok := se.Value.(map[string]any); ok {
				value = renderValue(name, m[name])
			}
		}
	case "nullable":
		if c.part == PartRequest {
			// An empty form or query value decodes to null.
			value, reason = `""`, "an empty value is not allowed"
		} else {
			value, reason = "null", "null is not allowed"
		}
	default:
		value = renderValue(lastKey(ptr, base), se.Value)
	}
	*out = append(*out, c.errorf(field, value, reason, wrap))
}

// convertParseError converts a value that could not be decoded, such as
// "true" for an integer flag.
func (c ectx) convertParseError(out *[]error, pe *openapi3filter.ParseError, base string, wrap error) {
	// Path lists the innermost key first: [1 to_ids] for to_ids=1,x.
	var path []string
	for _, p := range slices.Backward(pe.Path()) {
		path = append(path, fmt.Sprint(p))
	}
	field := joinField(base, path)
	// The deepest ParseError holds the value and the reason.
	deepest := pe
	for {
		var next *openapi3filter.ParseError
		if !errors.As(deepest.Cause, &next) {
			break
		}
		deepest = next
	}
	value := ""
	for p := pe; p != nil; {
		if p.Value != nil {
			value = renderValue(lastKey(path, base), p.Value)
		}
		var next *openapi3filter.ParseError
		if !errors.As(p.Cause, &next) {
			next = nil
		}
		p = next
	}
	reason := deepest.Reason
	if cause := deepest.Cause; cause != nil {
		var ne *strconv.NumError
		switch {
		case errors.As(cause, &ne):
			reason = "not a valid number (" + ne.Err.Error() + ")"
		case reason == "":
			reason = cause.Error()
		}
	}
	if reason == "" {
		reason = "cannot be decoded"
	}
	*out = append(*out, c.errorf(field, value, reason, wrap))
}

// joinField appends a JSON pointer to a field: body + [0 account name]
// gives "body[0].account.name".
func joinField(base string, ptr []string) string {
	if len(ptr) == 0 {
		return base
	}
	var b strings.Builder
	b.WriteString(base)
	for _, p := range ptr {
		if isIndex(p) {
			b.WriteByte('[')
			b.WriteString(p)
			b.WriteByte(']')
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(p)
	}
	return b.String()
}

func isIndex(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// lastKey is the name of the field a value belongs to, for redaction.
func lastKey(ptr []string, base string) string {
	if len(ptr) > 0 {
		return ptr[len(ptr)-1]
	}
	if i := strings.LastIndexByte(base, '.'); i >= 0 {
		return base[i+1:]
	}
	return base
}

// quotedName extracts name from `prefix"name"suffix`.
func quotedName(s, prefix, suffix string) (string, bool) {
	rest, ok := strings.CutPrefix(s, prefix)
	if !ok {
		return "", false
	}
	rest, ok = strings.CutSuffix(rest, suffix)
	if !ok {
		return "", false
	}
	name, err := strconv.Unquote(rest)
	return name, err == nil
}

// renderValue renders v as JSON, truncated, or "[redacted]" for fields that
// hold credentials.
func renderValue(name string, v any) string {
	if isSecretName(name) {
		return `"[redacted]"`
	}
	var s string
	switch x := v.(type) {
	case string:
		s = strconv.Quote(x)
	case json.Number:
		s = x.String()
	case float64:
		// kin-openapi validates numbers as float64. Print integers in
		// full rather than in exponent form.
		if x == math.Trunc(x) && math.Abs(x) < 1e21 {
			s = strconv.FormatFloat(x, 'f', 0, 64)
		} else {
			s = strconv.FormatFloat(x, 'g', -1, 64)
		}
	default:
		b, err := json.Marshal(v)
		if err != nil {
			s = fmt.Sprint(v)
		} else {
			s = string(b)
		}
	}
	return truncate(s)
}

// isSecretName reports whether a parameter or field name suggests a
// credential, whose value must not be reported.
func isSecretName(name string) bool {
	n := strings.ToLower(name)
	return strings.Contains(n, "token") || strings.Contains(n, "authorization") || strings.Contains(n, "secret") || strings.Contains(n, "password")
}

func truncate(s string) string {
	if len(s) <= maxValueLen {
		return s
	}
	cut := maxValueLen
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// violations flattens err (a single error or an errors.Join) into its
// *Error values, for reporters.
func violations(err error) []*Error {
	var out []*Error
	var walk func(error)
	walk = func(err error) {
		if err == nil {
			return
		}
		if e, ok := err.(*Error); ok { //nolint:errorlint // walking the tree itself; errors.As would skip joined siblings
			out = append(out, e)
			return
		}
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, x := range j.Unwrap() {
				walk(x)
			}
			return
		}
		walk(errors.Unwrap(err))
	}
	walk(err)
	return slices.Clip(out)
}
