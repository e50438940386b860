package apitest

import (
	"cmp"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/chatwork-go/chatwork/api/wire"
	"github.com/chatwork-go/chatwork/gen"
)

// The API's view of the state: what the operations answer. Nothing here
// changes the state.

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

func iconPath(preset gen.IconPreset) string {
	return "https://apitest.invalid/icon/ico_" + string(preset) + ".png"
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
		AccountID:        a.AccountID,
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
		AccountID:        a.AccountID,
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
	i, _ := r.findMessage(pos + 1)
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
		Assignee:          st.summary(t.assignee),
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
		Uploader:   st.summary(f.accountID),
		MessageID:  strconv.FormatInt(f.messageID, 10),
		Filename:   f.name,
		Filesize:   int64(len(f.data)),
		UploadTime: wire.Unix(f.uploadTime),
	}
}

// byRole lists the account IDs of a role map by role, each list sorted;
// an empty list is nil.
func byRole(roles map[int64]gen.Role) (admin, member, readonly []int64) {
	for _, id := range sortedKeys(roles) {
		switch roles[id] {
		case gen.RoleAdmin:
			admin = append(admin, id)
		case gen.RoleMember:
			member = append(member, id)
		case gen.RoleReadonly:
			readonly = append(readonly, id)
		}
	}
	return admin, member, readonly
}

// The fixtures' view of the state: what the Xs methods of Server report
// and what a seed holds.

func (r *room) fixture() Room {
	out := Room{RoomID: r.id, Type: r.typ, Name: r.name, Description: r.description, IconPreset: r.icon}
	out.AdminIDs, out.MemberIDs, out.ReadonlyIDs = byRole(r.roles)
	if r.link != nil {
		l := *r.link
		out.Link = &l
	}
	return out
}

func (m *message) fixture() Message {
	return Message{MessageID: strconv.FormatInt(m.id, 10), RoomID: m.roomID, AccountID: m.accountID, Body: m.body,
		SendTime: timeOf(m.sendTime), UpdateTime: timeOf(m.updateTime)}
}

func (t *task) fixture() Task {
	return Task{TaskID: t.id, RoomID: t.roomID, AssigneeID: t.assignee, AssignedByAccountID: t.assignedBy, Body: t.body,
		LimitTime: timeOf(t.limitTime), LimitType: t.limitType, Status: t.status, MessageID: strconv.FormatInt(t.messageID, 10)}
}

func (f *file) fixture() File {
	return File{FileID: f.id, RoomID: f.roomID, UploaderID: f.accountID, Name: f.name, ContentType: f.contentType,
		Content: slices.Clone(f.data), Size: len(f.data), MessageID: strconv.FormatInt(f.messageID, 10), UploadTime: timeOf(f.uploadTime)}
}

func (q *contactRequest) fixture() IncomingRequest {
	return IncomingRequest{RequestID: q.id, AccountID: q.from, ToAccountID: q.to, Message: q.message}
}

// contactList lists every pair of contacts once, the lower account ID
// first, in ascending order.
func (st *state) contactList() []Contact {
	var out []Contact
	for _, id := range sortedKeys(st.accounts) {
		a := st.accounts[id]
		for _, other := range sortedKeys(a.contacts) {
			if id < other {
				out = append(out, Contact{AccountID: id, OtherAccountID: other, RoomID: a.contacts[other]})
			}
		}
	}
	return out
}

// tokenList lists the tokens other than the accounts' own, by account
// then token.
func (st *state) tokenList() []Token {
	var out []Token
	for tok, c := range st.tokens {
		if !c.primary {
			out = append(out, Token{Token: tok, AccountID: c.account, OAuth: c.oauth, Expires: c.expires})
		}
	}
	slices.SortFunc(out, func(a, b Token) int {
		return cmp.Or(cmp.Compare(a.AccountID, b.AccountID), strings.Compare(a.Token, b.Token))
	})
	return out
}

func (r *room) findMessage(id int64) (int, *message) {
	i, ok := slices.BinarySearchFunc(r.messages, id, func(m *message, id int64) int { return cmp.Compare(m.id, id) })
	if !ok {
		return i, nil
	}
	return i, r.messages[i]
}

// contacts returns the contacts of the account, in ascending ID order.
func (st *state) contacts(accountID int64) []gen.Contact {
	a := st.accounts[accountID]
	if a == nil {
		return nil
	}
	var out []gen.Contact
	for _, id := range sortedKeys(a.contacts) {
		out = append(out, st.contact(st.accounts[id], a.contacts[id]))
	}
	return out
}

// member is account a in a room's member list, with its role.
func (st *state) member(a *account, role gen.Role) gen.Member {
	c := st.contact(a, 0)
	return gen.Member{
		AccountID: c.AccountID, Role: role, Name: c.Name, ChatworkID: c.ChatworkID,
		OrganizationID: c.OrganizationID, OrganizationName: c.OrganizationName,
		Department: c.Department, AvatarImageURL: c.AvatarImageURL,
	}
}

// incomingRequest is q as GET /incoming_requests lists it.
func (st *state) incomingRequest(q *contactRequest) gen.IncomingRequest {
	c := st.contact(st.accounts[q.from], 0)
	return gen.IncomingRequest{
		RequestID: q.id, Message: q.message, AccountID: c.AccountID, Name: c.Name, ChatworkID: c.ChatworkID,
		OrganizationID: c.OrganizationID, OrganizationName: c.OrganizationName,
		Department: c.Department, AvatarImageURL: c.AvatarImageURL,
	}
}

// roomDetail is r as GET /rooms/{room_id} answers it to viewer.
func (st *state) roomDetail(r *room, viewer int64) gen.RoomDetail {
	x := st.apiRoom(r, viewer)
	return gen.RoomDetail{
		RoomID: x.RoomID, Name: x.Name, Type: x.Type, Role: x.Role, Sticky: x.Sticky,
		UnreadNum: x.UnreadNum, MentionNum: x.MentionNum, MytaskNum: x.MytaskNum,
		MessageNum: x.MessageNum, FileNum: x.FileNum, TaskNum: x.TaskNum,
		IconPath: x.IconPath, LastUpdateTime: x.LastUpdateTime, Description: r.description,
	}
}

// A taskFilter selects tasks; nil fields select everything.
type taskFilter struct {
	room, assignee, assignedBy *int64
	status                     *gen.TaskStatus
}

// openUnless returns status, or open when status is nil: the default of
// the task lists.
func openUnless(status *gen.TaskStatus) *gen.TaskStatus {
	if status != nil {
		return status
	}
	open := gen.TaskStatusOpen
	return &open
}

// findTasks returns the tasks that f selects, in ascending ID order, at
// most limit of them (all of them when limit is 0).
func (st *state) findTasks(f taskFilter, limit int) []*task {
	var out []*task
	for _, id := range sortedKeys(st.tasks) {
		t := st.tasks[id]
		if (f.room != nil && t.roomID != *f.room) || (f.assignee != nil && t.assignee != *f.assignee) ||
			(f.assignedBy != nil && t.assignedBy != *f.assignedBy) || (f.status != nil && t.status != *f.status) {
			continue
		}
		out = append(out, t)
		if len(out) == limit {
			break
		}
	}
	return out
}

// roomFiles returns the files of the room, uploaded by uploader when it is
// not nil, in ascending ID order, at most limit of them (all of them when
// limit is 0).
func (st *state) roomFiles(roomID int64, uploader *int64, limit int) []gen.File {
	var out []gen.File
	for _, id := range sortedKeys(st.files) {
		f := st.files[id]
		if f.roomID != roomID || (uploader != nil && f.accountID != *uploader) {
			continue
		}
		out = append(out, st.apiFile(f))
		if len(out) == limit {
			break
		}
	}
	return out
}
