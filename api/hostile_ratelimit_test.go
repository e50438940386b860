package api_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/chatwork-go/chatwork/api"
	"github.com/chatwork-go/chatwork/api/apitest"
)

func rateHeadersOf(w http.ResponseWriter, limit, remaining, reset string) {
	w.Header().Set("X-Ratelimit-Limit", limit)
	w.Header().Set("X-Ratelimit-Remaining", remaining)
	w.Header().Set("X-Ratelimit-Reset", reset)
}

func unixIn(d time.Duration) string { return strconv.FormatInt(time.Now().Add(d).Unix(), 10) }

const meJSON = `{"account_id":1,"room_id":2,"name":"a","chatwork_id":"","organization_id":0,"organization_name":"","department":"","title":"","url":"","introduction":"","mail":"","tel_organization":"","tel_extension":"","tel_mobile":"","skype":"","facebook":"","twitter":"","avatar_image_url":"","login_mail":""}`

// TestRateLimitHeadersCostBoundedMemory: whatever the x-ratelimit-*
// headers say (huge, negative or not numbers), the client's memory stays bounded and the
// calls go on without waiting.
func TestRateLimitHeadersCostBoundedMemory(t *testing.T) {
	for _, limit := range []string{"2147483647", "9223372036854775807", "100000000", "10000000", "-5", "0", "abc", "1e9", "99999999999999999999999"} {
		for _, remaining := range []string{limit, "-1", "garbage"} {
			t.Run(limit+"/"+remaining, func(t *testing.T) {
				c := newTestClient(t, testToken, handlerTransport{func(w http.ResponseWriter, r *http.Request) {
					rateHeadersOf(w, limit, remaining, unixIn(time.Minute))
					w.Header().Set("Content-Type", "application/json")
					_, _ = w.Write([]byte(meJSON))
				}}, api.WithMaxRateLimitWait(0)) // any pacing wait would be an error
				var before, after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				for i := range 20 {
					if _, _, err := c.Me.Get(t.Context()); err != nil {
						t.Fatalf("call %d: %v", i, err)
					}
				}
				runtime.ReadMemStats(&after)
				if grew := after.TotalAlloc - before.TotalAlloc; grew > 16<<20 {
					t.Errorf("20 calls allocated %d MiB", grew>>20)
				}
			})
		}
	}
}

// TestClientLivesWithTheFakeWithoutLimits: the fake without rate limits
// sends headers a default client can live with (bounded memory, no wait).
func TestClientLivesWithTheFakeWithoutLimits(t *testing.T) {
	s, c := fakeClient(t, []apitest.Option{apitest.WithoutRateLimits()})
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := range 500 {
		if _, _, err := c.Me.Get(t.Context()); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	runtime.ReadMemStats(&after)
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<20 {
		t.Errorf("500 calls allocated %d MiB", grew>>20)
	}
	if n := len(s.Requests()); n != 500 {
		t.Errorf("%d requests reached the fake", n)
	}
}

// TestNoCallWaitsPastTheMaximum: a budget spent until
// far ahead, a reset in the year 2100 or a low limit never hold a call
// beyond the maximum wait; a wait that would be longer returns a
// *RateLimitError at once.
func TestNoCallWaitsPastTheMaximum(t *testing.T) {
	const maxWait = 30 * time.Second
	answer := func(status int, limit, remaining, reset func() string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			rateHeadersOf(w, limit(), remaining(), reset())
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			if status == http.StatusTooManyRequests {
				_, _ = w.Write([]byte(`{"errors":["Rate limit exceeded."]}`))
				return
			}
			_, _ = w.Write([]byte(meJSON))
		}
	}
	is := func(s string) func() string { return func() string { return s } }
	in := func(d time.Duration) func() string { return func() string { return unixIn(d) } }
	year2100 := is(strconv.FormatInt(time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC).Unix(), 10))

	for name, h := range map[string]http.HandlerFunc{
		"200 spent until 1h ahead":    answer(200, is("300"), is("0"), in(time.Hour)),
		"200 spent until 2100":        answer(200, is("300"), is("0"), year2100),
		"429 with reset 1h ahead":     answer(429, is("300"), is("0"), in(time.Hour)),
		"429 with reset in 2100":      answer(429, is("300"), is("0"), year2100),
		"200 spent for 4 minutes":     answer(200, is("300"), is("0"), in(4*time.Minute)),
		"429 with reset in 4 minutes": answer(429, is("300"), is("0"), in(4*time.Minute)),
	} {
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				c := newTestClient(t, testToken, handlerTransport{h}, api.WithMaxRateLimitWait(maxWait))
				ctx, cancel := context.WithTimeout(t.Context(), 2*time.Hour)
				defer cancel()
				for i := range 3 {
					start := time.Now()
					_, _, err := c.Me.Get(ctx)
					took := time.Since(start)
					if took > maxWait {
						t.Fatalf("call %d took %v, more than the maximum wait %v (err %v)", i, took, maxWait, err)
					}
					var rle *api.RateLimitError
					if err != nil && !errors.As(err, &rle) {
						t.Fatalf("call %d: %v, want success or *RateLimitError", i, err)
					}
					if rle != nil && (rle.Reset.Before(start) || rle.Reset.After(start.Add(6*time.Minute))) {
						t.Errorf("call %d: reset %v; a far reset is malformed, not reported", i, rle.Reset)
					}
				}
			})
		})
	}

	t.Run("pacing wait beyond the maximum", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			s, c := fakeClient(t, nil, api.WithMaxRateLimitWait(5*time.Second))
			room := groupRooms(s, 1)[0]
			for i := range roomLimit {
				if _, _, err := c.Messages.Post(t.Context(), room, fmt.Sprint(i), nil); err != nil {
					t.Fatal(err)
				}
			}
			start := time.Now()
			_, _, err := c.Messages.Post(t.Context(), room, "one too many", nil)
			var rle *api.RateLimitError
			if !errors.As(err, &rle) || !errors.Is(err, api.ErrRateLimited) || !rle.PerRoom {
				t.Fatalf("err = %v, want a per-room *RateLimitError", err)
			}
			if time.Since(start) != 0 {
				t.Errorf("waited %v before refusing", time.Since(start))
			}
			if d := rle.Reset.Sub(start); d < 9*time.Second || d > 11*time.Second {
				t.Errorf("reset in %v, want the room's window", d)
			}
			if n := len(s.Messages(room)); n != roomLimit {
				t.Errorf("%d messages stored; the refused post must not be sent", n)
			}
		})
	})

	t.Run("x-ratelimit-limit 1", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			// An honest server with a budget of 1 per second.
			var mu sync.Mutex
			var windowEnd time.Time
			used, n429 := 0, 0
			c := newTestClient(t, testToken, handlerTransport{func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				defer mu.Unlock()
				now := time.Now()
				if !now.Before(windowEnd) {
					windowEnd, used = now.Truncate(time.Second).Add(time.Second), 0
				}
				status := http.StatusOK
				if used++; used > 1 {
					status, used = http.StatusTooManyRequests, 1
					n429++
				}
				answer(status, is("1"), is("0"), is(strconv.FormatInt(windowEnd.Unix(), 10)))(w, r)
			}})
			start := time.Now()
			for i := range 5 {
				if _, _, err := c.Me.Get(t.Context()); err != nil {
					t.Fatalf("call %d: %v", i, err)
				}
			}
			if d := time.Since(start); d > 6*time.Second {
				t.Errorf("5 calls at 1 per second took %v", d)
			}
			if n429 != 0 {
				t.Errorf("%d 429s", n429)
			}
		})
	})
}

// TestAdoptedLimitUsesTheAPIWindow: when the client adopts the server's x-ratelimit-limit, that limit is per
// the API's 5 minutes, not per the window the caller configured.
func TestAdoptedLimitUsesTheAPIWindow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var sent atomic.Int64
		// A server that reports 300 but whose remaining count never moves.
		c := newTestClient(t, testToken, handlerTransport{func(w http.ResponseWriter, r *http.Request) {
			sent.Add(1)
			rateHeadersOf(w, "300", "299", unixIn(4*time.Minute))
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(meJSON))
		}}, api.WithRateLimit(10000, 20*time.Millisecond))
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				// Until the deadline, or until the pacing wait would pass
				// it: then the call is refused at once.
				for ctx.Err() == nil {
					if _, _, err := c.Me.Get(ctx); errors.Is(err, api.ErrRateLimited) {
						return
					}
				}
			})
		}
		wg.Wait()
		if n := sent.Load(); n > 300 {
			t.Errorf("%d requests in one second; the server's 300 are per 5 minutes", n)
		}
	})
}

// pipeNet connects clients to an http.Server through net.Pipe inside a
// synctest bubble, and delays each new connection, as TLS setup does.
type pipeNet struct {
	delay time.Duration
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
	dials atomic.Int64
}

func newPipeNet(delay time.Duration) *pipeNet {
	return &pipeNet{delay: delay, conns: make(chan net.Conn), done: make(chan struct{})}
}

func (p *pipeNet) Accept() (net.Conn, error) {
	select {
	case c := <-p.conns:
		return c, nil
	case <-p.done:
		return nil, net.ErrClosed
	}
}

func (p *pipeNet) Close() error { p.once.Do(func() { close(p.done) }); return nil }

func (p *pipeNet) Addr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 443} }

func (p *pipeNet) dial(ctx context.Context, _, _ string) (net.Conn, error) {
	p.dials.Add(1)
	select {
	case <-time.After(p.delay):
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	client, server := net.Pipe()
	select {
	case p.conns <- server:
		return client, nil
	case <-p.done:
		return nil, net.ErrClosed
	}
}

// TestRoomBurstOverSlowConnections: 64 goroutines post
// to 10 rooms over connections that each take 200 ms to set up; the server
// counts a post when it arrives. No per-room 429, and at least 97% of the
// allowance used.
func TestRoomBurstOverSlowConnections(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := apitest.NewServer(t, apitest.WithoutListener())
		pn := newPipeNet(200 * time.Millisecond)
		srv := &http.Server{Handler: s.Handler()}
		go func() { _ = srv.Serve(pn) }()
		tr := &http.Transport{DialContext: pn.dial}
		c := newTestClient(t, s.Token(), tr, api.WithBaseURL(s.URL())) // plain http over the pipes
		rooms := groupRooms(s, 10)
		const posts = 300
		start := time.Now()
		errs := postAll(t.Context(), c, rooms, posts, 64)
		elapsed := time.Since(start)
		tr.CloseIdleConnections()
		_ = srv.Close()
		if len(errs) > 0 {
			t.Fatalf("%d posts failed, first: %v", len(errs), errs[0])
		}
		checkStoredOnce(t, s, rooms, posts)
		ideal := idealFinish(posts, len(rooms))
		share := float64(ideal) / float64(elapsed)
		t.Logf("%d posts over %d new connections in %v; ideal %v: %.1f%% of the allowance used", posts, pn.dials.Load(), elapsed, ideal, 100*share)
		if n := count429(s, 0); n != 0 {
			t.Errorf("%d 429s", n)
		}
		if share < 0.97 {
			t.Errorf("used %.1f%% of the allowance, want at least 97%%", 100*share)
		}
	})
}
