package apitest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// ReadSeed reads a seed file, JSON or YAML (JSON is YAML too), and checks
// it the way the fake will load it: against seed.schema.json (the Seed
// schema of control.yaml), then item by item (an account named in a room
// exists, no ID is given twice). name is the file's name, for the errors
// only. Each mistake is a [*SeedError] with its path in the seed and its
// line in the file, such as
//
//	seed.yaml:14: rooms[0].admin_ids[1]: unknown account 1000009
//
// several of them joined with errors.Join.
func ReadSeed(name string, data []byte) (Seed, error) {
	fail := func(errs ...*SeedError) (Seed, error) {
		out := make([]error, len(errs))
		for i, e := range errs {
			e.File = name
			out[i] = e
		}
		return Seed{}, errors.Join(out...)
	}
	if trimmed := bytes.TrimSpace(data); len(trimmed) > 0 && trimmed[0] == '{' {
		// JSON: held to JSON's syntax, which YAML's is looser than.
		if err := json.Unmarshal(data, new(any)); err != nil {
			return fail(jsonError(data, err))
		}
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return fail(yamlError(err))
	}
	if len(doc.Content) == 0 {
		return fail(&SeedError{Line: 1, Reason: "the file is empty: a seed is an object such as {\"accounts\": [...]}"})
	}
	lines := map[string]int{}
	v, nerr := nodeValue(doc.Content[0], nil, lines)
	if nerr != nil {
		return fail(nerr)
	}
	at := func(e *SeedError) *SeedError {
		for p := e.pointer; ; p = p[:len(p)-1] {
			if l, ok := lines[pathString(p)]; ok {
				e.Line = l
				return e
			}
			if len(p) == 0 {
				return e
			}
		}
	}

	spec, err := controlSpec()
	if err != nil {
		return Seed{}, err
	}
	if vs := checkSchema(spec.Components.Schemas["Seed"].Value, schemaValue(v)); len(vs) > 0 {
		errs := make([]*SeedError, len(vs))
		for i, x := range vs {
			errs[i] = at(seedError(x.reason, x.pointer...))
		}
		return fail(errs...)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fail(&SeedError{Reason: err.Error()})
	}
	var seed Seed
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&seed); err != nil {
		return fail(&SeedError{Line: 1, Reason: err.Error()})
	}
	// Load it once, to find what only loading finds.
	if _, err := loadSeed(withDefaultAccount(seed), "http://apitest.invalid", 0); err != nil {
		var se *SeedError
		if errors.As(err, &se) {
			return fail(at(se))
		}
		return Seed{}, err
	}
	return seed, nil
}

// withDefaultAccount gives a seed without accounts the default one.
func withDefaultAccount(seed Seed) Seed {
	if len(seed.Accounts) == 0 {
		seed.Accounts = []Account{defaultConfig().me}
	}
	return seed
}

// jsonError is a syntax error of a JSON file, with its line.
func jsonError(data []byte, err error) *SeedError {
	e := &SeedError{Reason: "not JSON: " + err.Error()}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		e.Line = 1 + bytes.Count(data[:min(int(se.Offset), len(data))], []byte("\n"))
	}
	return e
}

var yamlLine = regexp.MustCompile(`line (\d+)`)

// yamlError is a syntax error of the file, with its line.
func yamlError(err error) *SeedError {
	e := &SeedError{Reason: strings.TrimPrefix(err.Error(), "yaml: ")}
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		e.Line, _ = strconv.Atoi(m[1])
		e.Reason = strings.TrimSpace(yamlLine.ReplaceAllString(e.Reason, ""))
		e.Reason = strings.TrimPrefix(e.Reason, ": ")
	}
	return e
}

// nodeValue turns a YAML node into the value JSON would give (maps,
// slices, strings, booleans, nil, and numbers as json.Number, kept as
// written), and notes the line of each path in lines.
func nodeValue(n *yaml.Node, pointer []any, lines map[string]int) (any, *SeedError) {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	lines[pathString(pointer)] = n.Line
	bad := func(format string, args ...any) *SeedError {
		e := seedError(fmt.Sprintf(format, args...), pointer...)
		e.Line = n.Line
		return e
	}
	switch n.Kind {
	case yaml.DocumentNode:
		return nodeValue(n.Content[0], pointer, lines)
	case yaml.MappingNode:
		out := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode || k.Tag == "!!merge" {
				return nil, bad("keys are plain names (no merge keys, no complex keys)")
			}
			if _, dup := out[k.Value]; dup {
				return nil, bad("%q is given twice", k.Value)
			}
			v, err := nodeValue(n.Content[i+1], append(pointer[:len(pointer):len(pointer)], k.Value), lines)
			if err != nil {
				return nil, err
			}
			lines[pathString(append(pointer[:len(pointer):len(pointer)], k.Value))] = k.Line
			out[k.Value] = v
		}
		return out, nil
	case yaml.SequenceNode:
		out := make([]any, len(n.Content))
		for i, c := range n.Content {
			v, err := nodeValue(c, append(pointer[:len(pointer):len(pointer)], i), lines)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return nil, nil
		case "!!bool":
			var b bool
			if err := n.Decode(&b); err != nil {
				return nil, bad("%v", err)
			}
			return b, nil
		case "!!int", "!!float":
			if !json.Valid([]byte(n.Value)) {
				return nil, bad("%s is not a number JSON can hold: write it in decimal", n.Value)
			}
			return json.Number(n.Value), nil
		default: // strings, and times and Base64 written without quotes
			return n.Value, nil
		}
	}
	return nil, bad("unexpected YAML node")
}

// schemaValue is v with its numbers as float64, as kin-openapi checks them.
func schemaValue(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[k] = schemaValue(x)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = schemaValue(x)
		}
		return out
	case json.Number:
		f, _ := v.Float64()
		return f
	}
	return v
}
