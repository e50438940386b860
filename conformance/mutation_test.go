package conformance_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/chatwork-go/chatwork"
	"github.com/chatwork-go/chatwork/internal/schemarand"
)

var (
	docOnce sync.Once
	testDoc *openapi3.T
	docErr  error
)

// specDoc loads openapi.yaml independently of the package under test, to
// find what each response declares.
func specDoc(t testing.TB) *openapi3.T {
	t.Helper()
	docOnce.Do(func() { testDoc, docErr = openapi3.NewLoader().LoadFromData(chatwork.OpenAPI) })
	if docErr != nil {
		t.Fatal(docErr)
	}
	return testDoc
}

// responseObject returns the object schema of an operation's response (the
// item schema for arrays; allOf merged), or nil without a body.
func responseObject(t testing.TB, op string, status int) (props openapi3.Schemas, required []string) {
	t.Helper()
	for _, item := range specDoc(t).Paths.Map() {
		for _, o := range item.Operations() {
			if o.OperationID != op {
				continue
			}
			ref := o.Responses.Status(status)
			if ref == nil || ref.Value == nil {
				t.Fatalf("%s declares no %d", op, status)
			}
			mt := ref.Value.Content.Get("application/json")
			if mt == nil {
				return nil, nil
			}
			s := mt.Schema.Value
			if s.Type.Is(openapi3.TypeArray) {
				s = s.Items.Value
			}
			props = openapi3.Schemas{}
			for _, part := range append([]*openapi3.SchemaRef{{Value: s}}, s.AllOf...) {
				for k, v := range part.Value.Properties {
					props[k] = v
				}
				required = append(required, part.Value.Required...)
			}
			slices.Sort(required)
			return props, required
		}
	}
	t.Fatalf("no operation %s", op)
	return nil, nil
}

// A mutation changes a copy of a successful exchange so that its response
// breaks the spec.
type mutation struct {
	name  string
	field string // the Error.Field the violation must name
	apply func(resp *http.Response, body *any)
}

// target returns the object a body mutation works on: the body itself, or
// its first element.
func target(body *any) map[string]any {
	switch b := (*body).(type) {
	case map[string]any:
		return b
	case []any:
		if len(b) > 0 {
			m, _ := b[0].(map[string]any)
			return m
		}
	}
	return nil
}

// wrongType returns a value of another JSON type than schema allows.
func wrongType(s *openapi3.Schema) any {
	s = schemarand.Flatten(s) // a described ID is an allOf of its schema
	switch {
	case s.Type.Is(openapi3.TypeString):
		return json.Number("12345")
	case s.Type.Is(openapi3.TypeBoolean):
		return "true"
	case s.Type.Is(openapi3.TypeArray):
		return "1,2,3"
	case s.Type.Is(openapi3.TypeObject):
		return []any{}
	}
	return "12345" // integer and number
}

// TestMutations takes the successful fixture of each operation and breaks
// its response in several ways; every mutation must be rejected, with an
// error naming the operation and the field.
func TestMutations(t *testing.T) {
	t.Parallel()
	v := validator(t)
	fixtures := map[string]*exchange{}
	for _, x := range loadFixtures(t) {
		if x.Response.Status/100 != 2 {
			continue
		}
		// Prefer the 200 of an operation over its 204.
		if old := fixtures[x.OperationID]; old == nil || x.Response.Status < old.Response.Status {
			fixtures[x.OperationID] = x
		}
	}
	for _, op := range v.OperationIDs() {
		x := fixtures[op]
		if x == nil {
			t.Errorf("%s has no 2xx fixture", op)
			continue
		}
		t.Run(op, func(t *testing.T) {
			status := x.Response.Status
			muts := []mutation{
				{"undeclared status", "status", func(r *http.Response, _ *any) { r.StatusCode = http.StatusTeapot }},
				{"missing rate-limit header", "header.x-ratelimit-reset", func(r *http.Response, _ *any) { r.Header.Del("X-Ratelimit-Reset") }},
				{"bad rate-limit header", "header.x-ratelimit-remaining", func(r *http.Response, _ *any) { r.Header.Set("X-Ratelimit-Remaining", "many") }},
			}
			props, required := responseObject(t, op, status)
			if props != nil {
				// A wrong type on the first required field.
				name := required[0]
				muts = append(muts,
					mutation{"wrong type on " + name, name, func(_ *http.Response, b *any) { target(b)[name] = wrongType(props[name].Value) }},
					mutation{"missing " + name, name, func(_ *http.Response, b *any) { delete(target(b), name) }},
					mutation{"text content type", "header.content-type", func(r *http.Response, _ *any) { r.Header.Set("Content-Type", "text/plain") }},
				)
				if p := props["message_id"]; p != nil && schemarand.Flatten(p.Value).Type.Is(openapi3.TypeString) {
					muts = append(muts, mutation{"message_id as a number", "message_id", func(_ *http.Response, b *any) {
						target(b)["message_id"] = json.Number(target(b)["message_id"].(string))
					}})
				}
			} else {
				muts = append(muts, mutation{"body on a response without one", "body", func(r *http.Response, b *any) { *b = map[string]any{"ok": true} }})
			}
			if len(muts) < 3 {
				t.Fatalf("only %d mutations", len(muts))
			}
			for _, m := range muts {
				req := x.httpRequest()
				resp, raw := x.httpResponse()
				defer resp.Body.Close()
				var body any
				if len(raw) > 0 {
					dec := json.NewDecoder(bytes.NewReader(raw))
					dec.UseNumber()
					if err := dec.Decode(&body); err != nil {
						t.Fatal(err)
					}
				}
				m.apply(resp, &body)
				if body != nil {
					raw, _ = json.Marshal(body)
				}
				err := v.ValidateExchange(req, []byte(x.Request.Body), resp, raw)
				if err == nil {
					t.Errorf("%s: mutation accepted", m.name)
					continue
				}
				if !strings.Contains(err.Error(), op) {
					t.Errorf("%s: error does not name %s: %v", m.name, op, err)
				}
				found := false
				for _, e := range violations(err) {
					if e.OperationID == op && (e.Field == m.field || strings.HasSuffix(e.Field, "."+m.field)) {
						found = true
					}
				}
				if !found {
					t.Errorf("%s: no violation on %s: %v", m.name, m.field, err)
				}
			}
		})
	}
}
