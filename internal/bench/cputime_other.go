//go:build !unix

package bench

import "time"

// ProcessCPUTime returns the CPU time the process has used so far and
// true; on this system it is not known, so it returns false.
func ProcessCPUTime() (time.Duration, bool) { return 0, false }
