package conformance

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// ValidateResponse validates resp as the answer to req: the status (a status
// the operation does not declare is a violation; the spec's default
// response is accepted for 5xx only), every declared header (the
// x-ratelimit-* headers are required but on 401 and 413), the Content-Type
// and the body. An empty body is accepted only where the spec declares a
// media type whose schema admits the empty string (the 401 of a rejected
// OAuth access token).
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
	return joinErrors(append(errs, v.validateResponseBody(c, r, op, req, status, hdr, body)...))
}

// validateResponseBody validates the body of a response whose head
// validateResponseHead has checked (r is its declared response).
func (v *Validator) validateResponseBody(c ectx, r *response, op *operation, req *http.Request, status int, hdr http.Header, body []byte) []error {
	var errs []error
	if !r.hasContent {
		if len(bytes.TrimSpace(body)) > 0 {
			errs = append(errs, c.errorf("body", renderValue("", string(body)),
				fmt.Sprintf("a %d response of %s has no body in the spec", status, op.id), nil))
		}
		return errs
	}
	if len(body) == 0 {
		// An empty body is valid where the spec declares one (the 401 of a
		// rejected OAuth access token), whatever the Content-Type.
		if !r.emptyOK {
			errs = append(errs, c.errorf("body", "", "the body is empty; the spec declares one", nil))
		}
		return errs
	}

	ct := hdr.Get("Content-Type")
	mt := r.content.Get(ct)
	if mt == nil {
		errs = append(errs, c.errorf("header.content-type", strconv.Quote(truncate(ct)),
			"Content-Type is not declared for this response (declared: "+strings.Join(slices.Sorted(maps.Keys(r.content)), ", ")+")", nil))
		return errs
	}
	if mt.Schema != nil && mt.Schema.Value != nil && isJSON(ct) {
		// The fast path for JSON: decode once, visit the schema.
		value, err := decodeJSONValue(body)
		if err != nil {
			errs = append(errs, c.errorf("body", renderValue("", string(body)), "the body is not valid JSON: "+err.Error(), err))
			return errs
		}
		if err := mt.Schema.Value.VisitJSON(value, v.responseOpts...); err != nil {
			errs = append(errs, c.convert(err, "body")...)
		}
		return errs
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
	return errs
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
