package redislimit_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"log/slog"
	"math/big"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/chatwork-go/chatwork/api/pacing"
	"github.com/chatwork-go/chatwork/api/redislimit"
	"github.com/chatwork-go/chatwork/internal/redistest"
)

// selfSigned writes a self-signed certificate for localhost and its key
// into dir, and returns their paths.
func selfSigned(t *testing.T, dir string) (cert, key string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"}, DNSNames: []string{"localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	cert, key = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(key, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	return cert, key
}

// TestRedisErrorsSayWhatTheyAre: a Redis that cannot be used is reported
// as what is wrong with it, not as a timeout: an untrusted certificate,
// refused credentials, nothing listening. Calls go on with local pacing.
func TestRedisErrorsSayWhatTheyAre(t *testing.T) {
	dir := t.TempDir()
	cert, key := selfSigned(t, dir)
	tlsRedis := redistest.Start(t, redistest.WithArgs(func(port string) []string {
		return []string{"--port", "0", "--tls-port", port, "--tls-cert-file", cert, "--tls-key-file", key,
			"--tls-ca-cert-file", cert, "--tls-auth-clients", "no"}
	}))
	authRedis := redistest.Start(t, redistest.WithArgs(func(port string) []string { return []string{"--port", port, "--requirepass", "secret"} }))
	// The diagnosis needs the exchange with Redis to end within the call's
	// deadline: a TLS handshake or an AUTH, which take longer than the
	// default 250 ms on a busy machine under the race detector (the call
	// is then only "too slow"), get a deadline that only a hang misses. A
	// refused connection ends at once: that case keeps the default.
	const busy = 5 * time.Second
	for _, tc := range []struct {
		name    string
		opts    *redis.Options
		timeout time.Duration
		want    string
	}{
		{"untrusted certificate", &redis.Options{Addr: tlsRedis.Addr(), TLSConfig: &tls.Config{ServerName: "localhost", MinVersion: tls.VersionTLS12}},
			busy, "redis presented a certificate that is not trusted"},
		{"wrong password", &redis.Options{Addr: authRedis.Addr(), Password: "wrong"}, busy, "redis refused the credentials"},
		{"no password", &redis.Options{Addr: authRedis.Addr()}, busy, "redis refused the credentials"},
		{"nothing listening", &redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(freePort(t))}, 0, "redis unreachable"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.ContextTimeoutEnabled = true
			rdb := redis.NewClient(tc.opts)
			t.Cleanup(func() { _ = rdb.Close() })
			var logs logBuffer
			opts := []redislimit.Option{redislimit.WithLogger(slog.New(slog.NewTextHandler(&logs, nil)))}
			if tc.timeout > 0 {
				opts = append(opts, redislimit.WithCallTimeout(tc.timeout))
			}
			lim := redislimit.New(rdb, "token-"+tc.name, opts...)
			if err := lim.Wait(t.Context(), 0, time.Second); err != nil {
				t.Fatalf("Wait: %v; calls go on with local pacing", err)
			}
			lim.Observe(0, pacing.Observation{StatusCode: 200, Sent: time.Now()})
			if !strings.Contains(logs.String(), tc.want) {
				t.Errorf("the log does not say %q:\n%s", tc.want, logs.String())
			}
			if strings.Contains(logs.String(), "secret") || strings.Contains(logs.String(), "wrong") && tc.name == "wrong password" {
				t.Errorf("the log holds the password:\n%s", logs.String())
			}
		})
	}
}
