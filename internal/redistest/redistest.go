// Package redistest runs a real redis-server for the tests of the packages
// that keep state in Redis (api/intake, the CLI's events commands): on a
// free loopback port, in a temporary directory, stopped when the test
// ends. Tests wait on Redis answering, never on a fixed sleep.
//
// Without redis-server the test is skipped; under CI=true it fails, since
// .ci/run installs Debian's redis-server.
package redistest

import (
	"context"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Server is a redis-server process. Its methods are safe for concurrent
// use.
type Server struct {
	tb   testing.TB
	path string
	dir  string
	port int
	aof  bool
	args func(port string) []string // in place of --port: TLS, a password

	mu  sync.Mutex
	cmd *exec.Cmd
}

// Option configures a Server.
type Option func(*Server)

// WithAOF makes the server log every write to an append-only file synced
// at each write (appendonly yes, appendfsync always), so that a restart,
// even after a kill, keeps everything it acknowledged.
func WithAOF() Option { return func(s *Server) { s.aof = true } }

// WithArgs starts the server with args(port) in place of "--port port":
// a TLS port and certificates, a password. It is then ready when it takes
// a TCP connection (a PING would need the TLS or the password).
func WithArgs(args func(port string) []string) Option { return func(s *Server) { s.args = args } }

// Start starts redis-server, or skips the test when it is not installed
// (fails it under CI=true). The end of the test stops it.
func Start(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	path, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatal("redis-server is not installed; CI must install it (apt-get install redis-server)")
		}
		tb.Skip("redis-server is not installed (apt-get install redis-server); skipping the tests against a real Redis")
	}
	s := &Server{tb: tb, path: path, dir: tb.TempDir(), port: freePort(tb)}
	for _, o := range opts {
		o(s)
	}
	s.Restart()
	tb.Cleanup(s.Kill)
	return s
}

func freePort(tb testing.TB) int {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// Addr returns the server's host:port.
func (s *Server) Addr() string { return "127.0.0.1:" + strconv.Itoa(s.port) }

// URL returns the server's redis:// URL.
func (s *Server) URL() string { return "redis://" + s.Addr() }

// Client returns a client of the server with ContextTimeoutEnabled, closed
// when the test ends.
func (s *Server) Client(tb testing.TB) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: s.Addr(), ContextTimeoutEnabled: true})
	tb.Cleanup(func() { _ = c.Close() })
	return c
}

// Restart starts the server again if it is stopped, on the same port and
// with the same directory (and so, with WithAOF, the same data), and
// waits until it answers.
func (s *Server) Restart() {
	s.tb.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return
	}
	aof := "no"
	if s.aof {
		aof = "yes"
	}
	port := []string{"--port", strconv.Itoa(s.port)}
	if s.args != nil {
		port = s.args(strconv.Itoa(s.port))
	}
	args := append(port, "--bind", "127.0.0.1", "--save", "", "--appendonly", aof, "--appendfsync", "always",
		"--dir", s.dir, "--enable-debug-command", "yes") // DEBUG SLEEP: a stalled Redis
	cmd := exec.Command(s.path, args...) //nolint:gosec // G204: redis-server from PATH, with the test's arguments
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	dieWithParent(cmd)
	if err := cmd.Start(); err != nil {
		s.tb.Fatal(err)
	}
	s.cmd = cmd
	ready := func() bool {
		if s.args != nil {
			c, err := net.Dial("tcp", s.Addr())
			if err == nil {
				c.Close()
			}
			return err == nil
		}
		c := redis.NewClient(&redis.Options{Addr: s.Addr()})
		defer c.Close()
		return c.Ping(context.Background()).Err() == nil
	}
	deadline := time.Now().Add(30 * time.Second) // bounds a hang only
	for !ready() {
		if time.Now().After(deadline) {
			s.tb.Fatalf("redis-server on %s did not answer", s.Addr())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Stop shuts the server down as an operator would (SIGTERM) and waits
// for it to exit.
func (s *Server) Stop() { s.signal(syscall.SIGTERM) }

// Kill kills the server (SIGKILL) and waits for it to exit.
func (s *Server) Kill() { s.signal(syscall.SIGKILL) }

func (s *Server) signal(sig syscall.Signal) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(sig)
	_ = s.cmd.Wait()
	s.cmd = nil
}
