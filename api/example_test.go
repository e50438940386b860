package api_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/chatwork-go/chatwork/api"
	"github.com/chatwork-go/chatwork/api/apitest"
	"github.com/chatwork-go/chatwork/api/notation"
)

func ExampleNewClient() {
	srv, err := apitest.Start() // a fake Chatwork, for the example
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	// Real programs: api.NewClient(os.Getenv("CHATWORK_API_TOKEN")).
	c, err := api.NewClient(srv.Token(), api.WithBaseURL(srv.URL()))
	if err != nil {
		log.Fatal(err) // an empty token or a bad option fails here
	}
	me, resp, err := c.Me.Get(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(me.Name != "", resp.RateLimit.Limit)
	// Output: true 300
}

// Send a message.
func ExampleMessagesService_Post() {
	srv, err := apitest.Start() // a fake Chatwork with one group chat
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	room := srv.AddRoom(apitest.Room{Name: "Release", AdminIDs: []int64{srv.Me().AccountID}}).RoomID
	c, err := api.NewClient(srv.Token(), api.WithBaseURL(srv.URL()))
	if err != nil {
		log.Fatal(err)
	}

	id, _, err := c.Messages.Post(context.Background(), room, "The build is green.", nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("posted; the ID is a string of", len(id), "digits")
	// Output: posted; the ID is a string of 19 digits
}

// Reply to a message, mentioning its sender.
func ExampleMessagesService_Post_reply() {
	srv, err := apitest.Start() // a fake Chatwork where Anna asked a question
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	anna := srv.AddAccount(apitest.Account{Name: "Anna"})
	room := srv.AddRoom(apitest.Room{Name: "Release", AdminIDs: []int64{srv.Me().AccountID}, MemberIDs: []int64{anna.AccountID}}).RoomID
	srv.AddMessage(apitest.Message{RoomID: room, AccountID: anna.AccountID, Body: "Is the build green?"})
	c, err := api.NewClient(srv.Token(), api.WithBaseURL(srv.URL()))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	msgs, _, err := c.Messages.ListLatest(ctx, room)
	if err != nil {
		log.Fatal(err)
	}
	question := msgs[len(msgs)-1]
	body := notation.NewBuilder().
		Reply(question.Account.AccountID, room, question.MessageID, question.Account.Name).
		Text("Yes, all green.").
		String()
	if _, _, err := c.Messages.Post(ctx, room, body, nil); err != nil {
		log.Fatal(err)
	}
	fmt.Println(strings.HasPrefix(body, "[rp aid="), strings.HasSuffix(body, "Anna\nYes, all green."))
	// Output: true true
}

// Read what is new since the last read. ListNew moves the server's cursor:
// the second call sees only what arrived in between.
func ExampleMessagesService_ListNew() {
	srv, err := apitest.Start() // a fake Chatwork where Anna posted a message
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	anna := srv.AddAccount(apitest.Account{Name: "Anna"})
	room := srv.AddRoom(apitest.Room{Name: "Release", AdminIDs: []int64{srv.Me().AccountID}, MemberIDs: []int64{anna.AccountID}}).RoomID
	srv.AddMessage(apitest.Message{RoomID: room, AccountID: anna.AccountID, Body: "Is the build green?"})
	c, err := api.NewClient(srv.Token(), api.WithBaseURL(srv.URL()))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	msgs, _, err := c.Messages.ListNew(ctx, room)
	if err != nil {
		log.Fatal(err)
	}
	for _, m := range msgs {
		fmt.Printf("%s: %s\n", m.Account.Name, m.Body)
	}
	again, _, _ := c.Messages.ListNew(ctx, room)
	latest, _, _ := c.Messages.ListLatest(ctx, room)
	fmt.Println(len(again), "new on the second read;", len(latest), "in the latest 100")
	// Output:
	// Anna: Is the build green?
	// 0 new on the second read; 1 in the latest 100
}

// Upload a file, then download it back.
func ExampleFilesService_Upload() {
	srv, err := apitest.Start() // a fake Chatwork with one group chat
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	room := srv.AddRoom(apitest.Room{Name: "Release", AdminIDs: []int64{srv.Me().AccountID}}).RoomID
	c, err := api.NewClient(srv.Token(), api.WithBaseURL(srv.URL()))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	id, _, err := c.Files.Upload(ctx, room, api.UploadFileParams{
		Name:    "report.csv",
		Content: strings.NewReader("build,status\n1042,green\n"),
		Message: "Today's report",
	})
	if err != nil {
		log.Fatal(err)
	}
	var buf bytes.Buffer
	f, _, err := c.Files.Download(ctx, room, id, &buf)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(f.Filename, f.Filesize, "bytes:", strings.Split(buf.String(), "\n")[1])
	// Output: report.csv 24 bytes: 1042,green
}

// Create a group chat with an icon; the account that creates it must be
// one of its administrators.
func ExampleRoomsService_Create() {
	srv, err := apitest.Start() // a fake Chatwork where Anna is a contact
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	anna := srv.AddAccount(apitest.Account{Name: "Anna"})
	srv.AddContact(apitest.Contact{AccountID: srv.Me().AccountID, OtherAccountID: anna.AccountID})
	c, err := api.NewClient(srv.Token(), api.WithBaseURL(srv.URL()))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	me, _, err := c.Me.Get(ctx)
	if err != nil {
		log.Fatal(err)
	}

	id, _, err := c.Rooms.Create(ctx, api.CreateRoomParams{
		Name:       "Release 1.2",
		IconPreset: api.IconPresetMeeting,
		AdminIDs:   []int64{me.AccountID},
		MemberIDs:  []int64{anna.AccountID},
	})
	if err != nil {
		log.Fatal(err)
	}
	room, _, err := c.Rooms.Get(ctx, id)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(room.Name, room.Type, room.Role)
	// Output: Release 1.2 group admin
}

// Give two people a task due at the end of a day. A date deadline's day
// is read in Japan time (DeadlineZone), so it is 23:59:59 of the day there.
func ExampleTasksService_Create() {
	srv, err := apitest.Start() // a fake Chatwork with a chat shared with Anna
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	anna := srv.AddAccount(apitest.Account{Name: "Anna"})
	room := srv.AddRoom(apitest.Room{Name: "Release", AdminIDs: []int64{srv.Me().AccountID}, MemberIDs: []int64{anna.AccountID}}).RoomID
	c, err := api.NewClient(srv.Token(), api.WithBaseURL(srv.URL()))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	due := time.Date(2030, time.January, 31, 23, 59, 59, 0, api.DeadlineZone())
	ids, _, err := c.Tasks.Create(ctx, room, api.CreateTaskParams{
		Body:        "Write the release notes",
		AssigneeIDs: []int64{srv.Me().AccountID, anna.AccountID}, // one task each
		LimitTime:   due,
		LimitType:   api.TaskLimitTypeDate,
	})
	if err != nil {
		log.Fatal(err)
	}
	annas, _, err := c.Tasks.List(ctx, room, &api.ListTasksOptions{AssigneeID: anna.AccountID})
	if err != nil {
		log.Fatal(err)
	}
	t := annas[0]
	y, m, d := t.LimitTime.In(api.DeadlineZone()).Date()
	fmt.Println(len(ids), "tasks;", t.Assignee.Name, "has one due on", y, m, d, "("+t.LimitType+")")
	// Output: 2 tasks; Anna has one due on 2030 January 31 (date)
}

// Handle a rate-limit error: with a maximum wait of zero the client returns
// the 429 at once instead of waiting for the limit to reset.
func ExampleRateLimitError() {
	srv, err := apitest.Start(apitest.WithRateLimit(2, time.Minute))
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	c, _ := api.NewClient(srv.Token(), api.WithBaseURL(srv.URL()),
		api.WithRateLimit(0, 0), api.WithMaxRateLimitWait(0))

	for range 3 {
		_, _, err = c.Me.Get(context.Background())
	}
	var rl *api.RateLimitError
	if errors.As(err, &rl) {
		fmt.Println("rate limited:", errors.Is(err, api.ErrRateLimited), "per room:", rl.PerRoom,
			"resets in:", time.Until(rl.Reset).Round(time.Minute))
	}
	// Output: rate limited: true per room: false resets in: 1m0s
}

// A success status without the operation's result is an error, never a
// zero value: here a server answers a message post with 204 No Content.
func ExampleUnexpectedResponseError() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	c, _ := api.NewClient("your-token", api.WithBaseURL(srv.URL+"/v2"))

	id, _, err := c.Messages.Post(context.Background(), 36818150, "Hello", nil)
	var ue *api.UnexpectedResponseError
	if errors.As(err, &ue) {
		fmt.Printf("id %q, unexpected: %v, status %d\n", id, errors.Is(err, api.ErrUnexpectedResponse), ue.StatusCode)
	}
	// Output: id "", unexpected: true, status 204
}

// Plain http sends the token in clear, so it is refused for hosts that are
// not loopback unless the caller says the path is trusted.
func ExampleWithInsecureHTTP() {
	_, err := api.NewClient("your-token", api.WithBaseURL("http://chatwork-proxy.internal/v2"))
	fmt.Println(errors.Is(err, api.ErrInvalidInput))

	_, err = api.NewClient("your-token", api.WithBaseURL("http://chatwork-proxy.internal/v2"), api.WithInsecureHTTP())
	fmt.Println(err)
	// Output:
	// true
	// <nil>
}

// Watch a room without webhooks: every new message once, marks kept in a
// file so that a restarted program goes on where it stopped.
func ExampleMessagesService_Watch() {
	srv, err := apitest.Start() // a fake Chatwork; real programs use api.NewClient(token)
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	anna := srv.AddAccount(apitest.Account{Name: "Anna"})
	room := srv.AddRoom(apitest.Room{Name: "Release", AdminIDs: []int64{srv.Me().AccountID}, MemberIDs: []int64{anna.AccountID}}).RoomID
	srv.AddMessage(apitest.Message{RoomID: room, AccountID: anna.AccountID, Body: "Is the build green?"})

	// A budget per second rather than per 5 minutes keeps the example quick.
	c, err := api.NewClient(srv.Token(), api.WithBaseURL(srv.URL()), api.WithRateLimit(300, time.Second))
	if err != nil {
		log.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "watch")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	store, err := api.OpenFileStore(filepath.Join(dir, "marks.json"))
	if err != nil {
		log.Fatal(err)
	}
	w, err := c.Messages.Watch([]int64{room}, &api.WatchOptions{Store: store, Backfill: true})
	if err != nil {
		log.Fatal(err)
	}

	ctx, stop := context.WithTimeout(context.Background(), time.Minute)
	defer stop()
	go srv.AddMessage(apitest.Message{RoomID: room, AccountID: anna.AccountID, Body: "Yes, deploying now"})
	var last string
	for ev, err := range w.Events(ctx) {
		if errors.Is(err, api.ErrGap) {
			log.Print(err) // more than 100 arrived between two polls
			continue
		}
		if err != nil {
			log.Print(err) // a failed poll; the watch goes on
			continue
		}
		fmt.Printf("%s: %s\n", ev.Message.Account.Name, ev.Message.Body)
		last = ev.Message.MessageID
		if ev.Message.Body == "Yes, deploying now" {
			stop() // the mark of this message is saved as the body returns; then the sequence ends
		}
	}
	mark, _, _ := store.Load(room)
	st := w.Stats()
	fmt.Println("saved mark is the last message:", mark.MessageID == last)
	fmt.Println("within the share of the budget:", st.MaxShare <= st.Share)
	// Output:
	// Anna: Is the build green?
	// Anna: Yes, deploying now
	// saved mark is the last message: true
	// within the share of the budget: true
}
