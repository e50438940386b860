package apitest_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"time"

	"github.com/chatwork-go/chatwork/api/apitest"
	"github.com/chatwork-go/chatwork/api/webhook"
)

func ExampleNewServer() {
	// In a test: srv := apitest.NewServer(t)
	srv, err := apitest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	me := srv.Me()
	alice := srv.AddAccount(apitest.Account{Name: "Alice"})
	srv.AddContact(apitest.Contact{AccountID: me.AccountID, OtherAccountID: alice.AccountID})
	room := srv.AddRoom(apitest.Room{Name: "dev", AdminIDs: []int64{me.AccountID}, MemberIDs: []int64{alice.AccountID}})
	srv.AddMessage(apitest.Message{RoomID: room.RoomID, AccountID: alice.AccountID, Body: "hi"})

	// The code under test posts a message, over real HTTP.
	form := url.Values{"body": {"hello"}}
	req, _ := http.NewRequest(http.MethodPost, fmt.Sprintf("%s/rooms/%d/messages", srv.URL(), room.RoomID), strings.NewReader(form.Encode()))
	req.Header.Set("X-ChatWorkToken", srv.Token())
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	resp.Body.Close()

	fmt.Println(resp.StatusCode, resp.Header.Get("X-Ratelimit-Remaining"))
	for _, m := range srv.Messages(room.RoomID) {
		a, _ := srv.Account(m.AccountID)
		fmt.Println(a.Name+":", m.Body)
	}
	// Output:
	// 200 299
	// Alice: hi
	// Me: hello
}

func ExampleServer_Client() {
	srv, _ := apitest.Start(apitest.WithoutListener())
	defer srv.Close()

	// In memory: no network, so it works inside testing/synctest bubbles.
	req, _ := http.NewRequest(http.MethodGet, srv.URL()+"/rooms/1/messages?body=x", nil)
	req.Header.Set("X-ChatWorkToken", srv.Token())
	resp, err := srv.Client().Do(req)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, string(b))
	// Output:
	// 404 {"errors":["Resource not found"]}
}

func ExampleServer_InjectFault() {
	srv, _ := apitest.Start(apitest.WithoutListener())
	defer srv.Close()
	srv.InjectFault(apitest.Fault{OperationID: "getMe", Times: 1, Status: http.StatusServiceUnavailable})

	for range 2 {
		req, _ := http.NewRequest(http.MethodGet, srv.URL()+"/me", nil)
		req.Header.Set("X-ChatWorkToken", srv.Token())
		resp, _ := srv.Client().Do(req)
		resp.Body.Close()
		fmt.Println(resp.StatusCode)
	}
	// Output:
	// 503
	// 200
}

func ExampleServer_AddWebhook() {
	// The receiver: in a real test, the handler under test.
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		err := webhook.Verify(body, r.Header.Get("X-ChatWorkWebhookSignature"), "A9ne+ygvdV0IZBaPFV2zC1e5Bk+IsI14BPwieRoBQNU=")
		fmt.Println(r.Header.Get("User-Agent"), "signature ok:", err == nil)
		fmt.Println(string(body))
	}))
	defer recv.Close()

	srv, err := apitest.Start(apitest.WithSyncWebhooks(), apitest.WithClock(func() time.Time { return time.Unix(1700000000, 0) }))
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	me := srv.Me()
	srv.AddWebhook(apitest.Webhook{
		URL:    recv.URL + "/hook",
		Token:  "A9ne+ygvdV0IZBaPFV2zC1e5Bk+IsI14BPwieRoBQNU=",
		Events: []string{webhook.TypeMessageCreated},
		RoomID: me.RoomID,
	})
	srv.AddMessage(apitest.Message{RoomID: me.RoomID, AccountID: me.AccountID, Body: "note to self"})
	// Output:
	// ChatWork-Webhook/1.0.0 signature ok: true
	// {"webhook_event":{"account_id":1000001,"body":"note to self","message_id":"1928374655918273645","room_id":200000001,"send_time":1700000000,"update_time":0},"webhook_event_time":1700000000,"webhook_event_type":"message_created","webhook_setting_id":"1"}
}

// A program that runs its own client against the fake can print why each
// refused request was refused, as chatwork fake does on stderr.
func ExampleWithRequestObserver() {
	srv, err := apitest.Start(apitest.WithoutListener(), apitest.WithRequestObserver(func(r apitest.RecordedRequest) {
		if r.Status >= 400 {
			fmt.Printf("%s %s: %d: %s\n", r.Method, r.Path, r.Status, r.Reason)
		}
	}))
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	// Lists sent as repeated keys, as some generated clients send them.
	req, _ := http.NewRequest(http.MethodPost, srv.URL()+"/rooms", strings.NewReader("name=dev&members_admin_ids=1&members_admin_ids=2"))
	req.Header.Set("X-ChatWorkToken", srv.Token())
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := srv.Client().Do(req)
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	// Output:
	// POST /v2/rooms: 400: body.members_admin_ids: value "1&2": repeated key; send one comma-joined value such as 1,2,3
}

// A seed file, YAML or JSON, read with each mistake's place.
func ExampleReadSeed() {
	_, err := apitest.ReadSeed("seed.yaml", []byte(`accounts:
  - {account_id: 1001, token: token-of-ren, name: Ren}
rooms:
  - room_id: 5100
    name: Release
    admin_ids: [1001, 1002]
`))
	fmt.Println(err)

	seed, err := apitest.ReadSeed("seed.yaml", []byte(`accounts:
  - {account_id: 1001, token: token-of-ren, name: Ren}
rooms:
  - {room_id: 5100, name: Release, admin_ids: [1001]}
messages:
  - {room_id: 5100, account_id: 1001, body: Deploy finished}
`))
	if err != nil {
		panic(err)
	}
	srv, err := apitest.Start(apitest.WithoutListener(), apitest.WithSeed(seed))
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	fmt.Println(srv.Token(), srv.Messages(5100)[0].Body)
	// Output:
	// seed.yaml:6: rooms[0].admin_ids[1]: unknown account 1002
	// token-of-ren Deploy finished
}
