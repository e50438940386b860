// Package pacing is what a Limiter needs and nothing else: the interface
// package api paces its requests with, what an answer tells a Limiter, the
// budgets, and the in-memory limiter every api.Client uses unless told
// otherwise (NewLocal). Package redislimit builds a Limiter for several
// processes on it; a program that only calls the API needs none of it.
//
// The budgets are the spec's (openapi.yaml, extension
// x-chatwork-rate-limits): Chatwork returns them, read from code generated
// from the spec.
//
// A Limiter decides every wait of a call: before each attempt, and after
// a 429, whose wait is the Limiter's Wait for the retry. A wait that cannot
// end within the call's allowance (the smaller of its maximum wait and the
// time left before its context's deadline) is not begun: Wait returns a
// *WaitError at once, which package api reports as a *api.RateLimitError.
//
// It depends on no other package of this module but the generated budgets
// (enforced by internal/checks TestImportRules).
package pacing

import (
	"context"
	"fmt"
	"time"

	"github.com/chatwork-go/chatwork/internal/budgets"
)

// Limiter paces a client's requests to the API's budgets: the account's and
// each room's (see Chatwork). Implementations must be safe for concurrent
// use.
type Limiter interface {
	// Wait blocks until a request may be sent, and counts it. room is the
	// room whose posting budget the request spends (a message post or a
	// task creation), 0 for any other request. maxWait is the longest the
	// call may wait; the caller has already made it no longer than the
	// time left before ctx's deadline, and Wait takes that deadline into
	// account too. When the wait would be longer, Wait returns a
	// *WaitError at once; when ctx ends first, ctx's error.
	Wait(ctx context.Context, room int64, maxWait time.Duration) error

	// Observe is called once for each request Wait let through, when its
	// answer arrives or the request fails, with what the answer said.
	// After a 429, Wait must hold back the account's requests (or the
	// room's posts) until the limit resets: the client retries a 429 when
	// Wait lets it.
	Observe(room int64, o Observation)
}

// Observation is what an answer said about the budgets, checked by the
// client before any Limiter sees it.
type Observation struct {
	// StatusCode is the answer's status; 0 when the request failed without
	// one (it may still have reached the server).
	StatusCode int

	// Sent is when the request left, on this process's clock: when Wait
	// let it through.
	Sent time.Time

	// Limit, Remaining and Reset are the account's state from the
	// x-ratelimit-* headers, all zero when they were missing or not
	// believable. They are always small and sane: 1 <= Limit <= 1<<20,
	// 0 <= Remaining <= Limit, and Reset within the API's window (plus a
	// minute) of the answer. Reset is the server's clock, which may be off
	// from this process's.
	Limit, Remaining int
	Reset            time.Time

	// RoomLimited is true for a 429 from a room's posting limit, false for
	// one from the account's limit.
	RoomLimited bool
}

// HasRateLimit reports whether the answer told the account's state.
func (o Observation) HasRateLimit() bool { return o.Limit > 0 }

// Budgets are the rate limits a limiter paces to: Limit requests per
// Window for the account (0 turns that off) and RoomLimit message posts and
// task creations per RoomWindow for each room (0 turns that off). A
// RoomWindow of 0 is Chatwork's.
type Budgets struct {
	Limit      int
	Window     time.Duration
	RoomLimit  int
	RoomWindow time.Duration
}

// Chatwork returns the API's budgets as openapi.yaml states them.
func Chatwork() Budgets {
	return Budgets{Limit: budgets.AccountLimit, Window: budgets.AccountWindow, RoomLimit: budgets.RoomLimit, RoomWindow: budgets.RoomWindow}
}

// WaitError is the error of a Wait that would not end within the call's
// allowance: the request was not sent.
type WaitError struct {
	Reset   time.Time     // when the budget frees up
	PerRoom bool          // the room's posting budget holds the request, not the account's
	Allowed time.Duration // how long the call could still wait
}

// Error says when the budget frees up.
func (e *WaitError) Error() string {
	return fmt.Sprintf("not sent: the budget frees up at %s, beyond the %v the call may still wait",
		e.Reset.UTC().Format(time.RFC3339), e.Allowed)
}

// Allowance is how long a call with maxWait left may wait under ctx: the
// smaller of maxWait and the time left before ctx's deadline, never
// negative.
func Allowance(ctx context.Context, maxWait time.Duration) time.Duration {
	if dl, ok := ctx.Deadline(); ok {
		maxWait = min(maxWait, time.Until(dl))
	}
	return max(maxWait, 0)
}
