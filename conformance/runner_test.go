package conformance_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chatwork-go/chatwork/api/apitest"
	"github.com/chatwork-go/chatwork/conformance"
	"github.com/chatwork-go/chatwork/gen"
)

// seedLikeChatworkFake seeds srv as `chatwork fake` does: a contact with a
// direct chat, a group chat with a message, two contact requests.
func seedLikeChatworkFake(srv *apitest.Server) {
	me := srv.Me()
	alice := srv.AddAccount(apitest.Account{Name: "Alice", ChatworkID: "alice"})
	srv.AddContact(apitest.Contact{AccountID: me.AccountID, OtherAccountID: alice.AccountID})
	room := srv.AddRoom(apitest.Room{Name: "Sandbox", AdminIDs: []int64{me.AccountID}, MemberIDs: []int64{alice.AccountID}}).RoomID
	srv.AddMessage(apitest.Message{RoomID: room, AccountID: alice.AccountID, Body: "Welcome"})
	bob := srv.AddAccount(apitest.Account{Name: "Bob", ChatworkID: "bob"})
	carol := srv.AddAccount(apitest.Account{Name: "Carol", ChatworkID: "carol"})
	srv.AddIncomingRequest(apitest.IncomingRequest{AccountID: bob.AccountID, ToAccountID: me.AccountID, Message: "Hello"})
	srv.AddIncomingRequest(apitest.IncomingRequest{AccountID: carol.AccountID, ToAccountID: me.AccountID, Message: "Hi"})
}

// runReport formats a report for a failure message.
func runReport(rep *conformance.RunReport) string {
	var b strings.Builder
	for _, o := range rep.Operations {
		fmt.Fprintf(&b, "%-24s %d checks %s\n", o.ID, len(o.Checks), o.Skipped)
		for _, c := range o.Checks {
			if !c.Passed() {
				fmt.Fprintf(&b, "    %s (%s) %d: %s\n      %s\n", c.Kind, c.Via, c.Status, strings.Join(c.Failures, "; "), c.Curl)
			}
		}
	}
	for _, l := range rep.Links {
		fmt.Fprintf(&b, "link %s.%s -> %s followed=%v %s\n", l.From, l.Name, l.To, l.Followed, l.Why)
	}
	return b.String()
}

// TestRunAgainstTheFake runs the spec-driven checks against the fake: every
// operation must run and pass, every link must be followed.
func TestRunAgainstTheFake(t *testing.T) {
	t.Parallel()
	srv := apitest.NewServer(t)
	seedLikeChatworkFake(srv)
	v := linkedValidator(t)
	before := map[int64]bool{}
	for _, r := range srv.Rooms() {
		before[r.RoomID] = true
	}
	rep, err := v.Run(context.Background(), conformance.RunConfig{BaseURL: srv.URL(), Token: srv.Token(), Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	checks, failed, skipped := rep.Counts()
	if failed != 0 || skipped != 0 || len(rep.Operations) != 32 {
		t.Errorf("%d operations, %d checks, %d failed, %d skipped; want 32 operations, none failed or skipped\n%s", len(rep.Operations), checks, failed, skipped, runReport(rep))
	}
	for _, l := range rep.Links {
		if !l.Followed {
			t.Errorf("link %s.%s not followed: %s", l.From, l.Name, l.Why)
		}
	}
	if len(rep.Links) == 0 {
		t.Error("no link in the spec")
	}
	for _, r := range srv.Rooms() {
		// The direct chat with an accepted contact comes with the contact.
		if !before[r.RoomID] && r.Type == gen.RoomTypeGroup {
			t.Errorf("group chat %d %q is left after the run: it must delete what it made", r.RoomID, r.Name)
		}
	}
	t.Logf("%d checks\n%s", checks, runReport(rep))
}

// linkedValidator returns the package's Validator when openapi.yaml has
// links; until it has, a copy with the links that the issue asks for
// (createRoom to every room operation, postMessage to its message, tasks
// and files to theirs, the incoming requests to accept and reject, getMe
// to My Chat).
func linkedValidator(t *testing.T) *conformance.Validator {
	t.Helper()
	v := validator(t)
	if rep, err := v.Run(context.Background(), conformance.RunConfig{BaseURL: "http://127.0.0.1:1/v2", Token: "x", ReadOnly: true,
		Client: &http.Client{Transport: refuseAll{}}}); err == nil && len(rep.Links) > 0 {
		return v
	}
	room := map[string]string{"room_id": "$response.body#/room_id"}
	var links []conformance.TestLink
	for _, to := range []string{"getRoom", "updateRoom", "deleteRoom", "listRoomMembers", "updateRoomMembers", "listMessages",
		"postMessage", "markMessagesRead", "markMessagesUnread", "listRoomTasks", "createRoomTasks", "listFiles", "uploadFile",
		"getInvitationLink", "createInvitationLink", "updateInvitationLink", "deleteInvitationLink"} {
		links = append(links, conformance.TestLink{From: "createRoom", Name: to, To: to, Params: room})
	}
	msg := map[string]string{"room_id": "$request.path.room_id", "message_id": "$response.body#/message_id"}
	for _, to := range []string{"getMessage", "updateMessage", "deleteMessage", "markMessagesRead", "markMessagesUnread"} {
		links = append(links, conformance.TestLink{From: "postMessage", Name: to, To: to, Params: msg})
	}
	task := map[string]string{"room_id": "$request.path.room_id", "task_id": "$response.body#/task_ids/0"}
	links = append(links,
		conformance.TestLink{From: "createRoomTasks", Name: "getRoomTask", To: "getRoomTask", Params: task},
		conformance.TestLink{From: "createRoomTasks", Name: "updateTaskStatus", To: "updateTaskStatus", Params: task},
		conformance.TestLink{From: "uploadFile", Name: "getFile", To: "getFile", Params: map[string]string{"room_id": "$request.path.room_id", "file_id": "$response.body#/file_id"}},
		conformance.TestLink{From: "listIncomingRequests", Name: "accept", To: "acceptIncomingRequest", Params: map[string]string{"request_id": "$response.body#/0/request_id"}},
		conformance.TestLink{From: "listIncomingRequests", Name: "reject", To: "rejectIncomingRequest", Params: map[string]string{"request_id": "$response.body#/0/request_id"}},
		conformance.TestLink{From: "getMe", Name: "myChat", To: "getRoom", Params: map[string]string{"room_id": "$response.body#/room_id"}},
	)
	lv, err := conformance.WithTestLinks(v, links)
	if err != nil {
		t.Fatal(err)
	}
	return lv
}

// refuseAll is a transport that sends nothing.
type refuseAll struct{}

func (refuseAll) RoundTrip(*http.Request) (*http.Response, error) { return nil, errors.New("not sent") }

// brokenFake wraps the fake and breaks it in one way per operation, so that
// each check of the runner has something to find.
func brokenFake(srv *apitest.Server) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodGet && r.URL.Path == "/v2/my/status":
			w.WriteHeader(http.StatusInternalServerError) // a 5xx, with no body the spec declares
			return
		case r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/members") && strings.Contains(r.URL.Path, "/rooms/0/"):
			// A negative request (ID 0) accepted.
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("X-Ratelimit-Limit", "300")
			w.Header().Set("X-Ratelimit-Remaining", "1")
			w.Header().Set("X-Ratelimit-Reset", "1764583500")
			_, _ = w.Write([]byte(`[]`))
			return
		}
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, r)
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		body := rec.Body.Bytes()
		status := rec.Code
		switch {
		case r.Method == http.MethodGet && r.URL.Path == "/v2/me":
			w.Header().Del("X-Ratelimit-Reset") // a required header missing
		case r.Method == http.MethodGet && r.URL.Path == "/v2/contacts":
			status = http.StatusAccepted // a status the spec does not declare
		case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/messages") && status == http.StatusOK:
			body = []byte(strings.Replace(string(body), `"message_id":"`, `"message_id":`, 1)) // a number
			body = []byte(strings.Replace(string(body), `"}`, `}`, 1))
		case r.Method == http.MethodGet && r.URL.Path == "/v2/rooms":
			status, body = http.StatusBadRequest, []byte(`{"errors":["refused"]}`) // a positive request refused
		}
		w.WriteHeader(status)
		_, _ = w.Write(body)
	})
}

// TestRunFindsABrokenServer proves that each check can fail.
func TestRunFindsABrokenServer(t *testing.T) {
	t.Parallel()
	srv := apitest.NewServer(t)
	seedLikeChatworkFake(srv)
	ts := httptest.NewServer(brokenFake(srv))
	t.Cleanup(ts.Close)
	rep, err := linkedValidator(t).Run(context.Background(), conformance.RunConfig{BaseURL: ts.URL + "/v2", Token: srv.Token(), Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"getMyStatus":     "server error 500",
		"getMe":           "header.x-ratelimit-reset: required header is missing",
		"listContacts":    "status 202 is not declared",
		"postMessage":     "body.message_id",
		"listRooms":       "a request the spec accepts was refused: 400",
		"listRoomMembers": "a request the spec refuses got 200, not 400",
	}
	for op, text := range want {
		found := false
		for _, o := range rep.Operations {
			for _, c := range o.Checks {
				if o.ID == op && strings.Contains(strings.Join(c.Failures, "\n"), text) {
					found = true
					if !strings.Contains(c.Curl, `"X-ChatWorkToken: $CHATWORK_API_TOKEN"`) || strings.Contains(c.Curl, srv.Token()) {
						t.Errorf("%s: curl %s; want the token as $CHATWORK_API_TOKEN", op, c.Curl)
					}
				}
			}
		}
		if !found {
			t.Errorf("%s: no failure %q\n%s", op, text, runReport(rep))
		}
	}
}
