package conformance_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chatwork-go/chatwork/api/apitest"
	"github.com/chatwork-go/chatwork/conformance"
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

// TestRunAgainstTheFake runs the spec-driven checks against the fake with
// the spec's own links: every operation must run and pass, every link must
// be followed, and the run must leave the account as it found it, apart
// from what accepting and declining the contact requests means (a new
// contact, with its direct chat).
func TestRunAgainstTheFake(t *testing.T) {
	t.Parallel()
	srv := apitest.NewServer(t)
	seedLikeChatworkFake(srv)
	before := fakeState(srv)
	contacts := len(srv.Contacts())
	rep, err := validator(t).Run(context.Background(), conformance.RunConfig{BaseURL: srv.URL(), Token: srv.Token(), Seed: 1})
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
	// openapi.yaml's links, as the issue lists them, and those it adds.
	if len(rep.Links) < 30 {
		t.Errorf("%d links in the spec; want at least 30", len(rep.Links))
	}

	// Nothing left behind: each room of the account is as it was (its
	// settings, members, invitation link, messages, tasks and files), and
	// the only new room is the direct chat of the accepted request.
	after := fakeState(srv)
	newContacts := srv.Contacts()[contacts:]
	if len(newContacts) != 1 || len(srv.IncomingRequests()) != 0 {
		t.Errorf("%d new contacts, %d requests left; want the first request accepted and the second declined", len(newContacts), len(srv.IncomingRequests()))
	}
	for id, state := range after {
		if len(newContacts) > 0 && id == newContacts[0].RoomID {
			continue
		}
		if before[id] == "" {
			t.Errorf("room %d is left after the run: %s", id, state)
		} else if state != before[id] {
			t.Errorf("room %d changed:\n before %s\n after  %s", id, before[id], state)
		}
	}
	for id := range before {
		if after[id] == "" {
			t.Errorf("room %d is gone", id)
		}
	}
	// Each kind of negative request was sent, and refused.
	kinds := map[string]bool{}
	for _, o := range rep.Operations {
		for _, c := range o.Checks {
			kinds[c.Operation+": "+c.Kind] = true
		}
	}
	for _, k := range []string{
		"createRoom: negative: required field name missing",
		"postMessage: negative: body field body in the query",
		"getMessage: negative: ID 0 in message_id",
		"deleteMessage: negative: ID 0 in message_id",
		"markMessagesUnread: negative: ID 0 in body field message_id",
		"getRoomTask: negative: ID 0 in task_id",
		"getFile: negative: ID 0 in file_id",
		"getRoom: negative: wrong type: room_id not a number",
		"listMessages: negative: flag force sent as true",
	} {
		if !kinds[k] {
			t.Errorf("no check %q", k)
		}
	}
	t.Logf("%d checks\n%s", checks, runReport(rep))
}

// fakeState describes each room of srv: its settings, members and link,
// its messages, tasks and files.
func fakeState(srv *apitest.Server) map[int64]string {
	out := map[int64]string{}
	for _, r := range srv.Rooms() {
		room, _ := json.Marshal(r)
		msgs, _ := json.Marshal(srv.Messages(r.RoomID))
		tasks, _ := json.Marshal(srv.Tasks(r.RoomID))
		files, _ := json.Marshal(srv.Files(r.RoomID))
		out[r.RoomID] = fmt.Sprintf("%s messages %s tasks %s files %s", room, msgs, tasks, files)
	}
	return out
}

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
		case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/tasks") && status == http.StatusOK:
			body = []byte(`{}`) // no task_ids: the links to the task cannot be followed
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
	rep, err := validator(t).Run(context.Background(), conformance.RunConfig{BaseURL: ts.URL + "/v2", Token: srv.Token(), Seed: 1})
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
		"createRoomTasks": "body.task_ids: required",
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
	for _, l := range rep.Links {
		if l.From == "createRoomTasks" && (l.Followed || !strings.Contains(l.Why, "$response.body#/task_ids/0 gives nothing")) {
			t.Errorf("link %s.%s: followed %v, %q; want not followed, for want of task_ids", l.From, l.Name, l.Followed, l.Why)
		}
	}
}
