package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/chatwork-go/chatwork/api/webhook"
)

// serverLimits bound what a client of webhook listen may hold: slow or
// idle connections are closed within seconds.
type serverLimits struct {
	readHeader time.Duration // to read a request's headers
	read       time.Duration // to read a whole request, body included
	write      time.Duration // to write the answer
	idle       time.Duration // a keep-alive connection between requests
	maxHeader  int           // bytes of request headers
}

// defaultServerLimits are generous for Chatwork, whose deliveries are a few
// kilobytes sent at once.
var defaultServerLimits = serverLimits{
	readHeader: 5 * time.Second,
	read:       10 * time.Second,
	write:      10 * time.Second,
	idle:       10 * time.Second,
	maxHeader:  16 << 10,
}

// newWebhookServer returns the server of webhook listen, with its limits.
func newWebhookServer(h http.Handler, l serverLimits) *http.Server {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: l.readHeader}
	l.apply(srv)
	return srv
}

// apply sets the limits on srv: the server of webhook listen, and that of
// chatwork fake.
func (l serverLimits) apply(srv *http.Server) {
	srv.ReadHeaderTimeout = l.readHeader
	srv.ReadTimeout = l.read
	srv.WriteTimeout = l.write
	srv.IdleTimeout = l.idle
	srv.MaxHeaderBytes = l.maxHeader
}

// webhookOptions are the flags of webhook listen that configure the
// handler.
type webhookOptions struct {
	maxAge      time.Duration
	replayGuard int
}

func webhookGroup() *group {
	return &group{name: "webhook", summary: "receive Chatwork webhooks", tool: true, cmds: []*command{
		{
			name: "listen", nargs: 0, noAPI: true,
			usage:   "--webhook-token-file PATH [--addr 127.0.0.1:8080] [--path /] [--max-age 5m] [--replay-guard 10000] [--redis-url URL [--poll ROOM_ID,...]]",
			summary: "serve a verified webhook endpoint; print each event as a JSON line",
			examples: `chatwork webhook listen --webhook-token-file webhook-token.txt --addr 127.0.0.1:8080
chatwork webhook listen --webhook-token-file webhook-token.txt --max-age 5m --replay-guard 10000`,
			details: `Every request is checked against the signature Chatwork sends (X-ChatWorkWebhookSignature)
before it is accepted; rejected requests are logged on stderr. Each accepted event is printed on
stdout as one line of JSON with the API's field names:
  {"webhook_setting_id":"12","webhook_event_type":"message_created","webhook_event_time":1700000000,"webhook_event":{...}}

The webhook token file holds the tokens of your webhook settings (Chatwork shows one per setting),
one per line; blank lines and lines starting with # are ignored. It is not the API token
(--token-file): webhook listen makes no API call. Without the flag, $` + envWebhookToken + ` holds the
tokens, comma-separated.

Chatwork's signature covers no timestamp, so a captured delivery verifies for ever. Two opt-in
defences, off by default so that recorded and published deliveries still verify:
  --max-age 5m          refuse (400) events whose webhook_event_time is older than 5 minutes,
                        or more than ` + strconv.Itoa(int(webhook.MaxClockSkew/time.Second)) + ` seconds ahead of this machine's clock
  --replay-guard 10000  ignore (200, nothing printed) a delivery identical to one of the last
                        10000 accepted; 100 to 150 bytes each, held as deliveries arrive
                        (at most ` + strconv.Itoa(webhook.MaxReplayGuardSize) + `)
Use both: the age bounds how long a capture is useful, the guard covers that window.

With --redis-url URL (or $` + envRedisURL + `) nothing is printed: each event goes into a Redis stream
before the 200 (package api/intake), and an event the stream has already, from another replica
or a poll, is dropped; run as many replicas as needed behind a load balancer, and read the stream
with 'chatwork events consume'. A delivery that cannot be stored is answered 500. --poll
ROOM_ID,... also polls those chats as one fleet with the other replicas (see 'chatwork events
poll' for --share, --max-interval, --mentions and --lease), so that what webhooks missed is added.

Slow or idle clients are cut off: 5s to send the headers (at most 16 KiB), 10s for the whole
request, 10s to take the answer, 10s idle between requests. Serves until interrupted.`,
			setup: func(fs *flag.FlagSet) runFunc {
				addr := fs.String("addr", "127.0.0.1:8080", "listen on this `host:port`")
				tokenFile := fs.String("webhook-token-file", "", "read the webhook tokens from `PATH`, one per line (default: $"+envWebhookToken+")")
				path := fs.String("path", "/", "serve webhooks on this URL `path`")
				var opts webhookOptions
				durationVar(fs, &opts.maxAge, "max-age", 0, "refuse events older than this, such as 5m, or dated in the future (0: no limit)")
				fs.IntVar(&opts.replayGuard, "replay-guard", 0, "ignore a delivery identical to one of the last `N` accepted (0: off)")
				var stream intakeListen // --redis-url: into a Redis stream (events.go)
				stream.define(fs)
				return func(ctx context.Context, a *app, _ []string) error {
					if !strings.HasPrefix(*path, "/") {
						return usagef("--path must start with /")
					}
					if opts.replayGuard < 0 {
						return usagef("--replay-guard must not be negative")
					}
					if opts.replayGuard > webhook.MaxReplayGuardSize {
						return usagef("--replay-guard %d is over the maximum of %d deliveries (about 1.2 GB once full)",
							opts.replayGuard, webhook.MaxReplayGuardSize)
					}
					tokens, err := a.webhookTokens(*tokenFile)
					if err != nil {
						return err
					}
					h, stopIntake, err := stream.handler(ctx, a, tokens, webhookHandlerOptions(opts, a.stderr))
					switch {
					case err != nil:
						return tokenError(err)
					case h != nil:
						defer stopIntake()
					default:
						if h, err = newWebhookHandler(tokens, opts, a.stdout, a.stderr); err != nil {
							return err
						}
					}
					mux := http.NewServeMux()
					mux.Handle(*path, h)
					ln, err := net.Listen("tcp", *addr)
					if err != nil {
						return err
					}
					limits := defaultServerLimits
					if a.webhookLimits != nil {
						limits = *a.webhookLimits
					}
					srv := newWebhookServer(mux, limits)
					fmt.Fprintf(a.stderr, "chatwork: listening for webhooks on http://%s%s with %d token(s); Ctrl+C stops\n", ln.Addr(), *path, len(tokens))
					errc := make(chan error, 1)
					go func() { errc <- srv.Serve(ln) }()
					select {
					case err := <-errc:
						return err
					case <-ctx.Done():
					}
					sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
					defer cancel()
					if err := srv.Shutdown(sctx); err != nil {
						return err
					}
					fmt.Fprintln(a.stderr, "chatwork: stopped")
					return nil
				}
			},
		},
		{
			name: "sign", nargs: 0, noAPI: true, usage: "--webhook-token-file PATH < BODY",
			summary:  "print the signature Chatwork would send with a body read from stdin",
			examples: `printf %s "$body" | chatwork webhook sign --webhook-token-file webhook-token.txt`,
			details: `Handy for testing a receiver with curl:
  body='{"webhook_setting_id":"1","webhook_event_type":"message_created","webhook_event_time":1700000000,"webhook_event":{"message_id":"1","room_id":1,"account_id":1,"body":"hi","send_time":1700000000,"update_time":0}}'
  sig=$(printf %s "$body" | chatwork webhook sign --webhook-token-file token.txt)
  curl -H "X-ChatWorkWebhookSignature: $sig" -d "$body" http://127.0.0.1:8080/
The first token of the file (or of $` + envWebhookToken + `) is used. The signature is printed alone,
as the header carries it.`,
			setup: func(fs *flag.FlagSet) runFunc {
				tokenFile := fs.String("webhook-token-file", "", "read the webhook token from `PATH` (default: $"+envWebhookToken+")")
				return func(ctx context.Context, a *app, _ []string) error {
					tokens, err := a.webhookTokens(*tokenFile)
					if err != nil {
						return err
					}
					body, err := readStdin(ctx, a.stdin, "the body from stdin", webhook.DefaultMaxBodySize)
					if err != nil {
						return err
					}
					sig, err := webhook.Sign(body, tokens[0])
					if err != nil {
						return usagef("%v", err)
					}
					_, err = fmt.Fprintln(a.stdout, sig)
					return err
				}
			},
		},
	}}
}

// webhookTokens reads the webhook tokens from path, else from
// $CHATWORK_WEBHOOK_TOKEN.
func (a *app) webhookTokens(path string) ([]string, error) {
	if path != "" {
		return readTokenFile(a.ctx, path, "webhook token file", a.stderr)
	}
	var tokens []string
	for _, t := range strings.Split(a.env(envWebhookToken), ",") {
		if t = strings.TrimSpace(t); t != "" {
			tokens = append(tokens, t)
		}
	}
	if len(tokens) > 0 {
		return tokens, nil
	}
	hint := ""
	if a.set["token-file"] {
		hint = " (--token-file is the API token's file; webhooks are signed with the webhook's own token)"
	}
	return nil, usagef("no webhook token: pass --webhook-token-file PATH or set %s%s", envWebhookToken, hint)
}

// eventLine is how webhook listen prints an event: the envelope Chatwork
// sends, on one line.
type eventLine struct {
	SettingID string          `json:"webhook_setting_id"`
	Type      string          `json:"webhook_event_type"`
	Time      int64           `json:"webhook_event_time,omitempty"`
	Event     json.RawMessage `json:"webhook_event"`
}

// webhookHandlerOptions are the handler's options from the flags:
// rejections logged on logw, --max-age, --replay-guard.
func webhookHandlerOptions(o webhookOptions, logw io.Writer) []webhook.Option {
	logger := slog.New(slog.NewTextHandler(logw, &slog.HandlerOptions{Level: slog.LevelWarn}))
	opts := []webhook.Option{webhook.WithLogger(logger), webhook.WithMaxEventAge(o.maxAge)}
	if o.replayGuard > 0 {
		opts = append(opts, webhook.WithReplayGuard(o.replayGuard))
	}
	return opts
}

// tokenError makes a bad webhook token a usage error; the error never
// holds the token itself.
func tokenError(err error) error {
	if errors.Is(err, webhook.ErrMalformedToken) || errors.Is(err, webhook.ErrNoToken) {
		return usagef("webhook token file: %v", err)
	}
	return err
}

// newWebhookHandler returns the verifying handler of webhook listen: each
// accepted event becomes one JSON line on out, rejections are logged on
// logw.
func newWebhookHandler(tokens []string, o webhookOptions, out, logw io.Writer) (http.Handler, error) {
	h, err := webhook.NewHandler(tokens, webhookHandlerOptions(o, logw)...)
	if err != nil {
		return nil, tokenError(err)
	}
	var mu sync.Mutex
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	emit := func(_ context.Context, e *webhook.Event) error {
		line := eventLine{SettingID: e.SettingID, Type: e.Type, Event: e.Raw}
		if !e.Time.IsZero() {
			line.Time = e.Time.Unix()
		}
		if len(line.Event) == 0 {
			line.Event = json.RawMessage("null")
		}
		mu.Lock()
		defer mu.Unlock()
		return enc.Encode(line)
	}
	h.OnMessageCreated(emit)
	h.OnMessageUpdated(emit)
	h.OnMentionToMe(emit)
	h.OnUnknown(emit)
	return h, nil
}
