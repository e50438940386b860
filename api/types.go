package api

import (
	"time"

	"github.com/chatwork-go/chatwork/gen"
)

// The resources are the generated models of openapi.yaml: every field is
// required by the API, so none is a pointer. IDs are int64, except message
// IDs, which are strings of digits; times are wire.UnixTime, which embeds
// time.Time (Unix seconds on the wire; 0, "never", is the zero time).

// Me is the account that owns the token. Unset profile fields are empty
// strings, never absent.
//
//	AccountID        int64
//	RoomID           int64  // the account's own "My Chat"
//	Name             string
//	ChatworkID       string
//	OrganizationID   int64
//	OrganizationName string
//	Department       string
//	Title            string
//	URL              string
//	Introduction     string
//	Mail             string
//	TelOrganization  string
//	TelExtension     string
//	TelMobile        string
//	Skype            string
//	Facebook         string
//	Twitter          string
//	AvatarImageURL   string
//	LoginMail        string // "" when Chatwork leaves it out
type Me = gen.Me

// MyStatus is the account's unread, mention and task counts over all its
// chats.
//
//	UnreadRoomNum  int // chats with unread messages
//	MentionRoomNum int // chats with unread mentions
//	MytaskRoomNum  int // chats with open tasks for the account
//	UnreadNum      int // unread messages
//	MentionNum     int // unread mentions
//	MytaskNum      int // open tasks for the account
type MyStatus = gen.MyStatus

// MyTask is a task assigned to the account, with its chat.
//
//	TaskID            int64
//	Room              RoomSummary    // the chat the task is in
//	AssignedByAccount AccountSummary // who created the task
//	MessageID         string         // the task's message, a string of digits
//	Body              string
//	LimitTime         wire.UnixTime  // embeds time.Time; zero without a deadline
//	LimitType         TaskLimitType  // how LimitTime is read: none, date (a day in DeadlineZone) or time
//	Status            TaskStatus     // TaskStatusOpen or TaskStatusDone
type MyTask = gen.MyTask

// Contact is a contact of the account.
//
//	AccountID        int64
//	RoomID           int64 // the direct chat with the contact
//	Name             string
//	ChatworkID       string
//	OrganizationID   int64
//	OrganizationName string
//	Department       string
//	AvatarImageURL   string
type Contact = gen.Contact

// Room is a chat as listed, without its description.
//
//	RoomID         int64
//	Name           string
//	Type           RoomType      // RoomTypeMy, RoomTypeDirect or RoomTypeGroup
//	Role           Role          // the account's role: RoleAdmin, RoleMember or RoleReadonly
//	Sticky         bool          // pinned by the account
//	UnreadNum      int
//	MentionNum     int
//	MytaskNum      int
//	MessageNum     int
//	FileNum        int
//	TaskNum        int
//	IconPath       string
//	LastUpdateTime wire.UnixTime // embeds time.Time
type Room = gen.Room

// RoomDetail is a chat with its description: the fields of Room, and
// Description.
//
//	RoomID, Name, Type, Role, Sticky, UnreadNum, MentionNum, MytaskNum,
//	MessageNum, FileNum, TaskNum, IconPath, LastUpdateTime // as in Room
//	Description string // the chat's summary text, in notation
type RoomDetail = gen.RoomDetail

// Member is a member of a chat.
//
//	AccountID        int64
//	Role             Role // RoleAdmin, RoleMember or RoleReadonly
//	Name             string
//	ChatworkID       string
//	OrganizationID   int64
//	OrganizationName string
//	Department       string
//	AvatarImageURL   string
type Member = gen.Member

// MembersResult is a chat's membership by role, as account IDs.
//
//	Admin    []int64
//	Member   []int64
//	Readonly []int64
type MembersResult = gen.MembersResult

// Message is a message.
//
//	MessageID  string         // a string of digits, e.g. "1928374655918273645"
//	Account    AccountSummary // the sender
//	Body       string         // the raw text, in notation (see package notation)
//	SendTime   wire.UnixTime  // embeds time.Time
//	UpdateTime wire.UnixTime  // the zero time when it was never edited
type Message = gen.Message

// ReadResult is a chat's unread counts after a change of read state.
//
//	UnreadNum  int
//	MentionNum int
type ReadResult = gen.ReadResult

// RoomTask is a task in a chat. Assignee is the wire's "account" (see
// the package documentation's vocabulary).
//
//	TaskID            int64
//	Assignee          AccountSummary // the wire's account
//	AssignedByAccount AccountSummary // who created the task
//	MessageID         string         // the task's message, a string of digits
//	Body              string
//	LimitTime         wire.UnixTime  // embeds time.Time; zero without a deadline
//	LimitType         TaskLimitType  // how LimitTime is read: none, date (a day in DeadlineZone) or time
//	Status            TaskStatus     // TaskStatusOpen or TaskStatusDone
type RoomTask = gen.RoomTask

// File is a file in a chat. Uploader is the wire's "account".
//
//	FileID      int64
//	Uploader    AccountSummary // the wire's account
//	MessageID   string         // the message the file was posted with
//	Filename    string
//	Filesize    int64          // bytes
//	UploadTime  wire.UnixTime  // embeds time.Time
//	DownloadURL *string        // only from Files.Get with a download URL; valid 30 seconds
type File = gen.File

// IncomingRequest is a contact request to the account.
//
//	RequestID        int64
//	AccountID        int64  // the sender
//	Message          string // the sender's note
//	Name             string
//	ChatworkID       string
//	OrganizationID   int64
//	OrganizationName string
//	Department       string
//	AvatarImageURL   string
type IncomingRequest = gen.IncomingRequest

// AccountSummary is an account inside a message, task or file.
//
//	AccountID      int64
//	Name           string
//	AvatarImageURL string
type AccountSummary = gen.AccountSummary

// RoomSummary is a chat inside a task.
//
//	RoomID   int64
//	Name     string
//	IconPath string
type RoomSummary = gen.RoomSummary

// RoomType is my, direct or group.
type RoomType = gen.RoomType

// Role is admin, member or readonly.
type Role = gen.Role

// TaskStatus is open or done.
type TaskStatus = gen.TaskStatus

// TaskLimitType says how a task's deadline (LimitTime) is read: none, date
// or time.
type TaskLimitType = gen.TaskLimitType

// IconPreset is a chat icon.
type IconPreset = gen.IconPreset

// The values of the enumerations, named as package gen names them: the
// type's name, then the value.
const (
	RoomTypeMy     = gen.RoomTypeMy     // the account's own My Chat
	RoomTypeDirect = gen.RoomTypeDirect // a one-to-one chat with a contact
	RoomTypeGroup  = gen.RoomTypeGroup  // a group chat

	RoleAdmin    = gen.RoleAdmin    // may change the chat and its members
	RoleMember   = gen.RoleMember   // may post
	RoleReadonly = gen.RoleReadonly // may only read

	TaskStatusOpen = gen.TaskStatusOpen
	TaskStatusDone = gen.TaskStatusDone

	TaskLimitTypeNone = gen.TaskLimitTypeNone // no deadline: LimitTime is zero
	TaskLimitTypeDate = gen.TaskLimitTypeDate // a day: the day of LimitTime in DeadlineZone
	TaskLimitTypeTime = gen.TaskLimitTypeTime // a day and a time

	// The chat icons, in the order of Chatwork's icon picker.
	IconPresetGroup    = gen.IconPresetGroup
	IconPresetCheck    = gen.IconPresetCheck
	IconPresetDocument = gen.IconPresetDocument
	IconPresetMeeting  = gen.IconPresetMeeting
	IconPresetEvent    = gen.IconPresetEvent
	IconPresetProject  = gen.IconPresetProject
	IconPresetBusiness = gen.IconPresetBusiness
	IconPresetStudy    = gen.IconPresetStudy
	IconPresetSecurity = gen.IconPresetSecurity
	IconPresetStar     = gen.IconPresetStar
	IconPresetIdea     = gen.IconPresetIdea
	IconPresetHeart    = gen.IconPresetHeart
	IconPresetMagcup   = gen.IconPresetMagcup
	IconPresetBeer     = gen.IconPresetBeer
	IconPresetMusic    = gen.IconPresetMusic
	IconPresetSports   = gen.IconPresetSports
	IconPresetTravel   = gen.IconPresetTravel
)

// InvitationLink is a chat's invitation link. Without a link, Public is
// false and the other fields are empty.
type InvitationLink struct {
	Public         bool   `json:"public"`          // whether the chat has a link
	URL            string `json:"url"`             // the link
	NeedAcceptance bool   `json:"need_acceptance"` // whether an administrator must approve joiners
	Description    string `json:"description"`     // the text of the link's page
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

// DeadlineZone returns the time zone that decides the day of a date-only
// task deadline (TaskLimitTypeDate): Japan time, UTC+9, without daylight
// saving. Chatwork's documented date deadlines are 23:59:59 of the day in
// Japan time (limit_time 1384354799 is 2013-11-13 23:59:59 +09:00),
// whatever the reader's zone; Chatwork does not state the rule itself.
// Read the day with t.LimitTime.In(api.DeadlineZone()).Date().
func DeadlineZone() *time.Location { return deadlineZone }

var deadlineZone = time.FixedZone("JST", 9*60*60)

// Ptr returns a pointer to v, for the optional fields of params structs
// where the zero value means something (such as an empty description).
func Ptr[T any](v T) *T { return &v }
