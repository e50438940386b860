package api_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/chatwork-go/chatwork/api"
	"github.com/chatwork-go/chatwork/api/apitest"
)

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
