package checks

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// maxTrackedSize is the largest file git may track, generated code aside.
const maxTrackedSize = 1 << 20

// generatedPaths may exceed maxTrackedSize: go generate writes them and
// check-generate keeps them in step with openapi.yaml.
var generatedPaths = []string{"gen/", "internal/embeddedspec/", "openapi.json"}

// binaryMagic are the first bytes of executables and object files.
var binaryMagic = map[string][]byte{
	"an ELF executable":          []byte("\x7fELF"),
	"a Mach-O executable":        {0xcf, 0xfa, 0xed, 0xfe},
	"a 32-bit Mach-O executable": {0xce, 0xfa, 0xed, 0xfe},
	"a Mach-O universal binary":  {0xca, 0xfe, 0xba, 0xbe},
	"a PE executable":            []byte("MZ"),
	"an ar archive":              []byte("!<arch>\n"),
}

// TestNoBuildOutputsTracked fails when git tracks something a build makes:
// an executable, any other non-text file, a file over 1 MB that is not
// generated code, or a file that .gitignore says is a build output.
func TestNoBuildOutputsTracked(t *testing.T) {
	t.Parallel()
	root := repoRoot(t)
	git := []string{"-c", "core.quotePath=false"}
	files := strings.Split(strings.TrimRight(run(t, root, nil, "git", append(git, "ls-files", "-z")...), "\x00"), "\x00")
	if len(files) < 10 {
		t.Fatalf("git ls-files listed %d files: not a checkout of this repository?", len(files))
	}
	checked := 0
	for _, name := range files {
		f, err := os.Open(filepath.Join(root, name))
		if os.IsNotExist(err) {
			continue // deleted in the work tree, not yet committed
		}
		if err != nil {
			t.Fatal(err)
		}
		info, err := f.Stat()
		if err != nil {
			t.Fatal(err)
		}
		head := make([]byte, 8192)
		n, err := io.ReadFull(f, head)
		f.Close()
		if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
			t.Fatalf("%s: %v", name, err)
		}
		head = head[:n]
		checked++

		if kind := binaryKind(head); kind != "" {
			t.Errorf("%s is tracked but is %s (%d bytes): remove it with git rm and ignore it", name, kind, info.Size())
		}
		if info.Size() > maxTrackedSize && !isGenerated(name) {
			t.Errorf("%s is tracked and has %d bytes, over the %d-byte limit for files that are not generated code",
				name, info.Size(), maxTrackedSize)
		}
	}
	// Tracked files that .gitignore marks as build outputs.
	ignored := strings.TrimSpace(run(t, root, nil, "git", append(git, "ls-files", "--cached", "--ignored", "--exclude-standard")...))
	if ignored != "" {
		t.Errorf("tracked files that .gitignore lists as build outputs (git rm --cached them):\n%s", ignored)
	}
	t.Logf("checked %d tracked files", checked)
}

// binaryKind names what head is if it is not text, or returns "".
func binaryKind(head []byte) string {
	for kind, magic := range binaryMagic {
		if bytes.HasPrefix(head, magic) {
			return kind
		}
	}
	if bytes.IndexByte(head, 0) >= 0 {
		return "binary (it has NUL bytes)"
	}
	// The buffer may end inside a multi-byte character.
	for len(head) > 0 {
		r, size := utf8.DecodeRune(head)
		if r == utf8.RuneError && size == 1 && len(head) >= utf8.UTFMax {
			return "not UTF-8 text"
		}
		head = head[size:]
	}
	return ""
}

func isGenerated(name string) bool {
	for _, p := range generatedPaths {
		if name == p || strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}
