package har

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"
)

// A Writer writes a HAR file one entry at a time. The file is a complete,
// valid HAR file after every Add, so a process stopped at any moment
// leaves a readable record. It is safe for concurrent use.
type Writer struct {
	mu      sync.Mutex
	f       *os.File
	end     int64 // offset of the trailer, where the next entry goes
	entries int
	err     error
}

// trailer closes the entries array and the log.
const trailer = "\n]}}\n"

// Create creates (or truncates) the HAR file at path, written by creator.
func Create(path string, creator Creator) (*Writer, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, err
	}
	c, err := json.Marshal(creator)
	if err != nil {
		f.Close()
		return nil, err
	}
	head := `{"log":{"version":"` + Version + `","creator":` + string(c) + `,"entries":[`
	if _, err := f.WriteString(head + trailer); err != nil {
		f.Close()
		return nil, err
	}
	return &Writer{f: f, end: int64(len(head))}, nil
}

// Add appends e to the file. After an error every later Add fails.
func (w *Writer) Add(e Entry) error {
	b, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("har: encoding an entry: %w", err)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return w.err
	}
	sep := "\n"
	if w.entries > 0 {
		sep = ",\n"
	}
	chunk := append([]byte(sep), b...)
	chunk = append(chunk, trailer...)
	if _, err := w.f.WriteAt(chunk, w.end); err != nil {
		w.err = fmt.Errorf("har: writing %s: %w", w.f.Name(), err)
		return w.err
	}
	w.end += int64(len(sep) + len(b))
	w.entries++
	return nil
}

// Entries returns how many entries were added.
func (w *Writer) Entries() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.entries
}

// Close syncs and closes the file.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f == nil {
		return errors.New("har: Writer already closed")
	}
	err := w.f.Sync()
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	w.f = nil
	if w.err != nil {
		return w.err
	}
	return err
}
