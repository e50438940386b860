package api_test

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	again, err := api.OpenFileStore(path)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
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
	var names []string
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, " ") != "marks.json marks.json.lock" {
		t.Errorf("directory holds %v, want the store and its lock file alone", names)
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

// TestFileStoreIsLocked: a second store on the same file, in this process
// or another, fails with ErrStoreInUse and names the file, instead of
// rewriting the file from its own marks; once the first is closed, it
// opens.
func TestFileStoreIsLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "marks.json")
	first, err := api.OpenFileStore(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := first.Save(1, api.Mark{MessageID: "10"}); err != nil {
		t.Fatal(err)
	}
	_, err = api.OpenFileStore(path)
	if !errors.Is(err, api.ErrStoreInUse) || !strings.Contains(err.Error(), path) {
		t.Fatalf("second store: err = %v, want ErrStoreInUse naming %s", err, path)
	}
	// Through a link to the same file too.
	link := filepath.Join(t.TempDir(), "link.json")
	if err := os.Symlink(path, link); err != nil {
		t.Fatal(err)
	}
	if _, err := api.OpenFileStore(link); !errors.Is(err, api.ErrStoreInUse) {
		t.Fatalf("store through a link: err = %v, want ErrStoreInUse", err)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	if err := first.Save(1, api.Mark{MessageID: "11"}); err == nil {
		t.Error("Save after Close succeeded")
	}
	second, err := api.OpenFileStore(path)
	if err != nil {
		t.Fatalf("after Close: %v", err)
	}
	defer second.Close()
	if m, _, _ := second.Load(1); m.MessageID != "10" {
		t.Errorf("mark %q, want 10", m.MessageID)
	}
}

// TestFileStoreLockHeldByAnotherProcess: the lock holds against another
// process (this test binary, started again to hold the store), and is
// released when that process is killed.
func TestFileStoreLockHeldByAnotherProcess(t *testing.T) {
	if os.Getenv("CHATWORK_TEST_HOLD_STORE") != "" {
		s, err := api.OpenFileStore(os.Getenv("CHATWORK_TEST_HOLD_STORE"))
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		fmt.Println("holding", s.Path())
		select {} // until killed
	}
	path := filepath.Join(t.TempDir(), "marks.json")
	cmd := exec.Command(os.Args[0], "-test.run=^TestFileStoreLockHeldByAnotherProcess$")
	cmd.Env = append(os.Environ(), "CHATWORK_TEST_HOLD_STORE="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "holding") {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatalf("the other process: %q, %v", line, err)
	}
	_, err = api.OpenFileStore(path)
	if !errors.Is(err, api.ErrStoreInUse) {
		t.Errorf("while another process holds it: err = %v, want ErrStoreInUse", err)
	}
	_ = cmd.Process.Kill() // kill -9: no Close
	_ = cmd.Wait()
	s, err := api.OpenFileStore(path)
	if err != nil {
		t.Fatalf("after the holder was killed: %v", err)
	}
	_ = s.Close()
}

// TestFileStoreFollowsLinks: a state file that is a symbolic link (to a
// file, or to a file not created yet) keeps being a link; the file it
// points to holds the marks.
func TestFileStoreFollowsLinks(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "data", "marks.json")
	if err := os.Mkdir(filepath.Dir(target), 0o700); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "marks.json")
	if err := os.Symlink(filepath.Join("data", "marks.json"), link); err != nil { // relative, dangling
		t.Fatal(err)
	}
	for i, id := range []string{"10", "11"} { // creates the target, then rewrites it
		s, err := api.OpenFileStore(link)
		if err != nil {
			t.Fatal(err)
		}
		if i == 1 {
			if m, _, _ := s.Load(1); m.MessageID != "10" {
				t.Errorf("reopened through the link: mark %q, want 10", m.MessageID)
			}
		}
		if err := s.Save(1, api.Mark{MessageID: id}); err != nil {
			t.Fatal(err)
		}
		_ = s.Close()
		fi, err := os.Lstat(link)
		if err != nil || fi.Mode()&os.ModeSymlink == 0 {
			t.Fatalf("after save %d the link is gone (%v, %v)", i, fi, err)
		}
		b, err := os.ReadFile(target)
		if err != nil || !strings.Contains(string(b), `"message_id": "`+id+`"`) {
			t.Fatalf("target after save %d: %s, %v", i, b, err)
		}
	}
}

// TestFileStoreRefusesUnusablePaths: a path where no file can be written
// is refused when the store opens, not at the first save.
func TestFileStoreRefusesUnusablePaths(t *testing.T) {
	dir := t.TempDir()
	readOnly := filepath.Join(dir, "ro")
	if err := os.Mkdir(readOnly, 0o500); err != nil {
		t.Fatal(err)
	}
	loop := filepath.Join(dir, "loop.json")
	if err := os.Symlink("loop.json", loop); err != nil {
		t.Fatal(err)
	}
	cases := map[string]string{
		"missing directory": filepath.Join(dir, "missing", "marks.json"),
		"a directory":       dir,
		"a link loop":       loop,
	}
	if os.Geteuid() != 0 { // root writes anywhere
		cases["read-only directory"] = filepath.Join(readOnly, "marks.json")
	}
	for name, path := range cases {
		s, err := api.OpenFileStore(path)
		if err == nil {
			_ = s.Close()
			t.Errorf("%s: opened", name)
			continue
		}
		if errors.Is(err, api.ErrStoreInUse) || !strings.Contains(err.Error(), "watch state") {
			t.Errorf("%s: %v", name, err)
		}
	}
}
