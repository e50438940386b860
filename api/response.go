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

// parseRateLimit reads the x-ratelimit-* headers of an answer. It returns
// the zero RateLimit when any is missing, not a number, or not believable:
// a limit below 1, a remaining count outside 0..limit, or a reset more than
// the API's window plus a minute away (measured from the answer's Date header when it has
// one, so that a skewed local clock does not matter). A limit above
// maxHeaderLimit is clamped. So whatever a server sends, what comes out is
// small and sane.
func parseRateLimit(h http.Header) RateLimit {
	limit, err1 := strconv.ParseInt(header(h, "X-Ratelimit-Limit"), 10, 64)
	remaining, err2 := strconv.ParseInt(header(h, "X-Ratelimit-Remaining"), 10, 64)
	reset, err3 := strconv.ParseInt(header(h, "X-Ratelimit-Reset"), 10, 64)
	if err1 != nil || err2 != nil || err3 != nil || limit < 1 || remaining < 0 || remaining > limit {
		return RateLimit{}
	}
	if !resetBelievable(reset, time.Now()) {
		// Perhaps the local clock is off: judge by the server's.
		d := header(h, "Date")
		date, err := http.ParseTime(d)
		if d == "" || err != nil || !resetBelievable(reset, date) {
			return RateLimit{}
		}
	}
	limit = min(limit, maxHeaderLimit)
	return RateLimit{Limit: int(limit), Remaining: int(min(remaining, limit)), Reset: time.Unix(reset, 0)}
}

// resetBelievable reports whether a reset (Unix seconds) is within the
// API's window plus a minute of now.
func resetBelievable(reset int64, now time.Time) bool {
	return reset <= now.Add(apiWindow+resetSlack).Unix() && reset >= now.Add(-apiWindow-resetSlack).Unix()
}

func newResponse(resp *http.Response) *Response {
	r := &Response{StatusCode: resp.StatusCode, Header: resp.Header}
	r.RateLimit = parseRateLimit(resp.Header)
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
