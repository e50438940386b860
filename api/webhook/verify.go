package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// Errors returned by [Verify], [ParseRequest] and [NewHandler]. They never
// include a token or the expected signature.
var (
	// ErrNoSignature means the request carries no signature.
	ErrNoSignature = errors.New("webhook: no signature")
	// ErrBadSignature means the signature matches none of the tokens.
	ErrBadSignature = errors.New("webhook: signature mismatch")
	// ErrMalformedToken means a token is empty or not standard base64.
	ErrMalformedToken = errors.New("webhook: malformed token (not base64)")
	// ErrNoToken means no token was given.
	ErrNoToken = errors.New("webhook: no token")
)

// Sign returns the signature Chatwork would send with body for a webhook
// whose token is token. It is meant for tests of code that receives
// webhooks; see also [NewRequest].
func Sign(body []byte, token string) (string, error) {
	key, err := decodeToken(token)
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(mac(key, body)), nil
}

// Verify reports whether signature is the signature of body under one of
// tokens. It returns nil on a match, [ErrNoSignature] if signature is
// empty, [ErrNoToken] if no token is given, an error wrapping
// [ErrMalformedToken] if any token is malformed, and [ErrBadSignature]
// otherwise.
//
// body must be the request body exactly as received. The comparison takes
// constant time. Spaces in signature are read as '+', undoing the damage
// of decoding the query parameter as form data (see [RequestSignature]).
func Verify(body []byte, signature string, tokens ...string) error {
	if signature == "" {
		return ErrNoSignature
	}
	keys, err := decodeTokens(tokens)
	if err != nil {
		return err
	}
	return verify(body, signature, keys)
}

func verify(body []byte, signature string, keys [][]byte) error {
	if signature == "" {
		return ErrNoSignature
	}
	signature = strings.TrimSpace(signature)
	if len(signature) > 2*base64.StdEncoding.EncodedLen(sha256.Size) {
		return ErrBadSignature // not worth decoding
	}
	// Base64 has no space, so a space can only be a '+' lost to form
	// decoding.
	got, err := base64.StdEncoding.Strict().DecodeString(strings.ReplaceAll(signature, " ", "+"))
	if err != nil || len(got) != sha256.Size {
		return ErrBadSignature
	}
	for _, key := range keys {
		if hmac.Equal(mac(key, body), got) {
			return nil
		}
	}
	return ErrBadSignature
}

func mac(key, body []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(body)
	return m.Sum(nil)
}

func decodeToken(token string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(token))
	if err != nil || len(key) == 0 {
		return nil, ErrMalformedToken
	}
	return key, nil
}

func decodeTokens(tokens []string) ([][]byte, error) {
	if len(tokens) == 0 {
		return nil, ErrNoToken
	}
	keys := make([][]byte, len(tokens))
	for i, t := range tokens {
		k, err := decodeToken(t)
		if err != nil {
			return nil, fmt.Errorf("%w: token #%d of %d", err, i+1, len(tokens))
		}
		keys[i] = k
	}
	return keys, nil
}
