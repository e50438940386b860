package api_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chatwork-go/chatwork/api"
)

// TestFileStoreSurvivesReopening: marks saved are there after reopening,
// in a file only its owner can read, with no temporary file left behind.
func TestFileStoreSurvivesReopening(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "marks.json")
	s, err := api.OpenFileStore(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok, err := s.Load(1); ok || err != nil {
		t.Fatalf("empty store: Load = %v, %v", ok, err)
	}
	seen := time.Unix(1700000000, 0)
	for room, m := range map[int64]api.Mark{1: {MessageID: "1928374655918273645", Seen: seen}, 2: {MessageID: "0"}} {
		if err := s.Save(room, m); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Save(1, api.Mark{MessageID: "1928374655918273646", Seen: seen.Add(time.Second)}); err != nil {
		t.Fatal(err)
	}

	again, err := api.OpenFileStore(path)
	if err != nil {
		t.Fatal(err)
	}
	if m, ok, _ := again.Load(1); !ok || m.MessageID != "1928374655918273646" || !m.Seen.Equal(seen.Add(time.Second)) {
		t.Errorf("room 1 after reopening: %+v, %v", m, ok)
	}
	if m, ok, _ := again.Load(2); !ok || m.MessageID != "0" || !m.Seen.IsZero() {
		t.Errorf("room 2 after reopening: %+v, %v", m, ok)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want the store alone", len(entries))
	}
}

// TestFileStoreRefusesForeignFiles: a file that is not a store, of another
// version or with a bad entry is an error, not an empty store.
func TestFileStoreRefusesForeignFiles(t *testing.T) {
	for name, content := range map[string]string{
		"not JSON":      "hello",
		"version 2":     `{"version":2,"rooms":{}}`,
		"bad room":      `{"version":1,"rooms":{"abc":{"message_id":"1"}}}`,
		"bad message":   `{"version":1,"rooms":{"5":{"message_id":"12x"}}}`,
		"empty message": `{"version":1,"rooms":{"5":{"message_id":""}}}`,
	} {
		path := filepath.Join(t.TempDir(), "marks.json")
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := api.OpenFileStore(path); err == nil {
			t.Errorf("%s: opened without error", name)
		}
	}
	if _, err := api.OpenFileStore(""); !errors.Is(err, api.ErrInvalidInput) {
		t.Errorf("empty path: err = %v", err)
	}
}

// TestFileStoreFailedSaveKeepsTheOldMark: when the file cannot be written,
// Save fails and neither the file nor the store change.
func TestFileStoreFailedSaveKeepsTheOldMark(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "marks.json")
	if err := os.Mkdir(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	s, err := api.OpenFileStore(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Save(1, api.Mark{MessageID: "10"}); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)
	if err := os.RemoveAll(filepath.Dir(path)); err != nil {
		t.Fatal(err)
	}
	if err := s.Save(1, api.Mark{MessageID: "11"}); err == nil {
		t.Fatal("Save into a removed directory succeeded")
	}
	if m, _, _ := s.Load(1); m.MessageID != "10" {
		t.Errorf("mark after a failed save: %q, want 10", m.MessageID)
	}
	if len(before) == 0 {
		t.Error("the first save wrote nothing")
	}
}
