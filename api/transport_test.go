package api_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/chatwork-go/chatwork/api"
	"github.com/chatwork-go/chatwork/api/apitest"
)

// TestDeadlineShorterThanTheWait: a call whose wait (pacing, or after a
// 429) cannot end before its context's deadline returns a *RateLimitError
// at once, with when the budget frees up, and sends nothing more; the
// allowance is the smaller of the maximum wait and the deadline.
func TestDeadlineShorterThanTheWait(t *testing.T) {
	for _, tc := range []struct {
		name     string
		pacing   bool          // the client paces rooms (else the fake's 429 comes)
		maxWait  time.Duration // WithMaxRateLimitWait
		deadline time.Duration // the context's
		refused  bool
	}{
		{"pacing, deadline first", true, time.Minute, 2 * time.Second, true},
		{"pacing, maximum wait first", true, time.Second, time.Minute, true},
		{"pacing, both long enough", true, time.Minute, time.Minute, false},
		{"after a 429, deadline first", false, time.Minute, 2 * time.Second, true},
		{"after a 429, maximum wait first", false, time.Second, time.Minute, true},
		{"after a 429, both long enough", false, time.Minute, time.Minute, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				opts := []api.Option{api.WithMaxRateLimitWait(tc.maxWait)}
				if !tc.pacing {
					opts = append(opts, api.WithRoomPostLimit(0, 0))
				}
				s, c := fakeClient(t, nil, opts...)
				room := groupRooms(s, 1)[0]
				for i := range roomLimit {
					if _, _, err := c.Messages.Post(t.Context(), room, fmt.Sprint(i), nil); err != nil {
						t.Fatal(err)
					}
				}
				ctx, cancel := context.WithTimeout(t.Context(), tc.deadline)
				defer cancel()
				start := time.Now()
				_, _, err := c.Messages.Post(ctx, room, "one more", nil)
				took := time.Since(start)
				want429 := 0
				if !tc.pacing {
					want429 = 1
				}
				if n := count429(s, 0); n != want429 {
					t.Errorf("%d 429s, want %d", n, want429)
				}
				if !tc.refused {
					if err != nil {
						t.Fatalf("err = %v after %v, want the post sent once the room frees up", err, took)
					}
					if took < roomWindow-time.Second || took > roomWindow+2*time.Second {
						t.Errorf("the post went after %v, want about the room's window %v", took, roomWindow)
					}
					return
				}
				var rle *api.RateLimitError
				if !errors.As(err, &rle) || !rle.PerRoom || ctx.Err() != nil {
					t.Fatalf("err = %v (context: %v), want a per-room *RateLimitError before the deadline", err, ctx.Err())
				}
				if took != 0 {
					t.Errorf("waited %v for a wait that could not end in time", took)
				}
				if d := rle.Reset.Sub(start); d < roomWindow-time.Second || d > roomWindow+time.Second {
					t.Errorf("reset in %v, want about the room's window %v", d, roomWindow)
				}
				if n := len(s.Messages(room)); n != roomLimit {
					t.Errorf("%d messages stored, want %d", n, roomLimit)
				}
			})
		})
	}
}

// TestAccountWaitAndDeadline: the same for the account's budget, whose
// wait after a 429 comes from the headers.
func TestAccountWaitAndDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, c := fakeClient(t, []apitest.Option{apitest.WithRateLimit(3, 30*time.Second)}, api.WithRateLimit(0, 0))
		for range 3 {
			if _, _, err := c.Me.Get(t.Context()); err != nil {
				t.Fatal(err)
			}
		}
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		start := time.Now()
		_, _, err := c.Me.Get(ctx)
		var rle *api.RateLimitError
		if !errors.As(err, &rle) || rle.PerRoom || rle.StatusCode != 429 {
			t.Fatalf("err = %v, want the account's 429 as a *RateLimitError", err)
		}
		if time.Since(start) != 0 {
			t.Errorf("waited %v", time.Since(start))
		}
		if d := rle.Reset.Sub(start); d < 29*time.Second || d > 32*time.Second {
			t.Errorf("reset in %v, want the fake's window", d)
		}
		if n := count429(s, 0); n != 1 {
			t.Errorf("%d 429s, want 1", n)
		}
	})
}
