package redislimit_test

import (
	"net"
	"sync"
	"testing"
)

// freePort returns a loopback port nothing listens on.
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
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
