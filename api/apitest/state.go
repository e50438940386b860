package apitest

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/chatwork-go/chatwork/gen"
)

// state is everything the fake stores. It is guarded by Server.mu.
type state struct {
	accounts   map[int64]*account
	tokens     map[string]int64 // API tokens and bearer tokens -> account
	oauth      map[string]bool  // the bearer tokens among tokens
	rooms      map[int64]*room
	tasks      map[int64]*task
	files      map[int64]*file
	requests   map[int64]*contactRequest
	downloads  map[string]download
	linkCodes  map[string]int64 // invitation link code -> room
	webhooks   []*Webhook
	nextAcct   int64
	nextRoom   int64
	nextTask   int64
	nextFile   int64
	nextReq    int64
	nextMsg    int64
	nextHookID int64
}

func newState() *state {
	return &state{
		accounts:   map[int64]*account{},
		tokens:     map[string]int64{},
		oauth:      map[string]bool{},
		rooms:      map[int64]*room{},
		tasks:      map[int64]*task{},
		files:      map[int64]*file{},
		requests:   map[int64]*contactRequest{},
		downloads:  map[string]download{},
		linkCodes:  map[string]int64{},
		nextAcct:   firstAccountID,
		nextRoom:   firstRoomID,
		nextTask:   firstTaskID,
		nextFile:   firstFileID,
		nextReq:    firstRequestID,
		nextMsg:    firstMessageID,
		nextHookID: 1,
	}
}

// randomString returns n random bytes, hex-encoded.
func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails
	return hex.EncodeToString(b)
}

func randomBase64(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

// addAccount stores a, filling in its ID, token and My Chat.
func (st *state) addAccount(a Account, now int64) (Account, error) {
	if a.ID == 0 {
		for st.accounts[st.nextAcct] != nil {
			st.nextAcct++
		}
		a.ID = st.nextAcct
		st.nextAcct++
	} else if a.ID < 0 {
		return a, fmt.Errorf("apitest: invalid account ID %d", a.ID)
	} else if st.accounts[a.ID] != nil {
		return a, fmt.Errorf("apitest: account %d already exists", a.ID)
	}
	if a.Token == "" {
		a.Token = randomString(16)
	}
	if _, dup := st.tokens[a.Token]; dup {
		return a, fmt.Errorf("apitest: token of account %d is already in use", a.ID)
	}
	st.tokens[a.Token] = a.ID
	my := st.newRoom(RoomTypeMy, a.Name, "", "", now)
	my.roles[a.ID] = gen.RoleAdmin
	a.RoomID = my.id
	st.accounts[a.ID] = &account{Account: a, contacts: map[int64]int64{}}
	return a, nil
}

func (st *state) newRoom(typ, name, description, icon string, now int64) *room {
	for st.rooms[st.nextRoom] != nil {
		st.nextRoom++
	}
	if icon == "" {
		icon = string(gen.IconPresetGroup)
	}
	r := &room{
		id:          st.nextRoom,
		typ:         typ,
		name:        name,
		description: description,
		icon:        icon,
		roles:       map[int64]gen.Role{},
		readPos:     map[int64]int64{},
		cursor:      map[int64]int64{},
		sticky:      map[int64]bool{},
		lastUpdate:  now,
	}
	st.nextRoom++
	st.rooms[r.id] = r
	return r
}

// addContact makes a and b contacts, with a direct chat, and returns the
// chat's ID. It is idempotent.
func (st *state) addContact(a, b int64, now int64) (int64, error) {
	aa, ab := st.accounts[a], st.accounts[b]
	if aa == nil || ab == nil {
		return 0, fmt.Errorf("apitest: unknown account in AddContact(%d, %d)", a, b)
	}
	if a == b {
		return 0, fmt.Errorf("apitest: account %d cannot be its own contact", a)
	}
	if id, ok := aa.contacts[b]; ok {
		return id, nil
	}
	r := st.newRoom(RoomTypeDirect, "", "", "", now)
	r.roles[a] = gen.RoleAdmin
	r.roles[b] = gen.RoleAdmin
	aa.contacts[b] = r.id
	ab.contacts[a] = r.id
	return r.id, nil
}

// postMessage stores a message and returns it with the webhook events it
// causes. With selfUnread false the author's read position moves to the
// new message, as when a person posts in the Chatwork UI.
func (st *state) postMessage(r *room, from int64, body string, selfUnread bool, now int64) (*message, []event) {
	m := &message{id: st.nextMsg, roomID: r.id, accountID: from, body: body, sendTime: now}
	st.nextMsg++
	r.messages = append(r.messages, m)
	r.lastUpdate = now
	if !selfUnread {
		r.readPos[from] = m.id
	}
	return m, st.messageEvents(m, EventMessageCreated, now)
}

// removeMember takes id out of r, with the tasks assigned to it and the
// files it uploaded there.
func (st *state) removeMember(r *room, id int64) {
	delete(r.roles, id)
	delete(r.readPos, id)
	delete(r.cursor, id)
	for tid, t := range st.tasks {
		if t.roomID == r.id && t.assignee == id {
			delete(st.tasks, tid)
		}
	}
	for fid, f := range st.files {
		if f.roomID == r.id && f.accountID == id {
			delete(st.files, fid)
		}
	}
}

// deleteRoom removes r with everything in it.
func (st *state) deleteRoom(r *room) {
	for tid, t := range st.tasks {
		if t.roomID == r.id {
			delete(st.tasks, tid)
		}
	}
	for fid, f := range st.files {
		if f.roomID == r.id {
			delete(st.files, fid)
		}
	}
	if r.link != nil {
		delete(st.linkCodes, r.link.Code)
	}
	delete(st.rooms, r.id)
}

// addToken registers a token of the account: an API token, or an OAuth
// access token with oauth.
func (st *state) addToken(acct int64, tok string, oauth bool) {
	st.tokens[tok] = acct
	if oauth {
		st.oauth[tok] = true
	}
}

// revokeToken forgets a token.
func (st *state) revokeToken(tok string) {
	delete(st.tokens, tok)
	delete(st.oauth, tok)
}

// addWebhook stores a webhook setting, choosing its ID when it has none,
// and returns it.
func (st *state) addWebhook(h Webhook) Webhook {
	if h.ID == 0 {
		h.ID = st.nextHookID
		st.nextHookID++
	}
	hc := h
	st.webhooks = append(st.webhooks, &hc)
	return h
}

// createRoom creates a group chat with the given members and, when r.Link
// is not nil, an invitation link.
func (st *state) createRoom(r Room, roles map[int64]gen.Role, root string, now int64) (*room, error) {
	if r.Link != nil && r.Link.Code != "" {
		if _, taken := st.linkCodes[r.Link.Code]; taken {
			return nil, fmt.Errorf("the link code %q is already in use", r.Link.Code)
		}
	}
	rm := st.newRoom(RoomTypeGroup, r.Name, r.Description, r.IconPreset, now)
	rm.roles = roles
	if r.Link != nil {
		l := *r.Link
		if err := st.setLink(rm, &l, root); err != nil {
			return nil, err
		}
	}
	return rm, nil
}

// roleMap checks the accounts and builds a role map; an account listed
// twice is an error.
func (st *state) roleMap(admins, members, readonly []int64) (map[int64]gen.Role, error) {
	roles := map[int64]gen.Role{}
	for _, x := range []struct {
		ids  []int64
		role gen.Role
	}{{admins, gen.RoleAdmin}, {members, gen.RoleMember}, {readonly, gen.RoleReadonly}} {
		for _, id := range x.ids {
			if st.accounts[id] == nil {
				return nil, fmt.Errorf("apitest: unknown account %d", id)
			}
			if _, dup := roles[id]; dup {
				return nil, fmt.Errorf("apitest: account %d is listed twice", id)
			}
			roles[id] = x.role
		}
	}
	return roles, nil
}

// updateRoom changes the fields that are not nil.
func (st *state) updateRoom(r *room, name, description, icon *string, now int64) {
	if name != nil {
		r.name = *name
	}
	if description != nil {
		r.description = *description
	}
	if icon != nil {
		r.icon = *icon
	}
	r.lastUpdate = now
}

// setMembers replaces the membership of r. Accounts left out are removed
// as if they had left.
func (st *state) setMembers(r *room, roles map[int64]gen.Role, now int64) {
	for id := range r.roles {
		if _, keep := roles[id]; !keep {
			st.removeMember(r, id)
		}
	}
	r.roles = roles
	r.lastUpdate = now
}

// leaveRoom takes id out of r; a room left by its last member is deleted.
func (st *state) leaveRoom(r *room, id int64) {
	st.removeMember(r, id)
	if len(r.roles) == 0 {
		st.deleteRoom(r)
	}
}

// setLink gives r the link l, choosing a random code when it has none.
func (st *state) setLink(r *room, l *Link, root string) error {
	if l.Code == "" {
		for {
			l.Code = randomString(6)
			if _, taken := st.linkCodes[l.Code]; !taken {
				break
			}
		}
	} else if owner, taken := st.linkCodes[l.Code]; taken && owner != r.id {
		return fmt.Errorf("the link code %q is already in use", l.Code)
	}
	if r.link != nil {
		delete(st.linkCodes, r.link.Code)
	}
	l.URL = root + "/g/" + l.Code
	st.linkCodes[l.Code] = r.id
	r.link = l
	return nil
}

// deleteLink removes the invitation link of r.
func (st *state) deleteLink(r *room) {
	if r.link != nil {
		delete(st.linkCodes, r.link.Code)
		r.link = nil
	}
}

// readNew returns the messages of r after the account's cursor, the
// oldest n of them, and moves the cursor past the last one returned.
func (st *state) readNew(r *room, acct int64, n int) []*message {
	i, _ := r.findMessage(r.cursor[acct] + 1)
	out := r.messages[i:min(i+n, len(r.messages))]
	if len(out) > 0 {
		r.cursor[acct] = out[len(out)-1].id
	}
	return out
}

// setReadPos makes the messages of r up to id read for the account, and
// the later ones unread.
func (st *state) setReadPos(r *room, acct, id int64) { r.readPos[acct] = id }

// editMessage changes the body of m and returns the webhook events the
// edit causes.
func (st *state) editMessage(r *room, m *message, body string, now int64) []event {
	m.body = body
	m.updateTime = now
	r.lastUpdate = now
	return st.messageEvents(m, EventMessageUpdated, now)
}

// deleteMessage removes m from r.
func (st *state) deleteMessage(r *room, m *message, now int64) {
	if i, found := r.findMessage(m.id); found != nil {
		r.messages = slices.Delete(r.messages, i, i+1)
	}
	r.lastUpdate = now
}

// createTasks creates one task per assignee, all pointing at one task
// message [task aid=IDS st=open lt=LIMIT]BODY[/task] posted by from.
func (st *state) createTasks(rm *room, from int64, to []int64, body string, limit int64, lt gen.TaskLimitType, now int64) ([]int64, []event) {
	if lt == "" {
		lt = gen.TaskLimitTypeNone
		if limit > 0 {
			lt = gen.TaskLimitTypeTime
		}
	}
	aids := make([]string, len(to))
	for i, id := range to {
		aids[i] = strconv.FormatInt(id, 10)
	}
	text := fmt.Sprintf("[task aid=%s st=open lt=%d]%s[/task]", strings.Join(aids, ","), limit, body)
	m, events := st.postMessage(rm, from, text, false, now)
	ids := make([]int64, 0, len(to))
	for _, a := range to {
		t := &task{
			id: st.nextTask, roomID: rm.id, assignee: a, assignedBy: from, messageID: m.id,
			body: body, limitTime: limit, limitType: lt, status: gen.TaskStatusOpen,
		}
		st.nextTask++
		st.tasks[t.id] = t
		ids = append(ids, t.id)
	}
	return ids, events
}

// setTaskStatus opens or closes t.
func (st *state) setTaskStatus(t *task, status gen.TaskStatus) { t.status = status }

// addFile stores an upload of the account to r, posting its message, and
// returns the file's ID with the webhook events the message causes. A file
// without a name is called "file".
func (st *state) addFile(r *room, acct int64, u *upload, message string, now int64) (int64, []event) {
	name := u.name
	if name == "" {
		name = "file"
	}
	id := st.nextFile
	st.nextFile++
	m, events := st.postMessage(r, acct, uploadBody(id, name, len(u.data), message), false, now)
	st.files[id] = &file{
		id: id, roomID: r.id, accountID: acct, messageID: m.id, name: name,
		contentType: u.contentType, data: u.data, uploadTime: now,
	}
	return id, events
}

// newDownload makes a download token for f that expires at expires, and
// forgets the tokens that expired by now.
func (st *state) newDownload(f *file, expires, now time.Time) string {
	tok := randomString(24)
	st.downloads[tok] = download{fileID: f.id, expires: expires}
	for t, d := range st.downloads {
		if !now.Before(d.expires) {
			delete(st.downloads, t)
		}
	}
	return tok
}

// download returns the file of a download token, or nil when the token is
// unknown or expired by now; an expired token is forgotten.
func (st *state) download(tok string, now time.Time) *file {
	d, ok := st.downloads[tok]
	if !ok {
		return nil
	}
	if !now.Before(d.expires) {
		delete(st.downloads, tok)
		return nil
	}
	return st.files[d.fileID]
}

// addRequest records a contact request and returns its ID.
func (st *state) addRequest(from, to int64, message string) int64 {
	id := st.nextReq
	st.nextReq++
	st.requests[id] = &contactRequest{id: id, from: from, to: to, message: message}
	return id
}

// acceptRequest makes the two accounts of q contacts and forgets q. It
// returns the ID of their direct chat.
func (st *state) acceptRequest(q *contactRequest, now int64) (int64, error) {
	roomID, err := st.addContact(q.to, q.from, now)
	if err != nil {
		return 0, err
	}
	st.removeRequest(q)
	return roomID, nil
}

// removeRequest forgets q.
func (st *state) removeRequest(q *contactRequest) { delete(st.requests, q.id) }

// sortedKeys returns the keys of m in ascending order.
func sortedKeys[V any](m map[int64]V) []int64 {
	keys := make([]int64, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
