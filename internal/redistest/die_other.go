//go:build !linux

package redistest

import "os/exec"

// dieWithParent does nothing where the kernel cannot tie a child's life to
// its parent's: the test's cleanup stops redis-server.
func dieWithParent(*exec.Cmd) {}
