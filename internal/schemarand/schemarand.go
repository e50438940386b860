// Package schemarand draws random values that an OpenAPI 3.0 schema accepts,
// from a seed: the same seed, options and schema give the same values, so a
// failure found with a printed seed can be replayed.
//
// It serves tests that need many values the spec allows rather than a few
// hand-picked ones: package api's property test feeds the client hundreds
// of generated answers per operation, and conformance's runner builds
// requests from generated values. It reads schemas as kin-openapi loads
// them (references resolved) and understands what openapi.yaml uses and a
// little more: types, enum, nullable, allOf (merged), oneOf and anyOf (one
// member), integer and number bounds, string lengths (in characters),
// patterns (Go's regexp syntax), the binary format, array lengths and
// uniqueItems, required and optional properties, additionalProperties.
//
// Values lean to the edges where clients break: bounds and their
// neighbours, the largest 64-bit IDs, 19-digit message IDs, empty strings
// and lists where allowed, Japanese text, emoji, quotes, backslashes and
// line breaks. Every value is checked with the schema's own validation
// (Schema.VisitJSON) before it is returned: a value that fails is drawn
// again, and a schema no value satisfies gives an error.
package schemarand

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
)

// Options tune a Generator. The zero value is a sensible default.
type Options struct {
	// Extra adds, now and then, a property that an object schema does not
	// declare, where additionalProperties allows it: what a newer server
	// may send, which a client must ignore.
	Extra bool
	// MaxItems bounds the length of arrays whose schema has no maxItems;
	// 0 means 4.
	MaxItems int
	// NoNull never draws null for a nullable schema.
	NoNull bool
}

// A Generator draws values. It is not safe for concurrent use.
type Generator struct {
	rng *rand.Rand
	opt Options
}

// New returns a Generator whose values follow from seed.
func New(seed uint64, opt *Options) *Generator {
	g := &Generator{rng: rand.New(rand.NewPCG(seed, 0x6368_6174_776f_726b))}
	if opt != nil {
		g.opt = *opt
	}
	if g.opt.MaxItems <= 0 {
		g.opt.MaxItems = 4
	}
	return g
}

// attempts is how many values are drawn for one call before the schema is
// declared unsatisfiable.
const attempts = 64

// ErrUnsatisfiable is returned (wrapped) when no drawn value fits a schema.
var ErrUnsatisfiable = errors.New("schemarand: no value found that the schema accepts")

// Value returns a JSON value that s accepts: nil, bool, int64 (for
// integers), float64, string, []any or map[string]any, as encoding/json
// writes them.
func (g *Generator) Value(s *openapi3.Schema) (any, error) {
	if s == nil {
		return g.text(0, 12), nil
	}
	var last error
	for range attempts {
		v, err := g.value(s, 0)
		if err != nil {
			last = err
			continue
		}
		if err := s.VisitJSON(v); err != nil {
			last = err
			continue
		}
		return v, nil
	}
	return nil, fmt.Errorf("%w: %w", ErrUnsatisfiable, last)
}

// String returns a string that the string schema s accepts.
func (g *Generator) String(s *openapi3.Schema) (string, error) {
	v, err := g.Value(s)
	if err != nil {
		return "", err
	}
	str, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("schemarand: the schema gave %T, not a string", v)
	}
	return str, nil
}

// Matching returns a string that matches the regular expression pattern
// (Go's syntax), of lo to hi characters.
func (g *Generator) Matching(pattern string, lo, hi int) (string, error) {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return "", fmt.Errorf("schemarand: pattern %q: %w", pattern, err)
	}
	re = re.Simplify()
	for range attempts {
		var b strings.Builder
		if !g.regex(&b, re, hi) {
			return "", fmt.Errorf("schemarand: pattern %q uses what the generator does not support", pattern)
		}
		if n := utf8.RuneCountInString(b.String()); n >= lo && n <= hi {
			return b.String(), nil
		}
	}
	return "", fmt.Errorf("%w: pattern %q with %d to %d characters", ErrUnsatisfiable, pattern, lo, hi)
}

// Bytes returns n random bytes, for binary parts.
func (g *Generator) Bytes(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(g.rng.UintN(256)) //nolint:gosec // 0 to 255
	}
	return b
}

// oneIn reports true once in n draws.
func (g *Generator) oneIn(n int) bool { return g.rng.IntN(n) == 0 }

// maxDepth stops a recursive schema.
const maxDepth = 12

func (g *Generator) value(s *openapi3.Schema, depth int) (any, error) {
	if depth > maxDepth {
		return nil, errors.New("schemarand: the schema nests deeper than 12 levels")
	}
	s = Flatten(s)
	if s.Nullable && !g.opt.NoNull && g.oneIn(10) {
		return nil, nil
	}
	if len(s.OneOf) > 0 || len(s.AnyOf) > 0 {
		members := s.OneOf
		if len(members) == 0 {
			members = s.AnyOf
		}
		return g.value(members[g.rng.IntN(len(members))].Value, depth+1)
	}
	if len(s.Enum) > 0 {
		v := s.Enum[g.rng.IntN(len(s.Enum))]
		if f, ok := v.(float64); ok && s.Type.Is(openapi3.TypeInteger) && f == math.Trunc(f) {
			return int64(f), nil
		}
		return v, nil
	}
	switch {
	case s.Type.Is(openapi3.TypeInteger):
		return g.integer(s)
	case s.Type.Is(openapi3.TypeNumber):
		return g.number(s), nil
	case s.Type.Is(openapi3.TypeBoolean):
		return g.rng.IntN(2) == 1, nil
	case s.Type.Is(openapi3.TypeString):
		return g.str(s)
	case s.Type.Is(openapi3.TypeArray):
		return g.array(s, depth)
	case s.Type.Is(openapi3.TypeObject) || len(s.Properties) > 0:
		return g.object(s, depth)
	}
	// No type: any JSON scalar.
	return g.text(0, 12), nil
}

// integer draws an integer inside the schema's bounds, often at a bound or
// beside it, often small, sometimes as large as the bounds and the format
// allow.
func (g *Generator) integer(s *openapi3.Schema) (int64, error) {
	lo, hi := int64(math.MinInt64), int64(math.MaxInt64)
	switch s.Format {
	case "int32":
		lo, hi = math.MinInt32, math.MaxInt32
	case "int64":
	default:
		lo, hi = -(1 << 53), 1<<53 // exact in every JSON reader
	}
	if s.Min != nil {
		m := clampFloat(math.Ceil(*s.Min))
		if s.ExclusiveMin.IsTrue() && float64(m) == *s.Min {
			m++
		}
		lo = max(lo, m)
	}
	if s.Max != nil {
		m := clampFloat(math.Floor(*s.Max))
		if s.ExclusiveMax.IsTrue() && float64(m) == *s.Max {
			m--
		}
		hi = min(hi, m)
	}
	if lo > hi {
		return 0, fmt.Errorf("%w: no integer in [%d, %d]", ErrUnsatisfiable, lo, hi)
	}
	var n int64
	switch r := g.rng.IntN(10); {
	case r < 3: // a bound or its neighbour
		n = []int64{lo, lo + 1, hi, hi - 1}[g.rng.IntN(4)]
	case r < 7: // small: near the lower bound, or near 0
		base := lo
		if lo < 0 && hi > 0 {
			base = 0
		}
		n = base + g.rng.Int64N(1000)
	default: // anywhere in the range
		span := uint64(hi - lo)
		if span == math.MaxUint64 {
			n = int64(g.rng.Uint64()) //nolint:gosec // the whole int64 range
		} else {
			n = lo + int64(g.rng.Uint64N(span+1)) //nolint:gosec // at most hi-lo
		}
	}
	n = min(max(n, lo), hi)
	if s.MultipleOf != nil && *s.MultipleOf >= 1 && *s.MultipleOf == math.Trunc(*s.MultipleOf) {
		m := int64(*s.MultipleOf)
		n -= n % m
		if n < lo {
			n += m
		}
	}
	return n, nil
}

// clampFloat converts a bound to int64, clamped to its range.
func clampFloat(f float64) int64 {
	switch {
	case f >= math.MaxInt64:
		return math.MaxInt64
	case f <= math.MinInt64:
		return math.MinInt64
	}
	return int64(f)
}

func (g *Generator) number(s *openapi3.Schema) float64 {
	lo, hi := -1e6, 1e6
	if s.Min != nil {
		lo = *s.Min
	}
	if s.Max != nil {
		hi = *s.Max
	}
	if hi < lo {
		hi = lo
	}
	return lo + g.rng.Float64()*(hi-lo)
}

func (g *Generator) str(s *openapi3.Schema) (string, error) {
	lo := int(min(s.MinLength, 1<<20))
	hi := lo + 24
	if s.MaxLength != nil {
		hi = int(min(*s.MaxLength, 1<<20))
	}
	if hi < lo {
		return "", fmt.Errorf("%w: minLength %d over maxLength %d", ErrUnsatisfiable, lo, hi)
	}
	if s.Pattern != "" {
		return g.Matching(s.Pattern, lo, hi)
	}
	if s.Format == "binary" {
		return string(g.Bytes(g.length(lo, hi))), nil
	}
	return g.text(lo, hi), nil
}

// length draws a length in [lo, hi]: mostly short, sometimes a bound.
func (g *Generator) length(lo, hi int) int {
	if g.oneIn(8) {
		return []int{lo, hi}[g.rng.IntN(2)]
	}
	return lo + g.rng.IntN(min(hi-lo, 16)+1)
}

// textRunes are what strings are made of: letters, digits, what needs
// escaping in JSON, forms and headers, Japanese, and characters outside the
// Basic Multilingual Plane.
var textRunes = []rune("abcdefghijklmnopqrstuvwxyzABCXYZ0123456789 _-.,:;/?&=+%#@!'\"\\\n\t<>[]{}報告書会議資料ありがとうチャットワーク🎉😀👍🏻é")

// text returns lo to hi characters.
func (g *Generator) text(lo, hi int) string {
	n := g.length(lo, hi)
	var b strings.Builder
	for range n {
		b.WriteRune(textRunes[g.rng.IntN(len(textRunes))])
	}
	return b.String()
}

func (g *Generator) array(s *openapi3.Schema, depth int) ([]any, error) {
	lo := int(min(s.MinItems, 1<<16))
	hi := max(lo, g.opt.MaxItems)
	if s.MaxItems != nil {
		hi = int(min(*s.MaxItems, 1<<16))
	}
	if hi < lo {
		return nil, fmt.Errorf("%w: minItems %d over maxItems %d", ErrUnsatisfiable, lo, hi)
	}
	n := lo + g.rng.IntN(min(hi-lo, g.opt.MaxItems)+1)
	if g.oneIn(16) && hi <= 1000 {
		n = hi // a full list (100 messages)
	}
	var items *openapi3.Schema
	if s.Items != nil {
		items = s.Items.Value
	}
	out := make([]any, 0, n)
	for tries := 0; len(out) < n; tries++ {
		if tries > n*attempts {
			return nil, fmt.Errorf("%w: %d unique items", ErrUnsatisfiable, n)
		}
		v, err := g.value(items, depth+1)
		if err != nil {
			return nil, err
		}
		if s.UniqueItems && slices.ContainsFunc(out, func(x any) bool { return fmt.Sprint(x) == fmt.Sprint(v) }) {
			continue
		}
		out = append(out, v)
	}
	return out, nil
}

func (g *Generator) object(s *openapi3.Schema, depth int) (map[string]any, error) {
	out := map[string]any{}
	for _, name := range slices.Sorted(maps.Keys(s.Properties)) {
		p := s.Properties[name]
		if !slices.Contains(s.Required, name) && g.rng.IntN(2) == 0 {
			continue
		}
		v, err := g.value(p.Value, depth+1)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		out[name] = v
	}
	add := s.AdditionalProperties
	if add.Has != nil && !*add.Has {
		return out, nil
	}
	if add.Schema != nil {
		for i := range g.rng.IntN(3) {
			v, err := g.value(add.Schema.Value, depth+1)
			if err != nil {
				return nil, err
			}
			out["extra_"+strconv.Itoa(i)] = v
		}
		return out, nil
	}
	if g.opt.Extra && g.oneIn(4) {
		// A property a newer server might add: a scalar, a list or an object.
		extra := []any{g.text(0, 8), int64(g.rng.IntN(100)), true, []any{}, map[string]any{"nested": g.text(0, 4)}}
		out["x_unknown_"+strconv.Itoa(g.rng.IntN(100))] = extra[g.rng.IntN(len(extra))]
	}
	return out, nil
}

// Flatten merges the allOf of s into one schema: the union of the members'
// properties and required fields, where a property named twice gets the
// narrower bounds of the two (PublicInvitationLink's public: enum [true]),
// and the first type, format and pattern found. An allOf of one member
// that only adds a description (a described ID) gives that member's
// bounds. A schema without allOf is returned as it is; s is not changed.
func Flatten(s *openapi3.Schema) *openapi3.Schema {
	if len(s.AllOf) == 0 {
		return s
	}
	out := *s
	out.AllOf = nil
	out.Properties = maps.Clone(s.Properties)
	if out.Properties == nil {
		out.Properties = openapi3.Schemas{}
	}
	out.Required = slices.Clone(s.Required)
	for _, m := range s.AllOf {
		ms := Flatten(m.Value)
		if out.Type == nil || len(*out.Type) == 0 {
			out.Type = ms.Type
		}
		if out.Format == "" {
			out.Format = ms.Format
		}
		if out.Pattern == "" {
			out.Pattern = ms.Pattern
		}
		narrow(&out, ms)
		for name, p := range ms.Properties {
			if prev, ok := out.Properties[name]; ok {
				merged := *Flatten(prev.Value)
				narrow(&merged, Flatten(p.Value))
				out.Properties[name] = openapi3.NewSchemaRef("", &merged)
				continue
			}
			out.Properties[name] = p
		}
		for _, r := range ms.Required {
			if !slices.Contains(out.Required, r) {
				out.Required = append(out.Required, r)
			}
		}
		if ms.AdditionalProperties.Has != nil && !*ms.AdditionalProperties.Has {
			out.AdditionalProperties = ms.AdditionalProperties
		}
	}
	return &out
}

// narrow gives s the tighter of its bounds and those of t.
func narrow(s, t *openapi3.Schema) {
	if (s.Type == nil || len(*s.Type) == 0) && t.Type != nil {
		s.Type = t.Type
	}
	if len(t.Enum) > 0 {
		s.Enum = t.Enum
	}
	if t.Min != nil && (s.Min == nil || *t.Min > *s.Min) {
		s.Min = t.Min
	}
	if t.Max != nil && (s.Max == nil || *t.Max < *s.Max) {
		s.Max = t.Max
	}
	s.MinLength = max(s.MinLength, t.MinLength)
	if t.MaxLength != nil && (s.MaxLength == nil || *t.MaxLength < *s.MaxLength) {
		s.MaxLength = t.MaxLength
	}
	s.MinItems = max(s.MinItems, t.MinItems)
	if t.MaxItems != nil && (s.MaxItems == nil || *t.MaxItems < *s.MaxItems) {
		s.MaxItems = t.MaxItems
	}
	if s.Pattern == "" {
		s.Pattern = t.Pattern
	}
	if s.Items == nil {
		s.Items = t.Items
	}
	s.Nullable = s.Nullable && t.Nullable
}

// regex writes a string re matches, using at most about budget characters
// for open repetitions. It reports false for what it cannot produce.
func (g *Generator) regex(b *strings.Builder, re *syntax.Regexp, budget int) bool {
	switch re.Op {
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText, syntax.OpEndText,
		syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return true
	case syntax.OpLiteral:
		b.WriteString(string(re.Rune))
		return true
	case syntax.OpCharClass:
		// Pairs of ranges: draw a range, then a rune in it, keeping to
		// printable characters where the range allows.
		if len(re.Rune) == 0 {
			return false
		}
		for range attempts {
			i := g.rng.IntN(len(re.Rune)/2) * 2
			lo, hi := re.Rune[i], re.Rune[i+1]
			if lo < ' ' {
				lo = min(' ', hi)
			}
			if hi > 0x7e && lo <= 0x7e {
				hi = 0x7e
			}
			hi = min(hi, lo+94)
			if r := lo + rune(g.rng.IntN(int(hi-lo)+1)); utf8.ValidRune(r) { //nolint:gosec // at most 95
				b.WriteRune(r)
				return true
			}
		}
		return false
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		b.WriteRune(textRunes[g.rng.IntN(len(textRunes)-4)+4])
		return true
	case syntax.OpCapture:
		return g.regex(b, re.Sub[0], budget)
	case syntax.OpConcat:
		for _, s := range re.Sub {
			if !g.regex(b, s, budget) {
				return false
			}
		}
		return true
	case syntax.OpAlternate:
		return g.regex(b, re.Sub[g.rng.IntN(len(re.Sub))], budget)
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest, syntax.OpRepeat:
		lo, hi := 0, -1
		switch re.Op {
		case syntax.OpPlus:
			lo = 1
		case syntax.OpQuest:
			hi = 1
		case syntax.OpRepeat:
			lo, hi = re.Min, re.Max
		}
		if hi < 0 { // open: short mostly, sometimes as long as the budget allows
			hi = lo + 3
			if g.oneIn(3) {
				hi = max(lo, budget)
			}
		}
		n := lo + g.rng.IntN(hi-lo+1)
		for range n {
			if !g.regex(b, re.Sub[0], budget) {
				return false
			}
		}
		return true
	}
	return false
}
