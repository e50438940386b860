package conformance

import (
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/chatwork-go/chatwork/internal/schemarand"
)

// valueGen draws the runner's random values from a seed: the same seed
// gives the same values. The values come from internal/schemarand, the
// module's one schema-driven generator (package api's property test uses
// it too), written as they go on the wire of a form or a query.
type valueGen struct {
	rng *rand.Rand // sizes of generated files
	gen *schemarand.Generator
}

func newValueGen(seed int64) *valueGen {
	return &valueGen{
		rng: rand.New(rand.NewPCG(uint64(seed), 0x636861747721)),             //nolint:gosec // test data, not secrets
		gen: schemarand.New(uint64(seed), &schemarand.Options{NoNull: true}), //nolint:gosec // a seed: any bits will do
	}
}

// value returns a random value for s, as it goes on the wire of a form or
// a query: a string for every scalar, the first item for an array. A
// schema the generator cannot satisfy gives a plain word, which validating
// the request before it is sent then catches.
func (g *valueGen) value(s *openapi3.Schema) string {
	if s != nil && s.Type.Is(openapi3.TypeArray) && s.Items != nil {
		s = s.Items.Value
	}
	v, err := g.gen.Value(s)
	if err != nil {
		return "conformance"
	}
	return scalarString(v)
}

// bytes returns n random bytes, for binary file parts.
func (g *valueGen) bytes(n int) []byte { return g.gen.Bytes(n) }

// scalarString renders a JSON scalar as a form value.
func scalarString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		if x {
			return "1"
		}
		return "0"
	case nil:
		return ""
	}
	return strings.Trim(renderValue("", v), `"`)
}
