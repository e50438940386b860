package webhook

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// Where Chatwork puts the signature. Both carry the same value.
const (
	SignatureHeader = "X-ChatWorkWebhookSignature"
	SignatureParam  = "chatwork_webhook_signature"
)

// DefaultMaxBodySize is the largest body [ParseRequest] and, unless
// changed with [WithMaxBodySize], [Handler] read: 1 MiB.
const DefaultMaxBodySize = 1 << 20

// RequestSignature returns the signature of a webhook request: the
// X-ChatWorkWebhookSignature header if present, else the
// chatwork_webhook_signature query parameter, else "".
//
// The query parameter is read from the raw query and unescaped without
// turning '+' into a space, as url.Values would: base64 signatures contain
// '+'.
func RequestSignature(r *http.Request) string {
	if s := r.Header.Get(SignatureHeader); s != "" {
		return s
	}
	if r.URL == nil {
		return ""
	}
	for q := r.URL.RawQuery; q != ""; {
		var kv string
		kv, q, _ = strings.Cut(q, "&")
		k, v, _ := strings.Cut(kv, "=")
		if k != SignatureParam {
			if uk, err := url.PathUnescape(k); err != nil || uk != SignatureParam {
				continue
			}
		}
		if uv, err := url.PathUnescape(v); err == nil {
			return uv
		}
		return v // fails verification, as it should
	}
	return ""
}

// ParseRequest verifies a webhook request against tokens and decodes its
// event. It reads at most [DefaultMaxBodySize] bytes of the body and fails
// with an [*http.MaxBytesError] beyond that. Signature failures are
// reported as by [Verify]. It does not check the method or the event age;
// [Handler] does.
func ParseRequest(r *http.Request, tokens ...string) (*Event, error) {
	keys, err := decodeTokens(tokens)
	if err != nil {
		return nil, err
	}
	sig := RequestSignature(r)
	if sig == "" {
		return nil, ErrNoSignature
	}
	body, err := readBody(nil, r, DefaultMaxBodySize)
	if err != nil {
		return nil, err
	}
	if err := verify(body, sig, keys); err != nil {
		return nil, err
	}
	return Parse(body)
}

func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	return io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
}

// NewRequest returns a webhook delivery as Chatwork would send it: a POST
// of body to target with a JSON content type, signed with token in both
// the X-ChatWorkWebhookSignature header and the chatwork_webhook_signature
// query parameter. It is meant for tests and fake servers.
func NewRequest(ctx context.Context, target string, body []byte, token string) (*http.Request, error) {
	sig, err := Sign(body, token)
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(target)
	if err != nil {
		return nil, err
	}
	q := u.Query()
	q.Set(SignatureParam, sig)
	u.RawQuery = q.Encode()
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("User-Agent", "ChatWork-Webhook/1.0.0")
	r.Header.Set(SignatureHeader, sig)
	return r, nil
}
