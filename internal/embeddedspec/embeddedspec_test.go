package embeddedspec_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/chatwork-go/chatwork"
	"github.com/chatwork-go/chatwork/internal/embeddedspec"
)

// TestEmbeddedSpecIsOpenAPIYAML fails when the spec embedded by the
// generator says something openapi.yaml does not, or leaves something out:
// conformance validates against the embedded copy. The generator writes the
// document back through kin-openapi, which omits boolean fields that are
// false (the OpenAPI default), so those are the one difference allowed.
func TestEmbeddedSpecIsOpenAPIYAML(t *testing.T) {
	t.Parallel()
	raw, err := embeddedspec.GetSpecJSON()
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeJSON(raw)
	if err != nil {
		t.Fatalf("embedded spec: %v", err)
	}
	var fromYAML any
	if err := yaml.Unmarshal(chatwork.OpenAPI, &fromYAML); err != nil {
		t.Fatalf("openapi.yaml: %v", err)
	}
	b, err := json.Marshal(fromYAML)
	if err != nil {
		t.Fatalf("openapi.yaml as JSON: %v", err)
	}
	want, err := decodeJSON(b)
	if err != nil {
		t.Fatalf("openapi.yaml as JSON: %v", err)
	}
	var diffs []string
	compare("$", got, want, &diffs)
	for _, d := range diffs {
		t.Errorf("embedded spec differs from openapi.yaml: %s (run go generate ./...)", d)
	}
}

func decodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	err := dec.Decode(&v)
	return v, err
}

// compare appends to diffs every place where got and want differ, except
// a false boolean of want that got omits.
func compare(path string, got, want any, diffs *[]string) {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			*diffs = append(*diffs, fmt.Sprintf("%s: %T, want an object", path, got))
			return
		}
		keys := make([]string, 0, len(w)+len(g))
		for k := range w {
			keys = append(keys, k)
		}
		for k := range g {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range slices.Compact(keys) {
			gv, inGot := g[k]
			wv, inWant := w[k]
			switch {
			case !inWant:
				*diffs = append(*diffs, fmt.Sprintf("%s.%s: not in openapi.yaml", path, k))
			case !inGot && wv != false:
				*diffs = append(*diffs, fmt.Sprintf("%s.%s: missing", path, k))
			case inGot:
				compare(path+"."+k, gv, wv, diffs)
			}
		}
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			*diffs = append(*diffs, fmt.Sprintf("%s: %v, want %d items", path, got, len(w)))
			return
		}
		for i := range w {
			compare(fmt.Sprintf("%s[%d]", path, i), g[i], w[i], diffs)
		}
	default:
		if !reflect.DeepEqual(got, want) {
			*diffs = append(*diffs, fmt.Sprintf("%s: %v, want %v", path, got, want))
		}
	}
}
