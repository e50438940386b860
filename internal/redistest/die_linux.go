package redistest

import (
	"os/exec"
	"syscall"
)

// dieWithParent makes cmd die with the test process, however that ends: a
// fuzzing worker killed by its coordinator must not leave redis-server
// behind (the coordinator would wait for it).
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
