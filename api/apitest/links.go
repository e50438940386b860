package apitest

import (
	"net/http"

	"github.com/chatwork-go/chatwork/gen"
)

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
	h.do(w, r, func(c *call) (any, error) {
		rm, err := c.room(roomID)
		if err != nil {
			return nil, err
		}
		return apiLink(rm.link), nil
	})
}

// CreateInvitationLink implements POST /rooms/{room_id}/link
// (administrators only; 400 when the room already has a link). Without
// code a random one is chosen; need_acceptance defaults to 1.
func (h *handlers) CreateInvitationLink(w http.ResponseWriter, r *http.Request, roomID gen.RoomID) {
	h.do(w, r, func(c *call) (any, error) { return c.writeLink(roomID, true) })
}

// UpdateInvitationLink implements PUT /rooms/{room_id}/link (administrators
// only; 400 when the room has no link). Fields left out keep their values.
func (h *handlers) UpdateInvitationLink(w http.ResponseWriter, r *http.Request, roomID gen.RoomID) {
	h.do(w, r, func(c *call) (any, error) { return c.writeLink(roomID, false) })
}

// writeLink creates (create) or changes the room's invitation link from the
// form: a new link starts from the API's defaults, a changed one from its
// current fields.
func (c *call) writeLink(roomID gen.RoomID, create bool) (any, error) {
	rm, err := c.adminRoom(roomID)
	if err != nil {
		return nil, err
	}
	var l Link
	switch {
	case create && rm.link != nil:
		return nil, badRequest("The invitation link already exists")
	case !create && rm.link == nil:
		return nil, errNoLink
	case create:
		l = Link{NeedAcceptance: true}
	default:
		l = *rm.link
	}
	if err := c.linkForm(&l); err != nil {
		return nil, err
	}
	if err := c.st.setLink(rm, &l, c.s.root); err != nil {
		return nil, badRequest("%s", err.Error())
	}
	return apiLink(rm.link), nil
}

var errNoLink = &apiError{status: http.StatusBadRequest, msg: "The invitation link does not exist"}

// linkForm applies the form fields code, need_acceptance and description
// to l.
func (c *call) linkForm(l *Link) error {
	if c.form.Has("code") {
		code := c.form.Get("code")
		if !validLinkCode(code) {
			return invalid("code")
		}
		l.Code = code
	}
	need, err := c.flag("need_acceptance", l.NeedAcceptance)
	if err != nil {
		return err
	}
	l.NeedAcceptance = need
	if c.form.Has("description") {
		l.Description = c.form.Get("description")
	}
	return nil
}

// DeleteInvitationLink implements DELETE /rooms/{room_id}/link
// (administrators only): 200 {"public":false}, or 400 when the room has no
// link.
func (h *handlers) DeleteInvitationLink(w http.ResponseWriter, r *http.Request, roomID gen.RoomID) {
	h.do(w, r, func(c *call) (any, error) {
		rm, err := c.adminRoom(roomID)
		if err != nil {
			return nil, err
		}
		if rm.link == nil {
			return nil, errNoLink
		}
		c.st.deleteLink(rm)
		return apiLink(nil), nil
	})
}
