package api

import (
	"net/http"
	"strconv"
	"time"
)

// Response is what a call tells besides its result: the status, the
// headers, the rate-limit state and the free plan's message limitation.
type Response struct {
	StatusCode int
	Header     http.Header

	// RateLimit is the account's rate-limit state after this call.
	RateLimit RateLimit

	// MessageLimited is true when the free plan hides part of the room's
	// history (on Messages.ListNew and ListLatest) or all of it (with an
	// empty list). LimitationSummary is Chatwork's prose about it.
	MessageLimited    bool
	LimitationSummary string
}

// RateLimit is the account's rate-limit state as the API reported it in
// the x-ratelimit-* headers.
type RateLimit struct {
	Limit     int       // requests allowed in the window (300 per 5 minutes today)
	Remaining int       // requests left in the window
	Reset     time.Time // when the window starts again
}

// IsZero reports whether no rate-limit state is known.
func (r RateLimit) IsZero() bool { return r.Limit == 0 && r.Remaining == 0 && r.Reset.IsZero() }

// parseRateLimit reads the x-ratelimit-* headers; ok is false when any is
// missing or malformed.
func parseRateLimit(h http.Header) (RateLimit, bool) {
	limit, err1 := strconv.Atoi(header(h, "X-Ratelimit-Limit"))
	remaining, err2 := strconv.Atoi(header(h, "X-Ratelimit-Remaining"))
	reset, err3 := strconv.ParseInt(header(h, "X-Ratelimit-Reset"), 10, 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return RateLimit{}, false
	}
	return RateLimit{Limit: limit, Remaining: remaining, Reset: time.Unix(reset, 0)}, true
}

func newResponse(resp *http.Response) *Response {
	r := &Response{StatusCode: resp.StatusCode, Header: resp.Header}
	r.RateLimit, _ = parseRateLimit(resp.Header)
	r.MessageLimited = header(resp.Header, "Chatwork-Message-Limitation") == "true"
	r.LimitationSummary = header(resp.Header, "Chatwork-Message-Limitation-Summary")
	return r
}

// header returns the first value of the header with the canonical name key.
// net/http canonicalises the names of received headers, so a map lookup
// finds them without the cost of Header.Get; Get covers other maps.
func header(h http.Header, key string) string {
	if v := h[key]; len(v) > 0 {
		return v[0]
	}
	return h.Get(key)
}
