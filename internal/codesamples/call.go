package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"mime"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// baseURL is the server the samples call; the tests point them at the fake.
const baseURL = "https://api.chatwork.com/v2"

// A call is one operation's request as its examples make it.
type call struct {
	id        string
	method    string
	path      string            // with the path parameters' examples in it
	pathVals  map[string]string // room_id: 1234
	query     []field           // in the order of the parameters
	form      []field           // urlencoded body fields, required ones first
	multipart bool              // the body is multipart/form-data
	files     map[string]bool   // names of the binary parts
}

// A field is a name and the example value, as it goes on the wire.
type field struct{ name, value string }

func newCall(path, method string, item *openapi3.PathItem, op *openapi3.Operation) (*call, error) {
	c := &call{id: op.OperationID, method: method, path: path, pathVals: map[string]string{}, files: map[string]bool{}}
	for _, p := range append(slices.Clone(item.Parameters), op.Parameters...) {
		v := p.Value
		if v.Example == nil {
			if v.In == openapi3.ParameterInPath {
				return nil, fmt.Errorf("path parameter %s has no example", v.Name)
			}
			continue
		}
		s, err := wireValue(v.Example)
		if err != nil {
			return nil, fmt.Errorf("parameter %s: %w", v.Name, err)
		}
		switch v.In {
		case openapi3.ParameterInPath:
			c.pathVals[v.Name] = s
			c.path = strings.ReplaceAll(c.path, "{"+v.Name+"}", url.PathEscape(s))
		case openapi3.ParameterInQuery:
			c.query = append(c.query, field{v.Name, s})
		}
	}
	if op.RequestBody == nil {
		return c, nil
	}
	content := op.RequestBody.Value.Content
	mt := content.Get("application/x-www-form-urlencoded")
	if mt == nil {
		mt = content.Get("multipart/form-data")
		c.multipart = true
	}
	if mt == nil || mt.Schema == nil {
		return nil, errors.New("the request body is neither a form nor multipart")
	}
	ex, ok := mt.Example.(map[string]any)
	if !ok {
		return nil, errors.New("the request body has no example object")
	}
	s := mt.Schema.Value
	names := slices.Clone(s.Required)
	for _, n := range slices.Sorted(maps.Keys(ex)) {
		if !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	for _, n := range names {
		v, ok := ex[n]
		if !ok {
			return nil, fmt.Errorf("the body example lacks the required field %s", n)
		}
		w, err := wireValue(v)
		if err != nil {
			return nil, fmt.Errorf("body field %s: %w", n, err)
		}
		if p := s.Properties[n]; p != nil && p.Value.Format == "binary" {
			c.files[n] = true // the example names the file to send
		}
		c.form = append(c.form, field{n, w})
	}
	return c, nil
}

// wireValue writes an example value as a form or query value: integers
// without a decimal point, strings as they are.
func wireValue(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case float64:
		if x != math.Trunc(x) {
			return strconv.FormatFloat(x, 'f', -1, 64), nil
		}
		return strconv.FormatInt(int64(x), 10), nil
	case int:
		return strconv.Itoa(x), nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case bool:
		if x {
			return "1", nil
		}
		return "0", nil
	}
	return "", fmt.Errorf("example %#v is not a scalar", v)
}

// url returns the request URL, with the query.
func (c *call) url() string {
	u := baseURL + c.path
	if len(c.query) > 0 {
		q := make([]string, len(c.query))
		for i, f := range c.query {
			q[i] = url.QueryEscape(f.name) + "=" + url.QueryEscape(f.value)
		}
		u += "?" + strings.Join(q, "&")
	}
	return u
}

// contentType is the type of a file to send, from its name.
func contentType(name string) string {
	if t := mime.TypeByExtension(strings.ToLower(filepath.Ext(name))); t != "" {
		t, _, _ = strings.Cut(t, ";")
		return t
	}
	return "application/octet-stream"
}

// shellQuote quotes s for a POSIX shell, in single quotes.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// curl renders the call as a curl command: the API token from the
// environment, form fields with --data-urlencode (one value per field, as
// Chatwork reads them), files with -F as browsers send them.
func (c *call) curl() string {
	var b strings.Builder
	b.WriteString("curl")
	if c.method != "GET" && (c.method != "POST" || len(c.form) == 0) {
		b.WriteString(" -X " + c.method)
	}
	b.WriteString(" " + shellQuote(c.url()) + " \\\n  -H \"X-ChatWorkToken: $CHATWORK_API_TOKEN\"")
	for _, f := range c.form {
		switch {
		case c.files[f.name]:
			b.WriteString(" \\\n  -F " + shellQuote(f.name+"=@"+f.value+";type="+contentType(f.value)))
		case c.multipart:
			b.WriteString(" \\\n  --form-string " + shellQuote(f.name+"="+f.value))
		default:
			b.WriteString(" \\\n  --data-urlencode " + shellQuote(f.name+"="+f.value))
		}
	}
	return b.String() + "\n"
}

// jsString writes s as a JavaScript string literal.
func jsString(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}

var jsIdent = regexp.MustCompile(`^[A-Za-z_$][A-Za-z0-9_$]*$`)

func jsKey(s string) string {
	if jsIdent.MatchString(s) {
		return s
	}
	return jsString(s)
}

// typescript renders the call with fetch: a form as URLSearchParams (so
// fetch sends application/x-www-form-urlencoded), an upload as FormData
// with the file read from disk. It is TypeScript and JavaScript alike (an
// ES module, for node and browsers).
func (c *call) typescript() string {
	var b strings.Builder
	if len(c.files) > 0 {
		b.WriteString("import { openAsBlob } from \"node:fs\";\n\n")
		b.WriteString("const form = new FormData();\n")
		for _, f := range c.form {
			if c.files[f.name] {
				fmt.Fprintf(&b, "form.append(%s, await openAsBlob(%s, { type: %s }), %s);\n",
					jsString(f.name), jsString(f.value), jsString(contentType(f.value)), jsString(filepath.Base(f.value)))
			} else {
				fmt.Fprintf(&b, "form.append(%s, %s);\n", jsString(f.name), jsString(f.value))
			}
		}
	}
	fmt.Fprintf(&b, "const res = await fetch(%s, {\n", jsString(c.url()))
	if c.method != "GET" {
		fmt.Fprintf(&b, "  method: %s,\n", jsString(c.method))
	}
	b.WriteString("  headers: { \"X-ChatWorkToken\": process.env.CHATWORK_API_TOKEN ?? \"\" },\n")
	switch {
	case len(c.files) > 0:
		b.WriteString("  body: form,\n")
	case len(c.form) > 0:
		b.WriteString("  body: new URLSearchParams({\n")
		for _, f := range c.form {
			fmt.Fprintf(&b, "    %s: %s,\n", jsKey(f.name), jsString(f.value))
		}
		b.WriteString("  }),\n")
	}
	b.WriteString("});\n")
	b.WriteString("if (!res.ok) throw new Error(`HTTP ${res.status}: ${await res.text()}`);\n")
	b.WriteString("console.log(res.status === 204 ? \"(no content)\" : await res.json());\n")
	return b.String()
}
