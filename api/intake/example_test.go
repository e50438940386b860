package intake_test

import (
	"context"
	"errors"
	"log"
	"net/http"
	"os"
	"os/signal"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/chatwork-go/chatwork/api"
	"github.com/chatwork-go/chatwork/api/intake"
	"github.com/chatwork-go/chatwork/api/redislimit"
)

// Every replica of a bot runs this program behind one load balancer: it
// takes Chatwork's webhooks into the stream, polls the rooms for what
// webhooks missed (one poller per room, one budget share for the fleet),
// and answers mentions as a consumer of the group "bot", each once.
func Example() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	token := os.Getenv("CHATWORK_API_TOKEN")
	rdb := redis.NewClient(&redis.Options{Addr: "localhost:6379", ContextTimeoutEnabled: true})
	defer rdb.Close()
	c, err := api.NewClient(token, api.WithLimiter(redislimit.New(rdb, token)))
	if err != nil {
		log.Fatal(err)
	}
	events := intake.New(rdb)

	// The intake: verify, store, 200.
	h, err := events.Handler(strings.Split(os.Getenv("CHATWORK_WEBHOOK_TOKENS"), ","))
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Addr: ":8080", Handler: h}
	go func() {
		if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
			log.Fatal(err)
		}
	}()
	defer srv.Close()

	// What webhooks missed.
	rooms := []int64{123456789, 987654321}
	go func() { _ = events.Poll(ctx, c, rooms, &intake.PollOptions{Mentions: true}) }()

	// The work, at least once. The key, recorded once the answer is
	// posted, skips an entry handled before a crash; only a crash between
	// the post and the record answers twice.
	err = events.Consume(ctx, "bot", func(ctx context.Context, d *intake.Delivery) error {
		m := d.Event.Mention
		if m == nil {
			return nil // not a mention: nothing to do
		}
		answered := "bot:answered:" + d.Key
		if n, err := rdb.Exists(ctx, answered).Result(); err != nil || n == 1 {
			return err // Redis failed (tried again), or answered before
		}
		if _, _, err := c.Messages.Post(ctx, m.RoomID, "On it!", nil); err != nil {
			return err // tried again after a backoff
		}
		return rdb.Set(ctx, answered, 1, 0).Err()
	})
	if err != nil {
		log.Fatal(err)
	}
}
