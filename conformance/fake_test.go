package conformance_test

import (
	"bytes"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chatwork-go/chatwork/api"
	"github.com/chatwork-go/chatwork/api/apitest"
	"github.com/chatwork-go/chatwork/conformance"
)

// recordingTransport records the operation and status of every exchange
// with the fake, below the validating transport.
type recordingTransport struct {
	v    *conformance.Validator
	next http.RoundTripper
	cov  *coverage
}

func (r *recordingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	op, opErr := r.v.Operation(req)
	resp, err := r.next.RoundTrip(req)
	if err == nil && opErr == nil && r.cov != nil {
		r.cov.add("fake", op, resp.StatusCode)
	}
	return resp, err
}

// fakeClient returns an api.Client for token whose every exchange with srv
// goes through the validating transport: each violation fails the test.
func fakeClient(t *testing.T, srv *apitest.Server, token string, cov *coverage) *api.Client {
	t.Helper()
	v := validator(t)
	hc := &http.Client{Transport: v.Transport(&recordingTransport{v: v, next: srv.Transport(), cov: cov}, conformance.FailTest(t))}
	c, err := api.NewClient(token,
		api.WithHTTPClient(hc),
		api.WithBaseURL(srv.URL()),
		api.WithRetries(0, time.Millisecond, time.Millisecond),
		api.WithMaxRateLimitWait(0),
		api.WithRateLimit(0, time.Minute),
		api.WithRoomPostLimit(0, time.Second),
	)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestAPIAgainstFake runs every operation through the api package against
// apitest, validating each exchange.
func TestAPIAgainstFake(t *testing.T) {
	runFakeSuite(t, nil)
}

// runFakeSuite calls each of the 32 operations through package api against
// the fake server, successes and the usual errors, with the validating
// transport under the client.
func runFakeSuite(t *testing.T, cov *coverage) {
	srv := apitest.NewServer(t, apitest.WithoutListener())
	ctx := t.Context()
	me := srv.Me()
	alice := srv.AddAccount(apitest.Account{Name: "Hanako Suzuki", OrganizationName: "Example Corp."})
	bob := srv.AddAccount(apitest.Account{Name: "Kenji Sato"})
	carol := srv.AddAccount(apitest.Account{Name: "Aiko Tanaka"})
	dave := srv.AddAccount(apitest.Account{Name: "Daisuke Ito"})
	srv.AddContact(apitest.Contact{AccountID: me.AccountID, OtherAccountID: alice.AccountID})
	srv.AddContact(apitest.Contact{AccountID: me.AccountID, OtherAccountID: bob.AccountID})
	c := fakeClient(t, srv, srv.Token(), cov)

	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	wantErr := func(what string, err, sentinel error) {
		t.Helper()
		if !errors.Is(err, sentinel) {
			t.Errorf("%s: got %v, want %v", what, err, sentinel)
		}
	}

	// Account.
	_, _, err := c.Me.Get(ctx)
	must("Me.Get", err)
	_, _, err = c.Me.Status(ctx)
	must("Me.Status", err)
	tasks, _, err := c.Me.Tasks(ctx, nil)
	must("Me.Tasks (none)", err)
	if len(tasks) != 0 {
		t.Errorf("Me.Tasks: %d tasks, want none", len(tasks))
	}
	contacts, _, err := c.Contacts.List(ctx)
	must("Contacts.List", err)
	if len(contacts) != 2 {
		t.Errorf("Contacts.List: %d contacts, want 2", len(contacts))
	}
	_, _, err = c.Rooms.List(ctx)
	must("Rooms.List", err)

	// A group chat.
	roomID, _, err := c.Rooms.Create(ctx, api.CreateRoomParams{
		Name: "Project Apollo", Description: "Weekly sync", IconPreset: "meeting",
		AdminIDs: []int64{me.AccountID}, MemberIDs: []int64{alice.AccountID}, ReadonlyIDs: []int64{bob.AccountID},
		Link: true, LinkCode: "apollo-sync", LinkNeedAcceptance: api.Ptr(true),
	})
	must("Rooms.Create", err)
	_, _, err = c.Rooms.Get(ctx, roomID)
	must("Rooms.Get", err)
	_, err = c.Rooms.Update(ctx, roomID, api.UpdateRoomParams{Name: "Project Apollo (2026)", Description: api.Ptr("")})
	must("Rooms.Update", err)
	_, _, err = c.Members.List(ctx, roomID)
	must("Members.List", err)
	_, _, err = c.Members.Replace(ctx, roomID, api.ReplaceMembersParams{AdminIDs: []int64{me.AccountID}, MemberIDs: []int64{alice.AccountID, bob.AccountID}})
	must("Members.Replace", err)

	// Messages.
	_, _, err = c.Messages.ListNew(ctx, roomID)
	must("Messages.ListNew", err)
	msgID, _, err := c.Messages.Post(ctx, roomID, "[To:"+strconv.FormatInt(alice.AccountID, 10)+"]Hanako Suzuki\nCould you review the draft?", nil)
	must("Messages.Post", err)
	other := srv.AddMessage(apitest.Message{RoomID: roomID, AccountID: alice.AccountID, Body: "Sure, on it."}).MessageID
	msgs, _, err := c.Messages.ListLatest(ctx, roomID)
	must("Messages.ListLatest", err)
	if len(msgs) < 2 {
		t.Errorf("Messages.ListLatest: %d messages, want 2 or more", len(msgs))
	}
	_, _, err = c.Messages.ListNew(ctx, roomID)
	must("Messages.ListNew (again)", err)
	_, _, err = c.Messages.Get(ctx, roomID, msgID)
	must("Messages.Get", err)
	_, err = c.Messages.Update(ctx, roomID, msgID, "Could you review the draft? (edited)")
	must("Messages.Update", err)
	_, _, err = c.Messages.MarkRead(ctx, roomID, other)
	must("Messages.MarkRead", err)
	_, _, err = c.Messages.MarkRead(ctx, roomID, other)
	wantErr("Messages.MarkRead of read messages", err, api.ErrBadRequest)
	_, _, err = c.Messages.MarkUnread(ctx, roomID, other)
	must("Messages.MarkUnread", err)

	// Tasks.
	_, _, err = c.Tasks.List(ctx, roomID, nil)
	must("Tasks.List (none)", err)
	taskIDs, _, err := c.Tasks.Create(ctx, roomID, api.CreateTaskParams{
		Body: "Prepare the demo", AssigneeIDs: []int64{me.AccountID, alice.AccountID}, LimitTime: time.Unix(1764000000, 0), LimitType: "date",
	})
	must("Tasks.Create", err)
	if len(taskIDs) != 2 {
		t.Fatalf("Tasks.Create: %d IDs, want 2", len(taskIDs))
	}
	_, _, err = c.Tasks.Get(ctx, roomID, taskIDs[0])
	must("Tasks.Get", err)
	_, _, err = c.Me.Tasks(ctx, &api.ListMyTasksOptions{AssignedByAccountID: me.AccountID})
	must("Me.Tasks", err)
	_, err = c.Tasks.SetStatus(ctx, roomID, taskIDs[0], "done")
	must("Tasks.SetStatus", err)
	_, _, err = c.Tasks.List(ctx, roomID, &api.ListTasksOptions{AssigneeID: me.AccountID, Status: "done"})
	must("Tasks.List", err)

	// Files.
	_, _, err = c.Files.List(ctx, roomID, nil)
	must("Files.List (none)", err)
	fileID, _, err := c.Files.Upload(ctx, roomID, api.UploadFileParams{
		Name: "report.csv", Content: strings.NewReader("date,visits\n2026-11-20,1204\n"), Message: "Weekly numbers attached.",
	})
	must("Files.Upload", err)
	_, _, err = c.Files.List(ctx, roomID, &api.ListFilesOptions{UploaderID: me.AccountID})
	must("Files.List", err)
	_, _, err = c.Files.Get(ctx, roomID, fileID)
	must("Files.Get", err)
	var content bytes.Buffer
	_, _, err = c.Files.Download(ctx, roomID, fileID, &content)
	must("Files.Download", err)
	if !strings.HasPrefix(content.String(), "date,visits") {
		t.Errorf("Files.Download: %q", content.String())
	}

	// Invitation link: the room was created with one.
	_, _, err = c.Links.Get(ctx, roomID)
	must("Links.Get", err)
	_, _, err = c.Links.Create(ctx, roomID, api.LinkParams{Code: "apollo-two"})
	wantErr("Links.Create with a link", err, api.ErrBadRequest)
	_, _, err = c.Links.Update(ctx, roomID, api.LinkParams{Code: "apollo-sync", NeedAcceptance: api.Ptr(false), Description: "Open to everyone"})
	must("Links.Update", err)
	_, err = c.Links.Delete(ctx, roomID)
	must("Links.Delete", err)
	_, _, err = c.Links.Create(ctx, roomID, api.LinkParams{Code: "apollo-sync", Description: "Join us"})
	must("Links.Create", err)

	// Contact requests.
	_, _, err = c.IncomingRequests.List(ctx)
	must("IncomingRequests.List (none)", err)
	r1 := srv.AddIncomingRequest(apitest.IncomingRequest{AccountID: carol.AccountID, ToAccountID: me.AccountID, Message: "Hello from the conference"}).RequestID
	r2 := srv.AddIncomingRequest(apitest.IncomingRequest{AccountID: dave.AccountID, ToAccountID: me.AccountID, Message: ""}).RequestID
	_, _, err = c.IncomingRequests.List(ctx)
	must("IncomingRequests.List", err)
	_, _, err = c.IncomingRequests.Accept(ctx, r1)
	must("IncomingRequests.Accept", err)
	_, err = c.IncomingRequests.Reject(ctx, r2)
	must("IncomingRequests.Reject", err)

	// Errors.
	_, _, err = c.Rooms.Get(ctx, 999999999)
	wantErr("Rooms.Get of an unknown room", err, api.ErrNotFound)
	_, _, err = c.Messages.Get(ctx, roomID, "1000000000000000007")
	wantErr("Messages.Get of an unknown message", err, api.ErrNotFound)
	bobClient := fakeClient(t, srv, srv.AddToken(apitest.Token{AccountID: bob.AccountID}).Token, cov)
	_, err = bobClient.Rooms.Update(ctx, roomID, api.UpdateRoomParams{Name: "Taken over"})
	wantErr("Rooms.Update by a member", err, api.ErrForbidden)
	revoked := srv.AddToken(apitest.Token{AccountID: me.AccountID}).Token
	srv.RevokeToken(revoked)
	_, _, err = fakeClient(t, srv, revoked, cov).Me.Get(ctx)
	wantErr("Me.Get with a revoked token", err, api.ErrUnauthorized)

	// Clean up, then run out of budget.
	_, err = c.Messages.Delete(ctx, roomID, msgID)
	must("Messages.Delete", err)
	_, err = bobClient.Rooms.Leave(ctx, roomID)
	must("Rooms.Leave", err)
	_, err = c.Rooms.Delete(ctx, roomID)
	must("Rooms.Delete", err)
	_, lim, _ := srv.RateLimit(me.AccountID)
	srv.SpendRateLimit(me.AccountID, lim)
	_, _, err = c.Me.Get(ctx)
	wantErr("Me.Get over the rate limit", err, api.ErrRateLimited)

	// Every operation went through the validating transport.
	seen := map[string]bool{}
	for _, r := range srv.Requests() {
		seen[r.OperationID] = true
	}
	for _, id := range validator(t).OperationIDs() {
		if !seen[id] {
			t.Errorf("the suite never called %s", id)
		}
	}
}
