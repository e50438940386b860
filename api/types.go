package api

import (
	"github.com/chatwork-go/chatwork/gen"
)

// The resources are the generated models of openapi.yaml: every field is
// required by the API, so none is a pointer. IDs are int64, except message
// IDs, which are strings of digits; times are Unix seconds.
type (
	Me              = gen.Me              // the account that owns the token
	MyStatus        = gen.MyStatus        // unread, mention and task counts
	MyTask          = gen.MyTask          // a task assigned to the account
	Contact         = gen.Contact         // a contact of the account
	Room            = gen.Room            // a chat, as listed
	RoomDetail      = gen.RoomDetail      // a chat with its description
	Member          = gen.Member          // a member of a chat
	MembersResult   = gen.MembersResult   // a chat's membership by role
	Message         = gen.Message         // a message
	ReadResult      = gen.ReadResult      // a chat's unread counts
	RoomTask        = gen.RoomTask        // a task in a chat
	File            = gen.File            // a file in a chat
	IncomingRequest = gen.IncomingRequest // a contact request to the account
	AccountSummary  = gen.AccountSummary  // an account inside a message, task or file
	RoomSummary     = gen.RoomSummary     // a chat inside a task

	RoomType      = gen.RoomType      // my, direct or group
	Role          = gen.Role          // admin, member or readonly
	TaskStatus    = gen.TaskStatus    // open or done
	TaskLimitType = gen.TaskLimitType // none, date or time
	IconPreset    = gen.IconPreset    // a chat icon
)

// The values of the enumerations.
const (
	RoomTypeMy     = gen.RoomTypeMy
	RoomTypeDirect = gen.RoomTypeDirect
	RoomTypeGroup  = gen.RoomTypeGroup

	RoleAdmin    = gen.RoleAdmin
	RoleMember   = gen.RoleMember
	RoleReadonly = gen.RoleReadonly

	TaskOpen = gen.TaskStatusOpen
	TaskDone = gen.TaskStatusDone

	LimitNone = gen.TaskLimitTypeNone
	LimitDate = gen.TaskLimitTypeDate
	LimitTime = gen.TaskLimitTypeTime
)

// InvitationLink is a chat's invitation link. Without a link, Public is
// false and the other fields are empty.
type InvitationLink struct {
	Public         bool   // whether the chat has a link
	URL            string // the link
	NeedAcceptance bool   // whether an administrator must approve joiners
	Description    string // the text of the link's page
}

func linkFrom(g gen.InvitationLink) *InvitationLink {
	l := &InvitationLink{Public: g.Public}
	if g.URL != nil {
		l.URL = *g.URL
	}
	if g.NeedAcceptance != nil {
		l.NeedAcceptance = *g.NeedAcceptance
	}
	if g.Description != nil {
		l.Description = *g.Description
	}
	return l
}

// Ptr returns a pointer to v, for the optional fields of params structs
// where the zero value means something (such as an empty description).
func Ptr[T any](v T) *T { return &v }
