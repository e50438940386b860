package apitest

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/chatwork-go/chatwork/api/wire"
	"github.com/chatwork-go/chatwork/gen"
)

// maxList is the most items a list operation returns; Chatwork has no
// pagination.
const maxList = 100

// downloadTTL is how long a download URL lives.
const downloadTTL = 30 * time.Second

// Error messages. Chatwork documents only a few of its messages ("Invalid
// API token", "Invalid Endpoint or HTTP method", "Parameter 'X' is
// required", the per-room 429); the others are this fake's own wording.
const (
	msgNotFound       = "Resource not found"
	msgNotAdmin       = "You don't have permission to edit this room"
	msgReadonly       = "You don't have permission to post in this room"
	msgNotOwnMessage  = "You can only edit or delete your own messages"
	msgGroupOnly      = "This operation is only available for group chats"
	msgTaskPermission = "Only the assignee or the assigner can change the status of this task"
)

// handlers implements the generated server interface over the fake's
// state.
type handlers struct{ s *Server }

var _ gen.ServerInterface = (*handlers)(nil)

// A call is one operation being processed, with the state locked.
type call struct {
	s    *Server
	st   *state
	acct int64
	now  int64
	info *reqInfo
	form url.Values
}

// A reply is what an operation answers.
type reply struct {
	status int
	v      any
	errs   []string
	events []event
}

func okReply(v any) reply { return reply{status: http.StatusOK, v: v} }

func noContentReply() reply { return reply{status: http.StatusNoContent} }

func errReply(status int, msg string) reply {
	return reply{status: status, errs: []string{msg}}
}

func badRequest(format string, args ...any) reply {
	return errReply(http.StatusBadRequest, fmt.Sprintf(format, args...))
}

var notFound = errReply(http.StatusNotFound, msgNotFound)

// do runs fn with the state locked, sends the webhook events it caused and
// writes its reply.
func (h *handlers) do(w http.ResponseWriter, r *http.Request, fn func(c *call) reply) {
	info := infoOf(r)
	if info == nil { // not reached through Server.ServeHTTP
		writeError(w, http.StatusInternalServerError, "Internal error")
		return
	}
	c := &call{s: h.s, acct: info.account, info: info, form: info.body.form}
	h.s.mu.Lock()
	c.st = h.s.st
	c.now = h.s.now().Unix()
	rep := fn(c)
	h.s.mu.Unlock()
	h.s.dispatch(rep.events)
	switch {
	case rep.status == http.StatusNoContent:
		writeNoContent(w)
	case len(rep.errs) > 0:
		refuse(w, info, rep.status, "", rep.errs...)
	default:
		writeJSON(w, rep.status, rep.v)
	}
}

// paramError answers a path or query parameter that the generated router
// could not bind. With validation on, such requests are refused earlier.
func paramError(w http.ResponseWriter, _ *http.Request, err error) {
	var name string
	var inv *gen.InvalidParamFormatError
	var req *gen.RequiredParamError
	switch {
	case errors.As(err, &inv):
		name = inv.ParamName
	case errors.As(err, &req):
		writeError(w, http.StatusBadRequest, fmt.Sprintf("Parameter '%s' is required", req.ParamName))
		return
	default:
		name = "parameter"
	}
	writeError(w, http.StatusBadRequest, fmt.Sprintf("Invalid value for '%s'", name))
}

// required returns a form field that must be present and non-empty.
func (c *call) required(name string) (string, *reply) {
	v := c.form.Get(name)
	if v == "" {
		r := badRequest("Parameter '%s' is required", name)
		return "", &r
	}
	return v, nil
}

// flag reads an optional 0/1 form field.
func (c *call) flag(name string, def bool) (bool, *reply) {
	if !c.form.Has(name) {
		return def, nil
	}
	var f wire.Flag
	if err := f.UnmarshalText([]byte(c.form.Get(name))); err != nil {
		r := badRequest("Invalid value for '%s'", name)
		return false, &r
	}
	return bool(f), nil
}

// ids reads an optional comma-joined ID list.
func (c *call) ids(name string) ([]int64, *reply) {
	ids, err := wire.IDs(c.form.Get(name)).Int64s()
	if err != nil {
		r := badRequest("Invalid value for '%s'", name)
		return nil, &r
	}
	return ids, nil
}

// room returns a room the account belongs to, or 404: rooms the account
// is not a member of are invisible to it.
func (c *call) room(id int64) (*room, *reply) {
	r := c.st.rooms[id]
	if r == nil {
		return nil, &notFound
	}
	if _, member := r.roles[c.acct]; !member {
		return nil, &notFound
	}
	return r, nil
}

// adminRoom returns a group chat that the account administers.
func (c *call) adminRoom(id int64) (*room, *reply) {
	r, rep := c.room(id)
	if rep != nil {
		return nil, rep
	}
	if r.typ != RoomTypeGroup {
		rp := errReply(http.StatusBadRequest, msgGroupOnly)
		return nil, &rp
	}
	if r.roles[c.acct] != gen.RoleAdmin {
		rp := errReply(http.StatusForbidden, msgNotAdmin)
		return nil, &rp
	}
	return r, nil
}

// writableRoom returns a room the account may post in.
func (c *call) writableRoom(id int64) (*room, *reply) {
	r, rep := c.room(id)
	if rep != nil {
		return nil, rep
	}
	if r.roles[c.acct] == gen.RoleReadonly {
		rp := errReply(http.StatusForbidden, msgReadonly)
		return nil, &rp
	}
	return r, nil
}

func messageID(s string) (int64, bool) {
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil && id > 0
}

// --- me, my -----------------------------------------------------------------

// GetMe implements GET /me.
func (h *handlers) GetMe(w http.ResponseWriter, r *http.Request) {
	h.do(w, r, func(c *call) reply { return okReply(c.st.me(c.st.accounts[c.acct])) })
}

// GetMyStatus implements GET /my/status.
func (h *handlers) GetMyStatus(w http.ResponseWriter, r *http.Request) {
	h.do(w, r, func(c *call) reply {
		var out gen.MyStatus
		for _, rm := range c.st.rooms {
			if _, member := rm.roles[c.acct]; !member {
				continue
			}
			n := c.st.roomCounts(rm, c.acct)
			out.UnreadNum += n.unread
			out.MentionNum += n.mention
			out.MytaskNum += n.mytask
			if n.unread > 0 {
				out.UnreadRoomNum++
			}
			if n.mention > 0 {
				out.MentionRoomNum++
			}
			if n.mytask > 0 {
				out.MytaskRoomNum++
			}
		}
		return okReply(out)
	})
}

// ListMyTasks implements GET /my/tasks.
func (h *handlers) ListMyTasks(w http.ResponseWriter, r *http.Request, params gen.ListMyTasksParams) {
	h.do(w, r, func(c *call) reply {
		status := gen.TaskStatusOpen
		if params.Status != nil {
			status = *params.Status
		}
		out := []gen.MyTask{}
		for _, id := range sortedKeys(c.st.tasks) {
			t := c.st.tasks[id]
			if t.assignee != c.acct || t.status != status ||
				(params.AssignedByAccountID != nil && t.assignedBy != *params.AssignedByAccountID) {
				continue
			}
			rm := c.st.rooms[t.roomID]
			rt := c.st.apiTask(t)
			out = append(out, gen.MyTask{
				TaskID:            rt.TaskID,
				Room:              gen.RoomSummary{RoomID: rm.id, Name: c.st.roomName(rm, c.acct), IconPath: iconPath(rm.icon)},
				AssignedByAccount: rt.AssignedByAccount,
				MessageID:         rt.MessageID,
				Body:              rt.Body,
				LimitTime:         rt.LimitTime,
				LimitType:         rt.LimitType,
				Status:            rt.Status,
			})
			if len(out) == maxList {
				break
			}
		}
		if len(out) == 0 {
			return noContentReply()
		}
		return okReply(out)
	})
}

// --- contacts and contact requests -------------------------------------------

// ListContacts implements GET /contacts.
func (h *handlers) ListContacts(w http.ResponseWriter, r *http.Request) {
	h.do(w, r, func(c *call) reply {
		a := c.st.accounts[c.acct]
		out := []gen.Contact{}
		for _, id := range sortedKeys(a.contacts) {
			out = append(out, c.st.contact(c.st.accounts[id], a.contacts[id]))
		}
		if len(out) == 0 {
			return noContentReply()
		}
		return okReply(out)
	})
}

// ListIncomingRequests implements GET /incoming_requests.
func (h *handlers) ListIncomingRequests(w http.ResponseWriter, r *http.Request) {
	h.do(w, r, func(c *call) reply {
		out := []gen.IncomingRequest{}
		for _, id := range sortedKeys(c.st.requests) {
			q := c.st.requests[id]
			if q.to != c.acct {
				continue
			}
			a := c.st.accounts[q.from]
			out = append(out, gen.IncomingRequest{
				RequestID:        q.id,
				AccountID:        a.ID,
				Message:          q.message,
				Name:             a.Name,
				ChatworkID:       a.ChatworkID,
				OrganizationID:   a.OrganizationID,
				OrganizationName: a.OrganizationName,
				Department:       a.Department,
				AvatarImageURL:   a.AvatarImageURL,
			})
			if len(out) == maxList {
				break
			}
		}
		if len(out) == 0 {
			return noContentReply()
		}
		return okReply(out)
	})
}

// AcceptIncomingRequest implements PUT /incoming_requests/{request_id}.
func (h *handlers) AcceptIncomingRequest(w http.ResponseWriter, r *http.Request, requestID gen.RequestID) {
	h.do(w, r, func(c *call) reply {
		q := c.st.requests[requestID]
		if q == nil || q.to != c.acct {
			return notFound
		}
		roomID, err := c.st.addContact(c.acct, q.from, c.now)
		if err != nil {
			return notFound
		}
		delete(c.st.requests, requestID)
		return okReply(c.st.contact(c.st.accounts[q.from], roomID))
	})
}

// RejectIncomingRequest implements DELETE /incoming_requests/{request_id}.
func (h *handlers) RejectIncomingRequest(w http.ResponseWriter, r *http.Request, requestID gen.RequestID) {
	h.do(w, r, func(c *call) reply {
		q := c.st.requests[requestID]
		if q == nil || q.to != c.acct {
			return notFound
		}
		delete(c.st.requests, requestID)
		return noContentReply()
	})
}

// --- rooms -------------------------------------------------------------------

// ListRooms implements GET /rooms.
func (h *handlers) ListRooms(w http.ResponseWriter, r *http.Request) {
	h.do(w, r, func(c *call) reply {
		out := []gen.Room{}
		for _, id := range sortedKeys(c.st.rooms) {
			rm := c.st.rooms[id]
			if _, member := rm.roles[c.acct]; member {
				out = append(out, c.st.apiRoom(rm, c.acct))
			}
		}
		return okReply(out)
	})
}

var reLinkCode = regexp.MustCompile(`^[A-Za-z0-9_-]{1,50}$`)

// checkNewMembers checks that the accounts may be added to a room by the
// caller: they exist, and each is the caller, a contact of the caller or in
// the caller's organization.
func (c *call) checkNewMembers(roles map[int64]gen.Role, existing map[int64]gen.Role) *reply {
	me := c.st.accounts[c.acct]
	for _, id := range sortedKeys(roles) {
		if _, ok := existing[id]; ok || id == c.acct {
			continue
		}
		a := c.st.accounts[id]
		_, contact := me.contacts[id]
		sameOrg := me.OrganizationID != 0 && a != nil && a.OrganizationID == me.OrganizationID
		if a == nil || !(contact || sameOrg) {
			r := badRequest("Account %d is not a contact or a member of your organization", id)
			return &r
		}
	}
	return nil
}

// memberLists reads members_admin_ids (required), members_member_ids and
// members_readonly_ids.
func (c *call) memberLists() (map[int64]gen.Role, *reply) {
	if _, rep := c.required("members_admin_ids"); rep != nil {
		return nil, rep
	}
	var lists [3][]int64
	for i, name := range []string{"members_admin_ids", "members_member_ids", "members_readonly_ids"} {
		ids, rep := c.ids(name)
		if rep != nil {
			return nil, rep
		}
		lists[i] = ids
	}
	roles := map[int64]gen.Role{}
	for i, role := range []gen.Role{gen.RoleAdmin, gen.RoleMember, gen.RoleReadonly} {
		for _, id := range lists[i] {
			if prev, dup := roles[id]; dup && prev != role {
				r := badRequest("Account %d is listed with two roles", id)
				return nil, &r
			}
			roles[id] = role
		}
	}
	return roles, nil
}

// CreateRoom implements POST /rooms. The creator always ends up in the
// room: as an administrator when the lists do not name it.
func (h *handlers) CreateRoom(w http.ResponseWriter, r *http.Request) {
	h.do(w, r, func(c *call) reply {
		name, rep := c.required("name")
		if rep != nil {
			return *rep
		}
		roles, rep := c.memberLists()
		if rep != nil {
			return *rep
		}
		if rep := c.checkNewMembers(roles, nil); rep != nil {
			return *rep
		}
		if _, listed := roles[c.acct]; !listed {
			roles[c.acct] = gen.RoleAdmin
		}
		link, rep := c.flag("link", false)
		if rep != nil {
			return *rep
		}
		var l *Link
		if link {
			need, rep := c.flag("link_need_acceptance", true)
			if rep != nil {
				return *rep
			}
			code := c.form.Get("link_code")
			if c.form.Has("link_code") && !reLinkCode.MatchString(code) {
				return badRequest("Invalid value for 'link_code'")
			}
			if _, taken := c.st.linkCodes[code]; code != "" && taken {
				return badRequest("The link code %q is already in use", code)
			}
			l = &Link{Code: code, NeedAcceptance: need}
		}
		rm := c.st.newRoom(RoomTypeGroup, name, c.form.Get("description"), c.form.Get("icon_preset"), c.now)
		rm.roles = roles
		if l != nil {
			if err := c.st.setLink(rm, l, c.s.root); err != nil {
				return badRequest("%s", err.Error())
			}
		}
		return okReply(gen.RoomIDResult{RoomID: rm.id})
	})
}

// GetRoom implements GET /rooms/{room_id}.
func (h *handlers) GetRoom(w http.ResponseWriter, r *http.Request, roomID gen.RoomID) {
	h.do(w, r, func(c *call) reply {
		rm, rep := c.room(roomID)
		if rep != nil {
			return *rep
		}
		x := c.st.apiRoom(rm, c.acct)
		return okReply(gen.RoomDetail{
			RoomID: x.RoomID, Name: x.Name, Type: x.Type, Role: x.Role, Sticky: x.Sticky,
			UnreadNum: x.UnreadNum, MentionNum: x.MentionNum, MytaskNum: x.MytaskNum,
			MessageNum: x.MessageNum, FileNum: x.FileNum, TaskNum: x.TaskNum,
			IconPath: x.IconPath, LastUpdateTime: x.LastUpdateTime, Description: rm.description,
		})
	})
}

// UpdateRoom implements PUT /rooms/{room_id}. Fields left out keep their
// values.
func (h *handlers) UpdateRoom(w http.ResponseWriter, r *http.Request, roomID gen.RoomID) {
	h.do(w, r, func(c *call) reply {
		rm, rep := c.adminRoom(roomID)
		if rep != nil {
			return *rep
		}
		if c.form.Has("name") {
			if c.form.Get("name") == "" {
				return badRequest("Invalid value for 'name'")
			}
			rm.name = c.form.Get("name")
		}
		if c.form.Has("description") {
			rm.description = c.form.Get("description")
		}
		if c.form.Has("icon_preset") {
			rm.icon = c.form.Get("icon_preset")
		}
		rm.lastUpdate = c.now
		return okReply(gen.RoomIDResult{RoomID: rm.id})
	})
}

// DeleteRoom implements DELETE /rooms/{room_id}. action_type=leave takes the
// account out of the chat with the tasks assigned to it and the files it
// uploaded there; a chat left by its last member is deleted. An
// administrator may leave even when it is the last one.
// action_type=delete (administrators only) deletes the chat with
// everything in it.
func (h *handlers) DeleteRoom(w http.ResponseWriter, r *http.Request, roomID gen.RoomID) {
	h.do(w, r, func(c *call) reply {
		action, rep := c.required("action_type")
		if rep != nil {
			return *rep
		}
		switch action {
		case "leave":
			rm, rep := c.room(roomID)
			if rep != nil {
				return *rep
			}
			if rm.typ != RoomTypeGroup {
				return errReply(http.StatusBadRequest, msgGroupOnly)
			}
			c.st.removeMember(rm, c.acct)
			if len(rm.roles) == 0 {
				c.st.deleteRoom(rm)
			}
		case "delete":
			rm, rep := c.adminRoom(roomID)
			if rep != nil {
				return *rep
			}
			c.st.deleteRoom(rm)
		default:
			return badRequest("Invalid value for 'action_type'")
		}
		return noContentReply()
	})
}

// --- members -----------------------------------------------------------------

// ListRoomMembers implements GET /rooms/{room_id}/members.
func (h *handlers) ListRoomMembers(w http.ResponseWriter, r *http.Request, roomID gen.RoomID) {
	h.do(w, r, func(c *call) reply {
		rm, rep := c.room(roomID)
		if rep != nil {
			return *rep
		}
		out := []gen.Member{}
		for _, id := range sortedKeys(rm.roles) {
			a := c.st.accounts[id]
			out = append(out, gen.Member{
				AccountID:        id,
				Role:             rm.roles[id],
				Name:             a.Name,
				ChatworkID:       a.ChatworkID,
				OrganizationID:   a.OrganizationID,
				OrganizationName: a.OrganizationName,
				Department:       a.Department,
				AvatarImageURL:   a.AvatarImageURL,
			})
		}
		return okReply(out)
	})
}

// UpdateRoomMembers implements PUT /rooms/{room_id}/members: the lists
// replace the whole membership. Accounts left out are removed, with the
// tasks assigned to them and the files they uploaded there, as if they
// had left.
func (h *handlers) UpdateRoomMembers(w http.ResponseWriter, r *http.Request, roomID gen.RoomID) {
	h.do(w, r, func(c *call) reply {
		rm, rep := c.adminRoom(roomID)
		if rep != nil {
			return *rep
		}
		roles, rep := c.memberLists()
		if rep != nil {
			return *rep
		}
		if rep := c.checkNewMembers(roles, rm.roles); rep != nil {
			return *rep
		}
		for id := range rm.roles {
			if _, keep := roles[id]; !keep {
				c.st.removeMember(rm, id)
			}
		}
		rm.roles = roles
		rm.lastUpdate = c.now
		out := gen.MembersResult{Admin: []int64{}, Member: []int64{}, Readonly: []int64{}}
		for _, id := range sortedKeys(roles) {
			switch roles[id] {
			case gen.RoleAdmin:
				out.Admin = append(out.Admin, id)
			case gen.RoleMember:
				out.Member = append(out.Member, id)
			case gen.RoleReadonly:
				out.Readonly = append(out.Readonly, id)
			}
		}
		return okReply(out)
	})
}

// --- messages ----------------------------------------------------------------

// ListMessages implements GET /rooms/{room_id}/messages. With force=1 it
// returns the latest 100 messages. Without force, or with force=0, it
// returns the messages after the account's cursor, the oldest 100 of them
// when there are more, and moves the cursor past the last one returned, so
// that a backlog drains over successive calls. The cursor belongs to the
// account (every token of it) and only moves with new messages: edits are
// not returned again.
func (h *handlers) ListMessages(w http.ResponseWriter, r *http.Request, roomID gen.RoomID, params gen.ListMessagesParams) {
	h.do(w, r, func(c *call) reply {
		rm, rep := c.room(roomID)
		if rep != nil {
			return *rep
		}
		var list []*message
		if params.Force != nil && bool(*params.Force) {
			list = rm.messages[max(len(rm.messages)-maxList, 0):]
		} else {
			i, _ := rm.findMessage(rm.cursor[c.acct] + 1)
			list = rm.messages[i:min(i+maxList, len(rm.messages))]
			if len(list) > 0 {
				rm.cursor[c.acct] = list[len(list)-1].id
			}
		}
		if len(list) == 0 {
			return noContentReply()
		}
		out := make([]gen.Message, len(list))
		for i, m := range list {
			out[i] = m.api(c.st)
		}
		return okReply(out)
	})
}

// PostMessage implements POST /rooms/{room_id}/messages. With self_unread=0
// (the default) the author's read position moves to the new message.
func (h *handlers) PostMessage(w http.ResponseWriter, r *http.Request, roomID gen.RoomID) {
	h.do(w, r, func(c *call) reply {
		rm, rep := c.writableRoom(roomID)
		if rep != nil {
			return *rep
		}
		body, rep := c.required("body")
		if rep != nil {
			return *rep
		}
		selfUnread, rep := c.flag("self_unread", false)
		if rep != nil {
			return *rep
		}
		m, events := c.st.postMessage(rm, c.acct, body, selfUnread, c.now)
		return reply{status: http.StatusOK, v: gen.MessageIDResult{MessageID: strconv.FormatInt(m.id, 10)}, events: events}
	})
}

func (c *call) readResult(rm *room) gen.ReadResult {
	n := c.st.roomCounts(rm, c.acct)
	return gen.ReadResult{UnreadNum: n.unread, MentionNum: n.mention}
}

// MarkMessagesRead implements PUT /rooms/{room_id}/messages/read. Without
// message_id every message is marked read. Marking read what is already
// read gives 400.
func (h *handlers) MarkMessagesRead(w http.ResponseWriter, r *http.Request, roomID gen.RoomID) {
	h.do(w, r, func(c *call) reply {
		rm, rep := c.room(roomID)
		if rep != nil {
			return *rep
		}
		var target int64
		if c.form.Has("message_id") {
			id, ok := messageID(c.form.Get("message_id"))
			if _, m := rm.findMessage(id); !ok || m == nil {
				return badRequest("Invalid value for 'message_id'")
			}
			target = id
		} else if len(rm.messages) > 0 {
			target = rm.messages[len(rm.messages)-1].id
		}
		if target <= rm.readPos[c.acct] {
			return badRequest("The messages are already read")
		}
		rm.readPos[c.acct] = target
		return okReply(c.readResult(rm))
	})
}

// MarkMessagesUnread implements PUT /rooms/{room_id}/messages/unread:
// message_id and every later message become unread. Marking unread a
// message that is already unread gives 400 (as some clients report;
// unverified).
func (h *handlers) MarkMessagesUnread(w http.ResponseWriter, r *http.Request, roomID gen.RoomID) {
	h.do(w, r, func(c *call) reply {
		rm, rep := c.room(roomID)
		if rep != nil {
			return *rep
		}
		raw, rep := c.required("message_id")
		if rep != nil {
			return *rep
		}
		id, ok := messageID(raw)
		if _, m := rm.findMessage(id); !ok || m == nil {
			return badRequest("Invalid value for 'message_id'")
		}
		if id > rm.readPos[c.acct] {
			return badRequest("The message is already unread")
		}
		rm.readPos[c.acct] = id - 1
		return okReply(c.readResult(rm))
	})
}

// GetMessage implements GET /rooms/{room_id}/messages/{message_id}.
func (h *handlers) GetMessage(w http.ResponseWriter, r *http.Request, roomID gen.RoomID, messageIDParam gen.MessageID) {
	h.do(w, r, func(c *call) reply {
		rm, rep := c.room(roomID)
		if rep != nil {
			return *rep
		}
		id, _ := messageID(messageIDParam)
		_, m := rm.findMessage(id)
		if m == nil {
			return notFound
		}
		return okReply(m.api(c.st))
	})
}

// UpdateMessage implements PUT /rooms/{room_id}/messages/{message_id}. Only
// the author may edit a message (403 otherwise); update_time is set.
func (h *handlers) UpdateMessage(w http.ResponseWriter, r *http.Request, roomID gen.RoomID, messageIDParam gen.MessageID) {
	h.do(w, r, func(c *call) reply {
		rm, rep := c.room(roomID)
		if rep != nil {
			return *rep
		}
		id, _ := messageID(messageIDParam)
		_, m := rm.findMessage(id)
		if m == nil {
			return notFound
		}
		if m.accountID != c.acct {
			return errReply(http.StatusForbidden, msgNotOwnMessage)
		}
		body, rep := c.required("body")
		if rep != nil {
			return *rep
		}
		m.body = body
		m.updateTime = c.now
		rm.lastUpdate = c.now
		events := c.st.messageEvents(m, eventMessageUpdated, c.now)
		return reply{status: http.StatusOK, v: gen.MessageIDResult{MessageID: messageIDParam}, events: events}
	})
}

// DeleteMessage implements DELETE /rooms/{room_id}/messages/{message_id}.
// Only the author may delete a message (403 otherwise).
func (h *handlers) DeleteMessage(w http.ResponseWriter, r *http.Request, roomID gen.RoomID, messageIDParam gen.MessageID) {
	h.do(w, r, func(c *call) reply {
		rm, rep := c.room(roomID)
		if rep != nil {
			return *rep
		}
		id, _ := messageID(messageIDParam)
		i, m := rm.findMessage(id)
		if m == nil {
			return notFound
		}
		if m.accountID != c.acct {
			return errReply(http.StatusForbidden, msgNotOwnMessage)
		}
		rm.messages = slices.Delete(rm.messages, i, i+1)
		rm.lastUpdate = c.now
		return okReply(gen.MessageIDResult{MessageID: messageIDParam})
	})
}

// --- tasks -------------------------------------------------------------------

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

// ListRoomTasks implements GET /rooms/{room_id}/tasks.
func (h *handlers) ListRoomTasks(w http.ResponseWriter, r *http.Request, roomID gen.RoomID, params gen.ListRoomTasksParams) {
	h.do(w, r, func(c *call) reply {
		if _, rep := c.room(roomID); rep != nil {
			return *rep
		}
		status := gen.TaskStatusOpen
		if params.Status != nil {
			status = *params.Status
		}
		out := []gen.RoomTask{}
		for _, id := range sortedKeys(c.st.tasks) {
			t := c.st.tasks[id]
			if t.roomID != roomID || t.status != status ||
				(params.AccountID != nil && t.assignee != *params.AccountID) ||
				(params.AssignedByAccountID != nil && t.assignedBy != *params.AssignedByAccountID) {
				continue
			}
			out = append(out, c.st.apiTask(t))
			if len(out) == maxList {
				break
			}
		}
		if len(out) == 0 {
			return noContentReply()
		}
		return okReply(out)
	})
}

// CreateRoomTasks implements POST /rooms/{room_id}/tasks: one task per
// assignee, each of whom must be a member of the room (400 otherwise).
// Without limit_type the type is "time" with a limit and "none" without.
func (h *handlers) CreateRoomTasks(w http.ResponseWriter, r *http.Request, roomID gen.RoomID) {
	h.do(w, r, func(c *call) reply {
		rm, rep := c.writableRoom(roomID)
		if rep != nil {
			return *rep
		}
		body, rep := c.required("body")
		if rep != nil {
			return *rep
		}
		if _, rep := c.required("to_ids"); rep != nil {
			return *rep
		}
		to, rep := c.ids("to_ids")
		if rep != nil {
			return *rep
		}
		to = slices.Compact(slices.Sorted(slices.Values(to)))
		for _, id := range to {
			if _, member := rm.roles[id]; !member {
				return badRequest("Invalid value for 'to_ids': account %d is not a member of this room", id)
			}
		}
		var limit int64
		if v := c.form.Get("limit"); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				return badRequest("Invalid value for 'limit'")
			}
			limit = n
		}
		lt := gen.TaskLimitType(c.form.Get("limit_type"))
		switch lt {
		case "", gen.TaskLimitTypeNone, gen.TaskLimitTypeDate, gen.TaskLimitTypeTime:
		default:
			return badRequest("Invalid value for 'limit_type'")
		}
		ids, events := c.st.createTasks(rm, c.acct, to, body, limit, lt, c.now)
		return reply{status: http.StatusOK, v: gen.TaskIDsResult{TaskIDs: ids}, events: events}
	})
}

// GetRoomTask implements GET /rooms/{room_id}/tasks/{task_id}.
func (h *handlers) GetRoomTask(w http.ResponseWriter, r *http.Request, roomID gen.RoomID, taskID gen.TaskID) {
	h.do(w, r, func(c *call) reply {
		if _, rep := c.room(roomID); rep != nil {
			return *rep
		}
		t := c.st.tasks[taskID]
		if t == nil || t.roomID != roomID {
			return notFound
		}
		return okReply(c.st.apiTask(t))
	})
}

// UpdateTaskStatus implements PUT /rooms/{room_id}/tasks/{task_id}/status.
// Only the assignee or the account that assigned the task may change it
// (403 otherwise).
func (h *handlers) UpdateTaskStatus(w http.ResponseWriter, r *http.Request, roomID gen.RoomID, taskID gen.TaskID) {
	h.do(w, r, func(c *call) reply {
		if _, rep := c.room(roomID); rep != nil {
			return *rep
		}
		t := c.st.tasks[taskID]
		if t == nil || t.roomID != roomID {
			return notFound
		}
		status, rep := c.required("body")
		if rep != nil {
			return *rep
		}
		if status != string(gen.TaskStatusOpen) && status != string(gen.TaskStatusDone) {
			return badRequest("Invalid value for 'body'")
		}
		if t.assignee != c.acct && t.assignedBy != c.acct {
			return errReply(http.StatusForbidden, msgTaskPermission)
		}
		t.status = gen.TaskStatus(status)
		return okReply(gen.TaskIDResult{TaskID: t.id})
	})
}

// --- files -------------------------------------------------------------------

// ListFiles implements GET /rooms/{room_id}/files.
func (h *handlers) ListFiles(w http.ResponseWriter, r *http.Request, roomID gen.RoomID, params gen.ListFilesParams) {
	h.do(w, r, func(c *call) reply {
		if _, rep := c.room(roomID); rep != nil {
			return *rep
		}
		out := []gen.File{}
		for _, id := range sortedKeys(c.st.files) {
			f := c.st.files[id]
			if f.roomID != roomID || (params.AccountID != nil && f.accountID != *params.AccountID) {
				continue
			}
			out = append(out, c.st.apiFile(f))
			if len(out) == maxList {
				break
			}
		}
		if len(out) == 0 {
			return noContentReply()
		}
		return okReply(out)
	})
}

// uploadBody is the body of the message an upload posts: Chatwork's file
// box, then the message text on the next line. The size is in KB, rounded
// up.
func uploadBody(fileID int64, name string, size int, message string) string {
	b := fmt.Sprintf("[info][title][dtext:file_uploaded][/title][download:%d]%s (%d KB)[/download][/info]",
		fileID, name, (size+1023)/1024)
	if message != "" {
		b += "\n" + message
	}
	return b
}

// UploadFile implements POST /rooms/{room_id}/files. The file (at most
// 5 MB) is kept in memory and posted as a message.
func (h *handlers) UploadFile(w http.ResponseWriter, r *http.Request, roomID gen.RoomID) {
	h.do(w, r, func(c *call) reply {
		rm, rep := c.writableRoom(roomID)
		if rep != nil {
			return *rep
		}
		b := c.info.body
		if b.problem != "" {
			return badRequest("%s", b.problem)
		}
		u := b.upload
		if u == nil {
			return badRequest("Parameter 'file' is required")
		}
		name := u.name
		if name == "" {
			name = "file"
		}
		id := c.st.nextFile
		c.st.nextFile++
		m, events := c.st.postMessage(rm, c.acct, uploadBody(id, name, len(u.data), b.form.Get("message")), false, c.now)
		c.st.files[id] = &file{
			id: id, roomID: rm.id, accountID: c.acct, messageID: m.id, name: name,
			contentType: u.contentType, data: u.data, uploadTime: c.now,
		}
		return reply{status: http.StatusOK, v: gen.FileIDResult{FileID: id}, events: events}
	})
}

// GetFile implements GET /rooms/{room_id}/files/{file_id}. With
// create_download_url=1 the answer carries a download URL served by the
// fake itself, with a random token, valid for 30 seconds.
func (h *handlers) GetFile(w http.ResponseWriter, r *http.Request, roomID gen.RoomID, fileID gen.FileID, params gen.GetFileParams) {
	h.do(w, r, func(c *call) reply {
		if _, rep := c.room(roomID); rep != nil {
			return *rep
		}
		f := c.st.files[fileID]
		if f == nil || f.roomID != roomID {
			return notFound
		}
		out := c.st.apiFile(f)
		if params.CreateDownloadURL != nil && bool(*params.CreateDownloadURL) {
			tok := randomString(24)
			c.st.downloads[tok] = download{fileID: f.id, expires: c.s.now().Add(downloadTTL)}
			c.st.pruneDownloads(c.s.now())
			u := c.s.root + downloadPath + tok
			out.DownloadURL = &u
		}
		return okReply(out)
	})
}

// pruneDownloads forgets expired download tokens.
func (st *state) pruneDownloads(now time.Time) {
	for tok, d := range st.downloads {
		if !now.Before(d.expires) {
			delete(st.downloads, tok)
		}
	}
}

// --- invitation link ---------------------------------------------------------

func apiLink(l *Link) gen.InvitationLink {
	if l == nil {
		return gen.InvitationLink{Public: false}
	}
	u, d, n := l.URL, l.Description, l.NeedAcceptance
	return gen.InvitationLink{Public: true, URL: &u, Description: &d, NeedAcceptance: &n}
}

// GetInvitationLink implements GET /rooms/{room_id}/link: {"public":false}
// when the room has no link.
func (h *handlers) GetInvitationLink(w http.ResponseWriter, r *http.Request, roomID gen.RoomID) {
	h.do(w, r, func(c *call) reply {
		rm, rep := c.room(roomID)
		if rep != nil {
			return *rep
		}
		return okReply(apiLink(rm.link))
	})
}

// linkForm applies the form fields code, need_acceptance and description
// to l.
func (c *call) linkForm(l *Link) *reply {
	if c.form.Has("code") {
		code := c.form.Get("code")
		if !reLinkCode.MatchString(code) {
			r := badRequest("Invalid value for 'code'")
			return &r
		}
		l.Code = code
	}
	need, rep := c.flag("need_acceptance", l.NeedAcceptance)
	if rep != nil {
		return rep
	}
	l.NeedAcceptance = need
	if c.form.Has("description") {
		l.Description = c.form.Get("description")
	}
	return nil
}

// CreateInvitationLink implements POST /rooms/{room_id}/link
// (administrators only; 400 when the room already has a link). Without
// code a random one is chosen; need_acceptance defaults to 1.
func (h *handlers) CreateInvitationLink(w http.ResponseWriter, r *http.Request, roomID gen.RoomID) {
	h.do(w, r, func(c *call) reply { return c.writeLink(roomID, true) })
}

// UpdateInvitationLink implements PUT /rooms/{room_id}/link (administrators
// only; 400 when the room has no link). Fields left out keep their values.
func (h *handlers) UpdateInvitationLink(w http.ResponseWriter, r *http.Request, roomID gen.RoomID) {
	h.do(w, r, func(c *call) reply { return c.writeLink(roomID, false) })
}

// writeLink creates (create) or changes the room's invitation link from the
// form: a new link starts from the API's defaults, a changed one from its
// current fields.
func (c *call) writeLink(roomID gen.RoomID, create bool) reply {
	rm, rep := c.adminRoom(roomID)
	if rep != nil {
		return *rep
	}
	var l Link
	switch {
	case create && rm.link != nil:
		return badRequest("The invitation link already exists")
	case !create && rm.link == nil:
		return badRequest("The invitation link does not exist")
	case create:
		l = Link{NeedAcceptance: true}
	default:
		l = *rm.link
	}
	if rep := c.linkForm(&l); rep != nil {
		return *rep
	}
	if err := c.st.setLink(rm, &l, c.s.root); err != nil {
		return badRequest("%s", err.Error())
	}
	return okReply(apiLink(rm.link))
}

// DeleteInvitationLink implements DELETE /rooms/{room_id}/link
// (administrators only): 200 {"public":false}, or 400 when the room has no
// link.
func (h *handlers) DeleteInvitationLink(w http.ResponseWriter, r *http.Request, roomID gen.RoomID) {
	h.do(w, r, func(c *call) reply {
		rm, rep := c.adminRoom(roomID)
		if rep != nil {
			return *rep
		}
		if rm.link == nil {
			return badRequest("The invitation link does not exist")
		}
		delete(c.st.linkCodes, rm.link.Code)
		rm.link = nil
		return okReply(apiLink(nil))
	})
}
