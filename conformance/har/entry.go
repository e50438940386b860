package har

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Redacted replaces every credential in the entries NewEntry builds.
const Redacted = "REDACTED"

// DefaultMaxBodySize is the size limit of NewEntry's bodies when the
// caller gives none: 1 MiB. Larger bodies are elided.
const DefaultMaxBodySize = 1 << 20

// Exchange is what NewEntry records: a request, its response and their
// bodies as they traveled. A body that was not held (streamed past a
// proxy's memory limit) is described by its Digest instead.
type Exchange struct {
	Request           *http.Request // its Body is not read
	RequestBody       []byte
	RequestBodyDigest *Digest // set when RequestBody was not held
	// Response is nil when the request got no answer.
	Response           *http.Response // its Body is not read
	ResponseBody       []byte
	ResponseBodyDigest *Digest // set when ResponseBody was not held
	// ResponseBodyWireSize, when not 0, is the size of the body as it was
	// sent, and ResponseBody holds it decoded from its Content-Encoding:
	// HAR's content.text is the decoded body.
	ResponseBodyWireSize int64
	Started              time.Time
	Elapsed              time.Duration
}

// Digest describes a body by its length and SHA-256.
type Digest struct {
	Size   int64
	SHA256 string // hex
}

// DigestOf returns the Digest of b.
func DigestOf(b []byte) Digest {
	sum := sha256.Sum256(b)
	return Digest{Size: int64(len(b)), SHA256: hex.EncodeToString(sum[:])}
}

// NewEntry records x as a HAR entry, with every credential replaced by
// Redacted (see the package doc) and bodies larger than maxBody bytes
// elided (DefaultMaxBodySize when maxBody is not positive): a form body's
// fields are kept and only its file parts elided; the comment of an elided
// body or part gives its length and SHA-256.
func NewEntry(x Exchange, maxBody int64) Entry {
	if maxBody <= 0 {
		maxBody = DefaultMaxBodySize
	}
	req := x.Request
	e := Entry{
		StartedDateTime: x.Started.UTC().Format("2006-01-02T15:04:05.000Z07:00"),
		Time:            millis(x.Elapsed),
		Timings:         Timings{Send: -1, Wait: millis(x.Elapsed), Receive: -1},
	}
	u := redactURL(req.URL)
	e.Request = Request{
		Method:      req.Method,
		URL:         u.String(),
		HTTPVersion: httpVersion(req.Proto),
		Cookies:     cookies(req.Cookies()),
		Headers:     headers(req.Header, req.Host),
		QueryString: queryString(u.RawQuery),
		HeadersSize: -1,
		BodySize:    bodySize(x.RequestBody, x.RequestBodyDigest),
	}
	if e.Request.BodySize > 0 {
		e.Request.PostData = postData(req.Header.Get("Content-Type"), x.RequestBody, x.RequestBodyDigest, maxBody)
	}
	resp := x.Response
	if resp == nil {
		e.Response = Response{HTTPVersion: "", Cookies: []Cookie{}, Headers: []NameValue{}, HeadersSize: -1, BodySize: -1,
			Content: Content{MimeType: "x-unknown"}, Comment: "no response"}
		return e
	}
	e.Response = Response{
		Status:      resp.StatusCode,
		StatusText:  http.StatusText(resp.StatusCode),
		HTTPVersion: httpVersion(resp.Proto),
		Cookies:     cookies(resp.Cookies()),
		Headers:     headers(resp.Header, ""),
		RedirectURL: resp.Header.Get("Location"),
		HeadersSize: -1,
		BodySize:    bodySize(x.ResponseBody, x.ResponseBodyDigest),
		Content:     content(resp.Header.Get("Content-Type"), x.ResponseBody, x.ResponseBodyDigest, maxBody),
	}
	if x.ResponseBodyWireSize > 0 && x.ResponseBodyDigest == nil {
		e.Response.BodySize = x.ResponseBodyWireSize
		e.Response.Content.Compression = e.Response.Content.Size - x.ResponseBodyWireSize
	}
	return e
}

func millis(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func httpVersion(proto string) string {
	if proto == "" {
		return "HTTP/1.1"
	}
	return proto
}

func bodySize(b []byte, d *Digest) int64 {
	if d != nil {
		return d.Size
	}
	return int64(len(b))
}

// secretHeaders are the request and response headers whose values are
// credentials, in canonical form.
var secretHeaders = map[string]bool{
	"X-Chatworktoken":     true,
	"Authorization":       true,
	"Proxy-Authorization": true,
	"Cookie":              true,
	"Set-Cookie":          true,
}

// IsSecretName reports whether a query parameter or form field called
// name holds a credential, by the words in its name.
func IsSecretName(name string) bool {
	n := strings.ToLower(name)
	for _, w := range []string{"token", "secret", "password", "passwd", "signature", "apikey", "api_key", "auth", "session", "credential"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

func headers(h http.Header, host string) []NameValue {
	out := []NameValue{}
	if host != "" && h.Get("Host") == "" {
		out = append(out, NameValue{Name: "Host", Value: host})
	}
	for _, name := range slices.Sorted(maps.Keys(h)) {
		for _, v := range h[name] {
			if secretHeaders[http.CanonicalHeaderKey(name)] {
				v = Redacted
			}
			out = append(out, NameValue{Name: name, Value: v})
		}
	}
	return out
}

func cookies(cs []*http.Cookie) []Cookie {
	out := []Cookie{}
	for _, c := range cs {
		out = append(out, Cookie{Name: c.Name, Value: Redacted, Path: c.Path, Domain: c.Domain, HTTPOnly: c.HttpOnly, Secure: c.Secure})
	}
	return out
}

// redactURL returns a copy of u whose query values of secret names are
// Redacted; the rest of the query is kept byte for byte, repeated keys
// and order included.
func redactURL(u *url.URL) *url.URL {
	c := *u
	c.User = nil
	c.RawQuery = redactQuery(u.RawQuery)
	return &c
}

func redactQuery(raw string) string {
	if raw == "" {
		return ""
	}
	parts := strings.Split(raw, "&")
	for i, p := range parts {
		k, _, _ := strings.Cut(p, "=")
		name, err := url.QueryUnescape(k)
		if err != nil {
			name = k
		}
		if IsSecretName(name) {
			parts[i] = k + "=" + Redacted
		}
	}
	return strings.Join(parts, "&")
}

func queryString(raw string) []NameValue {
	out := []NameValue{}
	for p := range strings.SplitSeq(raw, "&") {
		if p == "" {
			continue
		}
		k, v, _ := strings.Cut(p, "=")
		name, err := url.QueryUnescape(k)
		if err != nil {
			name = k
		}
		value, err := url.QueryUnescape(v)
		if err != nil {
			value = v
		}
		out = append(out, NameValue{Name: name, Value: value})
	}
	return out
}

func mediaType(ct string) (string, map[string]string) {
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return strings.ToLower(strings.TrimSpace(ct)), nil
	}
	return mt, params
}

func elided(d Digest) string {
	return fmt.Sprintf("elided: %d bytes, sha256 %s", d.Size, d.SHA256)
}

// postData records a request body: as text, with the secret fields of a
// form redacted, up to maxBody; above it, the fields of a form with file
// parts elided, or nothing but the digest.
func postData(ct string, body []byte, d *Digest, maxBody int64) *PostData {
	pd := &PostData{MimeType: ct}
	mt, params := mediaType(ct)
	if d != nil || int64(len(body)) > maxBody {
		dg := DigestOf(body)
		if d != nil {
			dg = *d
		}
		if d == nil && mt == "multipart/form-data" {
			if ps, ok := multipartParams(body, params["boundary"], maxBody); ok {
				pd.Params = ps
				pd.Comment = "body of " + strconv.FormatInt(dg.Size, 10) + " bytes recorded as its parts"
				return pd
			}
		}
		pd.Size, pd.SHA256, pd.Comment = dg.Size, dg.SHA256, elided(dg)
		return pd
	}
	if mt == "application/x-www-form-urlencoded" {
		pd.Text = redactQuery(string(body))
		for _, nv := range queryString(pd.Text) {
			pd.Params = append(pd.Params, Param{Name: nv.Name, Value: nv.Value})
		}
		return pd
	}
	pd.Text, pd.Encoding = text(body)
	return pd
}

// multipartParams lists the parts of a multipart body: fields with their
// value (secret ones redacted), file parts with their content up to
// maxBody, else elided.
func multipartParams(body []byte, boundary string, maxBody int64) ([]Param, bool) {
	if boundary == "" {
		return nil, false
	}
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	var out []Param
	for {
		p, err := mr.NextPart()
		if err == io.EOF { //nolint:errorlint // NextPart returns io.EOF itself at the closing boundary
			return out, true
		}
		if err != nil {
			return nil, false
		}
		b, err := io.ReadAll(p)
		if err != nil {
			return nil, false
		}
		pr := Param{Name: p.FormName(), FileName: p.FileName(), ContentType: p.Header.Get("Content-Type")}
		switch {
		case IsSecretName(pr.Name):
			pr.Value = Redacted
		case int64(len(b)) > maxBody || !utf8.Valid(b):
			pr.Comment = elided(DigestOf(b))
		default:
			pr.Value = string(b)
		}
		out = append(out, pr)
	}
}

// text returns b as HAR text: itself when it is UTF-8, else base64.
func text(b []byte) (string, string) {
	if utf8.Valid(b) {
		return string(b), ""
	}
	return base64.StdEncoding.EncodeToString(b), "base64"
}

func content(ct string, body []byte, d *Digest, maxBody int64) Content {
	c := Content{MimeType: ct, Size: bodySize(body, d)}
	if c.MimeType == "" {
		c.MimeType = "x-unknown"
	}
	if d != nil || int64(len(body)) > maxBody {
		dg := DigestOf(body)
		if d != nil {
			dg = *d
		}
		c.SHA256, c.Comment = dg.SHA256, elided(dg)
		return c
	}
	c.Text, c.Encoding = text(body)
	return c
}

// ErrElided is returned by Entry.HTTPRequest and Entry.HTTPResponse, with
// the values they could rebuild, when the body was elided: its bytes are
// not in the file.
var ErrElided = errors.New("har: the body was elided")

// HTTPRequest rebuilds the request of e and returns it with its body
// (also readable from its Body). HTTP/2 pseudo-headers (":authority")
// are dropped. A body recorded as parts is rebuilt from them, with
// "(elided)" for elided file contents; a body elided whole gives a nil
// body and an error wrapping ErrElided.
func (e *Entry) HTTPRequest() (*http.Request, []byte, error) {
	r := e.Request
	u, err := url.Parse(r.URL)
	if err != nil {
		return nil, nil, fmt.Errorf("har: request URL: %w", err)
	}
	req := &http.Request{
		Method: r.Method, URL: u, Host: u.Host, Header: http.Header{},
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Body: http.NoBody,
	}
	for _, h := range r.Headers {
		if strings.HasPrefix(h.Name, ":") {
			continue
		}
		if strings.EqualFold(h.Name, "Host") {
			req.Host = h.Value
			continue
		}
		req.Header.Add(h.Name, h.Value)
	}
	var body []byte
	if pd := r.PostData; pd != nil {
		if pd.MimeType != "" && req.Header.Get("Content-Type") == "" {
			req.Header.Set("Content-Type", pd.MimeType)
		}
		switch {
		case pd.Text != "" && pd.Encoding == "base64":
			body, err = base64.StdEncoding.DecodeString(pd.Text)
			if err != nil {
				return nil, nil, fmt.Errorf("har: postData: %w", err)
			}
		case pd.Text != "":
			body = []byte(pd.Text)
		case len(pd.Params) > 0:
			var ct string
			body, ct = paramsBody(req.Header.Get("Content-Type"), pd.Params)
			req.Header.Set("Content-Type", ct)
		case pd.SHA256 != "":
			err = fmt.Errorf("%w (%s)", ErrElided, pd.Comment)
		}
	}
	if body != nil {
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.ContentLength = int64(len(body))
	}
	return req, body, err
}

// paramsBody encodes params as a body of the media type of ct, and returns
// it with the Content-Type to send it with.
func paramsBody(ct string, params []Param) ([]byte, string) {
	mt, mp := mediaType(ct)
	if mt != "multipart/form-data" {
		var parts []string
		for _, p := range params {
			parts = append(parts, url.QueryEscape(p.Name)+"="+url.QueryEscape(p.Value))
		}
		return []byte(strings.Join(parts, "&")), "application/x-www-form-urlencoded"
	}
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	if mp["boundary"] != "" {
		_ = mw.SetBoundary(mp["boundary"]) // an invalid one keeps the random boundary
	}
	for _, p := range params {
		h := textproto.MIMEHeader{}
		disp := "form-data; name=" + strconv.Quote(p.Name)
		if p.FileName != "" {
			disp += "; filename=" + strconv.Quote(p.FileName)
		}
		h.Set("Content-Disposition", disp)
		if p.ContentType != "" {
			h.Set("Content-Type", p.ContentType)
		}
		w, _ := mw.CreatePart(h) // writes to a bytes.Buffer cannot fail
		v := p.Value
		if v == "" && p.Comment != "" {
			v = "(elided)"
		}
		_, _ = io.WriteString(w, v)
	}
	_ = mw.Close()
	return b.Bytes(), mw.FormDataContentType()
}

// HTTPResponse rebuilds the response of e and returns it with its body. A
// body elided whole gives a nil body and an error wrapping ErrElided.
// Status 0 (no answer) gives a nil response.
func (e *Entry) HTTPResponse() (*http.Response, []byte, error) {
	r := e.Response
	if r.Status == 0 {
		return nil, nil, nil
	}
	resp := &http.Response{StatusCode: r.Status, Header: http.Header{}, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1}
	for _, h := range r.Headers {
		if !strings.HasPrefix(h.Name, ":") {
			resp.Header.Add(h.Name, h.Value)
		}
	}
	c := r.Content
	var body []byte
	var err error
	switch {
	case c.Text != "" && c.Encoding == "base64":
		body, err = base64.StdEncoding.DecodeString(c.Text)
		if err != nil {
			return nil, nil, fmt.Errorf("har: content: %w", err)
		}
	case c.Text != "":
		body = []byte(c.Text)
	case c.SHA256 != "":
		err = fmt.Errorf("%w (%s)", ErrElided, c.Comment)
	}
	if resp.Header.Get("Content-Type") == "" && c.MimeType != "" && c.MimeType != "x-unknown" && len(body) > 0 {
		resp.Header.Set("Content-Type", c.MimeType)
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	return resp, body, err
}
