package api

import (
	"strings"
	"unicode/utf8"

	"github.com/chatwork-go/chatwork/api/wire"
	"github.com/chatwork-go/chatwork/internal/limits"
)

// Limits of the API, checked before a request is sent, as openapi.yaml
// states them.
const (
	MaxMessageLength  = limits.MessageLength  // characters in a message or task body
	MaxRoomNameLength = limits.RoomNameLength // characters in a room name
	MaxLinkCodeLength = limits.LinkCodeLength // characters in an invitation link code
	MaxUploadSize     = limits.UploadBytes    // bytes in an uploaded file (5 MB)
)

func checkID(field string, id int64) error {
	if id <= 0 {
		return invalid(field, "must be a positive ID, got %d", id)
	}
	return nil
}

// checkMessageID checks a message ID: a string of at most
// limits.MessageIDLength digits.
func checkMessageID(id string) error {
	const field = "message_id"
	if id == "" {
		return invalid(field, "is empty")
	}
	if len(id) > limits.MessageIDLength {
		return invalid(field, "%q is too long for a message ID", truncate(id))
	}
	for i := 0; i < len(id); i++ {
		if id[i] < '0' || id[i] > '9' {
			return invalid(field, "%q is not a string of digits", truncate(id))
		}
	}
	return nil
}

// checkMessageRef checks a message ID that names a message, as a request
// parameter or in a result: digits as for checkMessageID, and neither 0
// nor with a leading zero, which no message has. ("0" is only the mark of
// a watcher that has seen nothing yet.)
func checkMessageRef(id string) error {
	if err := checkMessageID(id); err != nil {
		return err
	}
	if id[0] == '0' {
		return invalid("message_id", "%q is not a message ID: IDs are positive and have no leading zero", id)
	}
	return nil
}

func checkText(field, s string, minLen, maxLen int) error {
	if err := checkString(field, s); err != nil {
		return err
	}
	n := utf8.RuneCountInString(s)
	switch {
	case n < minLen && n == 0:
		return invalid(field, "is empty")
	case n < minLen:
		return invalid(field, "has %d characters, want at least %d", n, minLen)
	case n > maxLen:
		return invalid(field, "has %d characters, the limit is %d", n, maxLen)
	}
	return nil
}

// checkString refuses what no text field can carry: invalid UTF-8, which
// the API would mangle or refuse, and NUL, which ends strings in the
// systems behind it.
func checkString(field, s string) error {
	if !utf8.ValidString(s) {
		return invalid(field, "is not valid UTF-8")
	}
	if i := strings.IndexByte(s, 0); i >= 0 {
		return invalid(field, "contains a NUL byte at offset %d", i)
	}
	return nil
}

func checkBody(field, s string) error { return checkText(field, s, 1, MaxMessageLength) }

func checkLinkCode(field, code string) error {
	if code == "" || len(code) > MaxLinkCodeLength {
		return invalid(field, "must be 1 to %d characters, got %d", MaxLinkCodeLength, len(code))
	}
	for i := 0; i < len(code); i++ {
		c := code[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return invalid(field, "%q may contain only A-Z, a-z, 0-9, _ and -", truncate(code))
		}
	}
	return nil
}

// idList checks a list of account IDs and returns its wire form.
func idList(field string, ids []int64, required bool) (wire.IDs, error) {
	if required && len(ids) == 0 {
		return "", invalid(field, "needs at least one account ID")
	}
	for _, id := range ids {
		if id <= 0 {
			return "", invalid(field, "contains %d, not a positive account ID", id)
		}
	}
	return wire.JoinIDs(ids...), nil
}

type validEnum interface {
	~string
	Valid() bool
}

func checkEnum[E validEnum](field string, v E) error {
	if !v.Valid() {
		return invalid(field, "%q is not one of the API's values", truncate(string(v)))
	}
	return nil
}

// optionalID checks an optional ID filter: 0 means unset (nil).
func optionalID(field string, id int64) (*int64, error) {
	if id == 0 {
		return nil, nil
	}
	if err := checkID(field, id); err != nil {
		return nil, err
	}
	return &id, nil
}

// optionalEnum checks an optional enum filter: "" means unset (nil).
func optionalEnum[E validEnum](field string, v E) (*E, error) {
	if v == "" {
		return nil, nil
	}
	if err := checkEnum(field, v); err != nil {
		return nil, err
	}
	return &v, nil
}

// truncate shortens s for an error message, keeping it valid UTF-8.
func truncate(s string) string {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}
