package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// forReaders returns the spec as the reference shows it. The document stays
// what machines read; only its presentation changes:
//
//   - each operation's security, a list of alternatives that Redoc draws as
//     "ApiToken or OAuth2 or OAuth2 or ...", becomes one sentence at the top
//     of its description (the API token, or an OAuth access token with one
//     of the scopes ...);
//   - x-chatwork-sources, where the spec keeps the sources of a less certain
//     fact, becomes a folded "Sources" note at the end of the description
//     beside it;
//   - info.version, the version of the description (not of the API, which
//     the title says), moves from beside the title into the introduction.
//
// Keys keep their order and numbers their digits.
func forReaders(specJSON []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(specJSON))
	dec.UseNumber()
	doc, err := readValue(dec)
	if err != nil {
		return nil, err
	}
	root, ok := doc.(*object)
	if !ok {
		return nil, errors.New("the spec is not a JSON object")
	}
	if paths, ok := root.get("paths").(*object); ok {
		for _, p := range paths.members {
			item, _ := p.value.(*object)
			if item == nil {
				continue
			}
			for _, m := range item.members {
				op, _ := m.value.(*object)
				if op == nil || !isMethod(m.key) {
					continue
				}
				if line := securityLine(op.get("security")); line != "" {
					desc, _ := op.get("description").(string)
					op.set("description", strings.TrimSpace(line+"\n\n"+desc))
					op.remove("security")
				}
			}
		}
	}
	foldSources(root)
	if info, ok := root.get("info").(*object); ok {
		if v, _ := info.get("version").(string); v != "" {
			desc, _ := info.get("description").(string)
			info.set("description", strings.TrimRight(desc, "\n")+"\n\n*This is version "+v+" of the description; its changes are listed release by release.*\n")
			info.set("version", "")
		}
	}
	var b bytes.Buffer
	if err := writeValue(&b, root); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func isMethod(k string) bool {
	switch k {
	case "get", "put", "post", "delete", "patch", "head", "options", "trace":
		return true
	}
	return false
}

// securityLine says an operation's security requirements in a sentence:
// the API token, OAuth scopes (any one of them), or both.
func securityLine(sec any) string {
	list, ok := sec.([]any)
	if !ok || len(list) == 0 {
		return ""
	}
	var token bool
	var scopes []string
	var other []string
	for _, r := range list {
		req, _ := r.(*object)
		if req == nil {
			continue
		}
		for _, m := range req.members {
			switch m.key {
			case "ApiToken":
				token = true
			case "OAuth2":
				s, _ := m.value.([]any)
				for _, x := range s {
					if str, ok := x.(string); ok {
						scopes = append(scopes, "`"+str+"`")
					}
				}
			default:
				other = append(other, m.key)
			}
		}
	}
	var parts []string
	if token {
		parts = append(parts, "the API token (`X-ChatWorkToken`)")
	}
	switch len(scopes) {
	case 0:
	case 1:
		parts = append(parts, "an OAuth access token with the scope "+scopes[0])
	default:
		parts = append(parts, "an OAuth access token with one of the scopes "+strings.Join(scopes[:len(scopes)-1], ", ")+" or "+scopes[len(scopes)-1])
	}
	parts = append(parts, other...)
	if len(parts) == 0 {
		return ""
	}
	return "**Authorization:** " + strings.Join(parts, ", or ") + "."
}

// foldSources appends, to the description of every object that has
// x-chatwork-sources, a folded note listing them.
func foldSources(v any) {
	switch x := v.(type) {
	case *object:
		if list, ok := x.get("x-chatwork-sources").([]any); ok && len(list) > 0 {
			var b strings.Builder
			b.WriteString("\n\n<details><summary>Sources</summary>\n\n")
			for _, e := range list {
				s, _ := e.(*object)
				if s == nil {
					continue
				}
				source, _ := s.get("source").(string)
				note, _ := s.get("note").(string)
				fmt.Fprintf(&b, "- %s: %s\n", source, note)
			}
			b.WriteString("\n</details>\n")
			desc, _ := x.get("description").(string)
			x.set("description", strings.TrimRight(desc, "\n")+b.String())
		}
		for _, m := range x.members {
			foldSources(m.value)
		}
	case []any:
		for _, e := range x {
			foldSources(e)
		}
	}
}

// An object is a JSON object that keeps the order of its members.
type object struct{ members []member }

type member struct {
	key   string
	value any
}

func (o *object) get(k string) any {
	for _, m := range o.members {
		if m.key == k {
			return m.value
		}
	}
	return nil
}

func (o *object) set(k string, v any) {
	for i, m := range o.members {
		if m.key == k {
			o.members[i].value = v
			return
		}
	}
	o.members = append(o.members, member{k, v})
}

func (o *object) remove(k string) {
	for i, m := range o.members {
		if m.key == k {
			o.members = append(o.members[:i], o.members[i+1:]...)
			return
		}
	}
}

// readValue reads one JSON value: *object, []any, string, json.Number, bool
// or nil.
func readValue(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			o := &object{}
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				v, err := readValue(dec)
				if err != nil {
					return nil, err
				}
				o.members = append(o.members, member{k.(string), v})
			}
			_, err := dec.Token() // }
			return o, err
		case '[':
			a := []any{}
			for dec.More() {
				v, err := readValue(dec)
				if err != nil {
					return nil, err
				}
				a = append(a, v)
			}
			_, err := dec.Token() // ]
			return a, err
		}
		return nil, fmt.Errorf("unexpected %v", t)
	default:
		return t, nil
	}
}

// writeValue writes v as compact JSON.
func writeValue(w io.Writer, v any) error {
	switch x := v.(type) {
	case *object:
		if _, err := io.WriteString(w, "{"); err != nil {
			return err
		}
		for i, m := range x.members {
			if i > 0 {
				_, _ = io.WriteString(w, ",")
			}
			k, _ := json.Marshal(m.key)
			_, _ = w.Write(append(k, ':'))
			if err := writeValue(w, m.value); err != nil {
				return err
			}
		}
		_, err := io.WriteString(w, "}")
		return err
	case []any:
		_, _ = io.WriteString(w, "[")
		for i, e := range x {
			if i > 0 {
				_, _ = io.WriteString(w, ",")
			}
			if err := writeValue(w, e); err != nil {
				return err
			}
		}
		_, err := io.WriteString(w, "]")
		return err
	case json.Number:
		_, err := io.WriteString(w, x.String())
		return err
	default:
		// Not HTML-escaped here: render escapes the whole document.
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(x); err != nil {
			return err
		}
		_, err := w.Write(bytes.TrimSuffix(b.Bytes(), []byte("\n")))
		return err
	}
}
