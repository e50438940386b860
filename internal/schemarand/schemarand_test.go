package schemarand_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/chatwork-go/chatwork/internal/embeddedspec"
	"github.com/chatwork-go/chatwork/internal/schemarand"
)

func schemaOf(t *testing.T, js string) *openapi3.Schema {
	t.Helper()
	var s openapi3.Schema
	if err := json.Unmarshal([]byte(js), &s); err != nil {
		t.Fatal(err)
	}
	return &s
}

// draw returns n values of s from one generator, each checked by the
// schema itself.
func draw(t *testing.T, s *openapi3.Schema, seed uint64, n int, opt *schemarand.Options) []any {
	t.Helper()
	g := schemarand.New(seed, opt)
	out := make([]any, n)
	for i := range out {
		v, err := g.Value(s)
		if err != nil {
			t.Fatalf("value %d: %v", i, err)
		}
		if err := s.VisitJSON(v); err != nil {
			t.Fatalf("value %d, %#v, is refused by its schema: %v", i, v, err)
		}
		out[i] = v
	}
	return out
}

func TestSameSeedSameValues(t *testing.T) {
	s := schemaOf(t, `{"type":"object","required":["id","name"],"properties":{"id":{"type":"integer","format":"int64","minimum":1},"name":{"type":"string"},"tags":{"type":"array","items":{"type":"string"}}}}`)
	a, b := draw(t, s, 42, 50, nil), draw(t, s, 42, 50, nil)
	if !reflect.DeepEqual(a, b) {
		t.Error("the same seed gave other values")
	}
	if reflect.DeepEqual(a, draw(t, s, 43, 50, nil)) {
		t.Error("another seed gave the same values")
	}
}

// TestEdges: the values reach the edges a client must survive, not only
// the middle of each range.
func TestEdges(t *testing.T) {
	id := draw(t, schemaOf(t, `{"type":"integer","format":"int64","minimum":1}`), 1, 500, nil)
	if !slices.Contains(id, any(int64(1))) || !slices.Contains(id, any(int64(math.MaxInt64))) {
		t.Error("IDs never reach 1 or the largest int64")
	}
	if !slices.ContainsFunc(id, func(v any) bool { return v.(int64) > 1<<53 }) {
		t.Error("no ID beyond 2^53, where float64 readers lose digits")
	}
	msg := draw(t, schemaOf(t, `{"type":"string","pattern":"^[1-9][0-9]*$","maxLength":20}`), 2, 500, nil)
	lengths := map[int]bool{}
	for _, v := range msg {
		lengths[len(v.(string))] = true
	}
	if !lengths[1] || !lengths[19] || !lengths[20] {
		t.Errorf("message IDs have lengths %v; want 1, 19 and 20 among them", lengths)
	}
	text := draw(t, schemaOf(t, `{"type":"string"}`), 3, 500, nil)
	var all strings.Builder
	for _, v := range text {
		all.WriteString(v.(string))
	}
	for _, want := range []string{"", `"`, `\`, "\n", "報", "🎉"} {
		if want == "" {
			if !slices.Contains(text, any("")) {
				t.Error("no empty string")
			}
			continue
		}
		if !strings.Contains(all.String(), want) {
			t.Errorf("no string holds %q", want)
		}
	}
	lists := draw(t, schemaOf(t, `{"type":"array","maxItems":100,"items":{"type":"integer"}}`), 4, 300, nil)
	var empty, full bool
	for _, v := range lists {
		empty = empty || len(v.([]any)) == 0
		full = full || len(v.([]any)) == 100
	}
	if !empty || !full {
		t.Errorf("lists: an empty one %v, a full one (100) %v; want both", empty, full)
	}
}

// TestSchemaFeatures: each keyword the generator reads is honoured.
func TestSchemaFeatures(t *testing.T) {
	for name, js := range map[string]string{
		"enum of integers":  `{"type":"integer","enum":[0,1]}`,
		"exclusive bounds":  `{"type":"integer","minimum":1,"maximum":3,"exclusiveMinimum":true,"exclusiveMaximum":true}`,
		"int32":             `{"type":"integer","format":"int32"}`,
		"multipleOf":        `{"type":"integer","minimum":1,"maximum":100,"multipleOf":7}`,
		"number":            `{"type":"number","minimum":-1.5,"maximum":2.5}`,
		"lengths in runes":  `{"type":"string","minLength":3,"maxLength":5}`,
		"pattern":           `{"type":"string","pattern":"^[A-Za-z0-9_-]+$","minLength":1,"maxLength":50}`,
		"ID list":           `{"type":"string","pattern":"^[1-9][0-9]*(,[1-9][0-9]*)*$"}`,
		"empty string only": `{"type":"string","maxLength":0}`,
		"binary":            `{"type":"string","format":"binary","maxLength":64}`,
		"nullable":          `{"type":"string","nullable":true,"minLength":2}`,
		"unique items":      `{"type":"array","minItems":3,"maxItems":3,"uniqueItems":true,"items":{"type":"integer","enum":[1,2,3]}}`,
		"closed object":     `{"type":"object","additionalProperties":false,"required":["a"],"properties":{"a":{"type":"boolean"},"b":{"type":"string"}}}`,
		"map":               `{"type":"object","additionalProperties":{"type":"integer","minimum":5}}`,
		"allOf narrowing":   `{"allOf":[{"type":"object","required":["public"],"properties":{"public":{"type":"boolean"},"url":{"type":"string"}}},{"type":"object","required":["url"],"properties":{"public":{"type":"boolean","enum":[true]},"url":{"type":"string","minLength":1}}}]}`,
		"oneOf":             `{"oneOf":[{"type":"string","enum":["x"]},{"type":"integer","minimum":10,"maximum":10}]}`,
	} {
		t.Run(name, func(t *testing.T) {
			vs := draw(t, schemaOf(t, js), 7, 200, &schemarand.Options{Extra: true})
			seen := map[string]bool{}
			for _, v := range vs {
				seen[fmt.Sprintf("%T", v)] = true
			}
			t.Logf("%s: kinds %v, e.g. %#v", name, seen, vs[0])
		})
	}
	// Extra properties appear only where allowed, and then sometimes.
	vs := draw(t, schemaOf(t, `{"type":"object","required":["a"],"properties":{"a":{"type":"integer"}}}`), 8, 200, &schemarand.Options{Extra: true})
	if !slices.ContainsFunc(vs, func(v any) bool { return len(v.(map[string]any)) > 1 }) {
		t.Error("Extra added no undeclared property")
	}
	for _, v := range draw(t, schemaOf(t, `{"type":"object","required":["a"],"properties":{"a":{"type":"integer"}}}`), 8, 200, nil) {
		if len(v.(map[string]any)) > 1 {
			t.Fatalf("an undeclared property without Extra: %v", v)
		}
	}
	// Strings count characters, not bytes.
	for _, v := range draw(t, schemaOf(t, `{"type":"string","minLength":4,"maxLength":4}`), 9, 200, nil) {
		if utf8.RuneCountInString(v.(string)) != 4 {
			t.Fatalf("%q does not have 4 characters", v)
		}
	}
}

func TestUnsatisfiable(t *testing.T) {
	g := schemarand.New(1, nil)
	for name, js := range map[string]string{
		"empty range":      `{"type":"integer","minimum":5,"maximum":4}`,
		"lengths crossed":  `{"type":"string","minLength":5,"maxLength":4}`,
		"pattern too long": `{"type":"string","pattern":"^[a-z]{10}$","maxLength":3}`,
		"items crossed":    `{"type":"array","minItems":3,"maxItems":1}`,
	} {
		if v, err := g.Value(schemaOf(t, js)); !errors.Is(err, schemarand.ErrUnsatisfiable) {
			t.Errorf("%s: %#v, %v; want ErrUnsatisfiable", name, v, err)
		}
	}
	if _, err := g.Matching("(?=x)", 0, 5); err == nil {
		t.Error("a pattern Go cannot parse gave no error")
	}
}

// TestEverySchemaOfTheSpec draws values for every component schema of
// openapi.yaml: each can be generated, and each value validates.
func TestEverySchemaOfTheSpec(t *testing.T) {
	doc, err := embeddedspec.GetSpec()
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.Components.Schemas) < 40 {
		t.Fatalf("only %d component schemas", len(doc.Components.Schemas))
	}
	for name, ref := range doc.Components.Schemas {
		draw(t, ref.Value, uint64(len(name)), 50, &schemarand.Options{Extra: true})
	}
}
