package timeline

import (
	"testing"
	"time"
)

func TestMostInWindow(t *testing.T) {
	at := func(secs ...float64) []time.Time {
		var out []time.Time
		for _, s := range secs {
			out = append(out, time.Unix(0, 0).Add(time.Duration(s*float64(time.Second))))
		}
		return out
	}
	for _, tc := range []struct {
		times []time.Time
		d     time.Duration
		want  int
	}{
		{nil, time.Second, 0},
		{at(0), time.Second, 1},
		{at(0, 0.5, 0.9, 1.0, 1.4), time.Second, 4}, // (0.4 s, 1.4 s]: a window is open at its start
		{at(0, 0.5, 1.0), time.Second, 2},           // (0 s, 1 s] leaves 0 out
		{at(0, 1, 2, 3), time.Second, 1},
		{at(0, 1, 2, 3), 1500 * time.Millisecond, 2},
		{at(0, 0, 0, 5), time.Second, 3},
	} {
		if got := MostInWindow(tc.times, tc.d); got != tc.want {
			t.Errorf("MostInWindow(%v, %v) = %d, want %d", tc.times, tc.d, got, tc.want)
		}
	}
}
