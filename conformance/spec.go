package conformance

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"

	"github.com/chatwork-go/chatwork/internal/embeddedspec"
)

// basePath is the path of the spec's server URL. Requests are matched on it
// whatever their scheme and host.
const basePath = "/v2"

// A spec is openapi.yaml loaded, checked and indexed for fast lookups. It is
// read-only once built, so one spec serves any number of Validators and
// goroutines.
type spec struct {
	doc       *openapi3.T
	templates []*pathTemplate
	byID      map[string]*operation
	ops       []*operation // in document order: path, then method
	webhooks  map[string]*webhookSchema
	envelope  *webhookSchema
}

// A pathTemplate is one entry of paths, split into segments.
type pathTemplate struct {
	path     string   // "/rooms/{room_id}/messages"
	segs     []string // "rooms", "{room_id}", "messages"
	params   []string // the parameter name of each segment, "" for literals
	literals int
	methods  map[string]*operation
	allowed  string // "GET, POST", for error messages
}

// An operation is one method of one path, with what validation needs
// precomputed.
type operation struct {
	id       string
	method   string
	template *pathTemplate
	route    *routers.Route
	info     OperationInfo

	query      map[string]bool // declared query parameters
	formFields map[string]bool // declared fields of a urlencoded body; nil without one
	partFields map[string]bool // declared parts of a multipart body; nil without one
	hasBody    bool            // the operation declares a request body

	responses map[int]*response
	ranges    [6]*response // "1XX" to "5XX", by first digit
	dflt      *response    // used for 5xx only
	declared  string       // "200, 400, 401" for error messages
}

// A response is one declared response of an operation.
type response struct {
	status  int // 0 for default and ranges
	headers []*header
	// bodyRoute has the operation with this one response, stripped of its
	// headers, for openapi3filter.ValidateResponse: headers are checked
	// separately so that every bad header and the body are all reported.
	bodyRoute  *routers.Route
	hasContent bool
	content    openapi3.Content
	// emptyOK: an empty body is valid, because a declared media type's
	// schema admits the empty string ("*/*" with maxLength 0 on the 401).
	emptyOK bool
}

// A header is a declared response header.
type header struct {
	name     string // lower case, as reported in Error.Field
	canon    string // canonical MIME form, for http.Header lookups
	required bool
	schema   *openapi3.Schema
}

// A webhookSchema is a webhook payload schema and the operation ID that
// x-webhooks gives it.
type webhookSchema struct {
	name        string // component name, "WebhookMessageCreated"
	operationID string // "receiveMessageCreated"
	schema      *openapi3.Schema
}

var (
	sharedOnce sync.Once
	sharedSpec *spec
	sharedErr  error

	strictOnce sync.Once
	strictSpec *spec
	strictErr  error
)

// loadSpec returns the process-wide spec; strict selects the variant whose
// object schemas reject undeclared properties. The two never share a
// document.
func loadSpec(strict bool) (*spec, error) {
	if strict {
		strictOnce.Do(func() { strictSpec, strictErr = buildSpec(true) })
		return strictSpec, strictErr
	}
	sharedOnce.Do(func() { sharedSpec, sharedErr = buildSpec(false) })
	return sharedSpec, sharedErr
}

func buildSpec(strict bool) (*spec, error) {
	// The spec comes from internal/embeddedspec, not from the root package:
	// the root package's tools.go would put the code generator in the
	// go.mod of every module that imports conformance.
	raw, err := embeddedspec.GetSpecJSON()
	if err != nil {
		return nil, fmt.Errorf("conformance: reading the embedded openapi.yaml: %w", err)
	}
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(raw)
	if err != nil {
		return nil, fmt.Errorf("conformance: loading openapi.yaml: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("conformance: openapi.yaml is not a valid OpenAPI document: %w", err)
	}
	// Requests go to httptest servers and proxies as well as to
	// api.chatwork.com: match on the base path only.
	doc.Servers = openapi3.Servers{{URL: basePath}}
	if strict {
		forbidUnknownProperties(doc)
	}

	s := &spec{doc: doc, byID: map[string]*operation{}, webhooks: map[string]*webhookSchema{}}
	paths := doc.Paths.InMatchingOrder()
	slices.Sort(paths)
	for _, p := range paths {
		item := doc.Paths.Value(p)
		t := newPathTemplate(p)
		var allowed []string
		for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
			o := item.GetOperation(m)
			if o == nil {
				continue
			}
			op, err := newOperation(doc, t, item, m, o)
			if err != nil {
				return nil, err
			}
			t.methods[m] = op
			s.byID[op.id] = op
			s.ops = append(s.ops, op)
			allowed = append(allowed, m)
		}
		t.allowed = strings.Join(allowed, ", ")
		s.templates = append(s.templates, t)
	}
	if err := s.indexWebhooks(); err != nil {
		return nil, err
	}
	return s, nil
}

func newPathTemplate(p string) *pathTemplate {
	t := &pathTemplate{path: p, methods: map[string]*operation{}}
	for seg := range strings.SplitSeq(strings.TrimPrefix(p, "/"), "/") {
		name := ""
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			name = seg[1 : len(seg)-1]
		} else {
			t.literals++
		}
		t.segs = append(t.segs, seg)
		t.params = append(t.params, name)
	}
	return t
}

func newOperation(doc *openapi3.T, t *pathTemplate, item *openapi3.PathItem, method string, o *openapi3.Operation) (*operation, error) {
	if o.OperationID == "" {
		return nil, fmt.Errorf("conformance: %s %s has no operationId", method, t.path)
	}
	op := &operation{
		id:        o.OperationID,
		method:    method,
		template:  t,
		route:     &routers.Route{Spec: doc, Server: doc.Servers[0], Path: t.path, PathItem: item, Method: method, Operation: o},
		query:     map[string]bool{},
		responses: map[int]*response{},
	}
	for _, params := range []openapi3.Parameters{item.Parameters, o.Parameters} {
		for _, p := range params {
			if p.Value != nil && p.Value.In == openapi3.ParameterInQuery {
				op.query[p.Value.Name] = true
			}
		}
	}
	op.info = newOperationInfo(t, method, o, op.query)
	if rb := o.RequestBody; rb != nil && rb.Value != nil {
		op.hasBody = true
		if mt := rb.Value.Content.Get("application/x-www-form-urlencoded"); mt != nil && mt.Schema != nil && mt.Schema.Value != nil {
			op.formFields = map[string]bool{}
			for name := range mt.Schema.Value.Properties {
				op.formFields[name] = true
			}
		}
		if mt := rb.Value.Content.Get("multipart/form-data"); mt != nil && mt.Schema != nil && mt.Schema.Value != nil {
			op.partFields = map[string]bool{}
			for name := range mt.Schema.Value.Properties {
				op.partFields[name] = true
			}
		}
	}
	var declared []string
	for _, key := range o.Responses.Keys() {
		ref := o.Responses.Value(key)
		if ref == nil || ref.Value == nil {
			return nil, fmt.Errorf("conformance: %s: response %s is not resolved", op.id, key)
		}
		r := newResponse(op, key, ref.Value)
		if key == "default" {
			op.dflt = r
			continue
		}
		declared = append(declared, key)
		if len(key) == 3 && key[0] >= '1' && key[0] <= '5' && strings.EqualFold(key[1:], "XX") {
			op.ranges[key[0]-'0'] = r
			continue
		}
		status, err := strconv.Atoi(key)
		if err != nil {
			return nil, fmt.Errorf("conformance: %s: unsupported response key %q", op.id, key)
		}
		r.status = status
		op.responses[status] = r
	}
	slices.Sort(declared)
	op.declared = strings.Join(declared, ", ")
	return op, nil
}

func newResponse(op *operation, key string, r *openapi3.Response) *response {
	out := &response{hasContent: len(r.Content) > 0, content: r.Content}
	for _, mt := range r.Content {
		if mt != nil && mt.Schema != nil && mt.Schema.Value != nil && mt.Schema.Value.VisitJSON("") == nil {
			out.emptyOK = true
		}
	}
	names := make([]string, 0, len(r.Headers))
	for name := range r.Headers {
		if !strings.EqualFold(name, "Content-Type") {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	for _, name := range names {
		h := r.Headers[name].Value
		if h == nil {
			continue
		}
		hd := &header{name: strings.ToLower(name), canon: http.CanonicalHeaderKey(name), required: h.Required}
		if h.Schema != nil {
			hd.schema = h.Schema.Value
		}
		out.headers = append(out.headers, hd)
	}
	// A copy of the response without headers, alone in a copy of the
	// operation.
	bare := *r
	bare.Headers = nil
	responses := openapi3.NewResponsesWithCapacity(1)
	responses.Set(key, &openapi3.ResponseRef{Value: &bare})
	o := *op.route.Operation
	o.Responses = responses
	rt := *op.route
	rt.Operation = &o
	out.bodyRoute = &rt
	return out
}

// indexWebhooks finds the webhook payload schemas and the operation IDs
// that x-webhooks gives them.
func (s *spec) indexWebhooks() error {
	for _, name := range []string{"WebhookMessageCreated", "WebhookMessageUpdated", "WebhookMentionToMe", "WebhookEnvelope"} {
		ref := s.doc.Components.Schemas[name]
		if ref == nil || ref.Value == nil {
			return fmt.Errorf("conformance: openapi.yaml has no schema %s", name)
		}
		ws := &webhookSchema{name: name, schema: ref.Value}
		if name == "WebhookEnvelope" {
			s.envelope = ws
			continue
		}
		// The event type is the single enum value of webhook_event_type.
		et := ref.Value.Properties["webhook_event_type"]
		if et == nil || et.Value == nil || len(et.Value.Enum) != 1 {
			return fmt.Errorf("conformance: %s.webhook_event_type must have exactly one enum value", name)
		}
		typ, _ := et.Value.Enum[0].(string)
		s.webhooks[typ] = ws
	}
	// Operation IDs, from x-webhooks.<name>.post.operationId, matched by the
	// $ref of the request body schema.
	hooks, _ := s.doc.Extensions["x-webhooks"].(map[string]any)
	for _, h := range hooks {
		post, _ := h.(map[string]any)["post"].(map[string]any)
		id, _ := post["operationId"].(string)
		body, _ := post["requestBody"].(map[string]any)
		content, _ := body["content"].(map[string]any)
		js, _ := content["application/json"].(map[string]any)
		schema, _ := js["schema"].(map[string]any)
		ref, _ := schema["$ref"].(string)
		name := strings.TrimPrefix(ref, "#/components/schemas/")
		for _, ws := range s.webhooks {
			if ws.name == name {
				ws.operationID = id
			}
		}
	}
	return nil
}

// match finds the operation for method and the URL path p. It returns the
// operation, or nil and a reason. When params is non-nil, path parameters
// are stored in it.
func (s *spec) match(method, p string, params map[string]string) (*operation, string) {
	rest, ok := stripBase(p)
	if !ok {
		return nil, fmt.Sprintf("path %s is outside the API base path %s", p, basePath)
	}
	var best *pathTemplate
	for _, t := range s.templates {
		if (best == nil || t.literals > best.literals) && t.matches(rest) {
			best = t
		}
	}
	if best == nil {
		return nil, fmt.Sprintf("no path of the spec matches %s", p)
	}
	op := best.methods[method]
	if op == nil {
		return nil, fmt.Sprintf("method %s is not declared for %s%s (declared: %s)", method, basePath, best.path, best.allowed)
	}
	if params != nil {
		best.extract(rest, params)
	}
	return op, ""
}

// stripBase returns p relative to the base path: "/v2/rooms" gives
// "/rooms". A prefix before the base path ("/proxy/v2/rooms") is allowed.
func stripBase(p string) (string, bool) {
	const prefix = basePath + "/"
	if strings.HasPrefix(p, prefix) {
		return p[len(basePath):], true
	}
	if i := strings.Index(p, prefix); i >= 0 {
		return p[i+len(basePath):], true
	}
	return "", false
}

// matches reports whether rest ("/rooms/123") fits the template, without
// allocating.
func (t *pathTemplate) matches(rest string) bool {
	if len(rest) == 0 || rest[0] != '/' {
		return false
	}
	rest = rest[1:]
	for i, seg := range t.segs {
		var cur string
		if j := strings.IndexByte(rest, '/'); j >= 0 {
			if i == len(t.segs)-1 {
				return false
			}
			cur, rest = rest[:j], rest[j+1:]
		} else {
			if i != len(t.segs)-1 {
				return false
			}
			cur, rest = rest, ""
		}
		if t.params[i] != "" {
			if cur == "" {
				return false
			}
			continue
		}
		if cur != seg {
			return false
		}
	}
	return true
}

func (t *pathTemplate) extract(rest string, params map[string]string) {
	for i, seg := range strings.Split(rest[1:], "/") {
		if i < len(t.params) && t.params[i] != "" {
			params[t.params[i]] = seg
		}
	}
}

// forbidUnknownProperties sets additionalProperties: false on every object
// schema that declares properties and describes a response or a webhook
// payload. allOf compositions are flattened
// first, since an allOf of two closed objects would accept nothing.
func forbidUnknownProperties(doc *openapi3.T) {
	seen := map[*openapi3.Schema]bool{}
	var walk func(*openapi3.SchemaRef)
	walk = func(ref *openapi3.SchemaRef) {
		if ref == nil || ref.Value == nil || seen[ref.Value] {
			return
		}
		s := ref.Value
		seen[s] = true
		flattenAllOf(s)
		for _, p := range s.Properties {
			walk(p)
		}
		walk(s.Items)
		if s.AdditionalProperties.Schema != nil {
			walk(s.AdditionalProperties.Schema)
		}
		for _, refs := range []openapi3.SchemaRefs{s.AllOf, s.AnyOf, s.OneOf} {
			for _, x := range refs {
				walk(x)
			}
		}
		if len(s.Properties) > 0 && s.AdditionalProperties.Has == nil && s.AdditionalProperties.Schema == nil {
			f := false
			s.AdditionalProperties.Has = &f
		}
	}
	// Responses and webhook payloads only: requests are what this module
	// sends, and Chatwork ignores undeclared form fields.
	for name, ref := range doc.Components.Schemas {
		if strings.HasPrefix(name, "Webhook") {
			walk(ref)
		}
	}
	for _, ref := range doc.Components.Responses {
		if ref.Value != nil {
			for _, mt := range ref.Value.Content {
				walk(mt.Schema)
			}
		}
	}
	for _, item := range doc.Paths.Map() {
		for _, o := range item.Operations() {
			for _, ref := range o.Responses.Map() {
				if ref.Value != nil {
					for _, mt := range ref.Value.Content {
						walk(mt.Schema)
					}
				}
			}
		}
	}
}

// flattenAllOf merges an allOf of object schemas into s itself, so that the
// merged object can be closed. Subschemas are not changed: they are shared
// with other uses.
func flattenAllOf(s *openapi3.Schema) {
	if len(s.AllOf) == 0 {
		return
	}
	props := openapi3.Schemas{}
	var required []string
	for _, sub := range s.AllOf {
		v := sub.Value
		if v == nil || !(v.Type.Is(openapi3.TypeObject) || (v.Type.IsEmpty() && len(v.Properties) > 0)) || len(v.AllOf) > 0 {
			return // not a plain object composition: leave it open
		}
	}
	for k, p := range s.Properties {
		props[k] = p
	}
	required = append(required, s.Required...)
	for _, sub := range s.AllOf {
		for k, p := range sub.Value.Properties {
			props[k] = p
		}
		required = append(required, sub.Value.Required...)
	}
	slices.Sort(required)
	s.Type = &openapi3.Types{openapi3.TypeObject}
	s.Properties = props
	s.Required = slices.Compact(required)
	s.AllOf = nil
}

// lookup returns the response declared for status: an exact status, then a
// range such as "5XX", then, for 5xx only, the default response. A
// default response is meant for the errors nobody listed; accepting it for
// every status would make an undeclared 204 or 418 pass unnoticed.
func (op *operation) lookup(status int) *response {
	if r := op.responses[status]; r != nil {
		return r
	}
	if status >= 100 && status < 600 {
		if r := op.ranges[status/100]; r != nil {
			return r
		}
	}
	if status >= 500 {
		return op.dflt
	}
	return nil
}
