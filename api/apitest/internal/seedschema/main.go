// Command seedschema writes seed.schema.json, the JSON Schema of the seed
// files of the fake (package api/apitest, chatwork fake --seed), from the
// Seed schema of control.yaml, the fake's control API: the one place where
// the seed's shape is written. go generate runs it in api/apitest:
//
//	go run ./internal/seedschema -in control.yaml -out seed.schema.json
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"maps"
	"os"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// schemaID is where the schema says it lives.
const schemaID = "https://github.com/chatwork-go/chatwork/raw/main/api/apitest/seed.schema.json"

func main() {
	in := flag.String("in", "control.yaml", "the control API's OpenAPI `file`")
	out := flag.String("out", "seed.schema.json", "the JSON Schema `file` to write")
	flag.Parse()
	src, err := os.ReadFile(*in)
	if err != nil {
		log.Fatal(err)
	}
	b, err := generate(src)
	if err != nil {
		log.Fatalf("seedschema: %s: %v", *in, err)
	}
	if err := os.WriteFile(*out, b, 0o644); err != nil {
		log.Fatal(err)
	}
}

const componentsRef = "#/components/schemas/"

// generate turns the Seed schema of an OpenAPI 3.0 document, with the
// schemas it refers to, into a JSON Schema (draft 2020-12) document. The
// OpenAPI 3.0 schemas used there are JSON Schema already, but for their
// references and their single example.
func generate(openapi []byte) ([]byte, error) {
	var doc struct {
		Components struct {
			Schemas map[string]any `yaml:"schemas"`
		} `yaml:"components"`
	}
	if err := yaml.Unmarshal(openapi, &doc); err != nil {
		return nil, err
	}
	schemas := doc.Components.Schemas
	if schemas["Seed"] == nil {
		return nil, fmt.Errorf("no components.schemas.Seed")
	}
	// The schemas Seed reaches, Seed first.
	reached, queue := map[string]bool{"Seed": true}, []string{"Seed"}
	for len(queue) > 0 {
		name := queue[0]
		queue = queue[1:]
		var err error
		walkRefs(schemas[name], func(ref string) {
			target, ok := strings.CutPrefix(ref, componentsRef)
			switch {
			case !ok || schemas[target] == nil:
				err = fmt.Errorf("schema %s: reference %q outside components.schemas", name, ref)
			case !reached[target]:
				reached[target] = true
				queue = append(queue, target)
			}
		})
		if err != nil {
			return nil, err
		}
	}
	defs := map[string]any{}
	for name := range reached {
		if name != "Seed" {
			defs[name] = convert(schemas[name])
		}
	}
	root := convert(schemas["Seed"]).(map[string]any)
	root["$schema"] = "https://json-schema.org/draft/2020-12/schema"
	root["$id"] = schemaID
	root["title"] = "Seed of the Chatwork fake (chatwork fake --seed)"
	root["$defs"] = defs
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(root); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// walkRefs calls f with every $ref in v.
func walkRefs(v any, f func(string)) {
	switch v := v.(type) {
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(v)) {
			if ref, ok := v[k].(string); ok && k == "$ref" {
				f(ref)
				continue
			}
			walkRefs(v[k], f)
		}
	case []any:
		for _, x := range v {
			walkRefs(x, f)
		}
	}
}

// convert rewrites references to $defs and an example to examples.
func convert(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			switch k {
			case "$ref":
				out[k] = "#/$defs/" + strings.TrimPrefix(x.(string), componentsRef)
			case "example":
				out["examples"] = []any{x}
			default:
				out[k] = convert(x)
			}
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = convert(x)
		}
		return out
	}
	return v
}
