package genfile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRunWritesOnlyChanges: the output is written from the input, left
// alone (same modification time) when it already holds the result, and
// an error of the generator names the input and writes nothing.
func TestRunWritesOnlyChanges(t *testing.T) {
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.yaml"), filepath.Join(dir, "out.go")
	if err := os.WriteFile(in, []byte("abc"), 0o644); err != nil {
		t.Fatal(err)
	}
	upper := func(src []byte) ([]byte, error) { return []byte(strings.ToUpper(string(src))), nil }
	if err := run(in, out, upper); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(out); string(b) != "ABC" {
		t.Fatalf("wrote %q", b)
	}
	past := time.Now().Add(-time.Hour).Truncate(time.Second)
	if err := os.Chtimes(out, past, past); err != nil {
		t.Fatal(err)
	}
	if err := run(in, out, upper); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(out); err != nil || !fi.ModTime().Equal(past) {
		t.Errorf("the unchanged output was rewritten: %v, %v", fi.ModTime(), err)
	}
	failing := func([]byte) ([]byte, error) { return nil, errors.New("bad input") }
	err := run(in, filepath.Join(dir, "other.go"), failing)
	if err == nil || !strings.Contains(err.Error(), in) || !strings.Contains(err.Error(), "bad input") {
		t.Errorf("err = %v, want the input's name and the cause", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "other.go")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a failed generation wrote its output: %v", err)
	}
}

// TestThen: the rendered output of what parse read, or parse's error
// without calling render.
func TestThen(t *testing.T) {
	rendered := 0
	gen := Then(func(src []byte) (int, error) {
		if len(src) == 0 {
			return 0, errors.New("empty")
		}
		return len(src), nil
	}, func(n int) ([]byte, error) { rendered++; return []byte(strings.Repeat("x", n)), nil })
	if out, err := gen([]byte("abc")); err != nil || string(out) != "xxx" {
		t.Errorf("gen(abc) = %q, %v", out, err)
	}
	if _, err := gen(nil); err == nil || rendered != 1 {
		t.Errorf("gen(nil) = %v after %d renders; want parse's error and no render", err, rendered)
	}
}

func TestDuration(t *testing.T) {
	for s, want := range map[int]string{1: "1 * time.Second", 10: "10 * time.Second", 90: "90 * time.Second",
		300: "5 * time.Minute", 900: "15 * time.Minute", 7200: "2 * time.Hour"} {
		if got := Duration(s); got != want {
			t.Errorf("Duration(%d) = %q, want %q", s, got, want)
		}
	}
}
