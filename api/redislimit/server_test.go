package redislimit_test

import (
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// redisServer is a real redis-server (Debian's package) on a free loopback
// port, in a temporary directory, stopped when the test ends.
type redisServer struct {
	t     testing.TB
	path  string
	dir   string
	port  int
	extra func(port string) []string // arguments replacing --port: TLS, a password
	cmd   *exec.Cmd
}

// startRedis starts redis-server, or skips the test when it is not
// installed; under CI=true a missing redis-server fails the test.
func startRedis(t testing.TB) *redisServer {
	t.Helper()
	return startRedisWith(t, nil)
}

// startRedisWith starts redis-server with extra(port) in place of
// "--port port".
func startRedisWith(t testing.TB, extra func(port string) []string) *redisServer {
	t.Helper()
	path, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("redis-server is not installed; CI must install it (apt-get install redis-server)")
		}
		t.Skip("redis-server is not installed (apt-get install redis-server); skipping the tests against a real Redis")
	}
	s := &redisServer{t: t, path: path, dir: t.TempDir(), port: freePort(t), extra: extra}
	s.start()
	t.Cleanup(s.stop)
	return s
}

func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func (s *redisServer) addr() string { return "127.0.0.1:" + strconv.Itoa(s.port) }

func (s *redisServer) start() {
	s.t.Helper()
	port := []string{"--port", strconv.Itoa(s.port)}
	if s.extra != nil {
		port = s.extra(strconv.Itoa(s.port))
	}
	args := append(port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", s.dir, "--enable-debug-command", "yes")
	s.cmd = exec.Command(s.path, args...)
	s.cmd.Stdout, s.cmd.Stderr = io.Discard, io.Discard
	dieWithParent(s.cmd)
	if err := s.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	// Wait until it accepts connections (a plain TCP dial serves every
	// setup, TLS and passwords included).
	for i := 0; ; i++ {
		if c, err := net.Dial("tcp", s.addr()); err == nil {
			c.Close()
			return
		}
		if i == 500 {
			s.t.Fatalf("redis-server on %s did not listen", s.addr())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (s *redisServer) stop() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	s.cmd = nil
}

func (s *redisServer) restart() {
	s.stop()
	s.start()
}

func (s *redisServer) client(t testing.TB) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: s.addr(), ContextTimeoutEnabled: true})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// blackhole is a TCP proxy in front of Redis that, once stalled, holds
// every byte either way: a Redis that has become too slow to answer. Armed
// with killNextReply, it drops the next answer Redis sends through it and
// closes that connection: a connection killed while a script ran.
type blackhole struct {
	ln      net.Listener
	target  string
	mu      sync.Mutex
	stalled bool
	kill    bool
	killed  chan struct{} // closed once a reply was dropped
	conns   []net.Conn
}

func newBlackhole(t testing.TB, target string) *blackhole {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b := &blackhole{ln: ln, target: target}
	go b.serve()
	t.Cleanup(b.close)
	return b
}

func (b *blackhole) addr() string { return b.ln.Addr().String() }

func (b *blackhole) stall() { b.mu.Lock(); b.stalled = true; b.mu.Unlock() }

func (b *blackhole) isStalled() bool { b.mu.Lock(); defer b.mu.Unlock(); return b.stalled }

// killNextReply arms the proxy; the channel is closed once it struck.
func (b *blackhole) killNextReply() <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.kill, b.killed = true, make(chan struct{})
	return b.killed
}

// strike reports whether this reply is the one to drop, disarming.
func (b *blackhole) strike() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.kill {
		return false
	}
	b.kill = false
	close(b.killed)
	return true
}

func (b *blackhole) serve() {
	for {
		c, err := b.ln.Accept()
		if err != nil {
			return
		}
		up, err := net.Dial("tcp", b.target)
		if err != nil {
			c.Close()
			continue
		}
		b.mu.Lock()
		b.conns = append(b.conns, c, up)
		b.mu.Unlock()
		go b.pipe(up, c, false)
		go b.pipe(c, up, true)
	}
}

// pipe copies from src to dst until stalled, then reads and drops. On the
// way back from Redis (replies) an armed proxy drops one reply and closes
// both ends.
func (b *blackhole) pipe(dst, src net.Conn, replies bool) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if err != nil {
			return
		}
		if replies && b.strike() {
			dst.Close()
			src.Close()
			return
		}
		if !b.isStalled() {
			if _, err := dst.Write(buf[:n]); err != nil {
				return
			}
		}
	}
}

func (b *blackhole) close() {
	b.ln.Close()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, c := range b.conns {
		c.Close()
	}
}
