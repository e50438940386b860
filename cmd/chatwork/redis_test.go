package main

import (
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/chatwork-go/chatwork/api"
)

// TestRedisOption: --redis-url (else $CHATWORK_REDIS_URL) builds the Redis
// limiter option; a bad URL is a usage error that does not repeat the
// password.
func TestRedisOption(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	if opt, err := redisOption("", "tok", log); opt != nil || err != nil {
		t.Errorf("empty URL: %v, %v; want no option", opt, err)
	}
	opt, err := redisOption("redis://:pw@127.0.0.1:6379/2", "tok", log)
	if err != nil || opt == nil {
		t.Fatalf("good URL: %v, %v", opt, err)
	}
	if _, err := api.NewClient("tok", opt); err != nil {
		t.Errorf("the option does not build a client: %v", err)
	}
	_, err = redisOption("http://user:s3cret@host:1", "tok", log)
	var ue *usageError
	if !errors.As(err, &ue) || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("bad URL: %v, want a usage error without the password", err)
	}
	a := &app{env: func(k string) string { return map[string]string{envRedisURL: " redis://env:1 "}[k] }}
	if got := a.redisURLOrEnv(); got != "redis://env:1" {
		t.Errorf("from the environment: %q", got)
	}
	a.redisURL = "redis://flag:1"
	if got := a.redisURLOrEnv(); got != "redis://flag:1" {
		t.Errorf("the flag wins: %q", got)
	}
}
