package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chatwork-go/chatwork/api/webhook"
)

// listener is a running "chatwork webhook listen".
type listener struct {
	*background
	url  string // http://127.0.0.1:PORT/hook
	addr string // 127.0.0.1:PORT
}

// startListen runs webhook listen on a free port with the test's webhook
// token, limits (nil: the defaults) and more flags, and stops it at the
// end of the test.
func startListen(t *testing.T, limits *serverLimits, args ...string) *listener {
	t.Helper()
	tokenFile := writeFile(t, "tokens", webhookToken+"\n")
	b := cli{limits: limits}.start(t, append([]string{"webhook", "listen", "--addr", "127.0.0.1:0", "--webhook-token-file", tokenFile, "--path", "/hook"}, args...)...)
	m := waitForListener(t, regexp.MustCompile(`listening for webhooks on (http://(\S+)/hook) `), &b.errout, b.done)
	t.Cleanup(func() {
		b.cancel()
		select {
		case <-b.done:
		case <-time.After(10 * time.Second):
			t.Error("webhook listen did not stop")
		}
	})
	return &listener{background: b, url: m[1], addr: m[2]}
}

// waitForListener waits until webhook listen has printed a line that re
// matches on errout, and returns the submatches; it fails the test at once
// if the command exits (sends its code on exited) first.
func waitForListener(t *testing.T, re *regexp.Regexp, errout *syncBuffer, exited <-chan int) []string {
	t.Helper()
	var m []string
	waitFor(t, "the listener", func() bool {
		if m = re.FindStringSubmatch(errout.String()); m != nil {
			return true
		}
		select {
		case code := <-exited:
			t.Fatalf("webhook listen exited with %d: %s", code, errout.String())
		default:
		}
		return false
	})
	return m
}

// shortLimits are limits small enough for tests to wait for.
var shortLimits = serverLimits{
	readHeader: 300 * time.Millisecond,
	read:       300 * time.Millisecond,
	write:      300 * time.Millisecond,
	idle:       300 * time.Millisecond,
	maxHeader:  4 << 10,
}

// dialShortListener starts webhook listen with shortLimits and opens a
// TCP connection to it, closed at the end of the test (before the listener
// stops).
func dialShortListener(t *testing.T) (*listener, net.Conn) {
	t.Helper()
	l := startListen(t, &shortLimits)
	conn, err := net.Dial("tcp", l.addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return l, conn
}

// closedByServer starts reading conn in the background and returns a
// channel closed when the server has closed the connection (EOF or reset),
// after whatever answer it wrote.
func closedByServer(conn net.Conn) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = io.Copy(io.Discard, conn)
	}()
	return done
}

// trickle writes data one byte at a time, pausing between bytes, until the
// server closes the connection; it reports whether it did before the data
// ran out. The pause paces the client; the test asserts no duration.
func trickle(conn net.Conn, closed <-chan struct{}, data string) bool {
	for i := 0; i < len(data); i++ {
		select {
		case <-closed:
			return true
		case <-time.After(20 * time.Millisecond):
		}
		if _, err := conn.Write([]byte{data[i]}); err != nil {
			return true // reset by the server
		}
	}
	select {
	case <-closed:
		return true
	default:
		return false
	}
}

// TestWebhookListenClosesTricklingBody: a client that sends its headers and
// then trickles the body, byte by byte, is cut off by the read timeout
// before it is done.
func TestWebhookListenClosesTricklingBody(t *testing.T) {
	t.Parallel()
	l, conn := dialShortListener(t)
	fmt.Fprintf(conn, "POST /hook HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n%s: x\r\n\r\n", l.addr, webhook.SignatureHeader)
	closed := closedByServer(conn)
	if !trickle(conn, closed, strings.Repeat("a", 500)) {
		t.Fatal("the connection is still open after 500 body bytes sent one at a time")
	}
	if l.out.String() != "" {
		t.Errorf("printed %q", l.out.String())
	}
}

// TestWebhookListenClosesTricklingHeaders: the same with the headers.
func TestWebhookListenClosesTricklingHeaders(t *testing.T) {
	t.Parallel()
	_, conn := dialShortListener(t)
	closed := closedByServer(conn)
	if !trickle(conn, closed, "POST /hook HTTP/1.1\r\nHost: x\r\n"+strings.Repeat("X-Slow: 1\r\n", 50)) {
		t.Fatal("the connection is still open after 500 header bytes sent one at a time")
	}
}

// TestWebhookListenClosesIdleKeepAlive: a keep-alive connection left idle
// after a request is closed by the server.
func TestWebhookListenClosesIdleKeepAlive(t *testing.T) {
	t.Parallel()
	l, conn := dialShortListener(t)
	fmt.Fprintf(conn, "GET /hook HTTP/1.1\r\nHost: %s\r\n\r\n", l.addr)
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Close {
		t.Fatalf("got %d (close %v), want a kept-alive 405", resp.StatusCode, resp.Close)
	}
	// A safety net for a server that never closes; not a measure of speed.
	if err := conn.SetReadDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	_, err = br.ReadByte()
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatal("the idle keep-alive connection is still open after 10s")
	}
	if err == nil {
		t.Fatal("the server sent bytes on an idle connection")
	}
}

// TestWebhookListenHeaderSizeCap: headers beyond the cap get 431, with the
// default limits.
func TestWebhookListenHeaderSizeCap(t *testing.T) {
	t.Parallel()
	l := startListen(t, nil)
	if status := oversizedHeaders(t, http.MethodPost, l.url); status != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("64 KiB of headers got %d, want 431", status)
	}
}

// oversizedHeaders sends a request with 64 KiB of headers and returns the
// status.
func oversizedHeaders(t *testing.T, method, url string) int {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Padding", strings.Repeat("a", 64<<10))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestWebhookListenDefaultLimits: every limit is set, and within seconds.
func TestWebhookListenDefaultLimits(t *testing.T) {
	t.Parallel()
	srv := newWebhookServer(http.NotFoundHandler(), defaultServerLimits)
	for name, d := range map[string]time.Duration{
		"ReadHeaderTimeout": srv.ReadHeaderTimeout, "ReadTimeout": srv.ReadTimeout,
		"WriteTimeout": srv.WriteTimeout, "IdleTimeout": srv.IdleTimeout,
	} {
		if d <= 0 || d > 30*time.Second {
			t.Errorf("%s = %v, want within (0, 30s]", name, d)
		}
	}
	if srv.MaxHeaderBytes <= 0 || srv.MaxHeaderBytes > 64<<10 {
		t.Errorf("MaxHeaderBytes = %d", srv.MaxHeaderBytes)
	}
}

// deliver posts a signed delivery of a message_created event sent at when.
func deliver(t *testing.T, target string, when time.Time, messageID string) int {
	t.Helper()
	body := fmt.Sprintf(`{"webhook_setting_id":"1","webhook_event_type":"message_created","webhook_event_time":%d,`+
		`"webhook_event":{"message_id":"%s","room_id":1,"account_id":1,"body":"hi","send_time":%d,"update_time":0}}`,
		when.Unix(), messageID, when.Unix())
	return postSigned(t, target, []byte(body), webhookToken)
}

// postSigned posts body to target signed with token, as Chatwork delivers a
// webhook, and returns the status.
func postSigned(t *testing.T, target string, body []byte, token string) int {
	t.Helper()
	req, err := webhook.NewRequest(t.Context(), target, body, token)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestWebhookListenMaxAge: with --max-age, an event older than that is
// refused and not printed; without it, old events pass as before.
func TestWebhookListenMaxAge(t *testing.T) {
	t.Parallel()
	l := startListen(t, nil, "--max-age", "5m")
	now := time.Now()
	if code := deliver(t, l.url, now.Add(-time.Hour), "1"); code != http.StatusBadRequest {
		t.Errorf("an hour-old event got %d, want 400", code)
	}
	if code := deliver(t, l.url, now, "2"); code != http.StatusOK {
		t.Errorf("a fresh event got %d, want 200", code)
	}
	for _, ahead := range []time.Duration{10 * time.Minute, 100 * 365 * 24 * time.Hour} {
		if code := deliver(t, l.url, now.Add(ahead), "4"); code != http.StatusBadRequest {
			t.Errorf("an event dated %v ahead got %d, want 400", ahead, code)
		}
	}
	if out := l.out.String(); strings.Count(out, "\n") != 1 || !strings.Contains(out, `"message_id":"2"`) {
		t.Errorf("printed %q, want the fresh event only", out)
	}
	for _, msg := range []string{"stale event", "event dated in the future"} {
		if !strings.Contains(l.errout.String(), msg) {
			t.Errorf("the refusal %q was not logged: %q", msg, l.errout.String())
		}
	}

	// The default keeps accepting a delivery recorded in 2017.
	d := startListen(t, nil)
	if code := deliver(t, d.url, time.Unix(1511238729, 0), "3"); code != http.StatusOK {
		t.Errorf("without --max-age an old event got %d", code)
	}
	cli{}.run(t, "webhook", "listen", "--max-age", "5", "--webhook-token-file", "x").must(t, exitUsage)
}

// TestWebhookListenReplayGuard: with --replay-guard, a repeated delivery
// is answered 200 but printed once; without it, twice.
func TestWebhookListenReplayGuard(t *testing.T) {
	t.Parallel()
	when := time.Now()
	for _, tc := range []struct {
		args  []string
		lines int
	}{{[]string{"--replay-guard", "100"}, 1}, {[]string{"--replay-guard", "10000000"}, 1}, {nil, 2}} {
		l := startListen(t, nil, tc.args...)
		for range 2 {
			if code := deliver(t, l.url, when, "7"); code != http.StatusOK {
				t.Errorf("%v: got %d", tc.args, code)
			}
		}
		if n := strings.Count(l.out.String(), "\n"); n != tc.lines {
			t.Errorf("%v: %d lines printed, want %d", tc.args, n, tc.lines)
		}
	}
}

// TestWebhookListenReplayGuardBound: a guard over webhook.MaxReplayGuardSize
// is a usage error that names the maximum, before anything is reserved or
// any file read: no panic, no exhausted memory.
func TestWebhookListenReplayGuardBound(t *testing.T) {
	t.Parallel()
	for _, n := range []string{"10000001", "1000000000", "9223372036854775807"} {
		r := cli{}.run(t, "webhook", "listen", "--replay-guard", n, "--webhook-token-file", "/nonexistent").must(t, exitUsage)
		if !strings.Contains(r.errout, "--replay-guard "+n+" is over the maximum of 10000000") || strings.Contains(r.errout, "panic") {
			t.Errorf("--replay-guard %s: %q", n, r.errout)
		}
	}
	for _, n := range []string{"-1", "1e9", "99999999999999999999"} {
		cli{}.run(t, "webhook", "listen", "--replay-guard", n, "--webhook-token-file", "/nonexistent").must(t, exitUsage)
	}
}
