package apitest

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/url"
	"slices"
)

// A body is a request's form or multipart body, parsed once: the handlers
// read their fields from it, and the request log records it.
type body struct {
	// form holds the fields of a urlencoded body, or the text parts of a
	// multipart body; nil for an empty body (reading a nil url.Values is
	// fine).
	form url.Values
	// files maps the name of each multipart file part to its file names.
	files map[string][]string
	// upload is the first multipart part named "file"; nil without one.
	upload *upload
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
	b.form, b.files = url.Values{}, map[string][]string{}
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
		if p.FileName() == "" && name != "file" {
			b.form.Add(name, string(data))
			continue
		}
		b.files[name] = append(b.files[name], p.FileName())
		if name == "file" && b.upload == nil {
			if len(data) > maxFileSize {
				b.problem = msgFileTooLarge
				return b
			}
			b.upload = &upload{name: p.FileName(), contentType: p.Header.Get("Content-Type"), data: data}
		}
	}
}

// has reports whether the body carries the field, as a form field or a
// file part.
func (b *body) has(name string) bool {
	return b.form.Has(name) || len(b.files[name]) > 0
}

// recorded returns the fields for RecordedRequest.Form: the form fields,
// and each file part's file names under the part's name.
func (b *body) recorded() map[string][]string {
	if len(b.form) == 0 && len(b.files) == 0 {
		return nil
	}
	out := make(map[string][]string, len(b.form)+len(b.files))
	for k, v := range b.form {
		out[k] = slices.Clone(v)
	}
	for k, v := range b.files {
		out[k] = append(out[k], v...)
	}
	return out
}

// ignored returns the fields of the body that op does not declare, sorted:
// Chatwork ignores them, and so does the fake.
func (b *body) ignored(op *operation) []string {
	var out []string
	add := func(name string) {
		if !slices.Contains(op.required, name) && !slices.Contains(op.optional, name) && !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	for name := range b.form {
		add(name)
	}
	for name := range b.files {
		add(name)
	}
	slices.Sort(out)
	return out
}
