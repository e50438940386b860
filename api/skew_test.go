package api_test

import (
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/chatwork-go/chatwork/api"
	"github.com/chatwork-go/chatwork/api/apitest"
	"github.com/chatwork-go/chatwork/internal/pacingtest"
)

// TestPacingUnderClockSkew: whatever the offset of the server's clock
// (within a window either way, and 2 minutes behind), 4 goroutines
// calling Me.Get against a budget of 20 per 5 s for 12 windows use at
// least 90% of the allowance, meet at most one window's worth of 429s
// after the first window, and never go silent for longer than a window
// (synctest: the clocks are fake).
func TestPacingUnderClockSkew(t *testing.T) {
	for _, f := range append(pacingtest.Skews, -24) {
		t.Run(fmt.Sprint(f), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				run := pacingtest.SkewRun{Limit: 20, Window: 5 * time.Second, Windows: 12,
					Fake: func(opts ...apitest.Option) *apitest.Server {
						return apitest.NewServer(t, append([]apitest.Option{apitest.WithoutListener()}, opts...)...)
					},
					Client: func(s *apitest.Server, opts ...api.Option) *api.Client {
						return newTestClient(t, s.Token(), s.Transport(), append([]api.Option{api.WithBaseURL(s.URL())}, opts...)...)
					},
				}
				run.Skew = time.Duration(f * float64(run.Window))
				res := run.Run(t)
				t.Logf("skew %+.2f windows: %d accepted, %.1f%% of the allowance, %d 429s (%d after the first window), longest silence %v",
					f, res.Accepted, 100*res.Allowance, res.All429, res.Late429, res.Silence)
				if pacingtest.Reporting() {
					fmt.Println(pacingtest.Report("local", f, res))
				}
				run.Check(t, res)
			})
		})
	}
}

// BenchmarkSkew reports, as custom metrics, the share of the allowance
// used and the 429s for each clock skew of TestPacingUnderClockSkew.
func BenchmarkSkew(b *testing.B) { pacingtest.BenchSkews(b, "TestPacingUnderClockSkew", "local") }
