// Package har reads and writes HAR 1.2 files (HTTP Archive, the format in
// which browsers' developer tools, mitmproxy, Charles and Postman save
// captured traffic), with the credentials of the Chatwork API redacted.
//
// It is the file format of package conformance: `chatwork proxy --record`
// writes HAR files with a Writer, and `chatwork conformance check` reads
// them with Read and validates every exchange. Entry.HTTPRequest and
// Entry.HTTPResponse turn an entry back into net/http values.
//
// Only the fields of HAR 1.2 that describe an exchange are modelled; other
// fields of a file being read (pages, custom fields starting with "_") are
// ignored. Fields this package adds are prefixed with "_", as HAR 1.2
// allows: "_encoding" on postData, whose text is then base64, and
// "_size" and "_sha256" on elided contents.
//
// # Redaction
//
// NewEntry never writes a credential: the X-ChatWorkToken, Authorization,
// Proxy-Authorization, Cookie and Set-Cookie headers, every cookie value,
// and the value of every query parameter or form field whose name suggests
// a credential (token, secret, password, signature, code, key) are replaced
// by REDACTED. Bodies larger than the size limit are elided: their text is
// left out and the comment gives their length and SHA-256.
//
// This package depends on the standard library only.
package har

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
)

// Version is the HAR version this package writes.
const Version = "1.2"

// HAR is a whole HAR file.
type HAR struct {
	Log Log `json:"log"`
}

// Log is the root object of a HAR file.
type Log struct {
	Version string  `json:"version"`
	Creator Creator `json:"creator"`
	Entries []Entry `json:"entries"`
	Comment string  `json:"comment,omitempty"`
}

// Creator names the program that wrote the file.
type Creator struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Entry is one exchange: a request and its response.
type Entry struct {
	StartedDateTime string   `json:"startedDateTime"` // RFC 3339 with milliseconds
	Time            float64  `json:"time"`            // milliseconds
	Request         Request  `json:"request"`
	Response        Response `json:"response"`
	Cache           struct{} `json:"cache"`
	Timings         Timings  `json:"timings"`
	ServerIPAddress string   `json:"serverIPAddress,omitempty"`
	Comment         string   `json:"comment,omitempty"`
}

// Request is the request of an entry.
type Request struct {
	Method      string      `json:"method"`
	URL         string      `json:"url"`
	HTTPVersion string      `json:"httpVersion"`
	Cookies     []Cookie    `json:"cookies"`
	Headers     []NameValue `json:"headers"`
	QueryString []NameValue `json:"queryString"`
	PostData    *PostData   `json:"postData,omitempty"`
	HeadersSize int64       `json:"headersSize"`
	BodySize    int64       `json:"bodySize"`
	Comment     string      `json:"comment,omitempty"`
}

// Response is the response of an entry. Status 0 marks a request that got
// no answer (browsers write such entries for aborted requests).
type Response struct {
	Status      int         `json:"status"`
	StatusText  string      `json:"statusText"`
	HTTPVersion string      `json:"httpVersion"`
	Cookies     []Cookie    `json:"cookies"`
	Headers     []NameValue `json:"headers"`
	Content     Content     `json:"content"`
	RedirectURL string      `json:"redirectURL"`
	HeadersSize int64       `json:"headersSize"`
	BodySize    int64       `json:"bodySize"`
	Comment     string      `json:"comment,omitempty"`
}

// NameValue is a header or a query parameter.
type NameValue struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Cookie is a cookie of a request or a response.
type Cookie struct {
	Name     string `json:"name"`
	Value    string `json:"value"`
	Path     string `json:"path,omitempty"`
	Domain   string `json:"domain,omitempty"`
	Expires  string `json:"expires,omitempty"`
	HTTPOnly bool   `json:"httpOnly,omitempty"`
	Secure   bool   `json:"secure,omitempty"`
}

// PostData is the body of a request. Text holds the body as it was sent
// (base64 when Encoding is "base64"); Params its fields, for forms whose
// text was not recorded, as some tools write them.
type PostData struct {
	MimeType string  `json:"mimeType"`
	Params   []Param `json:"params,omitempty"`
	Text     string  `json:"text"`
	Encoding string  `json:"_encoding,omitempty"`
	Size     int64   `json:"_size,omitempty"`   // the body's length when Text is elided
	SHA256   string  `json:"_sha256,omitempty"` // its SHA-256, hex, when Text is elided
	Comment  string  `json:"comment,omitempty"`
}

// Param is a field of a form body (a multipart part when FileName is set).
type Param struct {
	Name        string `json:"name"`
	Value       string `json:"value,omitempty"`
	FileName    string `json:"fileName,omitempty"`
	ContentType string `json:"contentType,omitempty"`
	Comment     string `json:"comment,omitempty"`
}

// Content is the body of a response. Text is base64 when Encoding is
// "base64"; it is empty and SHA256 set when the body was elided.
type Content struct {
	Size int64 `json:"size"`
	// Compression is the number of bytes the Content-Encoding saved:
	// Size less the response's BodySize.
	Compression int64  `json:"compression,omitempty"`
	MimeType    string `json:"mimeType"`
	Text        string `json:"text,omitempty"`
	Encoding    string `json:"encoding,omitempty"`
	SHA256      string `json:"_sha256,omitempty"`
	Comment     string `json:"comment,omitempty"`
}

// Timings are the phases of an entry, in milliseconds; -1 where unknown.
type Timings struct {
	Send    float64 `json:"send"`
	Wait    float64 `json:"wait"`
	Receive float64 `json:"receive"`
}

// Read decodes a HAR file. It fails on what is not JSON or has no
// log.entries.
func Read(r io.Reader) (*HAR, error) {
	var raw struct {
		Log *struct {
			Log
			Entries *[]Entry `json:"entries"`
		} `json:"log"`
	}
	if err := json.NewDecoder(r).Decode(&raw); err != nil {
		return nil, fmt.Errorf("har: not a HAR file: %w", err)
	}
	if raw.Log == nil || raw.Log.Entries == nil {
		return nil, fmt.Errorf("har: not a HAR file: no log.entries")
	}
	h := &HAR{Log: raw.Log.Log}
	h.Log.Entries = *raw.Log.Entries
	return h, nil
}

// ReadFile reads the HAR file at path.
func ReadFile(path string) (*HAR, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	h, err := Read(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return h, nil
}
