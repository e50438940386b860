package conformance

import (
	"encoding/json"
	"errors"
	"strconv"
	"unicode/utf8"
)

// decodeJSONValue decodes a JSON document into the generic form that
// openapi3.Schema.VisitJSON takes: map[string]any, []any, string, float64,
// bool and nil. It gives the same values as encoding/json's Unmarshal into
// an any, several times faster, which matters because decoding is most of
// the cost of validating a response. The document is checked with
// json.Valid first, so the parser below only ever sees valid JSON.
func decodeJSONValue(data []byte) (any, error) {
	if !json.Valid(data) {
		// Let encoding/json describe the syntax error.
		var v any
		if err := json.Unmarshal(data, &v); err != nil {
			return nil, err
		}
		return nil, errors.New("invalid JSON")
	}
	var stack [32]member
	p := jsonParser{data: data, members: stack[:0]}
	p.skipSpace()
	return p.value()
}

type jsonParser struct {
	data    []byte
	pos     int
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
func (p *jsonParser) value() (any, error) {
	switch p.data[p.pos] {
	case '{':
		return p.object()
	case '[':
		return p.array()
	case '"':
		return p.string()
	case 't':
		p.pos += len("true")
		return true, nil
	case 'f':
		p.pos += len("false")
		return false, nil
	case 'n':
		p.pos += len("null")
		return nil, nil
	default:
		return p.number()
	}
}

func (p *jsonParser) object() (any, error) {
	p.pos++ // {
	p.skipSpace()
	if p.data[p.pos] == '}' {
		p.pos++
		return map[string]any{}, nil
	}
	// Collect the members first, so the map is made at its final size
	// instead of growing (and rehashing) as members are added. Nested
	// objects use the same stack above base.
	base := len(p.members)
	for {
		p.skipSpace()
		k, err := p.string()
		if err != nil {
			return nil, err
		}
		p.skipSpace()
		p.pos++ // :
		p.skipSpace()
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		p.members = append(p.members, member{k, v})
		p.skipSpace()
		if p.data[p.pos] == '}' {
			p.pos++
			break
		}
		p.pos++ // ,
	}
	m := make(map[string]any, len(p.members)-base)
	for _, e := range p.members[base:] {
		m[e.key] = e.value // the last duplicate wins, as with encoding/json
	}
	clear(p.members[base:])
	p.members = p.members[:base]
	return m, nil
}

func (p *jsonParser) array() (any, error) {
	p.pos++ // [
	a := make([]any, 0, 4)
	p.skipSpace()
	if p.data[p.pos] == ']' {
		p.pos++
		return a, nil
	}
	for {
		p.skipSpace()
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		a = append(a, v)
		p.skipSpace()
		if p.data[p.pos] == ']' {
			p.pos++
			return a, nil
		}
		p.pos++ // ,
	}
}

// string parses a string token. Strings without escapes and with valid
// UTF-8, the usual case, are converted directly; the rest go through
// encoding/json.
func (p *jsonParser) string() (string, error) {
	start := p.pos
	p.pos++ // "
	escaped, ascii := false, true
	for {
		c := p.data[p.pos]
		if c == '\\' {
			escaped = true
			p.pos += 2
			continue
		}
		p.pos++
		if c == '"' {
			break
		}
		if c >= utf8.RuneSelf {
			ascii = false
		}
	}
	// encoding/json replaces invalid UTF-8 with U+FFFD: leave that to it.
	if raw := p.data[start+1 : p.pos-1]; !escaped && (ascii || utf8.Valid(raw)) {
		return string(raw), nil
	}
	var s string
	err := json.Unmarshal(p.data[start:p.pos], &s)
	return s, err
}

func (p *jsonParser) number() (any, error) {
	start := p.pos
	for p.pos < len(p.data) && isNumberByte(p.data[p.pos]) {
		p.pos++
	}
	return strconv.ParseFloat(string(p.data[start:p.pos]), 64)
}

func isNumberByte(c byte) bool {
	return c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E'
}
