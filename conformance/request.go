package conformance

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/chatwork-go/chatwork/internal/schemarand"
)

// ValidateRequest validates a request against its operation: the method and
// path, path and query parameters, credentials (X-ChatWorkToken or
// Authorization: Bearer must be present), and the body, including
// Chatwork's wire rules (comma-joined ID lists, 0/1 flags, POST and PUT
// parameters in the form body and not in the query). Form fields, multipart
// parts and query parameters that the operation does not declare are
// ignored, as Chatwork ignores them; a declared one sent twice is a
// violation, since Chatwork reads one value (lists are comma-joined).
//
// It reads req.Body and puts back a reader over the same bytes, so the
// request can still be sent; if req.GetBody is set, the body is read through
// it and req.Body is left alone. Nothing else of req is modified: kin-openapi
// runs on a clone.
func (v *Validator) ValidateRequest(req *http.Request) error {
	body, err := peekRequestBody(req)
	if err != nil {
		return ectx{method: req.Method, path: urlPath(req.URL), part: PartRequest}.errorf("body", "", "reading the request body: "+err.Error(), err)
	}
	_, err = v.validateRequest(req, body)
	return err
}

// peekRequestBody returns the body of req without consuming it.
func peekRequestBody(req *http.Request) ([]byte, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, nil
	}
	if req.GetBody != nil {
		rc, err := req.GetBody()
		if err == nil {
			defer rc.Close()
			return io.ReadAll(rc)
		}
	}
	body, err := io.ReadAll(req.Body)
	req.Body.Close()
	req.Body = io.NopCloser(bytes.NewReader(body))
	return body, err
}

// validateRequest validates req with the given body and returns the
// matched operation (nil if none).
func (v *Validator) validateRequest(req *http.Request, body []byte) (*operation, error) {
	op, params, err := v.route(req, true)
	if err != nil {
		return nil, err
	}
	c := ectx{op: op.id, method: req.Method, path: urlPath(req.URL), part: PartRequest}
	var errs []error

	// Chatwork's wire rules that the schema cannot express.
	ct := req.Header.Get("Content-Type")
	if u, b, ok := queryAsBody(op, req.URL, body); ok {
		// Read by Chatwork from the query: validate it as the body.
		req = req.Clone(req.Context())
		req.URL, body, ct = u, b, "application/x-www-form-urlencoded"
	}
	errs = v.checkQuery(c, op, req.URL, errs)
	switch {
	case len(body) == 0:
	case op.formFields != nil && isForm(ct):
		errs = checkForm(c, op, body, errs)
	case isMultipart(ct):
		body, ct, errs = checkMultipart(c, op, ct, body, errs)
	}

	clone := req.Clone(req.Context())
	if ct != req.Header.Get("Content-Type") {
		clone.Header.Set("Content-Type", ct)
	}
	clone.Body = io.NopCloser(bytes.NewReader(body))
	clone.GetBody = nil
	clone.ContentLength = int64(len(body))
	in := &openapi3filter.RequestValidationInput{
		Request:    clone,
		PathParams: params,
		Route:      op.route,
		Options:    v.opts,
	}
	if err := openapi3filter.ValidateRequest(req.Context(), in); err != nil {
		errs = append(errs, c.convert(err, "body")...)
	}
	return op, joinErrors(errs)
}

// queryAsBody moves the body fields of a DELETE with an empty body from the
// query into a form body, as Chatwork reads them: chatwork-ruby and
// chatwork-api-client send action_type of DELETE /rooms/{room_id} in the
// query, and their users' calls work. (On POST and PUT, Chatwork ignores
// the query since 2025-07-03.) ok is false when there is nothing to move.
func queryAsBody(op *operation, u *url.URL, body []byte) (_ *url.URL, form []byte, ok bool) {
	if op.method != http.MethodDelete || len(body) > 0 || op.formFields == nil || u == nil || u.RawQuery == "" {
		return nil, nil, false
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return nil, nil, false
	}
	f := url.Values{}
	for name, vals := range q {
		if op.formFields[name] && !op.query[name] {
			f[name] = vals
			delete(q, name)
		}
	}
	if len(f) == 0 {
		return nil, nil, false
	}
	nu := *u
	nu.RawQuery = q.Encode()
	return &nu, []byte(f.Encode()), true
}

func isJSON(ct string) bool {
	mt, _, _ := mime.ParseMediaType(ct)
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}

func isForm(ct string) bool {
	mt, _, _ := mime.ParseMediaType(ct)
	return mt == "application/x-www-form-urlencoded"
}

func isMultipart(ct string) bool {
	mt, _, _ := mime.ParseMediaType(ct)
	return mt == "multipart/form-data"
}

// checkQuery reports the query parameters Chatwork would misread: a
// declared parameter sent more than once, a write parameter sent in the
// query (Chatwork ignores the query of POST and PUT since 2025-07-03, so
// it is lost), the abolished ?method= override, and credentials in the
// URL. Other undeclared parameters are ignored, as Chatwork ignores them.
func (v *Validator) checkQuery(c ectx, op *operation, u *url.URL, errs []error) []error {
	if u == nil || u.RawQuery == "" {
		return errs
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return append(errs, c.errorf("query", "", "the query cannot be parsed: "+err.Error(), err))
	}
	for _, name := range slices.Sorted(maps.Keys(q)) {
		if op.query[name] {
			if len(q[name]) > 1 {
				errs = append(errs, c.errorf("query."+name, renderValue(name, strings.Join(q[name], "&")), repeatedKey(op, name), nil))
			}
			continue
		}
		var reason string
		switch {
		case name == "method":
			reason = "the ?method= override was abolished on 2025-07-03; send the real HTTP method"
		case op.formFields[name], op.partFields[name]:
			reason = fmt.Sprintf("%s parameters belong in the form body: Chatwork ignores the query of %s since 2025-07-03", op.method, op.method)
		case isSecretName(name):
			reason = "credentials must never travel in the query; send the X-ChatWorkToken header"
		default:
			continue // ignored by Chatwork
		}
		errs = append(errs, c.errorf("query."+name, renderValue(name, q.Get(name)), reason, nil))
	}
	return errs
}

// checkForm reports what Chatwork would misread in a urlencoded body: a
// declared field sent more than once, and a declared list sent as
// name[0]=…. Chatwork reads one value per field, and a list as one
// comma-joined value (members_admin_ids=1,2,3). Fields the operation does
// not declare are ignored, as Chatwork ignores them.
func checkForm(c ectx, op *operation, body []byte, errs []error) []error {
	f, err := url.ParseQuery(string(body))
	if err != nil {
		return append(errs, c.errorf("body", "", "the form body cannot be parsed: "+err.Error(), err))
	}
	for _, name := range slices.Sorted(maps.Keys(f)) {
		if op.formFields[name] {
			if len(f[name]) > 1 {
				errs = append(errs, c.errorf("body."+name, renderValue(name, strings.Join(f[name], "&")), repeatedKey(op, name), nil))
			}
			continue
		}
		if base, _, ok := strings.Cut(name, "["); ok && op.formFields[base] {
			errs = append(errs, c.errorf("body."+name, renderValue(name, f.Get(name)),
				fmt.Sprintf("lists are sent as one comma-joined value (%s=1,2,3), not as %s", base, name), nil))
		}
	}
	return errs
}

// repeatedKey is the reason given for a parameter or field sent more than
// once.
func repeatedKey(op *operation, name string) string {
	if isList(bodySchema(op, "application/x-www-form-urlencoded"), name) {
		return "repeated key; send one comma-joined value such as 1,2,3"
	}
	return "repeated key; send it once"
}

// bodySchema returns the schema of the operation's request body of media
// type mt, or nil.
func bodySchema(op *operation, mt string) *openapi3.Schema {
	rb := op.route.Operation.RequestBody
	if rb == nil || rb.Value == nil {
		return nil
	}
	m := rb.Value.Content.Get(mt)
	if m == nil || m.Schema == nil {
		return nil
	}
	return m.Schema.Value
}

// isList reports whether property name of the object schema s is an ID
// list: an array, or a string of comma-joined digits.
func isList(s *openapi3.Schema, name string) bool {
	if s == nil || s.Properties[name] == nil || s.Properties[name].Value == nil {
		return false
	}
	p := schemarand.Flatten(s.Properties[name].Value) // a described field is an allOf of its schema
	return p.Type.Is(openapi3.TypeArray) || strings.Contains(p.Pattern, ",")
}

// checkMultipart reports declared parts sent more than once and returns the
// body to validate without the parts the operation does not declare:
// Chatwork ignores them (chatwork-api-client adds file_name to every
// upload), but kin-openapi refuses them. ct is the Content-Type of the
// returned body. A body that cannot be parsed is returned as it is, for
// kin-openapi to report.
func checkMultipart(c ectx, op *operation, ct string, body []byte, errs []error) ([]byte, string, []error) {
	s := bodySchema(op, "multipart/form-data")
	_, params, err := mime.ParseMediaType(ct)
	if s == nil || err != nil || params["boundary"] == "" {
		return body, ct, errs
	}
	// The first pass reads the part names only.
	seen := map[string]int{}
	undeclared := false
	err = eachPart(body, params["boundary"], func(p *multipart.Part) error {
		name := p.FormName()
		if s.Properties[name] == nil {
			undeclared = true
		} else if seen[name]++; seen[name] == 2 {
			errs = append(errs, c.errorf("body."+name, "", "repeated part; send it once", nil))
		}
		_, err := io.Copy(io.Discard, p)
		return err
	})
	if err != nil || !undeclared {
		return body, ct, errs
	}
	// The second copies the declared parts.
	var b bytes.Buffer
	b.Grow(len(body))
	mw := multipart.NewWriter(&b)
	_ = eachPart(body, params["boundary"], func(p *multipart.Part) error {
		if s.Properties[p.FormName()] == nil {
			return nil
		}
		w, _ := mw.CreatePart(p.Header) // writes to a bytes.Buffer cannot fail
		_, err := io.Copy(w, p)
		return err
	})
	_ = mw.Close()
	return b.Bytes(), mw.FormDataContentType(), errs
}

// eachPart calls f with each part of a multipart body, and returns the
// first error of f or of the body.
func eachPart(body []byte, boundary string, f func(*multipart.Part) error) error {
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	for {
		p, err := mr.NextPart()
		if err == io.EOF { // io.EOF itself marks the closing boundary; a wrapped one, a body that ends early
			return nil
		}
		if err != nil {
			return err
		}
		if err := f(p); err != nil {
			return err
		}
	}
}
