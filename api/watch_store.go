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
// delivered and the latest send or edit time among what it delivered.
type Mark struct {
	// MessageID is the ID of the newest message delivered, "0" when the
	// room had no message when the watch began.
	MessageID string `json:"message_id"`

	// Seen is the latest send_time or update_time delivered. After a
	// restart, a message edited at or after Seen is delivered again as an
	// update (with WatchOptions.Updates).
	Seen time.Time `json:"seen,omitzero"`
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

// FileStore keeps marks in a JSON file. Every Save rewrites the whole file
// atomically: it writes a temporary file in the same directory, syncs it
// to disk, renames it over the old one and syncs the directory, so after a
// crash the file holds either the old marks or the new ones, never a
// mixture. One process at a time may use a file.
type FileStore struct {
	path  string
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

// OpenFileStore reads the marks kept in path. A missing file is an empty
// store, created by the first Save; a file that is not a store is an
// error, so that a wrong path does not restart a watch from scratch.
func OpenFileStore(path string) (*FileStore, error) {
	if path == "" {
		return nil, &InputError{Field: "path", Reason: "is empty"}
	}
	s := &FileStore{path: path, marks: map[int64]Mark{}}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return nil, fmt.Errorf("chatwork: watch state: %w", err)
	}
	var data fileStoreData
	if err := json.Unmarshal(b, &data); err != nil {
		return nil, fmt.Errorf("chatwork: watch state %s: %w", path, err)
	}
	if data.Version != fileStoreVersion {
		return nil, fmt.Errorf("chatwork: watch state %s: unknown version %d", path, data.Version)
	}
	for k, m := range data.Rooms {
		id, err := strconv.ParseInt(k, 10, 64)
		if err != nil || id <= 0 || checkMessageID(m.MessageID) != nil {
			return nil, fmt.Errorf("chatwork: watch state %s: bad entry %q", path, k)
		}
		s.marks[id] = m
	}
	return s, nil
}

// Path returns the file's path.
func (s *FileStore) Path() string { return s.path }

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
	b, err := json.MarshalIndent(data, "", "  ")
	if err != nil {
		return fmt.Errorf("chatwork: watch state: %w", err)
	}
	if err := writeFileAtomic(s.path, append(b, '\n')); err != nil {
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
