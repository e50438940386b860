package apitest_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chatwork-go/chatwork/api/apitest"
	"github.com/chatwork-go/chatwork/gen"
)

func ids(xs ...int64) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = fmt.Sprint(x)
	}
	return strings.Join(s, ",")
}

func TestCreateAndUpdateRoom(t *testing.T) {
	w := newWorld(t)
	var res gen.RoomIDResult
	w.cme.must(200, http.MethodPost, "/rooms", url.Values{
		"name":                 {"New"},
		"description":          {"about"},
		"icon_preset":          {"meeting"},
		"members_admin_ids":    {ids(w.me.AccountID)},
		"members_member_ids":   {ids(w.alice.AccountID)},
		"members_readonly_ids": {ids(w.bob.AccountID)},
		"link":                 {"1"},
		"link_code":            {"new-room_1"},
	}).decode(t, &res)
	var d gen.RoomDetail
	w.cme.get(roomPath(res.RoomID, ""), &d)
	if d.Name != "New" || d.Description != "about" || d.Type != gen.RoomTypeGroup || d.Role != gen.RoleAdmin ||
		!strings.Contains(d.IconPath, "meeting") {
		t.Fatalf("room = %+v", d)
	}
	var link gen.InvitationLink
	w.cme.get(roomPath(res.RoomID, "/link"), &link)
	if !link.Public || link.URL == nil || !strings.HasSuffix(*link.URL, "/g/new-room_1") || link.NeedAcceptance == nil || !*link.NeedAcceptance {
		t.Fatalf("link = %+v", link)
	}
	// The same code again is taken.
	r := w.cme.send(http.MethodPost, "/rooms", url.Values{"name": {"Other"}, "members_admin_ids": {ids(w.me.AccountID)}, "link": {"1"}, "link_code": {"new-room_1"}})
	if r.status != http.StatusBadRequest {
		t.Fatalf("duplicate link code: %d", r.status)
	}
	// The creator is added as admin when not listed; strangers cannot be
	// added.
	w.cme.must(200, http.MethodPost, "/rooms", url.Values{"name": {"R2"}, "members_admin_ids": {ids(w.alice.AccountID)}}).decode(t, &res)
	if rm, _ := w.s.Room(res.RoomID); len(rm.AdminIDs) != 2 {
		t.Fatalf("admins = %v", rm.AdminIDs)
	}
	stranger := w.s.AddAccount(apitest.Account{Name: "Stranger"})
	r = w.cme.send(http.MethodPost, "/rooms", url.Values{"name": {"R3"}, "members_admin_ids": {ids(w.me.AccountID)}, "members_member_ids": {ids(stranger.AccountID)}})
	if r.status != http.StatusBadRequest {
		t.Fatalf("stranger added: %d %s", r.status, r.body)
	}
	// Same organization is fine.
	colleague := w.s.AddAccount(apitest.Account{Name: "Colleague", OrganizationID: 7})
	orgMe := w.s.AddAccount(apitest.Account{Name: "OrgMe", OrganizationID: 7})
	w.cme.as(orgMe.Token).must(200, http.MethodPost, "/rooms", url.Values{"name": {"Org"}, "members_admin_ids": {ids(orgMe.AccountID, colleague.AccountID)}})

	// Update: fields left out keep their value.
	w.cme.must(200, http.MethodPut, roomPath(w.room, ""), url.Values{"description": {"desc"}}).decode(t, &res)
	if res.RoomID != w.room {
		t.Fatalf("update returned %d", res.RoomID)
	}
	w.cme.get(roomPath(w.room, ""), &d)
	if d.Name != "Project" || d.Description != "desc" {
		t.Fatalf("after update: %+v", d)
	}
	// My Chat and direct chats are not group chats.
	wantError(t, w.cme.send(http.MethodPut, roomPath(w.me.RoomID, ""), url.Values{"name": {"x"}}), http.StatusBadRequest, "This operation is only available for group chats")
}

func TestUpdateMembersReplaces(t *testing.T) {
	w := newWorld(t)
	w.s.AddTask(apitest.Task{RoomID: w.room, AssigneeID: w.alice.AccountID, AssignedByAccountID: w.me.AccountID, Body: "alice's"})
	var res gen.MembersResult
	w.cme.must(200, http.MethodPut, roomPath(w.room, "/members"), url.Values{
		"members_admin_ids":  {ids(w.me.AccountID)},
		"members_member_ids": {ids(w.bob.AccountID)},
	}).decode(t, &res)
	if fmt.Sprint(res.Admin, res.Member, res.Readonly) != fmt.Sprintf("[%d] [%d] []", w.me.AccountID, w.bob.AccountID) {
		t.Fatalf("result = %+v", res)
	}
	var members []gen.Member
	w.cme.get(roomPath(w.room, "/members"), &members)
	if len(members) != 2 || members[1].AccountID != w.bob.AccountID || members[1].Role != gen.RoleMember || members[1].Name != "Bob" {
		t.Fatalf("members = %+v", members)
	}
	// Alice is out, with her task.
	wantError(t, w.calice.send(http.MethodGet, roomPath(w.room, ""), nil), http.StatusNotFound, "Resource not found")
	if n := len(w.s.Tasks(w.room)); n != 0 {
		t.Fatalf("%d tasks left", n)
	}
	// Bob may post now.
	w.cbob.post(w.room, "finally")
}

func TestDeleteRoom(t *testing.T) {
	w := newWorld(t)
	w.s.AddTask(apitest.Task{RoomID: w.room, AssigneeID: w.alice.AccountID, AssignedByAccountID: w.me.AccountID, Body: "a"})
	w.s.AddTask(apitest.Task{RoomID: w.room, AssigneeID: w.me.AccountID, AssignedByAccountID: w.alice.AccountID, Body: "b"})
	ct, body := multipartBody(t, "a.txt", []byte("aaa"), "")
	w.calice.sendRaw(http.MethodPost, roomPath(w.room, "/files"), ct, body)
	ct, body = multipartBody(t, "b.txt", []byte("bbb"), "")
	w.cme.sendRaw(http.MethodPost, roomPath(w.room, "/files"), ct, body)

	// Leave, with action_type in the body: alice's tasks and files go.
	r := w.calice.must(http.StatusNoContent, http.MethodDelete, roomPath(w.room, ""), url.Values{"action_type": {"leave"}})
	if len(r.body) != 0 {
		t.Fatalf("204 with body %q", r.body)
	}
	if tasks, files := w.s.Tasks(w.room), w.s.Files(w.room); len(tasks) != 1 || len(files) != 1 || files[0].Name != "b.txt" {
		t.Fatalf("after leave: tasks %+v files %+v", tasks, files)
	}
	if rm, _ := w.s.Room(w.room); len(rm.MemberIDs) != 0 {
		t.Fatalf("alice still a member: %+v", rm)
	}
	// Readonly bob cannot delete; leaving with action_type in the query
	// string works too.
	wantError(t, w.cbob.send(http.MethodDelete, roomPath(w.room, ""), url.Values{"action_type": {"delete"}}), http.StatusForbidden, "You don't have permission to edit this room")
	w.cbob.must(http.StatusNoContent, http.MethodDelete, roomPath(w.room, "?action_type=leave"), nil)
	wantError(t, w.cme.send(http.MethodDelete, roomPath(w.room, ""), url.Values{"action_type": {"destroy"}}), http.StatusBadRequest, "Invalid value for 'action_type'")

	w.cme.must(http.StatusNoContent, http.MethodDelete, roomPath(w.room, ""), url.Values{"action_type": {"delete"}})
	if _, ok := w.s.Room(w.room); ok {
		t.Fatal("room still exists")
	}
	if len(w.s.Tasks(w.room))+len(w.s.Files(w.room))+len(w.s.Messages(w.room)) != 0 {
		t.Fatal("room contents survived")
	}
	wantError(t, w.cme.send(http.MethodGet, roomPath(w.room, ""), nil), http.StatusNotFound, "Resource not found")
}

func TestInvitationLinkLifecycle(t *testing.T) {
	w := newWorld(t)
	path := roomPath(w.room, "/link")
	var l gen.InvitationLink
	r := w.cme.must(200, http.MethodGet, path, nil)
	if string(r.body) != `{"public":false}` {
		t.Fatalf("no link: %s", r.body)
	}
	wantError(t, w.cme.send(http.MethodPut, path, url.Values{"description": {"x"}}), http.StatusBadRequest, "The invitation link does not exist")
	wantError(t, w.cme.send(http.MethodDelete, path, nil), http.StatusBadRequest, "The invitation link does not exist")

	// Created with a random code and need_acceptance on by default.
	w.cme.must(200, http.MethodPost, path, url.Values{"description": {"join us"}}).decode(t, &l)
	if !l.Public || l.URL == nil || *l.NeedAcceptance != true || *l.Description != "join us" {
		t.Fatalf("created = %+v", l)
	}
	code := (*l.URL)[strings.LastIndex(*l.URL, "/")+1:]
	if len(code) < 8 {
		t.Fatalf("random code %q too short", code)
	}
	wantError(t, w.cme.send(http.MethodPost, path, url.Values{"code": {"again"}}), http.StatusBadRequest, "The invitation link already exists")

	// A member reads it.
	w.calice.get(path, &l)
	if !l.Public {
		t.Fatal("alice sees no link")
	}
	// Change: fields left out keep their values.
	w.cme.must(200, http.MethodPut, path, url.Values{"code": {"fixed_code"}, "need_acceptance": {"0"}}).decode(t, &l)
	if !strings.HasSuffix(*l.URL, "/g/fixed_code") || *l.NeedAcceptance || *l.Description != "join us" {
		t.Fatalf("changed = %+v", l)
	}
	// Codes are unique.
	other := w.s.AddRoom(apitest.Room{Name: "Other", AdminIDs: []int64{w.me.AccountID}}).RoomID
	if r := w.cme.send(http.MethodPost, roomPath(other, "/link"), url.Values{"code": {"fixed_code"}}); r.status != http.StatusBadRequest {
		t.Fatalf("duplicate code: %d", r.status)
	}
	r = w.cme.must(200, http.MethodDelete, path, nil)
	if string(r.body) != `{"public":false}` {
		t.Fatalf("delete: %s", r.body)
	}
	var gone gen.InvitationLink
	w.cme.get(path, &gone)
	if gone.Public || gone.URL != nil {
		t.Fatalf("after delete: %+v", gone)
	}
	// The code is free again.
	w.cme.must(200, http.MethodPost, roomPath(other, "/link"), url.Values{"code": {"fixed_code"}})
}

func TestContactsAndRequests(t *testing.T) {
	w := newWorld(t)
	var contacts []gen.Contact
	w.cme.get("/contacts", &contacts)
	if len(contacts) != 2 || contacts[0].AccountID != w.alice.AccountID || contacts[0].RoomID == 0 || contacts[0].ChatworkID != "alice" {
		t.Fatalf("contacts = %+v", contacts)
	}
	// The contact's room is the direct chat, named after the other person.
	var d gen.RoomDetail
	w.cme.get(roomPath(contacts[0].RoomID, ""), &d)
	if d.Type != gen.RoomTypeDirect || d.Name != "Alice" {
		t.Fatalf("direct chat = %+v", d)
	}

	dave := w.s.AddAccount(apitest.Account{Name: "Dave", Department: "Ops"})
	erin := w.s.AddAccount(apitest.Account{Name: "Erin"})
	r1 := w.s.AddIncomingRequest(apitest.IncomingRequest{AccountID: dave.AccountID, ToAccountID: w.me.AccountID, Message: "hi, it's Dave"}).RequestID
	r2 := w.s.AddIncomingRequest(apitest.IncomingRequest{AccountID: erin.AccountID, ToAccountID: w.me.AccountID, Message: "Erin here"}).RequestID
	w.s.AddIncomingRequest(apitest.IncomingRequest{AccountID: erin.AccountID, ToAccountID: w.alice.AccountID, Message: "to alice"})
	var reqs []gen.IncomingRequest
	w.cme.get("/incoming_requests", &reqs)
	if len(reqs) != 2 || reqs[0].RequestID != r1 || reqs[0].AccountID != dave.AccountID || reqs[0].Message != "hi, it's Dave" || reqs[0].Department != "Ops" {
		t.Fatalf("requests = %+v", reqs)
	}
	// Someone else's request is not found.
	wantError(t, w.calice.send(http.MethodPut, fmt.Sprintf("/incoming_requests/%d", r1), nil), http.StatusNotFound, "Resource not found")

	var c gen.Contact
	w.cme.must(200, http.MethodPut, fmt.Sprintf("/incoming_requests/%d", r1), nil).decode(t, &c)
	if c.AccountID != dave.AccountID || c.Name != "Dave" || c.RoomID == 0 {
		t.Fatalf("accepted contact = %+v", c)
	}
	w.cme.get(roomPath(c.RoomID, ""), &d)
	if d.Type != gen.RoomTypeDirect {
		t.Fatalf("no direct chat with Dave: %+v", d)
	}
	r := w.cme.must(http.StatusNoContent, http.MethodDelete, fmt.Sprintf("/incoming_requests/%d", r2), nil)
	if len(r.body) != 0 {
		t.Fatalf("204 with body %q", r.body)
	}
	w.cme.must(http.StatusNoContent, http.MethodGet, "/incoming_requests", nil)
	wantError(t, w.cme.send(http.MethodPut, fmt.Sprintf("/incoming_requests/%d", r2), nil), http.StatusNotFound, "Resource not found")
	w.cme.get("/contacts", &contacts)
	if len(contacts) != 3 {
		t.Fatalf("contacts after accept: %+v", contacts)
	}
	if got := w.s.Contacts(); len(got) != 3 || got[2] != (apitest.Contact{AccountID: w.me.AccountID, OtherAccountID: dave.AccountID, RoomID: d.RoomID}) {
		t.Fatalf("contacts: %+v", got)
	}
}
