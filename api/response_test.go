package api_test

import (
	"net/http"
	"runtime"
	"testing"
	"time"

	"github.com/chatwork-go/chatwork/api"
	"github.com/chatwork-go/chatwork/api/apitest"
)

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
