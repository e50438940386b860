//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package api

import (
	"errors"
	"os"
	"syscall"
)

// lockFile opens (creating it if need be) and locks the file at path, or
// fails with ErrStoreInUse when another open file holds its lock. The lock
// is flock(2)'s: advisory, held by the open file, released by the kernel
// when the process ends, however it ends.
func lockFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		_ = f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, ErrStoreInUse
		}
		return nil, err
	}
	return f, nil
}

// unlockFile releases the lock of lockFile.
func unlockFile(f *os.File) error { return f.Close() }
