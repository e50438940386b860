package redislimit_test

import (
	"os/exec"
	"syscall"
)

// dieWithParent makes cmd die with the test process, however that ends (a
// fuzzing worker is killed when the coordinator stops it).
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
