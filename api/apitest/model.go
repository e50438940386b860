package apitest

import (
	"time"

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
