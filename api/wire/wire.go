// Package wire holds the value types of Chatwork's wire format that generic
// encoders get wrong: comma-joined ID lists and 0/1 flags in form bodies and
// query strings, and times as integer Unix seconds in JSON.
//
// Package gen uses them for every ID list, flag and time of the spec
// (through the x-go-type extension), so its typed request methods put the
// right bytes on the wire (members_admin_ids=1%2C2%2C3 rather than
// members_admin_ids[0]=1, self_unread=1 rather than self_unread=true) and
// its models hold times as times ([UnixTime] embeds time.Time). Package api
// uses plain []int64, bool and time.Time in its params structs and converts
// with [JoinIDs], [FlagOf] and [TimeOf].
package wire

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// IDs is the wire form of a list of IDs: decimal numbers joined by commas,
// such as "123,542,1001". The empty value means "no IDs" and is left out of
// form bodies.
type IDs string

// JoinIDs returns the wire form of ids.
func JoinIDs(ids ...int64) IDs {
	if len(ids) == 0 {
		return ""
	}
	b := make([]byte, 0, len(ids)*11)
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, id, 10)
	}
	return IDs(b)
}

// Int64s parses the list. The empty value gives an empty list.
func (s IDs) Int64s() ([]int64, error) {
	if s == "" {
		return nil, nil
	}
	parts := strings.Split(string(s), ",")
	ids := make([]int64, 0, len(parts))
	for _, p := range parts {
		id, err := strconv.ParseInt(strings.TrimSpace(p), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("wire: invalid ID %q in list %q", p, string(s))
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// Flag is a Chatwork flag, sent as "0" or "1". The API reads neither "true"
// nor "false".
type Flag bool

// FlagOf returns a pointer to the flag b, for optional flag fields.
func FlagOf(b bool) *Flag {
	f := Flag(b)
	return &f
}

// String returns "1" or "0". Form encoding uses it.
func (f Flag) String() string {
	if f {
		return "1"
	}
	return "0"
}

// MarshalText returns "1" or "0". Query encoding uses it.
func (f Flag) MarshalText() ([]byte, error) { return []byte(f.String()), nil }

// UnmarshalText reads "1" or "0" (and, leniently, "true" or "false").
func (f *Flag) UnmarshalText(p []byte) error {
	switch string(p) {
	case "1", "true":
		*f = true
	case "0", "false":
		*f = false
	default:
		return fmt.Errorf("wire: invalid flag %q: want 0 or 1", p)
	}
	return nil
}

// MarshalJSON writes the flag as the JSON number 0 or 1.
func (f Flag) MarshalJSON() ([]byte, error) { return []byte(f.String()), nil }

// UnmarshalJSON reads the JSON numbers 0 and 1 and the booleans.
func (f *Flag) UnmarshalJSON(p []byte) error {
	if len(p) == 0 {
		return errors.New("wire: empty flag")
	}
	return f.UnmarshalText(p)
}
