package apitest

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/chatwork-go/chatwork/api/wire"
	"github.com/chatwork-go/chatwork/gen"
)

// First values of the ID counters. Message IDs start above 2^53 so that a
// client that passes them through a float64 fails at once.
const (
	firstAccountID = 1000001
	firstRoomID    = 200000001
	firstTaskID    = 50000001
	firstFileID    = 80000001
	firstRequestID = 1001
	firstMessageID = 1928374655918273645
)

// An Account is a Chatwork user of the fake. Profile fields may be empty:
// the API then returns empty strings, as Chatwork does.
type Account struct {
	// ID is the account ID. AddAccount chooses one when it is zero.
	ID int64
	// Token is the API token (X-ChatWorkToken). AddAccount chooses a random
	// one when it is empty.
	Token string
	// RoomID is the account's My Chat. AddAccount always creates it and
	// sets this field; a value passed in is ignored.
	RoomID int64

	Name             string
	ChatworkID       string
	OrganizationID   int64
	OrganizationName string
	Department       string
	Title            string
	URL              string
	Introduction     string
	Mail             string
	TelOrganization  string
	TelExtension     string
	TelMobile        string
	Skype            string
	Facebook         string
	Twitter          string
	AvatarImageURL   string
	LoginMail        string
}

// Room types, as in the type field of a room.
const (
	RoomTypeMy     = "my"
	RoomTypeDirect = "direct"
	RoomTypeGroup  = "group"
)

// A Room is a chat of the fake: the input of [Server.AddRoom] and the
// output of [Server.Room].
type Room struct {
	// ID is the room ID, chosen by AddRoom.
	ID int64
	// Type is RoomTypeGroup (the default for AddRoom), RoomTypeDirect or
	// RoomTypeMy. AddRoom creates group chats only.
	Type        string
	Name        string
	Description string
	// IconPreset is one of the icon_preset values; "group" by default.
	IconPreset string
	// Admins, Members and Readonly list the account IDs by role. A group
	// chat needs at least one admin.
	Admins   []int64
	Members  []int64
	Readonly []int64
	// Link is the invitation link; nil when the room has none.
	Link *Link
}

// A Link is the invitation link of a group chat.
type Link struct {
	// Code is the last path segment of the URL; AddRoom chooses a random
	// one when it is empty.
	Code           string
	URL            string
	NeedAcceptance bool
	Description    string
}

// A Task is a task of the fake: the input of [Server.AddTask].
type Task struct {
	// ID is the task ID, chosen by AddTask.
	ID     int64
	RoomID int64
	// AccountID is the assignee; AssignedByAccountID the account that
	// created the task. Both must be members of the room.
	AccountID           int64
	AssignedByAccountID int64
	Body                string
	// LimitTime is the deadline in Unix seconds, 0 for none.
	LimitTime int64
	// LimitType is "none", "date" or "time"; by default "time" with a
	// deadline and "none" without.
	LimitType string
	// Status is "open" (the default) or "done".
	Status string
	// MessageID is the task message, set by AddTask.
	MessageID string
}

type account struct {
	Account
	contacts map[int64]int64 // contact account ID -> direct room ID
}

type room struct {
	id          int64
	typ         string
	name        string
	description string
	icon        string
	roles       map[int64]gen.Role
	link        *Link
	messages    []*message // ascending ID
	readPos     map[int64]int64
	cursor      map[int64]int64
	lastUpdate  int64
	sticky      map[int64]bool
}

type message struct {
	id         int64
	roomID     int64
	accountID  int64
	body       string
	sendTime   int64
	updateTime int64
}

type task struct {
	id         int64
	roomID     int64
	assignee   int64
	assignedBy int64
	messageID  int64
	body       string
	limitTime  int64
	limitType  gen.TaskLimitType
	status     gen.TaskStatus
}

type file struct {
	id          int64
	roomID      int64
	accountID   int64
	messageID   int64
	name        string
	contentType string
	data        []byte
	uploadTime  int64
}

type contactRequest struct {
	id      int64
	from    int64
	to      int64
	message string
}

type download struct {
	fileID  int64
	expires time.Time
}

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

// roomName is the name of r as account viewer sees it: a direct chat is
// named after the other member, My Chat after its owner.
func (st *state) roomName(r *room, viewer int64) string {
	switch r.typ {
	case RoomTypeDirect:
		for id := range r.roles {
			if id != viewer {
				if a := st.accounts[id]; a != nil {
					return a.Name
				}
			}
		}
	case RoomTypeMy:
		if r.name == "" {
			return "My Chat"
		}
	}
	return r.name
}

func iconPath(preset string) string {
	return "https://apitest.invalid/icon/ico_" + preset + ".png"
}

func (st *state) summary(id int64) gen.AccountSummary {
	a := st.accounts[id]
	if a == nil {
		return gen.AccountSummary{AccountID: id}
	}
	return gen.AccountSummary{AccountID: id, Name: a.Name, AvatarImageURL: a.AvatarImageURL}
}

func (st *state) me(a *account) gen.Me {
	return gen.Me{
		AccountID:        a.ID,
		RoomID:           a.RoomID,
		Name:             a.Name,
		ChatworkID:       a.ChatworkID,
		OrganizationID:   a.OrganizationID,
		OrganizationName: a.OrganizationName,
		Department:       a.Department,
		Title:            a.Title,
		URL:              a.URL,
		Introduction:     a.Introduction,
		Mail:             a.Mail,
		TelOrganization:  a.TelOrganization,
		TelExtension:     a.TelExtension,
		TelMobile:        a.TelMobile,
		Skype:            a.Skype,
		Facebook:         a.Facebook,
		Twitter:          a.Twitter,
		AvatarImageURL:   a.AvatarImageURL,
		LoginMail:        a.LoginMail,
	}
}

func (st *state) contact(a *account, roomID int64) gen.Contact {
	return gen.Contact{
		AccountID:        a.ID,
		RoomID:           roomID,
		Name:             a.Name,
		ChatworkID:       a.ChatworkID,
		OrganizationID:   a.OrganizationID,
		OrganizationName: a.OrganizationName,
		Department:       a.Department,
		AvatarImageURL:   a.AvatarImageURL,
	}
}

var (
	reTo = regexp.MustCompile(`\[To:(\d+)\]`)
	reRp = regexp.MustCompile(`\[rp aid=(\d+)`)
)

// addressees returns the accounts that body addresses with [To:ID] or
// [rp aid=ID ...], in order of appearance and without duplicates. [toall]
// is not included.
func addressees(body string) []int64 {
	var ids []int64
	for _, x := range []struct {
		literal string
		re      *regexp.Regexp
	}{{"[To:", reTo}, {"[rp aid=", reRp}} {
		if !strings.Contains(body, x.literal) {
			continue // cheaper than the regexp
		}
		for _, m := range x.re.FindAllStringSubmatch(body, -1) {
			id, err := strconv.ParseInt(m[1], 10, 64)
			if err == nil && !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
	}
	return ids
}

// mentions reports whether message m counts as a mention of account id:
// [To:id], [rp aid=id ...] or [toall], from another account.
func (m *message) mentions(id int64) bool {
	if m.accountID == id {
		return false
	}
	if strings.Contains(m.body, "[toall]") {
		return true
	}
	return slices.Contains(addressees(m.body), id)
}

func (m *message) api(st *state) gen.Message {
	return gen.Message{
		MessageID:  strconv.FormatInt(m.id, 10),
		Account:    st.summary(m.accountID),
		Body:       m.body,
		SendTime:   wire.Unix(m.sendTime),
		UpdateTime: wire.Unix(m.updateTime),
	}
}

// counts are one account's numbers for one room.
type counts struct {
	unread, mention, mytask, messages, files, tasks int
}

func (st *state) roomCounts(r *room, viewer int64) counts {
	var c counts
	pos := r.readPos[viewer]
	c.messages = len(r.messages)
	// Messages are sorted: the unread ones are the tail.
	i, _ := slices.BinarySearchFunc(r.messages, pos+1, func(m *message, id int64) int {
		switch {
		case m.id < id:
			return -1
		case m.id > id:
			return 1
		}
		return 0
	})
	for _, m := range r.messages[i:] {
		c.unread++
		if m.mentions(viewer) {
			c.mention++
		}
	}
	for _, t := range st.tasks {
		if t.roomID != r.id || t.status != gen.TaskStatusOpen {
			continue
		}
		c.tasks++
		if t.assignee == viewer {
			c.mytask++
		}
	}
	for _, f := range st.files {
		if f.roomID == r.id {
			c.files++
		}
	}
	return c
}

func (st *state) apiRoom(r *room, viewer int64) gen.Room {
	c := st.roomCounts(r, viewer)
	return gen.Room{
		RoomID:         r.id,
		Name:           st.roomName(r, viewer),
		Type:           gen.RoomType(r.typ),
		Role:           r.roles[viewer],
		Sticky:         r.sticky[viewer],
		UnreadNum:      c.unread,
		MentionNum:     c.mention,
		MytaskNum:      c.mytask,
		MessageNum:     c.messages,
		FileNum:        c.files,
		TaskNum:        c.tasks,
		IconPath:       iconPath(r.icon),
		LastUpdateTime: wire.Unix(r.lastUpdate),
	}
}

func (st *state) apiTask(t *task) gen.RoomTask {
	return gen.RoomTask{
		TaskID:            t.id,
		Account:           st.summary(t.assignee),
		AssignedByAccount: st.summary(t.assignedBy),
		MessageID:         strconv.FormatInt(t.messageID, 10),
		Body:              t.body,
		LimitTime:         wire.Unix(t.limitTime),
		LimitType:         t.limitType,
		Status:            t.status,
	}
}

func (st *state) apiFile(f *file) gen.File {
	return gen.File{
		FileID:     f.id,
		Account:    st.summary(f.accountID),
		MessageID:  strconv.FormatInt(f.messageID, 10),
		Filename:   f.name,
		Filesize:   int64(len(f.data)),
		UploadTime: wire.Unix(f.uploadTime),
	}
}

func (r *room) snapshot() Room {
	out := Room{ID: r.id, Type: r.typ, Name: r.name, Description: r.description, IconPreset: r.icon}
	for id, role := range r.roles {
		switch role {
		case gen.RoleAdmin:
			out.Admins = append(out.Admins, id)
		case gen.RoleMember:
			out.Members = append(out.Members, id)
		case gen.RoleReadonly:
			out.Readonly = append(out.Readonly, id)
		}
	}
	slices.Sort(out.Admins)
	slices.Sort(out.Members)
	slices.Sort(out.Readonly)
	if r.link != nil {
		l := *r.link
		out.Link = &l
	}
	return out
}

func (r *room) findMessage(id int64) (int, *message) {
	i, ok := slices.BinarySearchFunc(r.messages, id, func(m *message, id int64) int {
		switch {
		case m.id < id:
			return -1
		case m.id > id:
			return 1
		}
		return 0
	})
	if !ok {
		return i, nil
	}
	return i, r.messages[i]
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
	return m, st.messageEvents(m, eventMessageCreated, now)
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

// sortedKeys returns the keys of m in ascending order.
func sortedKeys[V any](m map[int64]V) []int64 {
	keys := make([]int64, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
