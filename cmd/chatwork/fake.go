package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/chatwork-go/chatwork/api/apitest"
	"github.com/chatwork-go/chatwork/api/webhook"
)

func fakeCommand() *command {
	return &command{
		nargs: 0, noAPI: true,
		usage: "[--addr 127.0.0.1:0] [--webhook URL] [--quiet]",
		examples: `chatwork fake
chatwork fake --addr 127.0.0.1:8081 --webhook http://127.0.0.1:8080/`,
		summary: "run a fake Chatwork API on loopback, for trying the tool or your program",
		details: `The fake (package api/apitest) keeps everything in memory and checks each request against the
API's OpenAPI description. It starts with your account, a contact (Alice, with her own token), a
group chat with both of you and two contact requests waiting for you (from Bob and Carol). It prints the base URL, the tokens and the export lines to use, then
serves until interrupted.

With --webhook URL it also sends webhooks for the group chat and for mentions of you to URL; the
printed webhook token goes in the token file of 'chatwork webhook listen'.

Each request the fake refuses is printed on stderr, one line with the method, the path, the status
and the reason (the validator's reason for a 400), so that a program under test can see why;
--quiet turns these lines off.`,
		setup: func(fs *flag.FlagSet) runFunc {
			addr := fs.String("addr", "127.0.0.1:0", "listen on this `host:port` (port 0: any free port)")
			hook := fs.String("webhook", "", "send webhooks to this `URL`")
			quiet := fs.Bool("quiet", false, "do not print refused requests on stderr")
			return func(ctx context.Context, a *app, _ []string) error {
				opts := []apitest.Option{apitest.WithListenAddr(*addr)}
				if !*quiet {
					opts = append(opts, apitest.WithRequestObserver(refusalPrinter(a.stderr)))
				}
				s, err := apitest.Start(opts...)
				if err != nil {
					return err
				}
				defer s.Close()
				me := s.Me()
				alice := s.AddAccount(apitest.Account{Name: "Alice Tanaka", ChatworkID: "alice", OrganizationName: "Example Inc."})
				direct := s.AddContact(apitest.Contact{AccountID: me.AccountID, OtherAccountID: alice.AccountID}).RoomID
				room := s.AddRoom(apitest.Room{Name: "Sandbox", Description: "A chat to try things in", AdminIDs: []int64{me.AccountID}, MemberIDs: []int64{alice.AccountID}}).RoomID
				s.AddMessage(apitest.Message{RoomID: room, AccountID: alice.AccountID, Body: "Welcome to the fake Chatwork! Try: chatwork messages list " + id(room) + " --output table"})
				// Two pending requests, so that accepting and declining can both be tried.
				bob := s.AddAccount(apitest.Account{Name: "Bob Suzuki", ChatworkID: "bob", OrganizationName: "Example Inc."})
				carol := s.AddAccount(apitest.Account{Name: "Carol Sato", ChatworkID: "carol"})
				s.AddIncomingRequest(apitest.IncomingRequest{AccountID: bob.AccountID, ToAccountID: me.AccountID, Message: "Hello, I am Bob from sales."})
				s.AddIncomingRequest(apitest.IncomingRequest{AccountID: carol.AccountID, ToAccountID: me.AccountID, Message: "We met at the conference."})

				w := a.stdout
				fmt.Fprintf(w, "Fake Chatwork API listening on %s\n\n", s.URL())
				fmt.Fprintf(w, "  you      %s (account_id %d), My Chat %d\n", me.Name, me.AccountID, me.RoomID)
				fmt.Fprintf(w, "  contact  %s (account_id %d), direct chat %d, her token: %s\n", alice.Name, alice.AccountID, direct, alice.Token)
				fmt.Fprintf(w, "  room     Sandbox (room_id %d), with both of you\n", room)
				fmt.Fprintf(w, "  requests %s and %s ask to be your contacts (chatwork requests list)\n", bob.Name, carol.Name)
				if *hook != "" {
					h, err := addWebhook(s, *hook, room, me.AccountID)
					if err != nil {
						return err
					}
					fmt.Fprintf(w, "  webhook  setting %d posts to %s, token: %s\n", h.WebhookID, h.URL, h.Token)
				}
				fmt.Fprintf(w, "\nPoint the command, or your program, at it:\n\n")
				fmt.Fprintf(w, "  export CHATWORK_BASE_URL=%s\n", s.URL())
				fmt.Fprintf(w, "  export CHATWORK_API_TOKEN=%s\n\n", s.Token())
				fmt.Fprintf(w, "  chatwork rooms list --output table\n")
				fmt.Fprintf(w, "  chatwork send %d 'Hello from the command line' --to %d\n\n", room, alice.AccountID)
				fmt.Fprintln(w, "Serving until Ctrl+C.")
				<-ctx.Done()
				fmt.Fprintln(a.stderr, "chatwork: fake stopped")
				return nil
			}
		},
	}
}

// refusalPrinter returns a request observer that prints each refused
// request on w, one line each:
//
//	chatwork fake: POST /v2/rooms: 400: body.members_admin_ids: value "1&2": repeated key; send one comma-joined value such as 1,2,3
//
// The fake's reasons never contain a token.
func refusalPrinter(w io.Writer) func(apitest.RecordedRequest) {
	var mu sync.Mutex
	oneLine := strings.NewReplacer("\r", " ", "\n", " ")
	return func(r apitest.RecordedRequest) {
		if r.Status < http.StatusBadRequest {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(w, "chatwork fake: %s %s: %d: %s\n", r.Method, oneLine.Replace(r.Path), r.Status, oneLine.Replace(r.Reason))
	}
}

// addWebhook registers a webhook for the room's messages and the mentions
// of account; AddWebhook panics on a bad URL, which becomes a usage error.
func addWebhook(s *apitest.Server, url string, room, account int64) (h apitest.Webhook, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = usagef("--webhook: %v", r)
		}
	}()
	return s.AddWebhook(apitest.Webhook{
		URL:       url,
		Events:    []string{webhook.TypeMessageCreated, webhook.TypeMessageUpdated, webhook.TypeMentionToMe},
		RoomID:    room,
		AccountID: account,
	}), nil
}
