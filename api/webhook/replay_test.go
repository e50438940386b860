package webhook

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// delivery returns a signed message_created body, unique per n.
func delivery(t *testing.T, n int) ([]byte, string) {
	t.Helper()
	b := []byte(fmt.Sprintf(`{"webhook_setting_id":"1","webhook_event_type":"message_created","webhook_event_time":%d,`+
		`"webhook_event":{"message_id":"%d","room_id":1,"account_id":1,"body":"x","send_time":1,"update_time":0}}`, 1700000000+n, n))
	return b, sign(t, b, tokenB)
}

func TestHandlerReplayGuard(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	h, recs := handlerWithAll(t, []string{tokenB}, WithReplayGuard(2),
		WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))

	// The published test vector is accepted once; its replay is answered
	// 200 without running the callback.
	for i, want := range []int32{1, 1} {
		if w := serve(h, []byte(bodyB), sigB); w.Code != http.StatusOK || w.Body.Len() != 0 {
			t.Fatalf("delivery %d: got %d %q", i, w.Code, w.Body)
		}
		if n := recs[0].calls.Load(); n != want {
			t.Fatalf("after delivery %d: %d callback calls, want %d", i, n, want)
		}
	}
	if !strings.Contains(logs.String(), "replayed delivery ignored") || strings.Contains(logs.String(), sigB) {
		t.Errorf("log: %q", logs.String())
	}

	// The guard holds the last 2 deliveries: after two others, bodyB is
	// new again. Memory is bounded by the size, not by the traffic.
	for i := range 2 {
		b, s := delivery(t, i)
		serve(h, b, s)
	}
	serve(h, []byte(bodyB), sigB)
	if n := recs[0].calls.Load(); n != 4 {
		t.Errorf("%d callback calls, want 4 (bodyB forgotten after 2 others)", n)
	}
	for i := range 1000 {
		b, s := delivery(t, 100+i)
		serve(h, b, s)
	}
	if n := len(h.replay.seen); n > 2 {
		t.Errorf("the guard holds %d digests, want at most 2", n)
	}
}

func TestHandlerReplayGuardForgetsFailures(t *testing.T) {
	t.Parallel()
	h, recs := handlerWithAll(t, []string{tokenB}, WithReplayGuard(8))
	recs[0].err = errors.New("database down")
	if w := serve(h, []byte(bodyB), sigB); w.Code != http.StatusInternalServerError {
		t.Fatalf("got %d, want 500", w.Code)
	}
	recs[0].err = nil
	if w := serve(h, []byte(bodyB), sigB); w.Code != http.StatusOK || recs[0].calls.Load() != 2 {
		t.Errorf("redelivery after a failure: got %d, %d calls; want 200, 2", w.Code, recs[0].calls.Load())
	}
	serve(h, []byte(bodyB), sigB)
	if n := recs[0].calls.Load(); n != 2 {
		t.Errorf("a replay after the success ran the callback: %d calls", n)
	}
}

// Concurrent copies of one delivery run the callback once.
func TestHandlerReplayGuardConcurrent(t *testing.T) {
	t.Parallel()
	h, recs := handlerWithAll(t, []string{tokenB}, WithReplayGuard(4))
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() { serve(h, []byte(bodyB), sigB) })
	}
	wg.Wait()
	if n := recs[0].calls.Load(); n != 1 {
		t.Errorf("%d callback calls, want 1", n)
	}
}

// Without options a replay is accepted, as before: defaults do not change.
func TestHandlerDefaultsAcceptReplays(t *testing.T) {
	t.Parallel()
	h, recs := handlerWithAll(t, []string{tokenB})
	for range 2 {
		if w := serve(h, []byte(bodyB), sigB); w.Code != http.StatusOK {
			t.Fatalf("got %d", w.Code)
		}
	}
	if n := recs[0].calls.Load(); n != 2 {
		t.Errorf("%d callback calls, want 2", n)
	}
}

// The maximum age and the guard together: a replay of a recent event is
// ignored, an old one refused.
func TestHandlerMaxAgeWithReplayGuard(t *testing.T) {
	t.Parallel()
	now := time.Unix(1511238729, 0).Add(time.Minute)
	h, recs := handlerWithAll(t, []string{tokenB}, WithMaxEventAge(5*time.Minute), WithReplayGuard(16),
		WithClock(func() time.Time { return now }))
	serve(h, []byte(bodyB), sigB)
	serve(h, []byte(bodyB), sigB)
	now = now.Add(time.Hour)
	if w := serve(h, []byte(bodyB), sigB); w.Code != http.StatusBadRequest {
		t.Errorf("an old replay got %d, want 400", w.Code)
	}
	if n := recs[0].calls.Load(); n != 1 {
		t.Errorf("%d callback calls, want 1", n)
	}
}

// TestReplayGuardSizes: the bound is checked when the Handler is built.
// Up to MaxReplayGuardSize it is accepted and reserves nothing; beyond, it
// is an error naming the maximum, never a panic or an allocation of the
// size asked for.
func TestReplayGuardSizes(t *testing.T) {
	t.Parallel()
	for _, n := range []int{1, 10_000_000} {
		h, err := NewHandler([]string{tokenB}, WithReplayGuard(n))
		if err != nil {
			t.Errorf("WithReplayGuard(%d): %v", n, err)
			continue
		}
		if cap(h.replay.ring) != 0 {
			t.Errorf("WithReplayGuard(%d) reserved %d slots before any delivery", n, cap(h.replay.ring))
		}
	}
	for _, n := range []int{0, -1, 10_000_001, 1_000_000_000, math.MaxInt} {
		h, err := NewHandler([]string{tokenB}, WithReplayGuard(n))
		if err == nil || h != nil {
			t.Errorf("WithReplayGuard(%d) = %v, nil; want an error", n, h)
			continue
		}
		if want := "10000000"; n > 0 && !strings.Contains(err.Error(), want) {
			t.Errorf("WithReplayGuard(%d): %v; want the maximum, %s, named", n, err, want)
		}
	}
}

// TestReplayGuardMemoryFollowsDeliveries: a guard of the largest size
// costs nothing at start; its memory grows with the deliveries it has
// seen, at the documented 100 to 150 bytes each, and a small guard stays
// at its size whatever arrives. Not parallel: the heap is the whole
// process's.
func TestReplayGuardMemoryFollowsDeliveries(t *testing.T) {
	heap := func() uint64 {
		var m runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	start := heap()
	h, err := NewHandler([]string{tokenB}, WithReplayGuard(MaxReplayGuardSize))
	if err != nil {
		t.Fatal(err)
	}
	empty := heap()
	const deliveries = 100_000
	body := make([]byte, 8)
	for i := range uint64(deliveries) {
		binary.BigEndian.PutUint64(body, i)
		if fresh, _ := h.replay.add(body); !fresh {
			t.Fatalf("delivery %d seen as a replay", i)
		}
	}
	full := heap()
	perDelivery := float64(int64(full)-int64(empty)) / deliveries
	t.Logf("guard of %d: %d bytes at start; %.0f bytes per delivery after %d deliveries",
		MaxReplayGuardSize, int64(empty)-int64(start), perDelivery, deliveries)
	if d := int64(empty) - int64(start); d > 64<<10 {
		t.Errorf("an empty guard of %d holds %d bytes, want at most 64 KiB", MaxReplayGuardSize, d)
	}
	if perDelivery > 200 {
		t.Errorf("%.0f bytes per delivery, want 100 to 150", perDelivery)
	}
	if n := len(h.replay.ring); n != deliveries || cap(h.replay.ring) > 2*deliveries {
		t.Errorf("ring of %d entries (capacity %d) after %d deliveries", n, cap(h.replay.ring), deliveries)
	}
	runtime.KeepAlive(h)

	small := newReplayGuard(1000)
	for i := range uint64(5000) {
		binary.BigEndian.PutUint64(body, i)
		small.add(body)
	}
	if len(small.ring) != 1000 || cap(small.ring) != 1000 || len(small.seen) != 1000 {
		t.Errorf("a guard of 1000 after 5000 deliveries: ring %d (capacity %d), %d digests; want 1000 of each",
			len(small.ring), cap(small.ring), len(small.seen))
	}
	// The last 1000 are remembered, the ones before forgotten.
	for i, want := range map[uint64]bool{3999: false, 4000: true, 4999: true} {
		binary.BigEndian.PutUint64(body, i)
		if _, remembered := small.seen[sha256.Sum256(body)]; remembered != want {
			t.Errorf("delivery %d remembered: %v, want %v", i, remembered, want)
		}
	}
}

// BenchmarkHandlerReplayGuard measures a verified delivery with the guard
// on (10,000 entries, all distinct bodies) against one without it.
func BenchmarkHandlerReplayGuard(b *testing.B) {
	bodies := make([][]byte, 20000)
	sigs := make([]string, len(bodies))
	for i := range bodies {
		bodies[i] = []byte(fmt.Sprintf(`{"webhook_setting_id":"1","webhook_event_type":"x","webhook_event_time":%d,"webhook_event":{}}`, 1700000000+i))
		sigs[i], _ = Sign(bodies[i], tokenB)
	}
	for _, guard := range []int{0, 10000} {
		b.Run(fmt.Sprintf("guard=%d", guard), func(b *testing.B) {
			var opts []Option
			if guard > 0 {
				opts = append(opts, WithReplayGuard(guard))
			}
			h, err := NewHandler([]string{tokenB}, opts...)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				serve(h, bodies[i%len(bodies)], sigs[i%len(bodies)])
				i++
			}
		})
	}
}
