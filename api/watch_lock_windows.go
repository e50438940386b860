//go:build windows

package api

import (
	"errors"
	"os"

	"golang.org/x/sys/windows"
)

// lockFile opens (creating it if need be) and locks the file at path, or
// fails with ErrStoreInUse when another open file holds its lock. The lock
// is LockFileEx's, released by the system when the process ends.
func lockFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	err = windows.LockFileEx(windows.Handle(f.Fd()), windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, new(windows.Overlapped))
	if err != nil {
		_ = f.Close()
		if errors.Is(err, windows.ERROR_LOCK_VIOLATION) {
			return nil, ErrStoreInUse
		}
		return nil, err
	}
	return f, nil
}

// unlockFile releases the lock of lockFile.
func unlockFile(f *os.File) error { return f.Close() }
