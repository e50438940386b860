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
	"os"
	"strings"
	"sync"
	"time"

	"github.com/chatwork-go/chatwork/api/webhook"
)

func webhookGroup() *group {
	return &group{name: "webhook", summary: "receive Chatwork webhooks", tool: true, cmds: []*command{
		{
			name: "listen", nargs: 0, noAPI: true,
			usage:   "--token-file PATH [--addr 127.0.0.1:8080] [--path /]",
			summary: "serve a verified webhook endpoint; print each event as a JSON line",
			details: `Every request is checked against the signature Chatwork sends (X-ChatWorkWebhookSignature)
before it is accepted; rejected requests are logged on stderr. Each accepted event is printed on
stdout as one line of JSON with the API's field names:
  {"webhook_setting_id":"12","webhook_event_type":"message_created","webhook_event_time":1700000000,"webhook_event":{...}}

The token file holds the tokens of your webhook settings (Chatwork shows one per setting), one
per line; blank lines and lines starting with # are ignored. Serves until interrupted.`,
			setup: func(fs *flag.FlagSet) runFunc {
				addr := fs.String("addr", "127.0.0.1:8080", "listen on this `host:port`")
				tokenFile := fs.String("token-file", "", "read the webhook tokens from `PATH`, one per line (required)")
				path := fs.String("path", "/", "serve webhooks on this URL `path`")
				return func(ctx context.Context, a *app, _ []string) error {
					tokens, err := readWebhookTokens(*tokenFile)
					if err != nil {
						return err
					}
					if !strings.HasPrefix(*path, "/") {
						return usagef("--path must start with /")
					}
					h, err := newWebhookHandler(tokens, a.stdout, a.stderr)
					if err != nil {
						return err
					}
					mux := http.NewServeMux()
					mux.Handle(*path, h)
					ln, err := net.Listen("tcp", *addr)
					if err != nil {
						return err
					}
					srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
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
			name: "sign", nargs: 0, noAPI: true, usage: "--token-file PATH < BODY",
			summary: "print the signature Chatwork would send with a body read from stdin",
			details: `Handy for testing a receiver with curl:
  body='{"webhook_setting_id":"1","webhook_event_type":"message_created","webhook_event_time":1700000000,"webhook_event":{"message_id":"1","room_id":1,"account_id":1,"body":"hi","send_time":1700000000,"update_time":0}}'
  sig=$(printf %s "$body" | chatwork webhook sign --token-file token.txt)
  curl -H "X-ChatWorkWebhookSignature: $sig" -d "$body" http://127.0.0.1:8080/
The first token of the file is used.`,
			setup: func(fs *flag.FlagSet) runFunc {
				tokenFile := fs.String("token-file", "", "read the webhook token from `PATH` (required)")
				return func(_ context.Context, a *app, _ []string) error {
					tokens, err := readWebhookTokens(*tokenFile)
					if err != nil {
						return err
					}
					body, err := io.ReadAll(io.LimitReader(a.stdin, webhook.DefaultMaxBodySize+1))
					if err != nil {
						return fmt.Errorf("reading stdin: %w", err)
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

// readWebhookTokens reads the tokens of a token file: one per line, blank
// lines and # comments ignored.
func readWebhookTokens(path string) ([]string, error) {
	if path == "" {
		return nil, usagef("--token-file PATH is required")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the token file: %w", err)
	}
	var tokens []string
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		tokens = append(tokens, line)
	}
	if len(tokens) == 0 {
		return nil, usagef("the token file %s holds no token", path)
	}
	return tokens, nil
}

// eventLine is how webhook listen prints an event: the envelope Chatwork
// sends, on one line.
type eventLine struct {
	SettingID string          `json:"webhook_setting_id"`
	Type      string          `json:"webhook_event_type"`
	Time      int64           `json:"webhook_event_time,omitempty"`
	Event     json.RawMessage `json:"webhook_event"`
}

// newWebhookHandler returns the verifying handler of webhook listen: each
// accepted event becomes one JSON line on out, rejections are logged on
// logw.
func newWebhookHandler(tokens []string, out, logw io.Writer) (http.Handler, error) {
	logger := slog.New(slog.NewTextHandler(logw, &slog.HandlerOptions{Level: slog.LevelWarn}))
	h, err := webhook.NewHandler(tokens, webhook.WithLogger(logger))
	if err != nil {
		if errors.Is(err, webhook.ErrMalformedToken) || errors.Is(err, webhook.ErrNoToken) {
			// The error never holds the token itself.
			return nil, usagef("webhook token file: %v", err)
		}
		return nil, err
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
