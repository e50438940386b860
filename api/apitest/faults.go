package apitest

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"time"

	"github.com/chatwork-go/chatwork/internal/budgets"
)

// ErrConnectionDropped is the error that [Server.Transport] returns for a
// request whose connection a fault dropped (DropBeforeProcessing or
// DropAfterProcessing): no answer arrives.
var ErrConnectionDropped = errors.New("apitest: connection dropped")

// Kinds of rate-limit answer a [Fault] can give.
const (
	// RateLimitAccount answers as an account over its global budget:
	// 429 "Rate limit exceeded." with x-ratelimit-remaining 0.
	RateLimitAccount = "account"
	// RateLimitRoom answers as a room over its posting budget: 429 "Rate
	// limit for message posting per room exceeded.".
	RateLimitRoom = "room"
)

// A Fault changes how the server answers matching requests. See
// [Server.InjectFault]. A fault does one of: answer with Status, answer
// with a 429 of RateLimit's kind, drop the connection before or after
// processing; with none of them it only delays. Delay applies before any.
type Fault struct {
	// OperationID selects the operation, such as "postMessage"; empty
	// matches every operation.
	OperationID string `json:"operation_id,omitempty"`
	// Times is how many requests the fault applies to; 0 means no limit.
	Times int `json:"times,omitempty"`
	// Fraction, between 0 and 1, makes the fault apply to that share of
	// the matching requests, evenly spread from the first: 0.5 applies to
	// the 1st, 3rd, 5th…, 0.25 to the 1st, 5th, 9th…; 0 or 1 means every
	// matching request. Matching requests left alone do not count in
	// Times.
	Fraction float64 `json:"fraction,omitempty"`
	// Status, when not 0, answers with this status without processing the
	// request: with Body when it is set, else with a Chatwork error body
	// holding Message (by default the status text, such as "Service
	// Unavailable").
	Status  int    `json:"status,omitempty"`
	Message string `json:"message,omitempty"`
	// Body is the exact body of a Status answer, sent as JSON when it is
	// JSON and as text otherwise.
	Body string `json:"body,omitempty"`
	// RateLimit, RateLimitAccount or RateLimitRoom, answers with the 429
	// of that budget without processing the request.
	RateLimit string `json:"rate_limit,omitempty"`
	// Delay holds the request this long before it is processed (or
	// answered). The wait ends early, without processing, when the
	// request's context is done. Inside a synctest bubble the delay uses
	// the bubble's fake clock. In JSON it is delay_ms, in milliseconds.
	Delay time.Duration `json:"-"`
	// DropBeforeProcessing drops the connection without processing the
	// request: over TCP the connection is closed, and the in-memory
	// transport returns ErrConnectionDropped.
	DropBeforeProcessing bool `json:"drop_before_processing,omitempty"`
	// DropAfterProcessing processes and stores the request normally, then
	// drops the connection without an answer.
	DropAfterProcessing bool `json:"drop_after_processing,omitempty"`
}

// faultJSON is Fault on the wire: Delay in milliseconds.
type faultJSON struct {
	plainFault
	DelayMS int64 `json:"delay_ms,omitempty"`
}

type plainFault Fault

// MarshalJSON writes f as the control API shows it, with delay_ms.
func (f Fault) MarshalJSON() ([]byte, error) {
	return json.Marshal(faultJSON{plainFault(f), f.Delay.Milliseconds()})
}

// UnmarshalJSON reads f as the control API takes it, with delay_ms.
func (f *Fault) UnmarshalJSON(b []byte) error {
	var j faultJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*f = Fault(j.plainFault)
	f.Delay = time.Duration(j.DelayMS) * time.Millisecond
	return nil
}

// check refuses a fault that cannot apply.
func (s *Server) checkFault(f Fault) error {
	answers := 0
	for _, b := range []bool{f.Status != 0, f.RateLimit != "", f.DropBeforeProcessing, f.DropAfterProcessing} {
		if b {
			answers++
		}
	}
	_, known := s.router.ops[f.OperationID]
	switch {
	case f.OperationID != "" && !known:
		return fmt.Errorf("unknown operation %q", f.OperationID)
	case answers > 1:
		return errors.New("a fault has one of status, rate_limit, drop_before_processing and drop_after_processing")
	case f.Status != 0 && (f.Status < 100 || f.Status > 599):
		return fmt.Errorf("invalid status %d", f.Status)
	case f.Status == 0 && (f.Message != "" || f.Body != ""):
		return errors.New("a fault's message or body needs a status")
	case f.Message != "" && f.Body != "":
		return errors.New("a fault has a message or a body, not both")
	case f.RateLimit != "" && f.RateLimit != RateLimitAccount && f.RateLimit != RateLimitRoom:
		return fmt.Errorf("unknown rate_limit %q: %q or %q", f.RateLimit, RateLimitAccount, RateLimitRoom)
	case f.Times < 0 || f.Delay < 0 || math.IsNaN(f.Fraction) || f.Fraction < 0 || f.Fraction > 1:
		return errors.New("times and delay cannot be negative, and fraction is between 0 and 1")
	}
	return nil
}

// faultState is an injected fault with its counts.
type faultState struct {
	f       Fault
	seen    int // matching requests
	applied int
}

// InjectFault adds a fault. Faults apply after authentication, validation
// and the rate limits, so a faulted request has spent its budget. When
// several faults match a request, the one injected first applies. It
// panics on a fault that cannot apply (an unknown operation, two kinds of
// answer).
func (s *Server) InjectFault(f Fault) { must("InjectFault", struct{}{}, s.injectFault(f)) }

func (s *Server) injectFault(f Fault) error {
	if err := s.checkFault(f); err != nil {
		return err
	}
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	s.faults = append(s.faults, &faultState{f: f})
	return nil
}

// Faults returns the faults still active, in the order they apply, each
// with the Times it has left.
func (s *Server) Faults() []Fault {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	out := make([]Fault, len(s.faults))
	for i, fs := range s.faults {
		out[i] = fs.f
		if fs.f.Times > 0 {
			out[i].Times = fs.f.Times - fs.applied
		}
	}
	return out
}

// ClearFaults removes every fault.
func (s *Server) ClearFaults() {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	s.faults = nil
}

// takeFault returns the fault that applies to a request of the operation,
// counting it.
func (s *Server) takeFault(opID string) (Fault, bool) {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	for i, fs := range s.faults {
		if fs.f.OperationID != "" && fs.f.OperationID != opID {
			continue
		}
		fs.seen++
		if fr := fs.f.Fraction; fr > 0 && fr < 1 && float64(fs.applied) >= math.Ceil(float64(fs.seen)*fr-1e-9) {
			continue // this one is left alone
		}
		fs.applied++
		if fs.f.Times > 0 && fs.applied == fs.f.Times {
			s.faults = slices.Delete(s.faults, i, i+1)
		}
		return fs.f, true
	}
	return Fault{}, false
}

// Messages of the two 429s, from openapi.yaml (x-chatwork-rate-limits).
// Chatwork documents the per-room one; the account's is only what the fake
// sends, which the spec says (unverified).
const (
	msgRateLimited     = budgets.AccountError
	msgRoomRateLimited = budgets.RoomError
)

// faultAnswer writes the answer of a Status or RateLimit fault.
func faultAnswer(w http.ResponseWriter, info *reqInfo, f Fault, rt rate) {
	switch {
	case f.RateLimit == RateLimitAccount:
		rt.remaining = 0
		rt.setHeaders(w.Header())
		refuse(w, info, http.StatusTooManyRequests, "injected fault: account rate limit", msgRateLimited)
	case f.RateLimit == RateLimitRoom:
		refuse(w, info, http.StatusTooManyRequests, "injected fault: room rate limit", msgRoomRateLimited)
	case f.Body != "":
		info.reason = "injected fault: status " + http.StatusText(f.Status)
		ct := "text/plain; charset=utf-8"
		if json.Valid([]byte(f.Body)) {
			ct = jsonContentType
		}
		w.Header().Set("Content-Type", ct)
		w.WriteHeader(f.Status)
		_, _ = w.Write([]byte(f.Body))
	default:
		msg := f.Message
		if msg == "" {
			msg = http.StatusText(f.Status)
		}
		refuse(w, info, f.Status, "injected fault: "+msg, msg)
	}
}
