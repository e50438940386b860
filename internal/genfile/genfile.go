// Package genfile is what the go:generate commands of this module share:
// one input file made into one output file, rewritten only when its
// content changes.
package genfile

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"time"
)

// Main is the main function of a generator named tool that turns the file
// of flag -in (default in) into the file of flag -out (default out) with
// gen. An error of gen is reported with the input's name; any error ends
// the program with status 1.
func Main(tool, in, out string, gen func(src []byte) ([]byte, error)) {
	inPath := flag.String("in", in, "the `file` to read")
	outPath := flag.String("out", out, "the `file` to write")
	flag.Parse()
	if err := run(*inPath, *outPath, gen); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", tool, err)
		os.Exit(1)
	}
}

func run(in, out string, gen func([]byte) ([]byte, error)) error {
	src, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	code, err := gen(src)
	if err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	return Write(out, code)
}

// Then is the generator that reads its input with parse and writes its
// output with render.
func Then[T any](parse func(src []byte) (T, error), render func(T) ([]byte, error)) func(src []byte) ([]byte, error) {
	return func(src []byte) ([]byte, error) {
		v, err := parse(src)
		if err != nil {
			return nil, err
		}
		return render(v)
	}
}

// Write writes code to path, and leaves the file alone when it holds code
// already, so that its modification time does not move.
func Write(path string, code []byte) error {
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, code) {
		return nil
	}
	return os.WriteFile(path, code, 0o644)
}

// Duration writes seconds as a Go constant expression of package time that
// reads well: 5 * time.Minute rather than 300 * time.Second.
func Duration(seconds int) string {
	d := time.Duration(seconds) * time.Second
	switch {
	case d%time.Hour == 0:
		return fmt.Sprintf("%d * time.Hour", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%d * time.Minute", d/time.Minute)
	default:
		return fmt.Sprintf("%d * time.Second", seconds)
	}
}
