package api

import (
	"encoding/json"
	"time"

	"github.com/chatwork-go/chatwork/gen"
)

// The resources are the generated models of openapi.yaml: every field is
// required by the API, so none is a pointer. IDs are int64, except message
// IDs, which are strings of digits; times are wire.UnixTime, which embeds
// time.Time (Unix seconds on the wire; 0, "never", is the zero time).

// Me is the account that owns the token.
type Me = gen.Me

// MyStatus is the account's unread, mention and task counts.
type MyStatus = gen.MyStatus

// MyTask is a task assigned to the account, with its chat.
type MyTask = gen.MyTask

// Contact is a contact of the account.
type Contact = gen.Contact

// Room is a chat as listed, without its description.
type Room = gen.Room

// RoomDetail is a chat with its description.
type RoomDetail = gen.RoomDetail

// Member is a member of a chat.
type Member = gen.Member

// MembersResult is a chat's membership by role.
type MembersResult = gen.MembersResult

// Message is a message. UpdateTime is the zero time when it was never edited.
type Message = gen.Message

// ReadResult is a chat's unread counts after a change of read state.
type ReadResult = gen.ReadResult

// RoomTask is a task in a chat. LimitTime is the zero time without a deadline.
type RoomTask = gen.RoomTask

// File is a file in a chat.
type File = gen.File

// IncomingRequest is a contact request to the account.
type IncomingRequest = gen.IncomingRequest

// AccountSummary is an account inside a message, task or file.
type AccountSummary = gen.AccountSummary

// RoomSummary is a chat inside a task.
type RoomSummary = gen.RoomSummary

// RoomType is my, direct or group.
type RoomType = gen.RoomType

// Role is admin, member or readonly.
type Role = gen.Role

// TaskStatus is open or done.
type TaskStatus = gen.TaskStatus

// TaskLimitType says how a task's deadline is read: none, date or time.
type TaskLimitType = gen.TaskLimitType

// IconPreset is a chat icon.
type IconPreset = gen.IconPreset

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
	Public         bool   `json:"public"`          // whether the chat has a link
	URL            string `json:"url"`             // the link
	NeedAcceptance bool   `json:"need_acceptance"` // whether an administrator must approve joiners
	Description    string `json:"description"`     // the text of the link's page
}

// MarshalJSON writes the link as the API does: {"public": false} alone
// when there is no link.
func (l InvitationLink) MarshalJSON() ([]byte, error) {
	if !l.Public {
		return []byte(`{"public":false}`), nil
	}
	type plain InvitationLink
	return json.Marshal(plain(l))
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

// DeadlineZone is the time zone that decides the day of a date-only task
// deadline (LimitDate): Japan time, UTC+9, without daylight saving.
// Chatwork's documented date deadlines are 23:59:59 of the day in Japan time
// (limit_time 1384354799 is 2013-11-13 23:59:59 +09:00), whatever the
// reader's zone; Chatwork does not state the rule itself. Read the day with
// t.LimitTime.In(DeadlineZone).Date().
var DeadlineZone = time.FixedZone("JST", 9*60*60)

// Ptr returns a pointer to v, for the optional fields of params structs
// where the zero value means something (such as an empty description).
func Ptr[T any](v T) *T { return &v }
