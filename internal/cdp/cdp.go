// Package cdp drives a headless Chromium over the DevTools protocol, on the
// pipe of --remote-debugging-pipe, for the tests that need a real browser:
// the HAR file a browser records (conformance) and the rendered reference
// (internal/checks). It is what those tests share, not a general client.
package cdp

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"time"
)

// Find returns the path of an installed Chromium, or "" when there is none.
func Find() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// Flags are the flags of a headless Chromium for tests: a profile of its
// own in dir, nothing started in the background, and no network beyond
// loopback (a proxy that does not exist, which loopback bypasses; add
// "--proxy-bypass-list=<-loopback>" to cut loopback too).
func Flags(dir string) []string {
	return []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-extensions",
		"--disable-default-apps", "--no-first-run", "--no-default-browser-check", "--user-data-dir=" + dir,
		"--proxy-server=127.0.0.1:9"}
}

// Event is a DevTools event, with the session of the page it comes from.
type Event struct {
	Method    string          `json:"method"`
	Params    json.RawMessage `json:"params"`
	SessionID string          `json:"sessionId"`
}

// Browser is a headless Chromium started by Start. Messages are JSON
// ending in a NUL byte, on the browser's file descriptors 3 (what it
// reads) and 4 (what it writes).
type Browser struct {
	cmd     *exec.Cmd
	w, r    *os.File
	profile string
	events  chan Event

	mu     sync.Mutex
	nextID int
	calls  map[int]chan answer
	closed bool
}

type answer struct {
	result json.RawMessage
	err    error
}

// Start starts browser with Flags (a fresh profile), the given extra
// flags and a blank page. ctx bounds the browser's life; Close ends it.
func Start(ctx context.Context, browser string, flags ...string) (*Browser, error) {
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return nil, err
	}
	profile, err := os.MkdirTemp("", "cdp-chromium-")
	if err != nil {
		return nil, errors.Join(err, inR.Close(), inW.Close(), outR.Close(), outW.Close())
	}
	args := append(append(Flags(profile), "--remote-debugging-pipe"), flags...)
	cmd := exec.CommandContext(ctx, browser, append(args, "about:blank")...) //nolint:gosec // G204: the browser a test found with Find, with the test's flags
	cmd.ExtraFiles = []*os.File{inR, outW}                                   // fd 3 and fd 4
	if err := cmd.Start(); err != nil {
		return nil, errors.Join(err, inR.Close(), inW.Close(), outR.Close(), outW.Close(), os.RemoveAll(profile))
	}
	inR.Close()
	outW.Close()
	b := &Browser{cmd: cmd, w: inW, r: outR, profile: profile, events: make(chan Event, 1024), calls: map[int]chan answer{}}
	go b.read()
	return b, nil
}

func (b *Browser) read() {
	br := bufio.NewReader(b.r)
	for {
		msg, err := br.ReadBytes(0)
		if err != nil {
			b.mu.Lock()
			b.closed = true
			for id, ch := range b.calls {
				ch <- answer{err: errors.New("cdp: the browser closed the pipe")}
				delete(b.calls, id)
			}
			b.mu.Unlock()
			close(b.events)
			return
		}
		var m struct {
			ID     int             `json:"id"`
			Result json.RawMessage `json:"result"`
			Error  *struct {
				Message string `json:"message"`
			} `json:"error"`
			Event
		}
		if json.Unmarshal(msg[:len(msg)-1], &m) != nil {
			continue
		}
		if m.ID == 0 {
			b.events <- m.Event
			continue
		}
		b.mu.Lock()
		ch := b.calls[m.ID]
		delete(b.calls, m.ID)
		b.mu.Unlock()
		if ch == nil {
			continue
		}
		if m.Error != nil {
			ch <- answer{err: fmt.Errorf("cdp: %s", m.Error.Message)}
		} else {
			ch <- answer{result: m.Result}
		}
	}
}

// Events returns the events of every page, in order; it is closed when the
// browser ends. A caller that enables a domain must read them: the browser
// is not read from while the buffer is full.
func (b *Browser) Events() <-chan Event { return b.events }

// Call sends a command, to the page of session when it is not empty, and
// waits for its result.
func (b *Browser) Call(ctx context.Context, session, method string, params any) (json.RawMessage, error) {
	if params == nil {
		params = struct{}{}
	}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil, fmt.Errorf("cdp: %s: the browser has ended", method)
	}
	b.nextID++
	id := b.nextID
	ch := make(chan answer, 1)
	b.calls[id] = ch
	b.mu.Unlock()
	msg := map[string]any{"id": id, "method": method, "params": params}
	if session != "" {
		msg["sessionId"] = session
	}
	raw, err := json.Marshal(msg)
	if err != nil {
		return nil, err
	}
	if _, err := b.w.Write(append(raw, 0)); err != nil {
		return nil, fmt.Errorf("cdp: %s: %w", method, err)
	}
	select {
	case a := <-ch:
		if a.err != nil {
			return nil, fmt.Errorf("%w (%s)", a.err, method)
		}
		return a.result, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("cdp: %s: %w", method, ctx.Err())
	}
}

// Open opens a new page, attaches to it, enables the given domains (such
// as "Network") so that no event of the load is missed, navigates to url
// and returns the page's session.
func (b *Browser) Open(ctx context.Context, url string, domains ...string) (session string, err error) {
	var target struct{ TargetID string }
	if err := b.callInto(ctx, "", "Target.createTarget", map[string]any{"url": "about:blank"}, &target); err != nil {
		return "", err
	}
	var attached struct{ SessionID string }
	if err := b.callInto(ctx, "", "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}, &attached); err != nil {
		return "", err
	}
	for _, d := range domains {
		if _, err := b.Call(ctx, attached.SessionID, d+".enable", nil); err != nil {
			return "", err
		}
	}
	if _, err := b.Call(ctx, attached.SessionID, "Page.navigate", map[string]any{"url": url}); err != nil {
		return "", err
	}
	return attached.SessionID, nil
}

// Eval evaluates a JavaScript expression in the page of session and
// decodes its value (JSON-serializable) into v.
func (b *Browser) Eval(ctx context.Context, session, expression string, v any) error {
	var out struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		ExceptionDetails *struct {
			Text string `json:"text"`
		} `json:"exceptionDetails"`
	}
	if err := b.callInto(ctx, session, "Runtime.evaluate", map[string]any{"expression": expression, "returnByValue": true}, &out); err != nil {
		return err
	}
	if out.ExceptionDetails != nil {
		return fmt.Errorf("cdp: evaluating %q: %s", expression, out.ExceptionDetails.Text)
	}
	if len(out.Result.Value) == 0 {
		return json.Unmarshal([]byte("null"), v)
	}
	return json.Unmarshal(out.Result.Value, v)
}

func (b *Browser) callInto(ctx context.Context, session, method string, params, v any) error {
	raw, err := b.Call(ctx, session, method, params)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("cdp: %s: %w", method, err)
	}
	return nil
}

// Close ends the browser: closing its pipe makes it exit; after a minute
// it is killed (that bounds a hang). The profile is removed.
func (b *Browser) Close() error {
	b.w.Close()
	// How it exited does not matter once its pipe is closed.
	done := make(chan struct{})
	go func() { _ = b.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(time.Minute):
		_ = b.cmd.Process.Kill()
		<-done
	}
	b.r.Close()
	_ = os.RemoveAll(b.profile) // best effort: a helper process may still be writing
	return nil
}
