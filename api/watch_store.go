package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"
)

// Mark is how far a Watcher got in one room: the newest message it
// delivered and the latest send or edit time among what it delivered, or,
// before it delivered anything, when the watch of the room began.
type Mark struct {
	// MessageID is the ID of the newest message delivered; "0" before the
	// first one.
	MessageID string `json:"message_id"`

	// Seen is the latest send_time or update_time delivered. After a
	// restart, a message edited at or after Seen is delivered again as an
	// update (with WatchOptions.Updates).
	Seen time.Time `json:"seen,omitzero"`

	// Start is when the watch of the room began, to the second, while
	// MessageID is "0": the messages sent at or after it are new. A
	// Watcher saves it before its first poll, so that a message that
	// arrives before that poll, or while a restarted watcher is down, is
	// delivered. The zero Start with MessageID "0" makes every message
	// new.
	Start time.Time `json:"start,omitzero"`
}

// Store keeps a Watcher's marks, one per room. A Watcher calls Save after
// the loop body has handled a message (see Watcher.Events), so a restarted
// watcher that loads the marks again delivers what arrived meanwhile, and
// at most the message being handled at the crash a second time.
//
// Implementations must be safe for concurrent use. MemoryStore and
// FileStore are provided.
type Store interface {
	// Load returns the room's mark; ok is false when there is none.
	Load(roomID int64) (m Mark, ok bool, err error)
	// Save records the room's mark durably before it returns.
	Save(roomID int64, m Mark) error
}

// MemoryStore keeps marks in memory: they live as long as the process.
// The zero value is ready to use.
type MemoryStore struct {
	mu    sync.Mutex
	marks map[int64]Mark
}

// Load returns the room's mark.
func (s *MemoryStore) Load(roomID int64) (Mark, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.marks[roomID]
	return m, ok, nil
}

// Save records the room's mark.
func (s *MemoryStore) Save(roomID int64, m Mark) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.marks == nil {
		s.marks = map[int64]Mark{}
	}
	s.marks[roomID] = m
	return nil
}

// ErrStoreInUse is the error of OpenFileStore (matched with errors.Is)
// when another FileStore, in this process or another, holds the file.
var ErrStoreInUse = errors.New("chatwork: watch state is in use by another watcher")

// FileStore keeps marks in a JSON file. Every Save rewrites the whole file
// atomically: it writes a temporary file in the same directory, syncs it
// to disk, renames it over the old one and syncs the directory, so after a
// crash the file holds either the old marks or the new ones, never a
// mixture.
//
// One FileStore at a time may use a file: OpenFileStore locks it (an
// advisory lock on PATH.lock, next to the file, released by Close or when
// the process ends, however it ends), and a second one fails with
// ErrStoreInUse instead of overwriting the first one's marks with its own.
// A symbolic link is followed: the file it points to is rewritten, the
// link stays.
type FileStore struct {
	path  string // as given
	real  string // path with symbolic links followed: the file rewritten
	lock  *os.File
	mu    sync.Mutex
	marks map[int64]Mark
}

// fileStoreVersion is the format of the file, written in it so that a
// later format can be told apart.
const fileStoreVersion = 1

type fileStoreData struct {
	Version int             `json:"version"`
	Rooms   map[string]Mark `json:"rooms"`
}

// OpenFileStore locks and reads the marks kept in path. A missing file is
// an empty store, created by the first Save; a file that is not a store is
// an error, so that a wrong path does not restart a watch from scratch.
// It fails at once, before any message is delivered, when the file could
// not be written: its directory is missing or not writable, or path is a
// directory; and with ErrStoreInUse when another FileStore holds the file.
// Close releases the lock.
func OpenFileStore(path string) (*FileStore, error) {
	if path == "" {
		return nil, &InputError{Field: "path", Reason: "is empty"}
	}
	real, err := followLinks(path)
	if err != nil {
		return nil, fmt.Errorf("chatwork: watch state: %w", err)
	}
	if fi, err := os.Stat(real); err == nil && !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("chatwork: watch state %s: not a regular file", path)
	}
	s := &FileStore{path: path, real: real, marks: map[int64]Mark{}}
	// The lock file doubles as the check that the directory takes files.
	if s.lock, err = lockFile(real + ".lock"); err != nil {
		if errors.Is(err, ErrStoreInUse) {
			return nil, fmt.Errorf("%w: %s (locked through %s.lock); one watcher at a time may use a state file", ErrStoreInUse, path, real)
		}
		return nil, fmt.Errorf("chatwork: watch state %s cannot be written: %w", path, err)
	}
	if err := s.read(); err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

// read loads the file's marks, if there is a file.
func (s *FileStore) read() error {
	path := s.path
	b, err := os.ReadFile(s.real)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("chatwork: watch state: %w", err)
	}
	var data fileStoreData
	if err := json.Unmarshal(b, &data); err != nil {
		return fmt.Errorf("chatwork: watch state %s: %w", path, err)
	}
	if data.Version != fileStoreVersion {
		return fmt.Errorf("chatwork: watch state %s: unknown version %d", path, data.Version)
	}
	for k, m := range data.Rooms {
		id, err := strconv.ParseInt(k, 10, 64)
		if err != nil || id <= 0 || checkMessageID(m.MessageID) != nil {
			return fmt.Errorf("chatwork: watch state %s: bad entry %q", path, k)
		}
		s.marks[id] = m
	}
	return nil
}

// Path returns the file's path, as given to OpenFileStore.
func (s *FileStore) Path() string { return s.path }

// Close releases the file's lock; the store must not be used after it.
func (s *FileStore) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lock == nil {
		return nil
	}
	err := unlockFile(s.lock)
	s.lock = nil
	return err
}

// maxLinks bounds the chain of symbolic links followLinks follows.
const maxLinks = 40

// followLinks returns path with the symbolic links of its last element
// followed, so that the file they point to is the one rewritten (a rename
// over the link would replace it). A link to a missing file yields that
// file's path: the first Save creates it there.
func followLinks(path string) (string, error) {
	for range maxLinks {
		fi, err := os.Lstat(path)
		if errors.Is(err, fs.ErrNotExist) {
			return path, nil
		}
		if err != nil {
			return "", err
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			return path, nil
		}
		target, err := os.Readlink(path)
		if err != nil {
			return "", err
		}
		if !filepath.IsAbs(target) {
			target = filepath.Join(filepath.Dir(path), target)
		}
		path = target
	}
	return "", fmt.Errorf("%s: too many levels of symbolic links", path)
}

// Load returns the room's mark.
func (s *FileStore) Load(roomID int64) (Mark, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.marks[roomID]
	return m, ok, nil
}

// Save records the room's mark and rewrites the file atomically. When the
// write fails the file keeps its previous content and the mark is not
// recorded.
func (s *FileStore) Save(roomID int64, m Mark) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	data := fileStoreData{Version: fileStoreVersion, Rooms: make(map[string]Mark, len(s.marks)+1)}
	for id, old := range s.marks {
		data.Rooms[strconv.FormatInt(id, 10)] = old
	}
	data.Rooms[strconv.FormatInt(roomID, 10)] = m
	if s.lock == nil {
		return errors.New("chatwork: watch state: the store is closed")
	}
	b, err := json.MarshalIndent(data, "", "  ")
	if err != nil {
		return fmt.Errorf("chatwork: watch state: %w", err)
	}
	if err := writeFileAtomic(s.real, append(b, '\n')); err != nil {
		return fmt.Errorf("chatwork: watch state: %w", err)
	}
	s.marks[roomID] = m
	return nil
}

// writeFileAtomic replaces path with data: temporary file, fsync, rename,
// fsync of the directory. The file is readable by its owner only.
func writeFileAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = os.Remove(tmp)
		}
	}()
	if _, err = f.Write(data); err != nil {
		_ = f.Close()
		return err
	}
	if err = f.Sync(); err != nil {
		_ = f.Close()
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp, path); err != nil {
		return err
	}
	// Make the rename itself durable. Some file systems cannot sync a
	// directory; the rename has happened either way, so that is not an
	// error.
	if d, derr := os.Open(dir); derr == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}
