package apitest

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/chatwork-go/chatwork/gen"
	"github.com/chatwork-go/chatwork/internal/limits"
)

// state is everything the fake stores. It is guarded by Server.mu. Its
// methods check their input and return errors; none of them sends
// webhooks, they return the events to send once the lock is released.
type state struct {
	accounts  map[int64]*account
	tokens    map[string]*credential // every token, API or OAuth
	rooms     map[int64]*room
	msgRoom   map[int64]int64 // message ID -> room ID
	tasks     map[int64]*task
	files     map[int64]*file
	requests  map[int64]*contactRequest
	downloads map[string]download
	linkCodes map[string]int64 // invitation link code -> room
	webhooks  []*Webhook
	next      counters
	first     int64 // the default account
}

// counters are the next IDs to hand out: an ID given by a fixture moves
// its counter past it, so that chosen IDs never collide with given ones.
type counters struct {
	account, room, task, file, request, message, webhook int64
}

// A credential is what a token stands for.
type credential struct {
	account int64
	oauth   bool
	expires time.Time // zero for never
	primary bool      // the account's own Account.Token
}

func newState() *state {
	return &state{
		accounts:  map[int64]*account{},
		tokens:    map[string]*credential{},
		rooms:     map[int64]*room{},
		msgRoom:   map[int64]int64{},
		tasks:     map[int64]*task{},
		files:     map[int64]*file{},
		requests:  map[int64]*contactRequest{},
		downloads: map[string]download{},
		linkCodes: map[string]int64{},
		next: counters{
			account: firstAccountID, room: firstRoomID, task: firstTaskID, file: firstFileID,
			request: firstRequestID, message: firstMessageID, webhook: 1,
		},
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

// newID returns id when it is given (not zero) and not taken, moving the
// counter past it, or the next free ID when it is zero.
func newID(kind string, id int64, next *int64, taken func(int64) bool) (int64, error) {
	switch {
	case id < 0:
		return 0, fmt.Errorf("invalid %s ID %d", kind, id)
	case id > 0 && taken(id):
		return 0, fmt.Errorf("%s %d already exists", kind, id)
	case id > 0:
		*next = max(*next, id+1)
		return id, nil
	}
	for taken(*next) {
		*next++
	}
	*next++
	return *next - 1, nil
}

func unixOr(t time.Time, now int64) int64 {
	if t.IsZero() {
		return now
	}
	return t.Unix()
}

// timeOf is the fixtures' form of a Unix time of the state: zero for 0.
func timeOf(unix int64) time.Time {
	if unix == 0 {
		return time.Time{}
	}
	return time.Unix(unix, 0).UTC()
}

// A fieldError is a mistake in one field of a fixture: the seed loader
// adds the field to the item's path, and the other callers read it in the
// message, such as "admin_ids[1]: unknown account 9".
type fieldError struct {
	field []any
	err   error
}

func (e *fieldError) Error() string { return pathString(e.field) + ": " + e.err.Error() }

func (e *fieldError) Unwrap() error { return e.err }

// inField places err, when not nil, in a field of the fixture.
func inField(err error, field ...any) error {
	if err == nil {
		return nil
	}
	var fe *fieldError
	if errors.As(err, &fe) {
		return &fieldError{append(field, fe.field...), fe.err}
	}
	return &fieldError{field, err}
}

// account returns an existing account; field names the fixture's field.
func (st *state) account(id int64, field string) (*account, error) {
	a := st.accounts[id]
	if a == nil {
		return nil, inField(fmt.Errorf("unknown account %d", id), field)
	}
	return a, nil
}

// memberRoom returns a room that account id is a member of; field names
// the fixture's field for the account.
func (st *state) memberRoom(roomID, id int64, field string) (*room, error) {
	r := st.rooms[roomID]
	if r == nil {
		return nil, inField(fmt.Errorf("unknown room %d", roomID), "room_id")
	}
	if _, ok := r.roles[id]; !ok {
		return nil, inField(fmt.Errorf("account %d is not a member of room %d", id, roomID), field)
	}
	return r, nil
}

// addAccount stores a, with its token and its My Chat.
func (st *state) addAccount(a Account, now int64) (Account, error) {
	id, err := newID("account", a.AccountID, &st.next.account, func(id int64) bool { return st.accounts[id] != nil })
	if err != nil {
		return a, inField(err, "account_id")
	}
	a.AccountID = id
	if a.Token == "" {
		a.Token = randomString(16)
	}
	if _, dup := st.tokens[a.Token]; dup {
		return a, inField(fmt.Errorf("the token of account %d is already in use", a.AccountID), "token")
	}
	if a.RoomID != 0 && st.rooms[a.RoomID] != nil {
		return a, inField(fmt.Errorf("room %d already exists", a.RoomID), "room_id")
	}
	my, err := st.newRoom(a.RoomID, RoomTypeMy, a.Name, "", "", now)
	if err != nil {
		return a, err
	}
	my.roles[a.AccountID] = gen.RoleAdmin
	a.RoomID = my.id
	st.tokens[a.Token] = &credential{account: a.AccountID, primary: true}
	st.accounts[a.AccountID] = &account{Account: a, contacts: map[int64]int64{}}
	return a, nil
}

// updateAccount replaces the profile of an account; its ID, token and My
// Chat stay.
func (st *state) updateAccount(a Account) (Account, error) {
	old, err := st.account(a.AccountID, "account_id")
	if err != nil {
		return a, err
	}
	if a.Token != "" && a.Token != old.Token {
		return a, fmt.Errorf("the token of account %d cannot change: add a Token instead", a.AccountID)
	}
	if a.RoomID != 0 && a.RoomID != old.RoomID {
		return a, fmt.Errorf("the My Chat of account %d cannot change", a.AccountID)
	}
	a.Token, a.RoomID = old.Token, old.RoomID
	old.Account = a
	return a, nil
}

func (st *state) newRoom(id int64, typ gen.RoomType, name, description string, icon gen.IconPreset, now int64) (*room, error) {
	id, err := newID("room", id, &st.next.room, func(id int64) bool { return st.rooms[id] != nil })
	if err != nil {
		return nil, err
	}
	if icon == "" {
		icon = gen.IconPresetGroup
	}
	r := &room{
		id:          id,
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
	st.rooms[r.id] = r
	return r, nil
}

// addToken registers a token of an account.
func (st *state) addToken(t Token) (Token, error) {
	if _, err := st.account(t.AccountID, "account_id"); err != nil {
		return t, err
	}
	if t.Token == "" {
		t.Token = randomString(16)
	}
	if strings.TrimSpace(t.Token) != t.Token || strings.ContainsAny(t.Token, "\r\n") {
		return t, fmt.Errorf("a token cannot start or end with spaces nor hold a line break")
	}
	if _, dup := st.tokens[t.Token]; dup {
		return t, inField(fmt.Errorf("the token is already in use"), "token")
	}
	if !t.OAuth && !t.Expires.IsZero() {
		return t, fmt.Errorf("only OAuth tokens expire")
	}
	st.tokens[t.Token] = &credential{account: t.AccountID, oauth: t.OAuth, expires: t.Expires}
	return t, nil
}

// revokeToken forgets a token. An account's own token cannot be revoked
// (the account would have none); add another and revoke that.
func (st *state) revokeToken(tok string) error {
	c := st.tokens[tok]
	switch {
	case c == nil:
		return fmt.Errorf("unknown token")
	case c.primary:
		return fmt.Errorf("the token of account %d is its Account.Token, which cannot be revoked", c.account)
	}
	delete(st.tokens, tok)
	return nil
}

// addContact makes two accounts contacts, with a direct chat. Adding an
// existing contact returns it.
func (st *state) addContact(c Contact, now int64) (Contact, error) {
	a, err := st.account(c.AccountID, "account_id")
	if err != nil {
		return c, err
	}
	b, err := st.account(c.OtherAccountID, "other_account_id")
	if err != nil {
		return c, err
	}
	if a == b {
		return c, fmt.Errorf("account %d cannot be its own contact", c.AccountID)
	}
	if id, ok := a.contacts[b.AccountID]; ok {
		if c.RoomID != 0 && c.RoomID != id {
			return c, fmt.Errorf("accounts %d and %d are contacts already, with direct chat %d", c.AccountID, c.OtherAccountID, id)
		}
		c.RoomID = id
		return c, nil
	}
	r, err := st.newRoom(c.RoomID, RoomTypeDirect, "", "", "", now)
	if err != nil {
		return c, err
	}
	r.roles[a.AccountID] = gen.RoleAdmin
	r.roles[b.AccountID] = gen.RoleAdmin
	a.contacts[b.AccountID] = r.id
	b.contacts[a.AccountID] = r.id
	c.RoomID = r.id
	return c, nil
}

// roleMap checks the accounts and builds a role map; an account listed
// twice is an error.
func (st *state) roleMap(admins, members, readonly []int64) (map[int64]gen.Role, error) {
	roles := map[int64]gen.Role{}
	for _, x := range []struct {
		field string
		ids   []int64
		role  gen.Role
	}{{"admin_ids", admins, gen.RoleAdmin}, {"member_ids", members, gen.RoleMember}, {"readonly_ids", readonly, gen.RoleReadonly}} {
		for i, id := range x.ids {
			if st.accounts[id] == nil {
				return nil, inField(fmt.Errorf("unknown account %d", id), x.field, i)
			}
			if _, dup := roles[id]; dup {
				return nil, inField(fmt.Errorf("account %d is listed twice", id), x.field, i)
			}
			roles[id] = x.role
		}
	}
	return roles, nil
}

// groupRoles checks a group chat fixture and returns its role map.
func (st *state) groupRoles(r Room) (map[int64]gen.Role, error) {
	switch {
	case r.Type != "" && r.Type != RoomTypeGroup:
		return nil, fmt.Errorf("room type %q: only group chats are added or changed, My Chats come with accounts and direct chats with contacts", r.Type)
	case len(r.AdminIDs) == 0:
		return nil, fmt.Errorf("a group chat needs at least one admin")
	case r.IconPreset != "" && !r.IconPreset.Valid():
		return nil, fmt.Errorf("unknown icon_preset %q", r.IconPreset)
	}
	return st.roleMap(r.AdminIDs, r.MemberIDs, r.ReadonlyIDs)
}

// addRoom creates a group chat from a fixture.
func (st *state) addRoom(r Room, root string, now int64) (*room, error) {
	roles, err := st.groupRoles(r)
	if err != nil {
		return nil, err
	}
	if r.RoomID != 0 && st.rooms[r.RoomID] != nil {
		return nil, inField(fmt.Errorf("room %d already exists", r.RoomID), "room_id")
	}
	return st.createRoom(r, roles, root, now)
}

// createRoom creates a group chat with the given members and, when r.Link
// is not nil, an invitation link.
func (st *state) createRoom(r Room, roles map[int64]gen.Role, root string, now int64) (*room, error) {
	if r.Link != nil && r.Link.Code != "" {
		if _, taken := st.linkCodes[r.Link.Code]; taken {
			return nil, fmt.Errorf("the link code %q is already in use", r.Link.Code)
		}
	}
	rm, err := st.newRoom(r.RoomID, RoomTypeGroup, r.Name, r.Description, r.IconPreset, now)
	if err != nil {
		return nil, err
	}
	rm.roles = roles
	if r.Link != nil {
		l := *r.Link
		if err := st.setLink(rm, &l, root); err != nil {
			delete(st.rooms, rm.id)
			return nil, err
		}
	}
	return rm, nil
}

// changeRoom replaces the name, description, icon, members and link of a
// group chat with those of r.
func (st *state) changeRoom(r Room, root string, now int64) (*room, error) {
	rm := st.rooms[r.RoomID]
	switch {
	case rm == nil:
		return nil, fmt.Errorf("unknown room %d", r.RoomID)
	case rm.typ != RoomTypeGroup:
		return nil, fmt.Errorf("room %d is not a group chat: only group chats can be changed", r.RoomID)
	}
	roles, err := st.groupRoles(r)
	if err != nil {
		return nil, err
	}
	if r.Link != nil {
		l := *r.Link
		if err := st.setLink(rm, &l, root); err != nil {
			return nil, err
		}
	} else {
		st.deleteLink(rm)
	}
	icon := string(r.IconPreset)
	if icon == "" {
		icon = string(gen.IconPresetGroup)
	}
	st.updateRoom(rm, &r.Name, &r.Description, &icon, now)
	st.setMembers(rm, roles, now)
	return rm, nil
}

// postMessage stores a new message and returns it with the webhook events
// it causes. With selfUnread false the author's read position moves to the
// new message, as when a person posts in the Chatwork UI.
func (st *state) postMessage(r *room, from int64, body string, selfUnread bool, now int64) (*message, []event) {
	m := &message{id: st.next.message, roomID: r.id, accountID: from, body: body, sendTime: now}
	st.next.message++
	st.storeMessage(r, m)
	r.lastUpdate = now
	if !selfUnread {
		r.readPos[from] = m.id
	}
	return m, st.messageEvents(m, evMessageCreated, now)
}

// storeMessage puts m in r, in ID order.
func (st *state) storeMessage(r *room, m *message) {
	i, _ := r.findMessage(m.id)
	r.messages = slices.Insert(r.messages, i, m)
	st.msgRoom[m.id] = r.id
}

// addMessage stores a message fixture as POST messages would store it,
// webhook events included; a given ID and times are kept.
func (st *state) addMessage(m Message, now int64) (*message, []event, error) {
	r, err := st.memberRoom(m.RoomID, m.AccountID, "account_id")
	if err != nil {
		return nil, nil, err
	}
	if m.MessageID == "" {
		msg, events := st.postMessage(r, m.AccountID, m.Body, false, unixOr(m.SendTime, now))
		msg.updateTime = unixOr(m.UpdateTime, 0)
		return msg, events, nil
	}
	id, ok := messageID(m.MessageID)
	if !ok || m.MessageID != strconv.FormatInt(id, 10) {
		return nil, nil, inField(fmt.Errorf("invalid message ID %q: a string of digits, not starting with 0", m.MessageID), "message_id")
	}
	if _, dup := st.msgRoom[id]; dup {
		return nil, nil, inField(fmt.Errorf("message %s already exists", m.MessageID), "message_id")
	}
	st.next.message = max(st.next.message, id+1)
	msg := &message{id: id, roomID: r.id, accountID: m.AccountID, body: m.Body,
		sendTime: unixOr(m.SendTime, now), updateTime: unixOr(m.UpdateTime, 0)}
	st.storeMessage(r, msg)
	r.lastUpdate = max(r.lastUpdate, msg.sendTime, msg.updateTime)
	r.readPos[m.AccountID] = max(r.readPos[m.AccountID], id)
	return msg, st.messageEvents(msg, evMessageCreated, now), nil
}

// findMessage returns a message of any room.
func (st *state) findMessage(idString string) (*room, *message, error) {
	id, ok := messageID(idString)
	if r := st.rooms[st.msgRoom[id]]; ok && r != nil {
		if _, m := r.findMessage(id); m != nil {
			return r, m, nil
		}
	}
	return nil, nil, fmt.Errorf("unknown message %q", idString)
}

// changeMessage replaces the body of a message, as PUT messages/{id} does;
// the update time is the fixture's, or now.
func (st *state) changeMessage(m Message, now int64) (*message, []event, error) {
	r, msg, err := st.findMessage(m.MessageID)
	if err != nil {
		return nil, nil, err
	}
	if (m.RoomID != 0 && m.RoomID != r.id) || (m.AccountID != 0 && m.AccountID != msg.accountID) {
		return nil, nil, fmt.Errorf("message %s is in room %d, by account %d: its room and author cannot change", m.MessageID, r.id, msg.accountID)
	}
	events := st.editMessage(r, msg, m.Body, unixOr(m.UpdateTime, now))
	return msg, events, nil
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
	for _, m := range r.messages {
		delete(st.msgRoom, m.id)
	}
	if r.link != nil {
		delete(st.linkCodes, r.link.Code)
	}
	delete(st.rooms, r.id)
}

// addWebhook stores a webhook setting.
func (st *state) addWebhook(h Webhook) (Webhook, error) {
	if err := h.check(); err != nil {
		return h, err
	}
	id, err := newID("webhook", h.WebhookID, &st.next.webhook, func(id int64) bool {
		return slices.ContainsFunc(st.webhooks, func(w *Webhook) bool { return w.WebhookID == id })
	})
	if err != nil {
		return h, err
	}
	h.WebhookID = id
	if h.Token == "" {
		h.Token = randomBase64(32)
	}
	h.Events = slices.Clone(h.Events)
	hc := h
	st.webhooks = append(st.webhooks, &hc)
	return h, nil
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
		r.icon = gen.IconPreset(*icon)
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
	} else if !validLinkCode(l.Code) {
		return fmt.Errorf("invalid link code %q: 1 to %d of A-Z, a-z, 0-9, _ and -", l.Code, limits.LinkCodeLength)
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
	r.lastUpdate = max(r.lastUpdate, now)
	return st.messageEvents(m, evMessageUpdated, now)
}

// deleteMessage removes m from r.
func (st *state) deleteMessage(r *room, m *message, now int64) {
	if i, found := r.findMessage(m.id); found != nil {
		r.messages = slices.Delete(r.messages, i, i+1)
	}
	delete(st.msgRoom, m.id)
	r.lastUpdate = now
}

// taskMessage is the body of the message that tasks point at.
func taskMessage(to []int64, body string, limit int64) string {
	aids := make([]string, len(to))
	for i, id := range to {
		aids[i] = strconv.FormatInt(id, 10)
	}
	return fmt.Sprintf("[task aid=%s st=open lt=%d]%s[/task]", strings.Join(aids, ","), limit, body)
}

func defaultLimitType(lt gen.TaskLimitType, limit int64) gen.TaskLimitType {
	switch {
	case lt != "":
		return lt
	case limit > 0:
		return gen.TaskLimitTypeTime
	}
	return gen.TaskLimitTypeNone
}

// createTasks creates one task per assignee, all pointing at one task
// message [task aid=IDS st=open lt=LIMIT]BODY[/task] posted by from.
func (st *state) createTasks(rm *room, from int64, to []int64, body string, limit int64, lt gen.TaskLimitType, now int64) ([]int64, []event) {
	lt = defaultLimitType(lt, limit)
	m, events := st.postMessage(rm, from, taskMessage(to, body, limit), false, now)
	ids := make([]int64, 0, len(to))
	for _, a := range to {
		t := &task{
			roomID: rm.id, assignee: a, assignedBy: from, messageID: m.id,
			body: body, limitTime: limit, limitType: lt, status: gen.TaskStatusOpen,
		}
		t.id, _ = newID("task", 0, &st.next.task, func(id int64) bool { return st.tasks[id] != nil })
		st.tasks[t.id] = t
		ids = append(ids, t.id)
	}
	return ids, events
}

// addTask stores a task fixture: with a new task message, or pointing at
// the message it names.
func (st *state) addTask(t Task, now int64) (*task, []event, error) {
	r, err := st.memberRoom(t.RoomID, t.AssignedByAccountID, "assigned_by_account_id")
	if err != nil {
		return nil, nil, err
	}
	if _, err := st.memberRoom(t.RoomID, t.AssigneeID, "assignee_id"); err != nil {
		return nil, nil, err
	}
	if err := checkTaskEnums(t); err != nil {
		return nil, nil, err
	}
	if t.TaskID != 0 && st.tasks[t.TaskID] != nil {
		return nil, nil, inField(fmt.Errorf("task %d already exists", t.TaskID), "task_id")
	}
	limit := t.LimitTime.Unix()
	if t.LimitTime.IsZero() {
		limit = 0
	}
	var msgID int64
	var events []event
	if t.MessageID == "" {
		var m *message
		m, events = st.postMessage(r, t.AssignedByAccountID, taskMessage([]int64{t.AssigneeID}, t.Body, limit), false, now)
		msgID = m.id
	} else {
		mr, m, err := st.findMessage(t.MessageID)
		if err == nil && mr != r {
			err = fmt.Errorf("message %s is not in room %d", t.MessageID, t.RoomID)
		}
		if err != nil {
			return nil, nil, inField(err, "message_id")
		}
		msgID = m.id
	}
	tk := &task{
		roomID: r.id, assignee: t.AssigneeID, assignedBy: t.AssignedByAccountID, messageID: msgID,
		body: t.Body, limitTime: limit, limitType: defaultLimitType(t.LimitType, limit), status: t.Status,
	}
	if tk.status == "" {
		tk.status = gen.TaskStatusOpen
	}
	tk.id, err = newID("task", t.TaskID, &st.next.task, func(id int64) bool { return st.tasks[id] != nil })
	if err != nil {
		return nil, nil, err
	}
	st.tasks[tk.id] = tk
	return tk, events, nil
}

func checkTaskEnums(t Task) error {
	if t.LimitType != "" && !t.LimitType.Valid() {
		return fmt.Errorf("unknown limit_type %q", t.LimitType)
	}
	if t.Status != "" && !t.Status.Valid() {
		return fmt.Errorf("unknown status %q", t.Status)
	}
	return nil
}

// changeTask replaces the body, deadline, limit type and status of a task.
func (st *state) changeTask(t Task) (*task, error) {
	tk := st.tasks[t.TaskID]
	switch {
	case tk == nil:
		return nil, fmt.Errorf("unknown task %d", t.TaskID)
	case (t.RoomID != 0 && t.RoomID != tk.roomID) || (t.AssigneeID != 0 && t.AssigneeID != tk.assignee) ||
		(t.AssignedByAccountID != 0 && t.AssignedByAccountID != tk.assignedBy) ||
		(t.MessageID != "" && t.MessageID != strconv.FormatInt(tk.messageID, 10)):
		return nil, fmt.Errorf("task %d: its room, accounts and message cannot change", t.TaskID)
	}
	if err := checkTaskEnums(t); err != nil {
		return nil, err
	}
	limit := t.LimitTime.Unix()
	if t.LimitTime.IsZero() {
		limit = 0
	}
	tk.body, tk.limitTime, tk.limitType = t.Body, limit, defaultLimitType(t.LimitType, limit)
	tk.status = t.Status
	if tk.status == "" {
		tk.status = gen.TaskStatusOpen
	}
	return tk, nil
}

// setTaskStatus opens or closes t.
func (st *state) setTaskStatus(t *task, status gen.TaskStatus) { t.status = status }

// uploadName is the name of a file sent without one.
const uploadName = "file"

// storeFile stores an upload of the account to r, posting its message
// unless msgID names one, and returns the file with the webhook events the
// message causes.
func (st *state) storeFile(r *room, f *file, msgID int64, text string, now int64) (*file, []event) {
	if f.name == "" {
		f.name = uploadName
	}
	f.roomID = r.id
	var events []event
	if msgID == 0 {
		var m *message
		m, events = st.postMessage(r, f.accountID, uploadBody(f.id, f.name, len(f.data), text), false, now)
		msgID = m.id
	}
	f.messageID = msgID
	st.files[f.id] = f
	return f, events
}

// addFile stores an upload through the API.
func (st *state) addFile(r *room, acct int64, u *upload, message string, now int64) (int64, []event) {
	id, _ := newID("file", 0, &st.next.file, func(id int64) bool { return st.files[id] != nil })
	f, events := st.storeFile(r, &file{id: id, accountID: acct, name: u.name, contentType: u.contentType, data: u.data, uploadTime: now}, 0, message, now)
	return f.id, events
}

// addFileFixture stores a file fixture.
func (st *state) addFileFixture(f File, now int64) (*file, []event, error) {
	r, err := st.memberRoom(f.RoomID, f.UploaderID, "uploader_id")
	if err != nil {
		return nil, nil, err
	}
	data := f.Content
	switch {
	case len(data) == 0 && f.Size > 0:
		if f.Size > maxFileSize {
			return nil, nil, fmt.Errorf("size %d is over the upload limit of %d bytes", f.Size, maxFileSize)
		}
		data = filler(f.Size)
	case len(data) > maxFileSize:
		return nil, nil, fmt.Errorf("the content is over the upload limit of %d bytes", maxFileSize)
	case f.Size != 0 && f.Size != len(data):
		return nil, nil, fmt.Errorf("size %d differs from the content's %d bytes", f.Size, len(data))
	}
	var msgID int64
	if f.MessageID != "" {
		mr, m, err := st.findMessage(f.MessageID)
		if err == nil && mr != r {
			err = fmt.Errorf("message %s is not in room %d", f.MessageID, f.RoomID)
		}
		if err != nil {
			return nil, nil, inField(err, "message_id")
		}
		msgID = m.id
	}
	if f.FileID != 0 && st.files[f.FileID] != nil {
		return nil, nil, inField(fmt.Errorf("file %d already exists", f.FileID), "file_id")
	}
	id, err := newID("file", f.FileID, &st.next.file, func(id int64) bool { return st.files[id] != nil })
	if err != nil {
		return nil, nil, err
	}
	fl, events := st.storeFile(r, &file{id: id, accountID: f.UploaderID, name: f.Name, contentType: f.ContentType,
		data: slices.Clone(data), uploadTime: unixOr(f.UploadTime, now)}, msgID, "", now)
	return fl, events, nil
}

// filler is the content of a file fixture given by its size only: lines
// of text, so that it reads as what it is.
func filler(n int) []byte {
	const line = "apitest generated content\n"
	return []byte(strings.Repeat(line, n/len(line)+1)[:n])
}

// changeFile renames a file or changes its content type.
func (st *state) changeFile(f File) (*file, error) {
	fl := st.files[f.FileID]
	switch {
	case fl == nil:
		return nil, fmt.Errorf("unknown file %d", f.FileID)
	case (f.RoomID != 0 && f.RoomID != fl.roomID) || (f.UploaderID != 0 && f.UploaderID != fl.accountID) ||
		(f.MessageID != "" && f.MessageID != strconv.FormatInt(fl.messageID, 10)):
		return nil, fmt.Errorf("file %d: its room, uploader and message cannot change", f.FileID)
	case f.Name == "":
		return nil, fmt.Errorf("file %d: a file needs a name", f.FileID)
	}
	if f.Content != nil || f.Size != 0 {
		data := f.Content
		if len(data) == 0 {
			data = filler(f.Size)
		}
		if len(data) > maxFileSize {
			return nil, fmt.Errorf("the content is over the upload limit of %d bytes", maxFileSize)
		}
		fl.data = slices.Clone(data)
	}
	fl.name, fl.contentType = f.Name, f.ContentType
	return fl, nil
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

// addRequest records a contact request.
func (st *state) addRequest(q IncomingRequest) (IncomingRequest, error) {
	if _, err := st.account(q.AccountID, "account_id"); err != nil {
		return q, err
	}
	if _, err := st.account(q.ToAccountID, "to_account_id"); err != nil {
		return q, err
	}
	if q.AccountID == q.ToAccountID {
		return q, fmt.Errorf("account %d cannot ask itself", q.AccountID)
	}
	id, err := newID("request", q.RequestID, &st.next.request, func(id int64) bool { return st.requests[id] != nil })
	if err != nil {
		return q, inField(err, "request_id")
	}
	q.RequestID = id
	st.requests[id] = &contactRequest{id: id, from: q.AccountID, to: q.ToAccountID, message: q.Message}
	return q, nil
}

// acceptRequest makes the two accounts of q contacts and forgets q. It
// returns the ID of their direct chat.
func (st *state) acceptRequest(q *contactRequest, now int64) (int64, error) {
	c, err := st.addContact(Contact{AccountID: q.to, OtherAccountID: q.from}, now)
	if err != nil {
		return 0, err
	}
	st.removeRequest(q)
	return c.RoomID, nil
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
