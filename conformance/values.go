package conformance

import (
	"math"
	"math/rand/v2"
	"regexp/syntax"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// valueGen draws random values that a schema accepts, from a seeded
// source: the same seed gives the same values. It covers what request
// schemas of openapi.yaml use (enums, integer ranges, string lengths and
// patterns, binary files, arrays and objects); a value it cannot satisfy
// is caught by validating the request before it is sent.
//
// It is the runner's own; if a shared schema-driven generator lands in the
// module, the runner can take its values from that one instead.
type valueGen struct {
	rng *rand.Rand
}

func newValueGen(seed int64) *valueGen {
	return &valueGen{rng: rand.New(rand.NewPCG(uint64(seed), 0x636861747721))} //nolint:gosec // test data, not secrets
}

// value returns a random value for s, as it goes on the wire of a form or
// a query: a string for every scalar.
func (g *valueGen) value(s *openapi3.Schema) string {
	if s == nil {
		return g.word(4, 12)
	}
	if len(s.Enum) > 0 {
		return scalarString(s.Enum[g.rng.IntN(len(s.Enum))])
	}
	switch {
	case s.Type.Is(openapi3.TypeInteger), s.Type.Is(openapi3.TypeNumber):
		lo, hi := 1.0, 1000.0
		if s.Min != nil {
			lo = *s.Min
			hi = max(hi, lo+1000)
		}
		if s.Max != nil {
			hi = *s.Max
		}
		if hi < lo {
			hi = lo
		}
		n := int64(lo) + g.rng.Int64N(int64(math.Min(hi-lo, 1e15))+1)
		return strconv.FormatInt(n, 10)
	case s.Type.Is(openapi3.TypeBoolean):
		return strconv.FormatBool(g.rng.IntN(2) == 1)
	case s.Type.Is(openapi3.TypeArray):
		if s.Items != nil {
			return g.value(s.Items.Value)
		}
	}
	if s.Pattern != "" {
		if v, ok := g.pattern(s.Pattern, int(min(s.MinLength, 1<<20)), maxLen(s)); ok {
			return v
		}
	}
	lo := max(int(min(s.MinLength, 1<<20)), 4)
	hi := min(maxLen(s), lo+24)
	return g.word(lo, hi)
}

func maxLen(s *openapi3.Schema) int {
	if s.MaxLength != nil && *s.MaxLength < math.MaxInt32 {
		return int(*s.MaxLength)
	}
	return 64
}

// word is "conformance " followed by random letters, lo to hi bytes long.
func (g *valueGen) word(lo, hi int) string {
	if hi < lo {
		hi = lo
	}
	n := lo + g.rng.IntN(hi-lo+1)
	var b strings.Builder
	b.WriteString("conformance-")
	for b.Len() < n {
		b.WriteByte("abcdefghijklmnopqrstuvwxyz0123456789"[g.rng.IntN(36)])
	}
	s := b.String()
	if len(s) > n {
		s = s[len(s)-n:]
	}
	return s
}

// bytes returns n random bytes, for binary file parts.
func (g *valueGen) bytes(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(g.rng.IntN(256)) //nolint:gosec // 0 to 255
	}
	return b
}

// pattern returns a string that matches the regular expression p, with a
// length between lo and hi where the expression allows it.
func (g *valueGen) pattern(p string, lo, hi int) (string, bool) {
	re, err := syntax.Parse(p, syntax.Perl)
	if err != nil {
		return "", false
	}
	re = re.Simplify()
	for range 20 {
		var b strings.Builder
		if !g.regex(&b, re) {
			return "", false
		}
		if n := b.Len(); n >= lo && n <= hi {
			return b.String(), true
		}
	}
	return "", false
}

func (g *valueGen) regex(b *strings.Builder, re *syntax.Regexp) bool {
	switch re.Op {
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText, syntax.OpEndText,
		syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return true
	case syntax.OpLiteral:
		b.WriteString(string(re.Rune))
		return true
	case syntax.OpCharClass:
		// Pairs of ranges; draw a range, then a rune in it.
		if len(re.Rune) == 0 {
			return false
		}
		i := g.rng.IntN(len(re.Rune)/2) * 2
		lo, hi := re.Rune[i], re.Rune[i+1]
		hi = min(hi, lo+25, 0x7e) // keep to printable ASCII where the class allows
		if hi < lo {
			hi = lo
		}
		b.WriteRune(lo + rune(g.rng.IntN(int(hi-lo)+1))) //nolint:gosec // at most 26
		return true
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		b.WriteByte('x')
		return true
	case syntax.OpCapture:
		return g.regex(b, re.Sub[0])
	case syntax.OpConcat:
		for _, s := range re.Sub {
			if !g.regex(b, s) {
				return false
			}
		}
		return true
	case syntax.OpAlternate:
		return g.regex(b, re.Sub[g.rng.IntN(len(re.Sub))])
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest, syntax.OpRepeat:
		lo, hi := 0, 3
		switch re.Op {
		case syntax.OpPlus:
			lo = 1
		case syntax.OpQuest:
			hi = 1
		case syntax.OpRepeat:
			lo, hi = re.Min, re.Max
			if hi < 0 {
				hi = lo + 3
			}
		}
		n := lo + g.rng.IntN(hi-lo+1)
		for range n {
			if !g.regex(b, re.Sub[0]) {
				return false
			}
		}
		return true
	}
	return false
}

// scalarString renders a JSON scalar as a form value.
func scalarString(v any) string {
	switch x := v.(type) {
	case string:
		return x
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
