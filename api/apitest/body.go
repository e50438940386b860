package apitest

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/url"
	"slices"
	"strings"

	"github.com/chatwork-go/chatwork/conformance"
)

// A body is a request's form or multipart body, parsed once: the handlers
// read their fields from it, and the request log records it.
type body struct {
	// form holds the fields of a urlencoded body, or the text parts of a
	// multipart body; nil for an empty body (reading a nil url.Values is
	// fine).
	form url.Values
	// files lists the multipart file parts.
	files []FilePart
	// upload is the first multipart part named "file" with a file name
	// (or with no file name at all); nil without one.
	upload *upload
	// starOnly reports a part named "file" that has only filename*=, which
	// PHP servers, Chatwork's among them, do not read as a file.
	starOnly bool
	// problem is the 400 message of a multipart body that could not be
	// read; "" when it could.
	problem string
}

// upload is the file part of an upload request.
type upload struct {
	name, contentType string
	data              []byte
}

// Messages of bodies that cannot be used.
const (
	msgBadMultipart = "Invalid multipart body"
	msgFileTooLarge = "File size too large. The maximum is 5 MB"
)

// parseBody parses raw, a body of the given Content-Type: multipart
// bodies by their parts, every other body as urlencoded, which is how
// Chatwork reads a body whatever its type.
func parseBody(contentType string, raw []byte) *body {
	b := &body{}
	if len(raw) == 0 {
		return b // no fields at all: the required ones are missing
	}
	mt, params, _ := mime.ParseMediaType(contentType)
	if mt != "multipart/form-data" {
		b.form, _ = url.ParseQuery(string(raw))
		return b
	}
	b.form = url.Values{}
	if params["boundary"] == "" {
		b.problem = msgBadMultipart + ": the Content-Type has no boundary"
		return b
	}
	mr := multipart.NewReader(bytes.NewReader(raw), params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF { //nolint:errorlint // io.EOF itself marks the closing boundary; a wrapped one, a body that ends early
			return b
		}
		if errors.Is(err, io.EOF) {
			b.problem = msgBadMultipart + ": it ends before its closing boundary (is the Content-Type's boundary the one the body uses?)"
			return b
		}
		if err != nil {
			b.problem = msgBadMultipart + ": " + err.Error()
			return b
		}
		name := p.FormName()
		// The whole body is at most maxBody bytes, so reading a part whole
		// is bounded.
		data, err := io.ReadAll(p)
		if err != nil {
			b.problem = msgBadMultipart + ": " + err.Error()
			return b
		}
		fileName, plain, star := dispositionFileName(p.Header.Get("Content-Disposition"))
		if !plain && star == "" && name != "file" {
			b.form.Add(name, string(data))
			continue
		}
		b.files = append(b.files, FilePart{Name: name, FileName: fileName, FileNameStar: star,
			ContentType: p.Header.Get("Content-Type"), Size: len(data)})
		if name != "file" || b.upload != nil || b.starOnly {
			continue
		}
		if !plain && star != "" {
			b.starOnly = true
			continue
		}
		if len(data) > maxFileSize {
			b.problem = msgFileTooLarge
			return b
		}
		b.upload = &upload{name: fileName, contentType: p.Header.Get("Content-Type"), data: data}
	}
}

// dispositionFileName reads the file name of a part's Content-Disposition
// as a PHP server does: the plain filename parameter only, unquoted
// (plain reports that there is one). star is the decoded filename*
// parameter of RFC 2231, which Go's mime package reads and PHP ignores.
func dispositionFileName(cd string) (name string, plain bool, star string) {
	for _, param := range splitParams(cd) {
		k, v, ok := strings.Cut(param, "=")
		if !ok {
			continue
		}
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "filename":
			name, plain = unquote(strings.TrimSpace(v)), true
		case "filename*":
			// charset'language'percent-encoded
			parts := strings.SplitN(strings.TrimSpace(v), "'", 3)
			if len(parts) == 3 {
				if dec, err := url.PathUnescape(parts[2]); err == nil {
					star = dec
				}
			}
		}
	}
	return name, plain, star
}

// splitParams splits a header value at the semicolons outside quotes.
func splitParams(h string) []string {
	var out []string
	quoted, escaped, start := false, false, 0
	for i := 0; i < len(h); i++ {
		switch c := h[i]; {
		case escaped:
			escaped = false
		case c == '\\' && quoted:
			escaped = true
		case c == '"':
			quoted = !quoted
		case c == ';' && !quoted:
			out = append(out, h[start:i])
			start = i + 1
		}
	}
	return append(out, h[start:])
}

// unquote removes the quotes of a quoted-string and its backslash escapes.
func unquote(v string) string {
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return v
	}
	var sb strings.Builder
	escaped := false
	for _, r := range v[1 : len(v)-1] {
		if r == '\\' && !escaped {
			escaped = true
			continue
		}
		escaped = false
		sb.WriteRune(r)
	}
	return sb.String()
}

// has reports whether the body carries the field, as a form field or a
// file part.
func (b *body) has(name string) bool {
	return b.form.Has(name) || slices.ContainsFunc(b.files, func(f FilePart) bool { return f.Name == name })
}

// recorded returns the fields for RecordedRequest.Form.
func (b *body) recorded() map[string][]string {
	if len(b.form) == 0 {
		return nil
	}
	out := make(map[string][]string, len(b.form))
	for k, v := range b.form {
		out[k] = slices.Clone(v)
	}
	return out
}

// ignored returns the fields of the body that op does not declare, sorted:
// Chatwork ignores them, and so does the fake.
func (b *body) ignored(op *conformance.OperationInfo) []string {
	var out []string
	add := func(name string) {
		if !slices.Contains(op.Required, name) && !slices.Contains(op.Optional, name) && !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	for name := range b.form {
		add(name)
	}
	for _, f := range b.files {
		add(f.Name)
	}
	slices.Sort(out)
	return out
}
