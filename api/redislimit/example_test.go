package redislimit_test

import (
	"context"
	"log"
	"log/slog"
	"os"

	"github.com/redis/go-redis/v9"

	"github.com/chatwork-go/chatwork/api"
	"github.com/chatwork-go/chatwork/api/redislimit"
)

// Every replica of a service that posts with one token builds its client
// this way: they share the account's 300 requests per 5 minutes and each
// room's 10 posts per 10 seconds, and together meet no 429.
func Example() {
	token := os.Getenv("CHATWORK_API_TOKEN")
	rdb := redis.NewClient(&redis.Options{
		Addr:                  "localhost:6379",
		ContextTimeoutEnabled: true, // the limiter's deadline bounds every Redis call
	})
	defer rdb.Close()

	lim := redislimit.New(rdb, token, redislimit.WithLogger(slog.Default()))
	c, err := api.NewClient(token, api.WithLimiter(lim))
	if err != nil {
		log.Fatal(err)
	}
	if _, _, err := c.Messages.Post(context.Background(), 123456789, "Deploy finished", nil); err != nil {
		log.Print(err)
	}
}
