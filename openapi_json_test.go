package chatwork_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/chatwork-go/chatwork"
)

// TestOpenAPIJSONIsFresh fails when openapi.json no longer says what
// openapi.yaml says. Both are read as plain JSON values and compared, so the
// test does not care about layout; `make check-generate` catches a byte-level
// difference. Fix with `go generate ./...`.
func TestOpenAPIJSONIsFresh(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatalf("%v (run go generate ./...)", err)
	}
	got, err := decodeJSON(raw)
	if err != nil {
		t.Fatalf("openapi.json: %v", err)
	}

	var fromYAML any
	if err := yaml.Unmarshal(chatwork.OpenAPI, &fromYAML); err != nil {
		t.Fatalf("openapi.yaml: %v", err)
	}
	// Round-trip through encoding/json so both sides hold the same Go types
	// (map[string]any, []any, json.Number, string, bool, nil).
	b, err := json.Marshal(fromYAML)
	if err != nil {
		t.Fatalf("openapi.yaml as JSON: %v", err)
	}
	want, err := decodeJSON(b)
	if err != nil {
		t.Fatalf("openapi.yaml as JSON: %v", err)
	}

	if !reflect.DeepEqual(got, want) {
		t.Errorf("openapi.json is stale: it differs from openapi.yaml at %s; run go generate ./...", firstDiff("$", got, want))
	}
}

// decodeJSON keeps numbers as written, so 19-digit integers compare exactly.
func decodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("trailing data after the JSON value")
	}
	return v, nil
}

// firstDiff names the first place where got and want differ, as a path.
func firstDiff(path string, got, want any) string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return path
		}
		for k, wv := range w {
			gv, ok := g[k]
			if !ok {
				return path + "." + k + " (missing in openapi.json)"
			}
			if !reflect.DeepEqual(gv, wv) {
				return firstDiff(path+"."+k, gv, wv)
			}
		}
		for k := range g {
			if _, ok := w[k]; !ok {
				return path + "." + k + " (not in openapi.yaml)"
			}
		}
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return path
		}
		for i := range w {
			if !reflect.DeepEqual(g[i], w[i]) {
				return firstDiff(fmt.Sprintf("%s[%d]", path, i), g[i], w[i])
			}
		}
	}
	return path
}
