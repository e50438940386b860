package intake_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/chatwork-go/chatwork/api/intake"
	"github.com/chatwork-go/chatwork/api/webhook"
	"github.com/chatwork-go/chatwork/internal/redistest"
)

// BenchmarkIntake is the intake's latency under load: signed deliveries
// sent open loop at 1,000 per second for 2 seconds (each on its schedule,
// whether or not the previous ones were answered) over loopback HTTP to
// Stream.Handler, which verifies each, stores it in a real Redis and
// answers 200, after 50 unmeasured deliveries that warm the connections
// up. Metrics: the 50th, 99th and largest answer time in
// milliseconds (p50-ms, p99-ms, max-ms), and the share of deliveries
// answered 200 (%ok).
func BenchmarkIntake(b *testing.B) {
	const rate, seconds = 1000, 2
	rdb := redistest.Start(b).Client(b)
	h, err := intake.New(rdb).Handler([]string{webhookToken})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	tr := &http.Transport{MaxIdleConnsPerHost: 256}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}
	type delivery struct {
		body []byte
		sig  string
	}
	n := rate*seconds + 50
	var lat []time.Duration
	ok := 0
	next := 0
	for b.Loop() {
		ds := make([]delivery, n)
		for i := range ds {
			next++
			ds[i].body = fmt.Appendf(nil, `{"webhook_setting_id":"1","webhook_event_type":"message_created","webhook_event_time":1700000000,"webhook_event":{"message_id":"%d","room_id":1,"account_id":7,"body":"Deploy of v2.4.1 finished","send_time":1700000000,"update_time":0}}`, 1928374655918273645+next)
			if ds[i].sig, err = webhook.Sign(ds[i].body, webhookToken); err != nil {
				b.Fatal(err)
			}
		}
		// The first deliveries, sent one by one, warm the connections to the
		// intake and to Redis up and load the script; they are not measured.
		for _, d := range ds[:50] {
			if code := post(hc, srv.URL, d.body, d.sig); code != http.StatusOK {
				b.Fatalf("warm-up delivery answered %d", code)
			}
		}
		ds = ds[50:]
		runtime.GC()
		var mu sync.Mutex
		var wg sync.WaitGroup
		lat, ok = lat[:0], 0
		start := time.Now()
		for i, d := range ds {
			time.Sleep(time.Until(start.Add(time.Duration(i) * time.Second / rate)))
			wg.Go(func() {
				t0 := time.Now()
				code := post(hc, srv.URL, d.body, d.sig)
				took := time.Since(t0)
				mu.Lock()
				defer mu.Unlock()
				lat = append(lat, took)
				if code == http.StatusOK {
					ok++
				}
			})
		}
		wg.Wait()
	}
	slices.Sort(lat)
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b.ReportMetric(ms(lat[len(lat)/2]), "p50-ms")
	b.ReportMetric(ms(lat[len(lat)*99/100]), "p99-ms")
	b.ReportMetric(ms(lat[len(lat)-1]), "max-ms")
	b.ReportMetric(100*float64(ok)/float64(len(lat)), "%ok")
}

// post sends a signed delivery and returns the answer's status, 0 if none.
func post(hc *http.Client, url string, body []byte, sig string) int {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0
	}
	req.Header.Set(webhook.SignatureHeader, sig)
	resp, err := hc.Do(req)
	if err != nil {
		return 0
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode
}
