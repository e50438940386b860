package main

import (
	"context"
	"log/slog"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/chatwork-go/chatwork/api"
	"github.com/chatwork-go/chatwork/api/redislimit"
)

// envRedisURL names the Redis that scripts running in parallel on one
// token share their rate budget through, as --redis-url does.
const envRedisURL = "CHATWORK_REDIS_URL"

// redisURL is --redis-url, else $CHATWORK_REDIS_URL, else empty.
func (a *app) redisURLOrEnv() string {
	if a.redisURL != "" {
		return a.redisURL
	}
	return strings.TrimSpace(a.env(envRedisURL))
}

// redisOption returns the option that paces the client through the Redis
// at rawURL (redis://[user:password@]host:port[/db] or rediss://), shared
// with every other process on the same token, or nil for an empty URL.
// The error never repeats the URL, which may hold a password.
func redisOption(rawURL, token string, logger *slog.Logger) (api.Option, error) {
	if rawURL == "" {
		return nil, nil
	}
	o, err := redis.ParseURL(rawURL)
	if err != nil {
		return nil, usagef("--redis-url (or $%s) is not a redis:// or rediss:// URL", envRedisURL)
	}
	o.ContextTimeoutEnabled = true // the limiter's deadline bounds every Redis call
	// go-redis logs every failed dial; the limiter says once that Redis is
	// unreachable, which is what a script's stderr should show.
	redis.SetLogger(quietRedisLog{})
	return api.WithLimiter(redislimit.New(redis.NewClient(o), token, redislimit.WithLogger(logger))), nil
}

// quietRedisLog drops go-redis's own log lines.
type quietRedisLog struct{}

func (quietRedisLog) Printf(context.Context, string, ...any) {}
