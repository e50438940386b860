package api

import (
	"context"
	"net/http"

	"github.com/chatwork-go/chatwork/api/wire"
	"github.com/chatwork-go/chatwork/gen"
)

// RoomsService covers the account's chats.
type RoomsService service

// List returns every chat of the account, its own My Chat included.
//
// GET /rooms
func (s *RoomsService) List(ctx context.Context) ([]Room, *Response, error) {
	return list[Room](ctx, clientOf(s), func(raw *gen.RawClient) (*http.Response, error) { return raw.ListRooms(ctx) })
}

// CreateRoomParams describes a new group chat. Name and at least one
// administrator are required.
type CreateRoomParams struct {
	Name        string     // 1 to 255 characters
	Description string     // optional; may contain notation
	IconPreset  IconPreset // optional
	AdminIDs    []int64    // at least one; contacts or members of the account's organization
	MemberIDs   []int64    // optional
	ReadonlyIDs []int64    // optional

	// Link creates an invitation link with the chat. LinkCode is its path
	// (random when empty) and LinkNeedAcceptance whether joiners need an
	// administrator's approval (the API's default: true).
	Link               bool
	LinkCode           string
	LinkNeedAcceptance *bool
}

// Create creates a group chat and returns its ID.
//
// POST /rooms
func (s *RoomsService) Create(ctx context.Context, p CreateRoomParams) (int64, *Response, error) {
	body := gen.CreateRoomFormdataRequestBody{Name: p.Name}
	if err := checkText("name", p.Name, 1, MaxRoomNameLength); err != nil {
		return 0, nil, err
	}
	var err error
	if body.MembersAdminIDs, err = idList("members_admin_ids", p.AdminIDs, true); err != nil {
		return 0, nil, err
	}
	if body.MembersMemberIDs, err = idList("members_member_ids", p.MemberIDs, false); err != nil {
		return 0, nil, err
	}
	if body.MembersReadonlyIDs, err = idList("members_readonly_ids", p.ReadonlyIDs, false); err != nil {
		return 0, nil, err
	}
	if p.Description != "" {
		if err := checkString("description", p.Description); err != nil {
			return 0, nil, err
		}
		body.Description = &p.Description
	}
	if p.IconPreset != "" {
		if err := checkEnum("icon_preset", p.IconPreset); err != nil {
			return 0, nil, err
		}
		body.IconPreset = &p.IconPreset
	}
	if !p.Link && (p.LinkCode != "" || p.LinkNeedAcceptance != nil) {
		return 0, nil, invalid("link", "must be set for link_code or link_need_acceptance to apply")
	}
	if p.Link {
		body.Link = wire.FlagOf(true)
	}
	if p.LinkCode != "" {
		if err := checkLinkCode("link_code", p.LinkCode); err != nil {
			return 0, nil, err
		}
		body.LinkCode = &p.LinkCode
	}
	if p.LinkNeedAcceptance != nil {
		body.LinkNeedAcceptance = wire.FlagOf(*p.LinkNeedAcceptance)
	}
	out, r, err := one[gen.RoomIDResult](ctx, clientOf(s), func(raw *gen.RawClient) (*http.Response, error) { return raw.CreateRoomWithFormdataBody(ctx, body) })
	if err != nil {
		return 0, r, err
	}
	return out.RoomID, r, nil
}

// Get returns a chat with its description.
//
// GET /rooms/{room_id}
func (s *RoomsService) Get(ctx context.Context, roomID int64) (*RoomDetail, *Response, error) {
	if err := checkID("room_id", roomID); err != nil {
		return nil, nil, err
	}
	return one[RoomDetail](ctx, clientOf(s), func(raw *gen.RawClient) (*http.Response, error) { return raw.GetRoom(ctx, roomID) })
}

// UpdateRoomParams changes a chat. Fields left empty (nil for Description)
// are not changed; at least one must be set.
type UpdateRoomParams struct {
	Name        string     // 1 to 255 characters
	Description *string    // the new description; Ptr("") clears it
	IconPreset  IconPreset //
}

// Update changes a chat's name, description or icon. Only an administrator
// may do it.
//
// PUT /rooms/{room_id}
func (s *RoomsService) Update(ctx context.Context, roomID int64, p UpdateRoomParams) (*Response, error) {
	if err := checkID("room_id", roomID); err != nil {
		return nil, err
	}
	var body gen.UpdateRoomFormdataRequestBody
	if p.Name != "" {
		if err := checkText("name", p.Name, 1, MaxRoomNameLength); err != nil {
			return nil, err
		}
		body.Name = &p.Name
	}
	if p.Description != nil {
		if err := checkString("description", *p.Description); err != nil {
			return nil, err
		}
	}
	body.Description = p.Description
	if p.IconPreset != "" {
		if err := checkEnum("icon_preset", p.IconPreset); err != nil {
			return nil, err
		}
		body.IconPreset = &p.IconPreset
	}
	if body.Name == nil && body.Description == nil && body.IconPreset == nil {
		return nil, invalid("name", "nothing to change: set a name, description or icon")
	}
	_, r, err := one[gen.RoomIDResult](ctx, clientOf(s), func(raw *gen.RawClient) (*http.Response, error) {
		return raw.UpdateRoomWithFormdataBody(ctx, roomID, body)
	})
	return r, err
}

// Leave leaves a group chat. The account's tasks and the files it uploaded
// in the chat are deleted.
//
// DELETE /rooms/{room_id} with action_type=leave
func (s *RoomsService) Leave(ctx context.Context, roomID int64) (*Response, error) {
	return s.deleteRoom(ctx, roomID, gen.DeleteRoomFormdataBodyActionTypeLeave)
}

// Delete deletes a group chat for everyone, with all its messages, tasks and
// files. It cannot be undone. Only an administrator may do it.
//
// DELETE /rooms/{room_id} with action_type=delete
func (s *RoomsService) Delete(ctx context.Context, roomID int64) (*Response, error) {
	return s.deleteRoom(ctx, roomID, gen.DeleteRoomFormdataBodyActionTypeDelete)
}

func (s *RoomsService) deleteRoom(ctx context.Context, roomID int64, action gen.DeleteRoomFormdataBodyActionType) (*Response, error) {
	if err := checkID("room_id", roomID); err != nil {
		return nil, err
	}
	body := gen.DeleteRoomFormdataRequestBody{ActionType: action}
	return clientOf(s).call(ctx, func(raw *gen.RawClient) (*http.Response, error) {
		return raw.DeleteRoomWithFormdataBody(ctx, roomID, body)
	}, nil, expectNothing, nil)
}

// MembersService covers the members of a chat.
type MembersService service

// List returns a chat's members and their roles.
//
// GET /rooms/{room_id}/members
func (s *MembersService) List(ctx context.Context, roomID int64) ([]Member, *Response, error) {
	if err := checkID("room_id", roomID); err != nil {
		return nil, nil, err
	}
	return list[Member](ctx, clientOf(s), func(raw *gen.RawClient) (*http.Response, error) { return raw.ListRoomMembers(ctx, roomID) })
}

// ReplaceMembersParams is a chat's complete membership: at least one
// administrator. Anyone not listed is removed.
type ReplaceMembersParams struct {
	AdminIDs    []int64
	MemberIDs   []int64
	ReadonlyIDs []int64
}

// Replace replaces a chat's whole membership at once: anyone not listed is
// removed. Only an administrator may do it.
//
// PUT /rooms/{room_id}/members
func (s *MembersService) Replace(ctx context.Context, roomID int64, p ReplaceMembersParams) (*MembersResult, *Response, error) {
	if err := checkID("room_id", roomID); err != nil {
		return nil, nil, err
	}
	var body gen.UpdateRoomMembersFormdataRequestBody
	var err error
	if body.MembersAdminIDs, err = idList("members_admin_ids", p.AdminIDs, true); err != nil {
		return nil, nil, err
	}
	if body.MembersMemberIDs, err = idList("members_member_ids", p.MemberIDs, false); err != nil {
		return nil, nil, err
	}
	if body.MembersReadonlyIDs, err = idList("members_readonly_ids", p.ReadonlyIDs, false); err != nil {
		return nil, nil, err
	}
	return one[MembersResult](ctx, clientOf(s), func(raw *gen.RawClient) (*http.Response, error) {
		return raw.UpdateRoomMembersWithFormdataBody(ctx, roomID, body)
	})
}

// LinksService covers the invitation link of a group chat.
type LinksService service

// LinkParams describes an invitation link. All fields are optional.
type LinkParams struct {
	Code           string // the link's path, [A-Za-z0-9_-]{1,50}; random when empty
	NeedAcceptance *bool  // whether joiners need approval; the API's default is true
	Description    string // the text of the link's page
}

// Get returns the chat's invitation link; Public is false when it has none.
//
// GET /rooms/{room_id}/link
func (s *LinksService) Get(ctx context.Context, roomID int64) (*InvitationLink, *Response, error) {
	if err := checkID("room_id", roomID); err != nil {
		return nil, nil, err
	}
	return s.link(ctx, expectResult, false, func(raw *gen.RawClient) (*http.Response, error) { return raw.GetInvitationLink(ctx, roomID) })
}

// Create creates the chat's invitation link.
//
// POST /rooms/{room_id}/link
func (s *LinksService) Create(ctx context.Context, roomID int64, p LinkParams) (*InvitationLink, *Response, error) {
	body, err := linkForm(roomID, p)
	if err != nil {
		return nil, nil, err
	}
	return s.link(ctx, expectResult, true, func(raw *gen.RawClient) (*http.Response, error) {
		return raw.CreateInvitationLinkWithFormdataBody(ctx, roomID, body)
	})
}

// Update changes the chat's invitation link. Whether fields left out keep
// their values is not documented by Chatwork: set every field you care about.
//
// PUT /rooms/{room_id}/link
func (s *LinksService) Update(ctx context.Context, roomID int64, p LinkParams) (*InvitationLink, *Response, error) {
	body, err := linkForm(roomID, p)
	if err != nil {
		return nil, nil, err
	}
	return s.link(ctx, expectResult, true, func(raw *gen.RawClient) (*http.Response, error) {
		return raw.UpdateInvitationLinkWithFormdataBody(ctx, roomID, body)
	})
}

// Delete deletes the chat's invitation link.
//
// DELETE /rooms/{room_id}/link
func (s *LinksService) Delete(ctx context.Context, roomID int64) (*Response, error) {
	if err := checkID("room_id", roomID); err != nil {
		return nil, err
	}
	_, r, err := s.link(ctx, expectResultOr204, false, func(raw *gen.RawClient) (*http.Response, error) { return raw.DeleteInvitationLink(ctx, roomID) })
	return r, err
}

// link runs a request that answers an invitation link. A created or
// changed link is public and has its URL (the spec's PublicInvitationLink).
func (s *LinksService) link(ctx context.Context, want expect, made bool, send request) (*InvitationLink, *Response, error) {
	if made {
		p, r, err := one[gen.PublicInvitationLink](ctx, clientOf(s), send)
		if err != nil {
			return nil, r, err
		}
		return linkFrom(gen.InvitationLink{Public: bool(p.Public), URL: &p.URL, NeedAcceptance: p.NeedAcceptance, Description: p.Description}), r, nil
	}
	var out gen.InvitationLink
	r, err := clientOf(s).call(ctx, send, &out, want, nil)
	if err != nil {
		return nil, r, err
	}
	return linkFrom(out), r, nil
}

func linkForm(roomID int64, p LinkParams) (gen.InvitationLinkForm, error) {
	var body gen.InvitationLinkForm
	if err := checkID("room_id", roomID); err != nil {
		return body, err
	}
	if p.Code != "" {
		if err := checkLinkCode("code", p.Code); err != nil {
			return body, err
		}
		body.Code = &p.Code
	}
	if p.NeedAcceptance != nil {
		body.NeedAcceptance = wire.FlagOf(*p.NeedAcceptance)
	}
	if p.Description != "" {
		if err := checkString("description", p.Description); err != nil {
			return body, err
		}
		body.Description = &p.Description
	}
	return body, nil
}
