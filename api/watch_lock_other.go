//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly || windows)

package api

import "os"

// lockFile opens (creating it if need be) the file at path. This system
// has no lock this package uses: the file proves the directory writable,
// and one process at a time is the user's to ensure.
func lockFile(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
}

// unlockFile closes the file of lockFile.
func unlockFile(f *os.File) error { return f.Close() }
