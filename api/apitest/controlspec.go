package apitest

import (
	"context"
	_ "embed" // control.yaml
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
)

//go:generate go run ./internal/seedschema -in control.yaml -out seed.schema.json

// controlYAML is the OpenAPI description of the control API, the one
// place where its paths and the shape of its bodies (seeds included) are
// written: the control API is routed by its paths and operation IDs, and
// bodies and seed files are checked against its schemas.
//
//go:embed control.yaml
var controlYAML []byte

// controlSpec loads controlYAML once.
var controlSpec = sync.OnceValues(func() (*openapi3.T, error) {
	doc, err := openapi3.NewLoader().LoadFromData(controlYAML)
	if err != nil {
		return nil, fmt.Errorf("apitest: control.yaml: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("apitest: control.yaml: %w", err)
	}
	return doc, nil
})

// A schemaViolation is a value that breaks a schema of control.yaml: where, as
// JSON keys and indexes, and why.
type schemaViolation struct {
	pointer []any
	reason  string
}

// checkSchema checks v, a value decoded from JSON (maps, slices, float64,
// strings, booleans, nil), against the schema, and returns every
// schemaViolation.
func checkSchema(schema *openapi3.Schema, v any) []schemaViolation {
	err := schema.VisitJSON(v, openapi3.MultiErrors())
	if err == nil {
		return nil
	}
	var out []schemaViolation
	var visit func(error)
	visit = func(err error) {
		var multi openapi3.MultiError
		if errors.As(err, &multi) {
			for _, e := range multi {
				visit(e)
			}
			return
		}
		var se *openapi3.SchemaError
		if !errors.As(err, &se) {
			out = append(out, schemaViolation{reason: err.Error()})
			return
		}
		var pointer []any
		for _, k := range se.JSONPointer() {
			if i, err := strconv.Atoi(k); err == nil {
				pointer = append(pointer, i)
			} else {
				pointer = append(pointer, k)
			}
		}
		reason := se.Reason
		if se.SchemaField == "pattern" && se.Schema != nil && se.Schema.Format == "date-time" {
			reason = "not an RFC 3339 time, such as 2026-12-06T09:00:00Z"
		}
		if m := reProperty.FindStringSubmatch(reason); m != nil {
			// kin-openapi names the property in the reason; put it in the
			// path, where the other violations have theirs.
			if len(pointer) == 0 || pointer[len(pointer)-1] != m[1] {
				pointer = append(pointer, m[1])
			}
			reason = map[string]string{"missing": "required, and missing", "unsupported": "unknown field"}[m[2]]
		}
		out = append(out, schemaViolation{pointer: pointer, reason: reason})
	}
	visit(err)
	// One report per place, the first reason given for it.
	slices.SortStableFunc(out, func(a, b schemaViolation) int { return strings.Compare(pathString(a.pointer), pathString(b.pointer)) })
	return slices.CompactFunc(out, func(a, b schemaViolation) bool { return pathString(a.pointer) == pathString(b.pointer) })
}

var reProperty = regexp.MustCompile(`^property "([^"]+)" is (missing|unsupported)$`)

// pathString writes a pointer as rooms[2].admin_ids[0].
func pathString(pointer []any) string {
	var sb strings.Builder
	for _, p := range pointer {
		switch p := p.(type) {
		case int:
			sb.WriteString("[" + strconv.Itoa(p) + "]")
		default:
			if sb.Len() > 0 {
				sb.WriteByte('.')
			}
			fmt.Fprint(&sb, p)
		}
	}
	return sb.String()
}
