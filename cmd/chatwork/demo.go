package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/chatwork-go/chatwork/api"
	"github.com/chatwork-go/chatwork/api/apitest"
	"github.com/chatwork-go/chatwork/api/notation"
	"github.com/chatwork-go/chatwork/internal/limits"
)

func demoCommand() *command {
	return &command{
		nargs: 0, noAPI: true, usage: "", examples: "chatwork demo",
		summary: "a guided tour of the API against an in-process fake (start here)",
		details: `The demo starts a fake Chatwork (package api/apitest) on a loopback port and plays a short
scenario with package api, the way your own program would: every step is a real HTTP request.
Nothing leaves your machine and no token is needed.`,
		setup: func(fs *flag.FlagSet) runFunc {
			return func(ctx context.Context, a *app, _ []string) error {
				return runDemo(ctx, a.stdout)
			}
		},
	}
}

// demo holds the state of the tour.
type demo struct {
	w    io.Writer
	n    int
	srv  *apitest.Server
	me   *api.Client // the default account
	peer *api.Client // the contact, with her own token
}

func (d *demo) step(title, endpoints string) {
	d.n++
	fmt.Fprintf(d.w, "\n%2d. %-44s %s\n", d.n, title, endpoints)
}

func (d *demo) say(format string, args ...any) {
	fmt.Fprintf(d.w, "    "+format+"\n", args...)
}

// block prints multi-line text, such as a message body, indented.
func (d *demo) block(s string) {
	for _, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		fmt.Fprintf(d.w, "      │ %s\n", l)
	}
}

func runDemo(ctx context.Context, w io.Writer) error {
	start := time.Now()
	srv, err := apitest.Start(apitest.WithDefaultAccount(apitest.Account{
		Name: "Yuki Sato", ChatworkID: "yuki", OrganizationName: "Example Inc.", Department: "Platform",
	}))
	if err != nil {
		return fmt.Errorf("starting the fake Chatwork: %w", err)
	}
	defer srv.Close()
	// The contact: another account, with a token of her own.
	alice := srv.AddAccount(apitest.Account{Name: "Alice Tanaka", ChatworkID: "alice", OrganizationName: "Example Inc.", Department: "QA"})
	srv.AddContact(apitest.Contact{AccountID: srv.Me().AccountID, OtherAccountID: alice.AccountID})

	opts := []api.Option{api.WithBaseURL(srv.URL()), api.WithUserAgent("chatwork-cli-demo/" + api.Version)}
	me, err := api.NewClient(srv.Token(), opts...)
	if err != nil {
		return err
	}
	peer, err := api.NewClient(alice.Token, opts...)
	if err != nil {
		return err
	}
	d := &demo{w: w, srv: srv, me: me, peer: peer}

	fmt.Fprintln(w, "Chatwork API demo")
	fmt.Fprintln(w, "=================")
	fmt.Fprintf(w, "A fake Chatwork is running in this process at %s.\n", srv.URL())
	fmt.Fprintln(w, "Every step below is a real HTTP request made with package api, as your program would make it.")

	if err := d.run(ctx); err != nil {
		return fmt.Errorf("demo step %d: %w", d.n, err)
	}

	fmt.Fprintf(w, "\nDone in %s: %d requests, all answered by the fake.\n", time.Since(start).Round(time.Millisecond), len(srv.Requests()))
	fmt.Fprintln(w, `
Point the same tool at the real API:

  export CHATWORK_API_TOKEN=...     # Chatwork: Personal settings > Service integration > API token
  chatwork me
  chatwork rooms list --output table
  echo 'Deploy finished' | chatwork send ROOM_ID - --info-title Deploy

'chatwork fake' runs this fake server for your own experiments; 'chatwork help' lists every command.`)
	return nil
}

func (d *demo) run(ctx context.Context) error {
	// 1. Who am I?
	d.step("Who am I?", "GET /me")
	me, _, err := d.me.Me.Get(ctx)
	if err != nil {
		return err
	}
	d.say("%s (account_id %d, chatwork_id %q), %s, %s", me.Name, me.AccountID, me.ChatworkID, me.OrganizationName, me.Department)
	d.say("My Chat: room %d", me.RoomID)

	// 2. Contacts.
	d.step("My contacts", "GET /contacts")
	contacts, _, err := d.me.Contacts.List(ctx)
	if err != nil {
		return err
	}
	if len(contacts) == 0 {
		return fmt.Errorf("the fake has no contact")
	}
	for _, c := range contacts {
		d.say("%s (account_id %d, chatwork_id %q), direct chat %d", c.Name, c.AccountID, c.ChatworkID, c.RoomID)
	}
	alice := contacts[0]

	// 3. A group chat with the contact.
	d.step("Create a group chat with "+firstName(alice.Name), "POST /rooms, GET /rooms/{id}/members")
	room, _, err := d.me.Rooms.Create(ctx, api.CreateRoomParams{
		Name:        "Release 1.2",
		Description: "Shipping release 1.2",
		IconPreset:  "project",
		AdminIDs:    []int64{me.AccountID},
		MemberIDs:   []int64{alice.AccountID},
	})
	if err != nil {
		return err
	}
	members, _, err := d.me.Members.List(ctx, room)
	if err != nil {
		return err
	}
	var ms []string
	for _, m := range members {
		ms = append(ms, fmt.Sprintf("%s (%s)", m.Name, m.Role))
	}
	d.say("room %d \"Release 1.2\", members: %s", room, strings.Join(ms, ", "))

	// 4. A message built with package notation.
	d.step("Post a message with notation", "POST /rooms/{id}/messages")
	body := notation.NewBuilder().
		To(alice.AccountID, alice.Name).
		Info("Release 1.2", "The build is green. Could you check the changelog?").
		String()
	msgID, _, err := d.me.Messages.Post(ctx, room, body, nil)
	if err != nil {
		return err
	}
	d.say("the body, built with notation.NewBuilder().To(...).Info(...):")
	d.block(body)
	d.say("-> message_id %s (a string: message IDs do not fit in a float64)", msgID)

	// 5. A task for the contact.
	d.step("Give "+firstName(alice.Name)+" a task", "POST /rooms/{id}/tasks")
	due := time.Now().Add(24 * time.Hour).Truncate(time.Hour)
	taskIDs, _, err := d.me.Tasks.Create(ctx, room, api.CreateTaskParams{
		Body: "Check the changelog of 1.2", AssigneeIDs: []int64{alice.AccountID}, LimitTime: due, LimitType: api.TaskLimitTypeTime,
	})
	if err != nil {
		return err
	}
	taskID := taskIDs[0]
	d.say("-> task_id %d \"Check the changelog of 1.2\" for %s, due %s", taskID, alice.Name, due.Format("2006-01-02 15:04"))

	// 6. Upload a file and download it back.
	d.step("Upload a file and download it back", "POST /rooms/{id}/files, GET .../files/{id}")
	content := []byte("Release 1.2\n- faster uploads\n- fewer rate-limit surprises\n")
	fileID, _, err := d.me.Files.Upload(ctx, room, api.UploadFileParams{Name: "changelog.txt", Content: bytes.NewReader(content), Message: "The changelog"})
	if err != nil {
		return err
	}
	d.say("uploaded changelog.txt (%d bytes) -> file_id %d", len(content), fileID)
	var got bytes.Buffer
	f, _, err := d.me.Files.Download(ctx, room, fileID, &got)
	if err != nil {
		return err
	}
	if !bytes.Equal(got.Bytes(), content) {
		return fmt.Errorf("downloaded %d bytes that differ from the %d uploaded", got.Len(), len(content))
	}
	d.say("downloaded %s through its %d-second download URL: %d bytes, identical to the upload ✓", f.Filename, int(limits.DownloadURLLifetime/time.Second), got.Len())

	// 7. The contact replies and completes her task, with her own token.
	d.step(firstName(alice.Name)+" replies and completes her task", "GET+POST messages, PUT tasks/{id}/status")
	orig, _, err := d.peer.Messages.Get(ctx, room, msgID)
	if err != nil {
		return err
	}
	reply := notation.NewBuilder().
		Reply(orig.Account.AccountID, room, msgID, orig.Account.Name).
		Text("Changelog checked, ship it!").
		String()
	replyID, _, err := d.peer.Messages.Post(ctx, room, reply, nil)
	if err != nil {
		return err
	}
	d.say("%s fetched message %s to learn its sender (account_id %d) and replied:", firstName(alice.Name), msgID, orig.Account.AccountID)
	d.block(reply)
	d.say("-> message_id %s", replyID)
	if _, err := d.peer.Tasks.SetStatus(ctx, room, taskID, api.TaskStatusDone); err != nil {
		return err
	}
	t, _, err := d.me.Tasks.Get(ctx, room, taskID)
	if err != nil {
		return err
	}
	d.say("task %d is now %q (assigned by %s to %s)", t.TaskID, t.Status, t.AssignedByAccount.Name, t.Assignee.Name)

	// 8. My counts.
	d.step("My status", "GET /my/status")
	st, _, err := d.me.Me.Status(ctx)
	if err != nil {
		return err
	}
	d.say("unread %d in %d room(s), mentions %d, open tasks %d", st.UnreadNum, st.UnreadRoomNum, st.MentionNum, st.MytaskNum)

	// 9. Reading: the server-side cursor of ListNew.
	d.step("Catch up on the room", "GET /rooms/{id}/messages")
	news, _, err := d.me.Messages.ListNew(ctx, room)
	if err != nil {
		return err
	}
	d.say("ListNew (force=0): %d message(s) not fetched before:", len(news))
	mentions := 0
	for _, m := range news {
		d.say("  %s  %-13s %s", m.MessageID, m.Account.Name, summary(m.Body, 52))
		if notation.Parse(m.Body).MentionsAccount(me.AccountID) {
			mentions++
		}
	}
	d.say("notation.Parse finds %d of them addressed to you ([To:…] or [rp …])", mentions)
	again, _, err := d.me.Messages.ListNew(ctx, room)
	if err != nil {
		return err
	}
	d.say("ListNew again: %d message(s): the server moved this account's cursor past them", len(again))
	latest, _, err := d.me.Messages.ListLatest(ctx, room)
	if err != nil {
		return err
	}
	d.say("ListLatest (force=1): still %d message(s): it moves no cursor", len(latest))
	d.say("(chatwork messages list reads like ListLatest; only --new moves the cursor, for every program on the account)")

	// 10. Mark read.
	d.step("Mark the room read", "PUT /rooms/{id}/messages/read")
	rr, _, err := d.me.Messages.MarkRead(ctx, room, replyID)
	if err != nil {
		return err
	}
	d.say("read up to %s: the room has %d unread message(s), %d mention(s)", replyID, rr.UnreadNum, rr.MentionNum)
	st, _, err = d.me.Me.Status(ctx)
	if err != nil {
		return err
	}
	d.say("GET /my/status now: unread %d, mentions %d, open tasks %d", st.UnreadNum, st.MentionNum, st.MytaskNum)

	// 11. Rate limit.
	d.step("Rate limit", "client.RateLimit()")
	rl := d.me.RateLimit()
	d.say("%d of %d requests left in this window; it resets at %s", rl.Remaining, rl.Limit, rl.Reset.Local().Format("15:04:05"))
	d.say("(read from the x-ratelimit-* headers of the last response; the client paces itself to them)")
	return nil
}

func firstName(name string) string {
	first, _, _ := strings.Cut(name, " ")
	return first
}
