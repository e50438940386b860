package apitest

import (
	"net/http"
	"regexp"

	"github.com/chatwork-go/chatwork/gen"
	"github.com/chatwork-go/chatwork/internal/limits"
)

var reLinkCode = regexp.MustCompile(limits.LinkCodePattern)

// validLinkCode reports whether code is an invitation link code the API
// accepts: 1 to limits.LinkCodeLength characters of the spec's pattern.
func validLinkCode(code string) bool {
	return len(code) <= limits.LinkCodeLength && reLinkCode.MatchString(code)
}

// ListRooms implements GET /rooms.
func (h *handlers) ListRooms(w http.ResponseWriter, r *http.Request) {
	h.do(w, r, func(c *call) (any, error) {
		out := []gen.Room{}
		for _, id := range sortedKeys(c.st.rooms) {
			rm := c.st.rooms[id]
			if _, member := rm.roles[c.acct]; member {
				out = append(out, c.st.apiRoom(rm, c.acct))
			}
		}
		return out, nil
	})
}

// CreateRoom implements POST /rooms. The creator always ends up in the
// room: as an administrator when the lists do not name it.
func (h *handlers) CreateRoom(w http.ResponseWriter, r *http.Request) {
	h.do(w, r, func(c *call) (any, error) {
		name, err := c.required("name")
		if err != nil {
			return nil, err
		}
		roles, err := c.memberLists(nil)
		if err != nil {
			return nil, err
		}
		if _, listed := roles[c.acct]; !listed {
			roles[c.acct] = gen.RoleAdmin
		}
		l, err := c.newLink()
		if err != nil {
			return nil, err
		}
		rm, err := c.st.createRoom(Room{
			Name: name, Description: c.form.Get("description"), IconPreset: gen.IconPreset(c.form.Get("icon_preset")), Link: l,
		}, roles, c.s.root, c.now)
		if err != nil {
			return nil, badRequest("%s", err.Error())
		}
		return gen.RoomIDResult{RoomID: rm.id}, nil
	})
}

// newLink reads the invitation link of a new room: nil without link=1.
func (c *call) newLink() (*Link, error) {
	link, err := c.flag("link", false)
	if err != nil || !link {
		return nil, err
	}
	need, err := c.flag("link_need_acceptance", true)
	if err != nil {
		return nil, err
	}
	code := c.form.Get("link_code")
	if c.form.Has("link_code") && !validLinkCode(code) {
		return nil, invalid("link_code")
	}
	if _, taken := c.st.linkCodes[code]; code != "" && taken {
		return nil, badRequest("The link code %q is already in use", code)
	}
	return &Link{Code: code, NeedAcceptance: need}, nil
}

// GetRoom implements GET /rooms/{room_id}.
func (h *handlers) GetRoom(w http.ResponseWriter, r *http.Request, roomID gen.RoomID) {
	h.do(w, r, func(c *call) (any, error) {
		rm, err := c.room(roomID)
		if err != nil {
			return nil, err
		}
		return c.st.roomDetail(rm, c.acct), nil
	})
}

// UpdateRoom implements PUT /rooms/{room_id}. Fields left out keep their
// values.
func (h *handlers) UpdateRoom(w http.ResponseWriter, r *http.Request, roomID gen.RoomID) {
	h.do(w, r, func(c *call) (any, error) {
		rm, err := c.adminRoom(roomID)
		if err != nil {
			return nil, err
		}
		if c.form.Has("name") && c.form.Get("name") == "" {
			return nil, invalid("name")
		}
		c.st.updateRoom(rm, c.optional("name"), c.optional("description"), c.optional("icon_preset"), c.now)
		return gen.RoomIDResult{RoomID: rm.id}, nil
	})
}

// optional returns a form field, or nil when it was not sent.
func (c *call) optional(name string) *string {
	if !c.form.Has(name) {
		return nil
	}
	v := c.form.Get(name)
	return &v
}

// DeleteRoom implements DELETE /rooms/{room_id}. action_type=leave takes the
// account out of the chat with the tasks assigned to it and the files it
// uploaded there; a chat left by its last member is deleted. An
// administrator may leave even when it is the last one.
// action_type=delete (administrators only) deletes the chat with
// everything in it.
func (h *handlers) DeleteRoom(w http.ResponseWriter, r *http.Request, roomID gen.RoomID) {
	h.do(w, r, func(c *call) (any, error) {
		action, err := c.required("action_type")
		if err != nil {
			return nil, err
		}
		switch action {
		case "leave":
			rm, err := c.room(roomID)
			if err != nil {
				return nil, err
			}
			if rm.typ != RoomTypeGroup {
				return nil, errGroupOnly
			}
			c.st.leaveRoom(rm, c.acct)
		case "delete":
			rm, err := c.adminRoom(roomID)
			if err != nil {
				return nil, err
			}
			c.st.deleteRoom(rm)
		default:
			return nil, invalid("action_type")
		}
		return nil, nil
	})
}

// ListRoomMembers implements GET /rooms/{room_id}/members.
func (h *handlers) ListRoomMembers(w http.ResponseWriter, r *http.Request, roomID gen.RoomID) {
	h.do(w, r, func(c *call) (any, error) {
		rm, err := c.room(roomID)
		if err != nil {
			return nil, err
		}
		out := []gen.Member{}
		for _, id := range sortedKeys(rm.roles) {
			out = append(out, c.st.member(c.st.accounts[id], rm.roles[id]))
		}
		return out, nil
	})
}

// UpdateRoomMembers implements PUT /rooms/{room_id}/members: the lists
// replace the whole membership. Accounts left out are removed, with the
// tasks assigned to them and the files they uploaded there, as if they
// had left.
func (h *handlers) UpdateRoomMembers(w http.ResponseWriter, r *http.Request, roomID gen.RoomID) {
	h.do(w, r, func(c *call) (any, error) {
		rm, err := c.adminRoom(roomID)
		if err != nil {
			return nil, err
		}
		roles, err := c.memberLists(rm.roles)
		if err != nil {
			return nil, err
		}
		c.st.setMembers(rm, roles, c.now)
		admin, member, readonly := byRole(roles)
		// Empty lists are [], not null.
		out := gen.MembersResult{
			Admin: append([]int64{}, admin...), Member: append([]int64{}, member...), Readonly: append([]int64{}, readonly...),
		}
		return out, nil
	})
}

// memberLists reads members_admin_ids (required), members_member_ids and
// members_readonly_ids, and checks that the caller may add the accounts
// that are not in existing.
func (c *call) memberLists(existing map[int64]gen.Role) (map[int64]gen.Role, error) {
	if _, err := c.required("members_admin_ids"); err != nil {
		return nil, err
	}
	fields := []string{"members_admin_ids", "members_member_ids", "members_readonly_ids"}
	var lists [3][]int64
	for i, name := range fields {
		ids, err := c.ids(name)
		if err != nil {
			return nil, err
		}
		lists[i] = ids
	}
	roles := map[int64]gen.Role{}
	for i, role := range []gen.Role{gen.RoleAdmin, gen.RoleMember, gen.RoleReadonly} {
		for _, id := range lists[i] {
			if prev, dup := roles[id]; dup && prev != role {
				return nil, badRequest("Account %d is listed with two roles", id)
			}
			roles[id] = role
		}
	}
	return roles, c.checkNewMembers(roles, existing)
}

// checkNewMembers checks that the accounts may be added to a room by the
// caller: they exist, and each is the caller, a contact of the caller or in
// the caller's organization.
func (c *call) checkNewMembers(roles map[int64]gen.Role, existing map[int64]gen.Role) error {
	me := c.st.accounts[c.acct]
	for _, id := range sortedKeys(roles) {
		if _, ok := existing[id]; ok || id == c.acct {
			continue
		}
		a := c.st.accounts[id]
		_, contact := me.contacts[id]
		sameOrg := me.OrganizationID != 0 && a != nil && a.OrganizationID == me.OrganizationID
		if a == nil || !(contact || sameOrg) {
			return badRequest("Account %d is not a contact or a member of your organization", id)
		}
	}
	return nil
}
