package wire

import (
	"bytes"
	"fmt"
	"strconv"
	"time"
)

// UnixTime is a time that travels as an integer number of Unix seconds, as
// every time of the Chatwork API does (send_time, update_time, limit_time,
// upload_time, last_update_time, webhook_event_time).
//
// It embeds [time.Time], so every method of time.Time applies to it
// (t.Format, t.Before, t.In, t.IsZero) and t.Time is the plain value. Times
// read from the wire are in UTC.
//
// Chatwork sends 0 for "never": a message never edited, a task without a
// deadline. 0 reads as the zero time, so IsZero reports it, and the zero
// time is written as 0.
//
// UnixTime is for JSON and text; it is not used in form bodies, where
// generic encoders print a value with its String method (time.Time's).
type UnixTime struct {
	time.Time
}

// Unix returns the time sec Unix seconds, in UTC; 0 gives the zero time.
func Unix(sec int64) UnixTime {
	if sec == 0 {
		return UnixTime{}
	}
	return UnixTime{time.Unix(sec, 0).UTC()}
}

// TimeOf returns t as a UnixTime, truncated to the second.
func TimeOf(t time.Time) UnixTime {
	if t.IsZero() {
		return UnixTime{}
	}
	return Unix(t.Unix())
}

// Seconds returns the wire value: Unix seconds, 0 for the zero time.
func (t UnixTime) Seconds() int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

// MarshalJSON writes the time as a JSON integer of Unix seconds.
func (t UnixTime) MarshalJSON() ([]byte, error) {
	return strconv.AppendInt(nil, t.Seconds(), 10), nil
}

// UnmarshalJSON reads a JSON integer of Unix seconds. null leaves the time
// unchanged, as encoding/json does for other types.
func (t *UnixTime) UnmarshalJSON(p []byte) error {
	if bytes.Equal(p, []byte("null")) {
		return nil
	}
	return t.UnmarshalText(p)
}

// MarshalText writes the time as decimal Unix seconds.
func (t UnixTime) MarshalText() ([]byte, error) { return t.MarshalJSON() }

// UnmarshalText reads decimal Unix seconds.
func (t *UnixTime) UnmarshalText(p []byte) error {
	sec, err := strconv.ParseInt(string(p), 10, 64)
	if err != nil {
		return fmt.Errorf("wire: invalid Unix time %q: want an integer number of seconds", p)
	}
	*t = Unix(sec)
	return nil
}
