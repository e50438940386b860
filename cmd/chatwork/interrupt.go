package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
)

// Reads that can block for ever: a FIFO that nothing opens for writing or
// writes to (--token-file, --webhook-token-file, a file to upload), stdin
// left open (send ROOM -, webhook sign), a prompt nobody answers (auth
// login, the confirmation of a destructive command). A read blocked in the kernel does
// not see the context, so each runs in a goroutine of its own and the
// command stops waiting for it when the context ends: main cancels it on
// Ctrl-C and SIGTERM. The abandoned read stays blocked until the process
// exits, a moment later.

// interruptedError is a read abandoned because the command was
// interrupted. It does not wrap context.Canceled, so that report prints
// what was being read, not only "interrupted".
type interruptedError struct {
	what  string // "the token file PATH", "stdin"
	hint  string // why it may have blocked, or ""
	cause error  // context.Cause: which signal, if one
}

func (e *interruptedError) Error() string {
	msg := "interrupted while waiting to read " + e.what
	if e.hint != "" {
		msg += " (" + e.hint + ")"
	}
	if e.cause != nil && e.cause != context.Canceled { //nolint:errorlint // a signal's cause wraps Canceled; only the bare one says nothing
		msg += ": " + e.cause.Error()
	}
	return msg
}

// readInterruptibly returns what read returns, or an *interruptedError as
// soon as ctx ends, whether or not read has returned.
func readInterruptibly(ctx context.Context, what, hint string, read func() ([]byte, error)) ([]byte, error) {
	stopped := func() error { return &interruptedError{what: what, hint: hint, cause: context.Cause(ctx)} }
	if ctx.Err() != nil {
		return nil, stopped()
	}
	type result struct {
		b   []byte
		err error
	}
	done := make(chan result, 1) // the abandoned read must not block on it
	go func() {
		b, err := read()
		done <- result{b, err}
	}()
	select {
	case r := <-done:
		return r.b, r.err
	case <-ctx.Done():
		select {
		case r := <-done: // it came as the signal did: take it
			return r.b, r.err
		default:
			return nil, stopped()
		}
	}
}

// readStdin reads stdin to its end, or to limit+1 bytes, for what (such
// as "the text from stdin"), unless ctx ends first.
func readStdin(ctx context.Context, stdin io.Reader, what string, limit int64) ([]byte, error) {
	b, err := readInterruptibly(ctx, what, "it is read to its end: close it, or type Ctrl-D at a terminal", func() ([]byte, error) {
		return io.ReadAll(io.LimitReader(stdin, limit+1))
	})
	var ie *interruptedError
	if err != nil && !errors.As(err, &ie) {
		err = fmt.Errorf("reading stdin: %w", err)
	}
	return b, err
}

// readLine reads a line of at most limit bytes from r, unless ctx ends
// first; at the end of r it returns what came and io.EOF.
func readLine(ctx context.Context, r io.Reader, what, hint string, limit int64) (string, error) {
	b, err := readInterruptibly(ctx, what, hint, func() ([]byte, error) {
		line, err := bufio.NewReader(io.LimitReader(r, limit)).ReadString('\n')
		return []byte(line), err
	})
	return string(b), err
}

// readFile reads the file at path, to its end or to limit+1 bytes (limit 0:
// to its end), unless ctx ends first: opening a FIFO blocks until something
// opens it for writing, and reading it until that writes or closes. what
// names the file in messages, such as "the token file".
func readFile(ctx context.Context, path, what string, limit int64) ([]byte, error) {
	hint := ""
	if fi, err := os.Stat(path); err == nil && fi.Mode()&os.ModeNamedPipe != 0 {
		hint = "a FIFO: it is read when something writes to it and closes it"
	}
	return readInterruptibly(ctx, what+" "+path, hint, func() ([]byte, error) {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		if limit == 0 {
			return io.ReadAll(f)
		}
		return io.ReadAll(io.LimitReader(f, limit+1))
	})
}
