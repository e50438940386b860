// Package wait holds the context-aware sleep that the client (package api),
// its shared limiter (api/redislimit) and the fake's delay faults
// (api/apitest) all use, so that it is written once. It imports no package
// of this module.
package wait

import (
	"context"
	"time"
)

// Sleep waits for d or until ctx is done, whichever is first, and returns
// ctx.Err() in the second case. A d of 0 or less returns at once. It uses a
// timer, so a testing/synctest bubble's fake clock drives it.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
