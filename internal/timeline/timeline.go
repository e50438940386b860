// Package timeline measures the times of recorded events for tests: how
// many fall in the busiest window, the figure a rate budget bounds. It
// imports no package of this module.
package timeline

import "time"

// MostInWindow returns the largest number of times (in ascending order)
// that fall in any window (t-d, t] of length d.
func MostInWindow(times []time.Time, d time.Duration) int {
	most, first := 0, 0
	for i, t := range times {
		for !times[first].After(t.Add(-d)) {
			first++
		}
		most = max(most, i-first+1)
	}
	return most
}
