package conformance

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// Validator checks requests, responses and webhook payloads against
// openapi.yaml, the document compiled into this package. It is safe for
// concurrent use. The document is parsed and prepared once per process.
type Validator struct {
	spec *spec
	opts *openapi3filter.Options
	// schemaOpts are the options of direct schema validation (webhooks,
	// response headers); responseOpts those of response bodies.
	schemaOpts   []openapi3.SchemaValidationOption
	responseOpts []openapi3.SchemaValidationOption
}

// Option configures a Validator.
type Option func(*config)

type config struct {
	strict bool
}

// RejectUnknownProperties makes properties that the spec does not declare
// violations, in responses and webhook payloads. The published spec leaves
// objects open, because Chatwork may add fields at any time; this option
// closes them in a private copy of the document, to detect API drift in
// recorded fixtures or in a canary. allOf compositions are merged first, so
// a RoomDetail still accepts the properties of Room plus description.
func RejectUnknownProperties() Option {
	return func(c *config) { c.strict = true }
}

// New returns a Validator for openapi.yaml. It fails only if the embedded
// document cannot be loaded, which the tests of this package rule out.
func New(opts ...Option) (*Validator, error) {
	var c config
	for _, o := range opts {
		o(&c)
	}
	s, err := loadSpec(c.strict)
	if err != nil {
		return nil, err
	}
	schemaOpts := []openapi3.SchemaValidationOption{openapi3.DisableSchemaErrorDetails()}
	return &Validator{
		spec: s,
		opts: &openapi3filter.Options{
			MultiError:            true,
			IncludeResponseStatus: true,
			// The request validated is a private clone and is thrown away;
			// defaults written into it would be wasted work.
			SkipSettingDefaults:               true,
			RejectWhenRequestBodyNotSpecified: true,
			AuthenticationFunc:                authPresent,
			SchemaValidationOptions:           schemaOpts,
		},
		schemaOpts: append([]openapi3.SchemaValidationOption{openapi3.MultiErrors()}, schemaOpts...),
		// No openapi3.VisitAsResponse(): it only matters for writeOnly
		// properties, which openapi.yaml has none of (TestNoWriteOnly), and
		// costs a sorted copy of every object schema's property names on
		// every object visited.
		responseOpts: append([]openapi3.SchemaValidationOption{openapi3.MultiErrors()}, schemaOpts...),
	}, nil
}

// authPresent accepts a request that carries the credentials a security
// scheme asks for: the X-ChatWorkToken header for the API token, or
// Authorization: Bearer for OAuth. It checks presence only: the value is
// never read beyond its scheme, and never reported.
func authPresent(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	h := in.RequestValidationInput.Request.Header
	s := in.SecurityScheme
	switch {
	case s.Type == "apiKey" && s.In == "header":
		if strings.TrimSpace(h.Get(s.Name)) == "" {
			return in.NewError(errors.New("missing header " + s.Name))
		}
	case s.Type == "oauth2" || s.Type == "openIdConnect" || (s.Type == "http" && strings.EqualFold(s.Scheme, "bearer")):
		scheme, token, ok := strings.Cut(h.Get("Authorization"), " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
			return in.NewError(errors.New("missing Authorization: Bearer"))
		}
	case s.Type == "apiKey":
		// Not used by this spec: accept rather than guess.
	default:
		return in.NewError(fmt.Errorf("unsupported security scheme type %q", s.Type))
	}
	return nil
}

// Operation finds the operation a request is for. Requests are matched by
// method and by path relative to the spec's base path /v2 on any scheme and
// host: http://127.0.0.1:8080/v2/rooms, https://api.chatwork.com/v2/rooms
// and a bare /v2/rooms all match listRooms or createRoom. When no operation
// matches, the error is an *Error wrapping ErrUnknownOperation.
func (v *Validator) Operation(req *http.Request) (operationID string, err error) {
	op, _, err := v.route(req, false)
	if err != nil {
		return "", err
	}
	return op.id, nil
}

// OperationIDs returns the operationId of every operation of the spec, in
// path order.
func (v *Validator) OperationIDs() []string {
	ids := make([]string, 0, len(v.spec.ops))
	for _, op := range v.spec.ops {
		ids = append(ids, op.id)
	}
	return ids
}

// DeclaredStatuses returns the statuses declared for an operation, sorted,
// without ranges ("5XX") and the default response. It returns nil for an
// unknown operation.
func (v *Validator) DeclaredStatuses(operationID string) []int {
	op := v.spec.byID[operationID]
	if op == nil {
		return nil
	}
	return slices.Sorted(maps.Keys(op.responses))
}

// route matches req. With params, path parameters are extracted too.
func (v *Validator) route(req *http.Request, params bool) (*operation, map[string]string, error) {
	var pp map[string]string
	if params {
		pp = make(map[string]string, 2)
	}
	p := urlPath(req.URL)
	op, reason := v.spec.match(req.Method, p, pp)
	if op == nil {
		if req.URL != nil && req.URL.Query().Has("method") {
			reason += "; the ?method= override was abolished on 2025-07-03: send the real HTTP method"
		}
		c := ectx{method: req.Method, path: p, part: PartRequest}
		return nil, nil, c.errorf("path", strconv.Quote(truncate(p)), reason, ErrUnknownOperation)
	}
	return op, pp, nil
}

func urlPath(u *url.URL) string {
	if u == nil {
		return ""
	}
	return u.Path
}

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
		case op.formFields[name]:
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
	p := s.Properties[name].Value
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

// ValidateResponse validates resp as the answer to req: the status (a status
// the operation does not declare is a violation; the spec's default
// response is accepted for 5xx only), every declared header (the
// x-ratelimit-* headers are required but on 401 and 413), the Content-Type
// and the body.
//
// It reads resp.Body and puts back a reader over the same bytes, so the
// caller can still read it. req is only used to find the operation; its
// body is not read.
func (v *Validator) ValidateResponse(req *http.Request, resp *http.Response) error {
	var body []byte
	if resp.Body != nil && resp.Body != http.NoBody {
		var err error
		body, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(body))
		if err != nil {
			c := ectx{method: req.Method, path: urlPath(req.URL), status: resp.StatusCode, part: PartResponse}
			return c.errorf("body", "", "reading the response body: "+err.Error(), err)
		}
	}
	op, _, err := v.route(req, false)
	if err != nil {
		return err
	}
	return v.validateResponse(op, req, resp.StatusCode, resp.Header, body)
}

// ValidateExchange validates a request and its response whose bodies were
// already read. Neither req.Body nor resp.Body is touched. All violations of
// both sides are returned, joined.
func (v *Validator) ValidateExchange(req *http.Request, reqBody []byte, resp *http.Response, respBody []byte) error {
	op, reqErr := v.validateRequest(req, reqBody)
	if op == nil {
		return reqErr
	}
	respErr := v.validateResponse(op, req, resp.StatusCode, resp.Header, respBody)
	return joinErrors(append(flatten(reqErr), flatten(respErr)...))
}

// flatten returns the errors joined in err, or err alone.
func flatten(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

func (v *Validator) validateResponse(op *operation, req *http.Request, status int, hdr http.Header, body []byte) error {
	c, r, errs := v.validateResponseHead(op, req, status, hdr)
	if r == nil {
		return joinErrors(errs)
	}
	if !r.hasContent {
		if len(bytes.TrimSpace(body)) > 0 {
			errs = append(errs, c.errorf("body", renderValue("", string(body)),
				fmt.Sprintf("a %d response of %s has no body in the spec", status, op.id), nil))
		}
		return joinErrors(errs)
	}
	if len(body) == 0 {
		// A rejected OAuth access token may come with no body at all: its
		// details are then only in WWW-Authenticate (see the spec's
		// Unauthorized response).
		if status == http.StatusUnauthorized && hdr.Get("WWW-Authenticate") != "" {
			return joinErrors(errs)
		}
		errs = append(errs, c.errorf("body", "", "the body is empty; the spec declares one", nil))
		return joinErrors(errs)
	}

	ct := hdr.Get("Content-Type")
	mt := r.content.Get(ct)
	if mt == nil {
		errs = append(errs, c.errorf("header.content-type", strconv.Quote(truncate(ct)),
			"Content-Type is not declared for this response (declared: "+strings.Join(slices.Sorted(maps.Keys(r.content)), ", ")+")", nil))
		return joinErrors(errs)
	}
	if mt.Schema != nil && mt.Schema.Value != nil && isJSON(ct) {
		// The fast path for JSON: decode once, visit the schema.
		value, err := decodeJSONValue(body)
		if err != nil {
			errs = append(errs, c.errorf("body", renderValue("", string(body)), "the body is not valid JSON: "+err.Error(), err))
			return joinErrors(errs)
		}
		if err := mt.Schema.Value.VisitJSON(value, v.responseOpts...); err != nil {
			errs = append(errs, c.convert(err, "body")...)
		}
		return joinErrors(errs)
	}

	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request: req,
			Route:   r.bodyRoute,
			Options: v.opts,
		},
		Status:  status,
		Header:  hdr,
		Options: v.opts,
	}
	in.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(req.Context(), in); err != nil {
		errs = append(errs, c.convert(err, "body")...)
	}
	return joinErrors(errs)
}

// validateResponseHead validates the status and the declared headers of a
// response. r is nil when the status is not declared: errs then holds that
// one violation and nothing else can be checked.
func (v *Validator) validateResponseHead(op *operation, req *http.Request, status int, hdr http.Header) (c ectx, r *response, errs []error) {
	c = ectx{op: op.id, method: req.Method, path: urlPath(req.URL), status: status, part: PartResponse}
	r = op.lookup(status)
	if r == nil {
		reason := fmt.Sprintf("status %d is not declared for %s (declared: %s)", status, op.id, op.declared)
		if op.dflt != nil {
			reason += "; the default response covers 5xx only"
		}
		return c, nil, []error{c.errorf("status", strconv.Itoa(status), reason, nil)}
	}
	for _, h := range r.headers {
		errs = v.checkHeader(c, h, hdr, errs)
	}
	return c, r, errs
}

// checkHeader validates one declared response header.
func (v *Validator) checkHeader(c ectx, h *header, hdr http.Header, errs []error) []error {
	field := "header." + h.name
	vals := hdr[h.canon]
	if len(vals) == 0 {
		vals = hdr.Values(h.name) // a non-canonical map key, set directly
	}
	if len(vals) == 0 {
		if h.required {
			errs = append(errs, c.errorf(field, "", "required header is missing", nil))
		}
		return errs
	}
	if len(vals) > 1 {
		return append(errs, c.errorf(field, renderValue("", strings.Join(vals, ", ")), "header is sent more than once", nil))
	}
	if h.schema == nil {
		return errs
	}
	raw := vals[0]
	var value any = raw
	switch {
	case h.schema.Type.Is(openapi3.TypeInteger):
		n, err := strconv.ParseInt(strings.TrimSpace(raw), 10, 64)
		if err != nil {
			return append(errs, c.errorf(field, strconv.Quote(truncate(raw)), "not an integer", err))
		}
		if plainRange(h.schema) {
			// The x-ratelimit-* headers: a range check is all their schema
			// says, and it is much cheaper than a schema visit.
			if s := h.schema; (s.Min != nil && float64(n) < *s.Min) || (s.Max != nil && float64(n) > *s.Max) {
				return append(errs, c.errorf(field, strconv.Quote(truncate(raw)), "out of the declared range", nil))
			}
			return errs
		}
		value = float64(n)
	case h.schema.Type.Is(openapi3.TypeNumber):
		f, err := strconv.ParseFloat(strings.TrimSpace(raw), 64)
		if err != nil {
			return append(errs, c.errorf(field, strconv.Quote(truncate(raw)), "not a number", err))
		}
		value = f
	case h.schema.Type.Is(openapi3.TypeBoolean):
		b, err := strconv.ParseBool(strings.TrimSpace(raw))
		if err != nil {
			return append(errs, c.errorf(field, strconv.Quote(truncate(raw)), "not a boolean", err))
		}
		value = b
	}
	if err := h.schema.VisitJSON(value, v.schemaOpts...); err != nil {
		for _, e := range c.convert(err, field) {
			var ce *Error
			if errors.As(e, &ce) {
				ce.Value = strconv.Quote(truncate(raw))
			}
			errs = append(errs, e)
		}
	}
	return errs
}

// plainRange reports whether an integer schema constrains nothing but its
// minimum and maximum.
func plainRange(s *openapi3.Schema) bool {
	return len(s.Enum) == 0 && s.MultipleOf == nil && !s.ExclusiveMin.IsSet() && !s.ExclusiveMax.IsSet() &&
		len(s.AllOf) == 0 && len(s.AnyOf) == 0 && len(s.OneOf) == 0 && s.Not == nil && !s.Nullable
}

// ValidateWebhook validates the body of a webhook request from Chatwork. The
// schema is chosen by webhook_event_type: WebhookMessageCreated,
// WebhookMessageUpdated or WebhookMentionToMe; an unknown event type is
// checked against WebhookEnvelope only, since Chatwork may add types.
func (v *Validator) ValidateWebhook(body []byte) error {
	c := ectx{method: http.MethodPost, part: PartWebhook}
	value, err := decodeJSONValue(body)
	if err != nil {
		return c.errorf("body", renderValue("", string(body)), "not valid JSON: "+err.Error(), err)
	}
	ws := v.spec.envelope
	if obj, ok := value.(map[string]any); ok {
		if t, ok := obj["webhook_event_type"].(string); ok && v.spec.webhooks[t] != nil {
			ws = v.spec.webhooks[t]
		}
	}
	c.op = ws.operationID
	if err := ws.schema.VisitJSON(value, v.schemaOpts...); err != nil {
		return joinErrors(c.convert(err, "body"))
	}
	return nil
}
