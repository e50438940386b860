package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"path/filepath"
	"sort"
	"strings"

	"github.com/chatwork-go/chatwork/api"
	"github.com/chatwork-go/chatwork/conformance"
)

// apiCommand is "chatwork api METHOD PATH": a raw call, as gh api makes
// one, through the client (its token, pacing, a room's posting budget
// included, and retries), checked against the spec before it is sent.
func apiCommand() *command {
	return &command{
		args: []string{"METHOD", "PATH"}, nargs: 2,
		usage:   "METHOD PATH [-f KEY=VALUE]... [-F KEY=@FILE]... [-i] [--no-validate]",
		summary: "call any operation of the API and print the answer",
		details: `PATH is relative to the base URL, such as /rooms/123/messages (a leading /v2 is accepted). Fields
go in the query of a GET and in the form body (application/x-www-form-urlencoded, as Chatwork
wants) of a POST, PUT or DELETE; lists are written as the API wants them, comma-joined (-f
to_ids=1,2). -F KEY=@FILE sends the file as a multipart upload, as POST .../files wants.

The request is checked against the API's OpenAPI description before it is sent, and refused with
the validator's reason (exit code 2) unless --no-validate. The answer's body is printed as it
came, indented at a terminal; -i prints the status line and the headers first; --jq applies to
a JSON body. An error status exits 3 (4 for 429), as other commands do. A raw call does what
the API does: GET .../messages without force=1 moves the account's read cursor.`,
		examples: `chatwork api GET /me
chatwork api GET /rooms/123/messages -f force=1 --jq '.[].body'
chatwork api POST /rooms/123/messages -f body='Deploy finished' -f self_unread=1
chatwork api POST /rooms/123/files -F file=@report.pdf -f message='The report'
chatwork api DELETE /rooms/123 -f action_type=leave -i`,
		setup: func(fs *flag.FlagSet) runFunc {
			var raw, typed fieldsFlag
			fs.Var(&raw, "raw-field", "add a `KEY=VALUE` field, as it is; repeatable")
			fs.Var(&typed, "field", "add a `KEY=VALUE` field, or KEY=@FILE to upload FILE; repeatable")
			include := fs.Bool("include", false, "print the status line and the response headers first")
			noValidate := fs.Bool("no-validate", false, "send the request even if the spec says it is wrong")
			return func(ctx context.Context, a *app, args []string) error {
				method := strings.ToUpper(args[0])
				req, err := a.rawRequest(ctx, method, args[1], append(raw, typed...))
				if err != nil {
					return err
				}
				if !*noValidate {
					if err := validateRaw(req); err != nil {
						return err
					}
				}
				resp, err := a.c.Do(req) // a post spends its room's budget, as the typed commands' do
				if err != nil {
					return err
				}
				defer resp.Body.Close()
				return a.printRaw(req, resp, *include)
			}
		},
	}
}

// fieldsFlag is a repeated KEY=VALUE flag.
type fieldsFlag []string

func (f *fieldsFlag) String() string { return strings.Join(*f, " ") }

func (f *fieldsFlag) Set(s string) error {
	if k, _, ok := strings.Cut(s, "="); !ok || k == "" {
		return fmt.Errorf("%q is not KEY=VALUE", s)
	}
	*f = append(*f, s)
	return nil
}

// rawRequest builds the request of chatwork api: path under the base URL,
// fields in the query of a GET, else in the body.
func (a *app) rawRequest(ctx context.Context, method, path string, fields []string) (*http.Request, error) {
	switch method {
	case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete:
	default:
		return nil, usagef("METHOD must be GET, POST, PUT or DELETE, not %q", method)
	}
	if strings.Contains(path, "://") || strings.HasPrefix(path, "//") {
		return nil, usagef("PATH is relative to the base URL, such as /rooms/123: the token goes to the base URL's host only")
	}
	base := strings.TrimSuffix(a.c.Raw().Server, "/")
	bu, err := url.Parse(base)
	if err != nil {
		return nil, err
	}
	path = "/" + strings.TrimPrefix(path, "/")
	if bp := strings.TrimSuffix(bu.Path, "/"); bp != "" && (path == bp || strings.HasPrefix(path, bp+"/")) {
		path = strings.TrimPrefix(path, bp)
	}
	target, err := url.Parse(base + path)
	if err != nil {
		return nil, usagef("PATH %q: %v", path, err)
	}

	form := url.Values{}
	var files [][2]string // key, path
	for _, f := range fields {
		k, v, _ := strings.Cut(f, "=")
		if p, ok := strings.CutPrefix(v, "@"); ok {
			files = append(files, [2]string{k, p})
			continue
		}
		form.Add(k, v)
	}
	var (
		body        []byte
		contentType string
	)
	switch {
	case len(files) > 0:
		if method == http.MethodGet {
			return nil, usagef("-F KEY=@FILE uploads a file: use POST")
		}
		body, contentType, err = multipartBody(ctx, form, files)
		if err != nil {
			return nil, err
		}
	case method == http.MethodGet:
		q := target.Query()
		for k, vs := range form {
			q[k] = append(q[k], vs...)
		}
		target.RawQuery = q.Encode()
	case len(form) > 0:
		body, contentType = []byte(form.Encode()), "application/x-www-form-urlencoded"
	}
	req, err := http.NewRequestWithContext(ctx, method, target.String(), bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if body == nil {
		req.Body, req.GetBody, req.ContentLength = http.NoBody, nil, 0
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return req, nil
}

// multipartBody writes the fields and files as multipart/form-data, each
// file with its name and a content type taken from its extension.
func multipartBody(ctx context.Context, form url.Values, files [][2]string) ([]byte, string, error) {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range form[k] {
			if err := mw.WriteField(k, v); err != nil {
				return nil, "", err
			}
		}
	}
	for _, f := range files {
		content, err := readFile(ctx, f[1], "the file", 0) // a FIFO, maybe
		if err != nil {
			return nil, "", err
		}
		ct := mime.TypeByExtension(filepath.Ext(f[1]))
		if ct == "" {
			ct = http.DetectContentType(content)
		}
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", mime.FormatMediaType("form-data", map[string]string{"name": f[0], "filename": filepath.Base(f[1])}))
		h.Set("Content-Type", ct)
		w, err := mw.CreatePart(h)
		if err != nil {
			return nil, "", err
		}
		if _, err := w.Write(content); err != nil {
			return nil, "", err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, "", err
	}
	return b.Bytes(), mw.FormDataContentType(), nil
}

// validateRaw checks req against the spec, as the real API will: a clone
// with a stand-in token, since the client adds the real one only when it
// sends.
func validateRaw(req *http.Request) error {
	v, err := conformance.New()
	if err != nil {
		return err
	}
	clone := req.Clone(req.Context())
	if req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			return err
		}
		clone.Body = body
	}
	clone.Header.Set("X-ChatWorkToken", "stand-in")
	if err := v.ValidateRequest(clone); err != nil {
		var lines []string
		for _, l := range strings.Split(err.Error(), "\n") {
			if l = strings.TrimSpace(l); l != "" {
				lines = append(lines, l)
			}
		}
		return usagef("the spec refuses this request, nothing was sent (--no-validate sends it anyway):\n  %s", strings.Join(lines, "\n  "))
	}
	return nil
}

// printRaw prints the answer: with include, the status line and headers;
// then the body (indented JSON at a terminal, the results of --jq if
// given). An error status is returned as an *api.APIError, for the exit
// code.
func (a *app) printRaw(req *http.Request, resp *http.Response, include bool) error {
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return err
	}
	w := a.stdout
	if include {
		fmt.Fprintf(w, "%s %s\n", resp.Proto, resp.Status)
		keys := make([]string, 0, len(resp.Header))
		for k := range resp.Header {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			for _, v := range resp.Header[k] {
				fmt.Fprintf(w, "%s: %s\n", k, v)
			}
		}
		fmt.Fprintln(w)
	}
	isJSON := strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") && json.Valid(body)
	switch {
	case a.out.jq != "" && isJSON:
		data, err := toData(json.RawMessage(body))
		if err != nil {
			return err
		}
		if err := runJQ(w, a.out.jq, data); err != nil {
			return err
		}
	case isJSON && a.stdoutTTY:
		var b bytes.Buffer
		if err := json.Indent(&b, body, "", "  "); err == nil {
			b.WriteByte('\n')
			body = b.Bytes()
		}
		fallthrough
	default:
		if _, err := w.Write(body); err != nil {
			return err
		}
	}
	if resp.StatusCode >= 400 {
		e := &api.APIError{StatusCode: resp.StatusCode, Method: req.Method, Path: req.URL.Path, Header: resp.Header}
		var msg struct {
			Errors []string `json:"errors"`
		}
		if json.Unmarshal(body, &msg) == nil {
			e.Errors = msg.Errors
		}
		return e
	}
	return nil
}
