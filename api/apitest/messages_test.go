package apitest_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/chatwork-go/chatwork/api/apitest"
	"github.com/chatwork-go/chatwork/gen"
)

func messageIDs(ms []gen.Message) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.MessageID
	}
	return out
}

func TestListMessagesCursor(t *testing.T) {
	w := newWorld(t)
	path := roomPath(w.room, "/messages")
	var ids []string
	for i := range 150 {
		ids = append(ids, w.s.AddMessage(apitest.Message{RoomID: w.room, AccountID: w.alice.AccountID, Body: fmt.Sprintf("m%d", i)}).MessageID)
	}
	// force=0 drains the backlog 100 at a time, oldest first.
	var got []gen.Message
	w.cme.get(path, &got)
	if len(got) != 100 || got[0].MessageID != ids[0] || got[99].MessageID != ids[99] {
		t.Fatalf("first call: %d messages, %v...", len(got), messageIDs(got)[:2])
	}
	// Another token of the same account shares the cursor.
	other := w.cme.as(w.s.AddToken(apitest.Token{AccountID: w.me.AccountID}).Token)
	other.get(path+"?force=0", &got)
	if len(got) != 50 || got[0].MessageID != ids[100] {
		t.Fatalf("second call: %d messages starting %s", len(got), got[0].MessageID)
	}
	w.cme.must(http.StatusNoContent, http.MethodGet, path, nil)

	// force=1 returns the latest 100 and leaves the cursor alone.
	w.cme.get(path+"?force=1", &got)
	if len(got) != 100 || got[0].MessageID != ids[50] || got[99].MessageID != ids[149] {
		t.Fatalf("force=1: %d messages from %s", len(got), got[0].MessageID)
	}
	newID := w.s.AddMessage(apitest.Message{RoomID: w.room, AccountID: w.alice.AccountID, Body: "new"}).MessageID
	w.cme.get(path+"?force=1", &got)
	w.cme.get(path, &got)
	if len(got) != 1 || got[0].MessageID != newID || got[0].Body != "new" || got[0].Account.Name != "Alice" {
		t.Fatalf("after force=1, force=0 gave %+v", got)
	}
	// Alice's cursor is her own.
	w.calice.get(path, &got)
	if len(got) != 100 {
		t.Fatalf("alice got %d", len(got))
	}
}

func TestPostEditDeleteMessage(t *testing.T) {
	w := newWorld(t)
	id := w.calice.post(w.room, "hello")
	var m gen.Message
	w.cme.get(roomPath(w.room, "/messages/"+id), &m)
	if m.Body != "hello" || m.Account.AccountID != w.alice.AccountID || m.SendTime.IsZero() || !m.UpdateTime.IsZero() {
		t.Fatalf("message = %+v", m)
	}
	// Only the author edits or deletes.
	wantError(t, w.cme.send(http.MethodPut, roomPath(w.room, "/messages/"+id), url.Values{"body": {"x"}}), http.StatusForbidden, "You can only edit or delete your own messages")
	wantError(t, w.cme.send(http.MethodDelete, roomPath(w.room, "/messages/"+id), nil), http.StatusForbidden, "You can only edit or delete your own messages")

	var res gen.MessageIDResult
	w.calice.must(200, http.MethodPut, roomPath(w.room, "/messages/"+id), url.Values{"body": {"edited"}}).decode(t, &res)
	if res.MessageID != id {
		t.Fatalf("edit returned %q", res.MessageID)
	}
	w.cme.get(roomPath(w.room, "/messages/"+id), &m)
	if m.Body != "edited" || m.UpdateTime.IsZero() {
		t.Fatalf("after edit: %+v", m)
	}
	w.calice.must(200, http.MethodDelete, roomPath(w.room, "/messages/"+id), nil).decode(t, &res)
	if res.MessageID != id {
		t.Fatalf("delete returned %q", res.MessageID)
	}
	wantError(t, w.cme.send(http.MethodGet, roomPath(w.room, "/messages/"+id), nil), http.StatusNotFound, "Resource not found")
	if len(w.s.Messages(w.room)) != 0 {
		t.Fatal("message still stored")
	}
}

func TestPermissions(t *testing.T) {
	w := newWorld(t)
	// Readonly members cannot post messages or tasks, nor upload.
	wantError(t, w.cbob.send(http.MethodPost, roomPath(w.room, "/messages"), url.Values{"body": {"hi"}}), http.StatusForbidden, "You don't have permission to post in this room")
	wantError(t, w.cbob.send(http.MethodPost, roomPath(w.room, "/tasks"), url.Values{"body": {"t"}, "to_ids": {strconv.FormatInt(w.me.AccountID, 10)}}), http.StatusForbidden, "You don't have permission to post in this room")
	ct, body := multipartBody(t, "a.txt", []byte("a"), "")
	if r := w.cbob.sendRaw(http.MethodPost, roomPath(w.room, "/files"), ct, body); r.status != http.StatusForbidden {
		t.Fatalf("readonly upload: %d", r.status)
	}
	// But they can read.
	w.cbob.must(http.StatusNoContent, http.MethodGet, roomPath(w.room, "/messages"), nil)

	// Non-members get 404: rooms they are not in are invisible.
	carol := w.s.AddAccount(apitestAccount("Carol"))
	cc := w.cme.as(carol.Token)
	for _, x := range []struct {
		method, path string
		form         url.Values
	}{
		{http.MethodGet, roomPath(w.room, ""), nil},
		{http.MethodGet, roomPath(w.room, "/messages"), nil},
		{http.MethodPost, roomPath(w.room, "/messages"), url.Values{"body": {"x"}}},
		{http.MethodGet, roomPath(w.room, "/members"), nil},
		{http.MethodGet, roomPath(w.room, "/link"), nil},
		{http.MethodDelete, roomPath(w.room, ""), url.Values{"action_type": {"leave"}}},
	} {
		wantError(t, cc.send(x.method, x.path, x.form), http.StatusNotFound, "Resource not found")
	}
	// Only admins change the room.
	admin := []struct {
		method, path string
		form         url.Values
	}{
		{http.MethodPut, roomPath(w.room, ""), url.Values{"name": {"x"}}},
		{http.MethodPut, roomPath(w.room, "/members"), url.Values{"members_admin_ids": {strconv.FormatInt(w.alice.AccountID, 10)}}},
		{http.MethodDelete, roomPath(w.room, ""), url.Values{"action_type": {"delete"}}},
		{http.MethodPost, roomPath(w.room, "/link"), url.Values{"description": {"x"}}},
		{http.MethodPut, roomPath(w.room, "/link"), url.Values{"description": {"x"}}},
		{http.MethodDelete, roomPath(w.room, "/link"), nil},
	}
	for _, x := range admin {
		wantError(t, w.calice.send(x.method, x.path, x.form), http.StatusForbidden, "You don't have permission to edit this room")
	}
	if len(w.s.Messages(w.room)) != 0 || len(w.s.Tasks(w.room)) != 0 || len(w.s.Files(w.room)) != 0 {
		t.Fatal("a refused request stored something")
	}
	if r, _ := w.s.Room(w.room); r.Name != "Project" || len(r.MemberIDs) != 1 || r.Link != nil {
		t.Fatalf("room changed: %+v", r)
	}
}

func TestReadUnreadAndCounts(t *testing.T) {
	w := newWorld(t)
	m1 := w.calice.post(w.room, "plain")
	w.calice.post(w.room, fmt.Sprintf("[To:%d] Me, look", w.me.AccountID))
	m3 := w.calice.post(w.room, "[toall] everyone")
	w.calice.post(w.room, fmt.Sprintf("[rp aid=%d to=%d-%s] Me\nreply", w.me.AccountID, w.room, m1))
	w.calice.post(w.room, fmt.Sprintf("[To:%d] Bob", w.bob.AccountID))

	var room gen.RoomDetail
	w.cme.get(roomPath(w.room, ""), &room)
	if room.UnreadNum != 5 || room.MentionNum != 3 || room.MessageNum != 5 {
		t.Fatalf("room counts: unread %d mention %d messages %d", room.UnreadNum, room.MentionNum, room.MessageNum)
	}
	// Alice's own posts are read for her.
	w.calice.get(roomPath(w.room, ""), &room)
	if room.UnreadNum != 0 || room.MentionNum != 0 {
		t.Fatalf("alice: unread %d mention %d", room.UnreadNum, room.MentionNum)
	}
	var st gen.MyStatus
	w.cme.get("/my/status", &st)
	if st.UnreadNum != 5 || st.MentionNum != 3 || st.UnreadRoomNum != 1 || st.MentionRoomNum != 1 {
		t.Fatalf("my/status = %+v", st)
	}

	var rr gen.ReadResult
	w.cme.must(200, http.MethodPut, roomPath(w.room, "/messages/read"), url.Values{"message_id": {m3}}).decode(t, &rr)
	if rr.UnreadNum != 2 || rr.MentionNum != 1 {
		t.Fatalf("after read up to m3: %+v", rr)
	}
	wantError(t, w.cme.send(http.MethodPut, roomPath(w.room, "/messages/read"), url.Values{"message_id": {m1}}), http.StatusBadRequest, "The messages are already read")
	// Without message_id: everything.
	w.cme.must(200, http.MethodPut, roomPath(w.room, "/messages/read"), nil).decode(t, &rr)
	if rr.UnreadNum != 0 || rr.MentionNum != 0 {
		t.Fatalf("after read all: %+v", rr)
	}
	wantError(t, w.cme.send(http.MethodPut, roomPath(w.room, "/messages/read"), nil), http.StatusBadRequest, "The messages are already read")

	w.cme.must(200, http.MethodPut, roomPath(w.room, "/messages/unread"), url.Values{"message_id": {m3}}).decode(t, &rr)
	if rr.UnreadNum != 3 || rr.MentionNum != 2 {
		t.Fatalf("after unread from m3: %+v", rr)
	}
	wantError(t, w.cme.send(http.MethodPut, roomPath(w.room, "/messages/unread"), url.Values{"message_id": {m3}}), http.StatusBadRequest, "The message is already unread")
	wantError(t, w.cme.send(http.MethodPut, roomPath(w.room, "/messages/unread"), url.Values{"message_id": {"1"}}), http.StatusBadRequest, "Invalid value for 'message_id'")

	// self_unread=1 leaves the author's own message unread.
	w.calice.must(200, http.MethodPost, roomPath(w.room, "/messages"), url.Values{"body": {"note"}, "self_unread": {"1"}})
	w.calice.get(roomPath(w.room, ""), &room)
	if room.UnreadNum != 1 {
		t.Fatalf("self_unread: alice unread %d", room.UnreadNum)
	}

	// The list agrees with the detail.
	var rooms []gen.Room
	w.cme.get("/rooms", &rooms)
	for _, r := range rooms {
		if r.RoomID == w.room && (r.UnreadNum != 4 || r.MessageNum != 6 || r.Role != gen.RoleAdmin || r.Name != "Project") {
			t.Fatalf("listed room = %+v", r)
		}
	}
}

// apitestAccount is a small profile.
func apitestAccount(name string) apitest.Account { return apitest.Account{Name: name} }
