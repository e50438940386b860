package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"

	"github.com/chatwork-go/chatwork/api/apitest"
	"github.com/chatwork-go/chatwork/api/webhook"
)

func fakeCommand() *command {
	return &command{
		nargs: 0, noAPI: true,
		usage: "[--addr 127.0.0.1:0] [--seed FILE] [--admin-token TOKEN] [--webhook URL] [--quiet] [--print-seed]",
		examples: `chatwork fake
chatwork fake --seed seed.yaml --admin-token secret --addr 127.0.0.1:8080
chatwork fake --addr 127.0.0.1:8081 --webhook http://127.0.0.1:8080/
chatwork fake --print-seed > seed.json      # the starting state, to edit and replay
curl -H "Authorization: Bearer secret" http://127.0.0.1:8080/_fake/requests?operation_id=postMessage`,
		summary: "run a fake Chatwork API on loopback, for trying the tool or testing your program in any language",
		details: `The fake (package api/apitest) keeps everything in memory and checks each request against the
API's OpenAPI description. It prints the base URL, the tokens and the export lines to use, then
serves until interrupted.

Without --seed it starts with your account, a contact (Alice, with her own token), a group chat
with both of you and two contact requests waiting for you (from Bob and Carol). With --seed FILE
it starts from the state that FILE describes, in JSON or YAML: accounts with their tokens (the
first is yours), contacts, rooms with their members and links, messages, tasks, files and contact
requests (see api/apitest/seed.schema.json; IDs given are kept). A mistake in the file is reported
with its place, such as "seed.yaml:14: rooms[0].admin_ids[1]: unknown account 9". --print-seed
prints the starting state as a seed file, IDs and tokens filled in, and exits.

The control API, under /_fake/ on the same port, lets a test in any language do over HTTP what Go
tests do with apitest (api/apitest/control.yaml describes it):
  GET  /_fake/seed, POST /_fake/reset            the state now; back to the start
  POST /_fake/rooms, /_fake/messages, ...        add accounts, rooms, messages, tasks, files...
  PUT  /_fake/rooms/{room_id}, ...               change them
  GET  /_fake/requests?operation_id=postMessage  what your program sent (DELETE to clear)
  POST /_fake/faults                             a delay, a status, a 429, a dropped connection
  PUT  /_fake/clock, POST /_fake/clock/advance   move time past a rate-limit window
  POST /_fake/webhooks, /_fake/webhooks/deliveries  register a receiver, deliver a signed event
Each request needs the admin token in "Authorization: Bearer TOKEN", or gets 403. The token is
printed at start; --admin-token fixes it.

With --webhook URL the fake also sends webhooks to URL: the messages of every group chat and the
mentions of you; the printed webhook token goes in the token file of 'chatwork webhook listen'.

Each request the fake refuses is printed on stderr, one line with the method, the path, the status
and the reason (the validator's reason for a 400), so that a program under test can see why;
--quiet turns these lines off. Like 'webhook listen', the fake closes connections that are slow to
send their headers or body or idle between requests, within seconds.`,
		setup: func(fs *flag.FlagSet) runFunc {
			addr := fs.String("addr", "127.0.0.1:0", "listen on this `host:port` (port 0: any free port)")
			seedFile := fs.String("seed", "", "start from the state in this JSON or YAML `file`")
			adminToken := fs.String("admin-token", "", "the `token` of the control API under /_fake/ (random by default)")
			hook := fs.String("webhook", "", "send webhooks to this `URL`")
			quiet := fs.Bool("quiet", false, "do not print refused requests on stderr")
			printSeed := fs.Bool("print-seed", false, "print the starting state as a seed file and exit")
			return func(ctx context.Context, a *app, _ []string) error {
				seed := sandboxSeed()
				if *seedFile != "" {
					var err error
					if seed, err = readSeed(*seedFile); err != nil {
						return err
					}
				}
				if *hook != "" {
					if err := addWebhooks(&seed, *hook); err != nil {
						return err
					}
				}
				opts := []apitest.Option{apitest.WithSeed(seed)}
				if *adminToken != "" {
					if strings.ContainsAny(*adminToken, " \t\r\n") {
						return usagef("--admin-token: the token holds spaces")
					}
					opts = append(opts, apitest.WithAdminToken(*adminToken))
				}
				if *printSeed {
					return printStartingSeed(a.stdout, append(opts, apitest.WithoutListener()))
				}
				limits := defaultServerLimits
				if a.webhookLimits != nil {
					limits = *a.webhookLimits
				}
				opts = append(opts, apitest.WithListenAddr(*addr), apitest.WithHTTPServer(limits.apply))
				if !*quiet {
					opts = append(opts, apitest.WithRequestObserver(refusalPrinter(a.stderr)))
				}
				s, err := apitest.Start(opts...)
				if err != nil {
					return err
				}
				defer s.Close()
				printBanner(a.stdout, s, *seedFile == "")
				<-ctx.Done()
				fmt.Fprintln(a.stderr, "chatwork: fake stopped")
				return nil
			}
		},
	}
}

// sandboxRoom is the group chat of the starting state without --seed; its
// ID is fixed, as the welcome message names it.
const sandboxRoom = 200000006

// sandboxSeed is the starting state without --seed: you, Alice (a contact,
// with a group chat and a welcome message) and two contact requests, from
// Bob and Carol, so that accepting and declining can both be tried. IDs
// other than the group chat's and the tokens are chosen by the fake.
func sandboxSeed() apitest.Seed {
	const me, alice, bob, carol = 1000001, 1000002, 1000003, 1000004
	return apitest.Seed{
		Accounts: []apitest.Account{
			{AccountID: me, Name: "Me", ChatworkID: "me"},
			{AccountID: alice, Name: "Alice Tanaka", ChatworkID: "alice", OrganizationName: "Example Inc."},
			{AccountID: bob, Name: "Bob Suzuki", ChatworkID: "bob", OrganizationName: "Example Inc."},
			{AccountID: carol, Name: "Carol Sato", ChatworkID: "carol"},
		},
		Contacts: []apitest.Contact{{AccountID: me, OtherAccountID: alice}},
		Rooms: []apitest.Room{{RoomID: sandboxRoom, Name: "Sandbox", Description: "A chat to try things in",
			AdminIDs: []int64{me}, MemberIDs: []int64{alice}}},
		Messages: []apitest.Message{{RoomID: sandboxRoom, AccountID: alice,
			Body: "Welcome to the fake Chatwork! Try: chatwork messages list " + id(sandboxRoom) + " --output table"}},
		IncomingRequests: []apitest.IncomingRequest{
			{AccountID: bob, ToAccountID: me, Message: "Hello, I am Bob from sales."},
			{AccountID: carol, ToAccountID: me, Message: "We met at the conference."},
		},
	}
}

// readSeed reads the --seed file; a mistake in it is a usage error that
// names its place.
func readSeed(path string) (apitest.Seed, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return apitest.Seed{}, usagef("--seed: %v", err)
	}
	seed, err := apitest.ReadSeed(path, data)
	if err != nil {
		return apitest.Seed{}, usagef("--seed: %s", strings.ReplaceAll(err.Error(), "\n", "\n  "))
	}
	return seed, nil
}

// addWebhooks adds to seed, for target, one webhook setting per group chat
// with its messages, the first also with the mentions of the default
// account, all signed with one token.
func addWebhooks(seed *apitest.Seed, target string) error {
	if u, err := url.Parse(target); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return usagef("--webhook: %q is not an absolute http or https URL", target)
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key) // never fails
	token := base64.StdEncoding.EncodeToString(key)
	events := []string{webhook.TypeMessageCreated, webhook.TypeMessageUpdated}
	var me int64
	if len(seed.Accounts) > 0 {
		me = seed.Accounts[0].AccountID
	}
	for i, r := range seed.Rooms {
		h := apitest.Webhook{URL: target, Token: token, Events: events, RoomID: r.RoomID}
		if i == 0 && me != 0 {
			h.Events, h.AccountID = append(events, webhook.TypeMentionToMe), me
		}
		seed.Webhooks = append(seed.Webhooks, h)
	}
	if len(seed.Rooms) == 0 && me != 0 {
		seed.Webhooks = append(seed.Webhooks, apitest.Webhook{URL: target, Token: token, Events: []string{webhook.TypeMentionToMe}, AccountID: me})
	}
	if len(seed.Webhooks) == 0 {
		return usagef("--webhook: the seed has no group chat and no account with a fixed account_id to send the events of")
	}
	return nil
}

// printStartingSeed prints the state a fake with opts starts in.
func printStartingSeed(w io.Writer, opts []apitest.Option) error {
	s, err := apitest.Start(opts...)
	if err != nil {
		return err
	}
	defer s.Close()
	b, err := json.MarshalIndent(s.Seed(), "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

// printBanner tells how to reach the fake: the accounts and rooms, the
// control API and the export lines.
func printBanner(w io.Writer, s *apitest.Server, sandbox bool) {
	fmt.Fprintf(w, "Fake Chatwork API listening on %s\n\n", s.URL())
	me := s.Me()
	if sandbox {
		alice, _ := s.Account(1000002)
		contacts := s.Contacts()
		fmt.Fprintf(w, "  you      %s (account_id %d), My Chat %d\n", me.Name, me.AccountID, me.RoomID)
		fmt.Fprintf(w, "  contact  %s (account_id %d), direct chat %d, her token: %s\n", alice.Name, alice.AccountID, contacts[0].RoomID, alice.Token)
		fmt.Fprintf(w, "  room     Sandbox (room_id %d), with both of you\n", sandboxRoom)
		fmt.Fprintf(w, "  requests Bob Suzuki and Carol Sato ask to be your contacts (chatwork requests list)\n")
	} else {
		for _, a := range s.Accounts() {
			you := ""
			if a.AccountID == me.AccountID {
				you = " (you)"
			}
			fmt.Fprintf(w, "  account  %s%s (account_id %d), My Chat %d, token: %s\n", a.Name, you, a.AccountID, a.RoomID, a.Token)
		}
		for _, r := range s.Rooms() {
			if r.Type == apitest.RoomTypeGroup {
				fmt.Fprintf(w, "  room     %s (room_id %d)\n", r.Name, r.RoomID)
			}
		}
	}
	for _, h := range s.Webhooks() {
		fmt.Fprintf(w, "  webhook  setting %d posts to %s, token: %s\n", h.WebhookID, h.URL, h.Token)
	}
	control := strings.TrimSuffix(s.URL(), "/v2") + "/_fake"
	fmt.Fprintf(w, "\nThe control API (seed, reset, requests, faults, clock, webhooks; chatwork fake -h):\n\n")
	fmt.Fprintf(w, "  export CHATWORK_FAKE_URL=%s\n", control)
	fmt.Fprintf(w, "  export CHATWORK_FAKE_ADMIN_TOKEN=%s\n", s.AdminToken())
	fmt.Fprintf(w, "  curl -H \"Authorization: Bearer $CHATWORK_FAKE_ADMIN_TOKEN\" $CHATWORK_FAKE_URL/requests\n")
	fmt.Fprintf(w, "\nPoint the command, or your program, at it:\n\n")
	fmt.Fprintf(w, "  export CHATWORK_BASE_URL=%s\n", s.URL())
	fmt.Fprintf(w, "  export CHATWORK_API_TOKEN=%s\n\n", s.Token())
	fmt.Fprintf(w, "  chatwork rooms list --output table\n")
	if sandbox {
		fmt.Fprintf(w, "  chatwork send %d 'Hello from the command line' --to %d\n", sandboxRoom, 1000002)
	}
	fmt.Fprintln(w, "\nServing until Ctrl+C.")
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
