package conformance

import (
	"encoding/json"
	"errors"
	"strconv"
	"unicode/utf8"
)

// maxJSONDepth is encoding/json's limit on the nesting of arrays and
// objects: deeper documents are a syntax error there, and here, so that
// hostile input cannot grow the parser's recursion without bound.
const maxJSONDepth = 10000

// decodeJSONValue decodes a JSON document into the generic form that
// openapi3.Schema.VisitJSON takes: map[string]any, []any, string, float64,
// bool and nil. It gives the same values as encoding/json's Unmarshal into
// an any, and fails on the same documents, several times faster, which
// matters because decoding is most of the cost of validating a response.
// The parser checks the syntax as it goes; only when it fails does
// encoding/json run, to describe the error.
func decodeJSONValue(data []byte) (any, error) {
	var stack [32]member
	p := jsonParser{data: data, members: stack[:0]}
	p.skipSpace()
	v, ok := p.value()
	if ok {
		p.skipSpace()
		if p.pos == len(p.data) {
			return v, nil
		}
	}
	// Let encoding/json describe the error.
	var w any
	if err := json.Unmarshal(data, &w); err != nil {
		return nil, err
	}
	return nil, errors.New("invalid JSON")
}

// jsonParser is a recursive descent parser of JSON. Its methods report
// failure with a false result, leaving the message to encoding/json.
type jsonParser struct {
	data    []byte
	pos     int
	depth   int      // the nesting of arrays and objects at pos
	members []member // the members of the objects being parsed
}

type member struct {
	key   string
	value any
}

func (p *jsonParser) skipSpace() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

// value parses the value at p.pos; leading space is already skipped.
func (p *jsonParser) value() (any, bool) {
	if p.pos >= len(p.data) {
		return nil, false
	}
	switch c := p.data[p.pos]; c {
	case '{':
		return p.object()
	case '[':
		return p.array()
	case '"':
		s, ok := p.string()
		return s, ok
	case 't':
		return true, p.literal("true")
	case 'f':
		return false, p.literal("false")
	case 'n':
		return nil, p.literal("null")
	default:
		if c == '-' || c >= '0' && c <= '9' {
			return p.number()
		}
		return nil, false
	}
}

// literal consumes lit, which must be next in the input.
func (p *jsonParser) literal(lit string) bool {
	if len(p.data)-p.pos < len(lit) || string(p.data[p.pos:p.pos+len(lit)]) != lit {
		return false
	}
	p.pos += len(lit)
	return true
}

// next returns the byte at p.pos, or 0 at the end of the input, which no
// caller accepts.
func (p *jsonParser) next() byte {
	if p.pos < len(p.data) {
		return p.data[p.pos]
	}
	return 0
}

func (p *jsonParser) object() (any, bool) {
	p.pos++ // {
	if p.depth++; p.depth > maxJSONDepth {
		return nil, false
	}
	p.skipSpace()
	if p.next() == '}' {
		p.pos++
		p.depth--
		return map[string]any{}, true
	}
	// Collect the members first, so the map is made at its final size
	// instead of growing (and rehashing) as members are added. Nested
	// objects use the same stack above base.
	base := len(p.members)
	for {
		if p.next() != '"' {
			return nil, false
		}
		k, ok := p.string()
		if !ok {
			return nil, false
		}
		p.skipSpace()
		if p.next() != ':' {
			return nil, false
		}
		p.pos++
		p.skipSpace()
		v, ok := p.value()
		if !ok {
			return nil, false
		}
		p.members = append(p.members, member{k, v})
		p.skipSpace()
		c := p.next()
		if c == '}' {
			p.pos++
			break
		}
		if c != ',' {
			return nil, false
		}
		p.pos++
		p.skipSpace()
	}
	m := make(map[string]any, len(p.members)-base)
	for _, e := range p.members[base:] {
		m[e.key] = e.value // the last duplicate wins, as with encoding/json
	}
	clear(p.members[base:])
	p.members = p.members[:base]
	p.depth--
	return m, true
}

func (p *jsonParser) array() (any, bool) {
	p.pos++ // [
	if p.depth++; p.depth > maxJSONDepth {
		return nil, false
	}
	a := make([]any, 0, 4)
	p.skipSpace()
	if p.next() == ']' {
		p.pos++
		p.depth--
		return a, true
	}
	for {
		v, ok := p.value()
		if !ok {
			return nil, false
		}
		a = append(a, v)
		p.skipSpace()
		c := p.next()
		if c == ']' {
			p.pos++
			p.depth--
			return a, true
		}
		if c != ',' {
			return nil, false
		}
		p.pos++
		p.skipSpace()
	}
}

// string parses a string token. Strings without escapes and with valid
// UTF-8, the usual case, are converted directly; the rest go through
// encoding/json, which checks the escapes and replaces invalid UTF-8 with
// U+FFFD.
func (p *jsonParser) string() (string, bool) {
	start := p.pos
	p.pos++ // "
	escaped, ascii := false, true
	for {
		if p.pos >= len(p.data) {
			return "", false
		}
		c := p.data[p.pos]
		p.pos++
		switch {
		case c == '"':
			raw := p.data[start+1 : p.pos-1]
			if !escaped && (ascii || utf8.Valid(raw)) {
				return string(raw), true
			}
			var s string
			err := json.Unmarshal(p.data[start:p.pos], &s)
			return s, err == nil
		case c == '\\':
			// The escape itself is checked by encoding/json; here it
			// only must not hide the closing quote.
			escaped = true
			p.pos++
		case c < ' ':
			return "", false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
}

// number parses a number token, which must match the JSON grammar
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?: strconv.ParseFloat
// alone would also take "01", "1.", ".5", "+1", "Inf", "0x1p3" and more.
func (p *jsonParser) number() (any, bool) {
	start := p.pos
	if p.next() == '-' {
		p.pos++
	}
	switch c := p.next(); {
	case c == '0':
		p.pos++
	case c >= '1' && c <= '9':
		p.pos++
		p.digits()
	default:
		return nil, false
	}
	if p.next() == '.' {
		p.pos++
		if !p.digits() {
			return nil, false
		}
	}
	if c := p.next(); c == 'e' || c == 'E' {
		p.pos++
		if c := p.next(); c == '+' || c == '-' {
			p.pos++
		}
		if !p.digits() {
			return nil, false
		}
	}
	// Out of range numbers, like 1e400, fail as with encoding/json.
	f, err := strconv.ParseFloat(string(p.data[start:p.pos]), 64)
	return f, err == nil
}

// digits consumes a run of digits and reports whether there was one.
func (p *jsonParser) digits() bool {
	start := p.pos
	for p.pos < len(p.data) && p.data[p.pos] >= '0' && p.data[p.pos] <= '9' {
		p.pos++
	}
	return p.pos > start
}
