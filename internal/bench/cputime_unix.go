//go:build unix

package bench

import (
	"syscall"
	"time"
)

// ProcessCPUTime returns the CPU time (user and system) the process has
// used so far, every thread included, and true; false where it is not
// known.
func ProcessCPUTime() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
