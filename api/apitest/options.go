package apitest

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/chatwork-go/chatwork/internal/budgets"
)

// An Option configures a Server, in the functional-option style of package
// api. Options are applied in order by [NewServer] and [Start]; a later
// option overrides an earlier one, and an option's error stops Start.
type Option func(*config) error

type config struct {
	limit          int
	window         time.Duration
	roomLimit      int
	roomWindow     time.Duration
	now            func() time.Time
	validate       bool
	listen         bool
	listenAddr     string
	syncWebhooks   bool
	webhookClient  *http.Client
	me             Account
	requestLogSize int
	observer       func(RecordedRequest)
	seed           *Seed
	adminToken     string
	httpServer     func(*http.Server)
}

func defaultConfig() config {
	return config{
		limit:          budgets.AccountLimit,
		window:         budgets.AccountWindow,
		roomLimit:      budgets.RoomLimit,
		roomWindow:     budgets.RoomWindow,
		now:            time.Now,
		validate:       true,
		listen:         true,
		requestLogSize: 10000,
		me:             Account{Name: "Me", ChatworkID: "me"},
	}
}

// WithRateLimit sets the global budget of each account: limit requests per
// fixed window (300 per 5 minutes by default, as Chatwork documents). A
// limit of 0 switches the global limit off; the x-ratelimit-* headers are
// still sent, with a limit of 1,000,000. As with api.WithRateLimit, a
// negative limit, or a positive one without a window, is refused.
func WithRateLimit(limit int, window time.Duration) Option {
	return func(c *config) error {
		if err := checkBudget("WithRateLimit", limit, window); err != nil {
			return err
		}
		c.limit = limit
		if window > 0 { // a limit of 0 keeps the window of the headers
			c.window = window
		}
		return nil
	}
}

// WithRoomPostLimit sets the per-room posting budget shared by
// POST /rooms/{room_id}/messages and POST /rooms/{room_id}/tasks: limit
// posts per sliding window (10 per 10 seconds by default). A limit of 0
// switches the per-room limit off. As with api.WithRoomPostLimit, a
// negative limit, or a positive one without a window, is refused.
func WithRoomPostLimit(limit int, window time.Duration) Option {
	return func(c *config) error {
		if err := checkBudget("WithRoomPostLimit", limit, window); err != nil {
			return err
		}
		c.roomLimit = limit
		if window > 0 {
			c.roomWindow = window
		}
		return nil
	}
}

// checkBudget refuses what is not a budget: a negative limit, or a
// positive one without a window.
func checkBudget(option string, limit int, window time.Duration) error {
	if limit < 0 || (limit > 0 && window <= 0) {
		return fmt.Errorf("apitest: %s: %d per %v is not a budget", option, limit, window)
	}
	return nil
}

// WithoutRateLimits switches off both the global and the per-room limit.
func WithoutRateLimits() Option {
	return func(c *config) error {
		c.limit = 0
		c.roomLimit = 0
		return nil
	}
}

// WithClock makes the server read the time from now instead of [time.Now].
// The function is called every time the server needs the time, so a clock
// that advances is seen at once. Inside a testing/synctest bubble the
// default, time.Now, already gives the bubble's fake time.
func WithClock(now func() time.Time) Option {
	return func(c *config) error {
		if now != nil {
			c.now = now
		}
		return nil
	}
}

// WithoutValidation switches off the validation of requests against
// openapi.yaml. The handlers still check the parameters they use, so a
// missing required field still gives 400, but the messages may differ and
// unknown values of enums may pass. Use it to measure the fake itself or to
// send requests the spec forbids on purpose.
func WithoutValidation() Option {
	return func(c *config) error {
		c.validate = false
		return nil
	}
}

// WithoutListener makes the server open no network listener at all: it is
// reached only through [Server.Client], [Server.Transport] and
// [Server.Handler]. Use it inside testing/synctest bubbles, where a
// goroutine blocked on network I/O keeps fake time from advancing. URL
// then returns http://apitest.invalid/v2, a URL that the in-memory
// transport serves and the network does not.
func WithoutListener() Option {
	return func(c *config) error {
		c.listen = false
		return nil
	}
}

// WithListenAddr makes [Start] and [NewServer] listen on addr (for example
// "127.0.0.1:8080") instead of a random loopback port.
func WithListenAddr(addr string) Option {
	return func(c *config) error {
		c.listenAddr = addr
		return nil
	}
}

// WithSyncWebhooks makes the server deliver webhooks before it answers the
// request that caused them, instead of in the background. Deliveries are
// still made after the server's state lock is released, so a webhook
// receiver may call the server back.
func WithSyncWebhooks() Option {
	return func(c *config) error {
		c.syncWebhooks = true
		return nil
	}
}

// WithWebhookClient sets the HTTP client that delivers webhooks. The
// default is a client with a 10 second timeout. In a synctest bubble, pass
// a client whose transport does no network I/O.
func WithWebhookClient(hc *http.Client) Option {
	return func(c *config) error {
		if hc != nil {
			c.webhookClient = hc
		}
		return nil
	}
}

// WithDefaultAccount sets the profile of the default account, the one whose
// token [Server.Token] returns, when there is no [WithSeed] or the seed
// has no accounts. Its ID and token are chosen by the server when zero;
// its My Chat is always created. The default profile has the name "Me"
// and the chatwork_id "me".
func WithDefaultAccount(a Account) Option {
	return func(c *config) error {
		c.me = a
		return nil
	}
}

// WithRequestLogSize sets how many requests [Server.Requests] keeps, the
// most recent ones (10000 by default). A size below 0 keeps every request.
func WithRequestLogSize(n int) Option {
	return func(c *config) error {
		c.requestLogSize = n
		return nil
	}
}

// WithRequestObserver makes the server call f with every request it
// answered, as [Server.Requests] records it, once the answer is written.
// f is called from the goroutine that served the request, so it must be
// safe for concurrent use; it must not call the server back. The command
// chatwork fake uses it to print every refused request with its Reason.
func WithRequestObserver(f func(RecordedRequest)) Option {
	return func(c *config) error {
		c.observer = f
		return nil
	}
}

// WithSeed makes the server start from seed, and go back to it on
// [Server.Reset], instead of the default account alone: the first account
// of the seed is the default one (with no accounts in the seed, the
// default account comes first). A seed that cannot be loaded (an unknown
// account in a room, an ID given twice) makes [Start] fail; [ReadSeed]
// reports such mistakes with their place in a seed file.
func WithSeed(seed Seed) Option {
	return func(c *config) error {
		c.seed = &seed
		return nil
	}
}

// WithAdminToken sets the token that the control API under /_fake/ asks
// for, in Authorization: Bearer; by default a random one, which
// [Server.AdminToken] returns. It may not be empty nor hold spaces.
func WithAdminToken(token string) Option {
	return func(c *config) error {
		if token == "" || strings.ContainsAny(token, " \t\r\n") {
			return errors.New("apitest: WithAdminToken: the token is empty or holds spaces")
		}
		c.adminToken = token
		return nil
	}
}

// WithHTTPServer calls configure with the http.Server that serves the
// listener, before it starts, to set its timeouts and limits: the command
// chatwork fake gives it those of its webhook listener, so that slow or
// idle connections are closed. A fault's Delay longer than a WriteTimeout
// then ends with the connection closed. It has no effect with
// [WithoutListener].
func WithHTTPServer(configure func(*http.Server)) Option {
	return func(c *config) error {
		c.httpServer = configure
		return nil
	}
}
