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

// The fixtures: what the fake is seeded with and what it reports. Each
// type is the input and the output of its AddX method, the item of its Xs
// method and of the matching list of a [Seed]; its JSON form is the seed
// file's and the control API's (see seed.schema.json and control.yaml).
// IDs left zero are chosen by the fake; IDs given are kept.

// An Account is a Chatwork user of the fake. Profile fields may be empty:
// the API then returns empty strings, as Chatwork does.
type Account struct {
	// AccountID is the account ID; chosen by AddAccount when zero.
	AccountID int64 `json:"account_id,omitempty"`
	// Token is the account's API token (X-ChatWorkToken); a random one
	// when empty. More tokens, OAuth ones too, are [Token] fixtures.
	Token string `json:"token,omitempty"`
	// RoomID is the account's My Chat, which every account has; chosen
	// when zero.
	RoomID int64 `json:"room_id,omitempty"`

	Name             string `json:"name,omitempty"`
	ChatworkID       string `json:"chatwork_id,omitempty"`
	OrganizationID   int64  `json:"organization_id,omitempty"`
	OrganizationName string `json:"organization_name,omitempty"`
	Department       string `json:"department,omitempty"`
	Title            string `json:"title,omitempty"`
	URL              string `json:"url,omitempty"`
	Introduction     string `json:"introduction,omitempty"`
	Mail             string `json:"mail,omitempty"`
	TelOrganization  string `json:"tel_organization,omitempty"`
	TelExtension     string `json:"tel_extension,omitempty"`
	TelMobile        string `json:"tel_mobile,omitempty"`
	Skype            string `json:"skype,omitempty"`
	Facebook         string `json:"facebook,omitempty"`
	Twitter          string `json:"twitter,omitempty"`
	AvatarImageURL   string `json:"avatar_image_url,omitempty"`
	LoginMail        string `json:"login_mail,omitempty"`
}

// A Token is a credential of an account besides its [Account.Token]: a
// second API token (another program on the same account), or an OAuth
// access token.
type Token struct {
	// Token is the secret; a random one when empty.
	Token     string `json:"token,omitempty"`
	AccountID int64  `json:"account_id"`
	// OAuth marks an OAuth access token: accepted in Authorization: Bearer
	// only, as API tokens are accepted in X-ChatWorkToken only.
	OAuth bool `json:"oauth,omitempty"`
	// Expires, for an OAuth token, is when it stops working; zero for
	// never. An expired or revoked OAuth token gets Chatwork's 401 with an
	// empty body and the reason in WWW-Authenticate.
	Expires time.Time `json:"expires,omitzero"`
}

// A Contact makes two accounts contacts of each other, with a direct chat.
type Contact struct {
	AccountID      int64 `json:"account_id"`
	OtherAccountID int64 `json:"other_account_id"`
	// RoomID is their direct chat; chosen when zero.
	RoomID int64 `json:"room_id,omitempty"`
}

// Room types, as in the type field of a room: the spec's values, typed as
// package gen (and package api, by alias) types them.
const (
	RoomTypeMy     = gen.RoomTypeMy
	RoomTypeDirect = gen.RoomTypeDirect
	RoomTypeGroup  = gen.RoomTypeGroup
)

// A Room is a chat. AddRoom creates group chats; My Chats come with
// accounts and direct chats with contacts.
type Room struct {
	// RoomID is the room ID; chosen when zero.
	RoomID int64 `json:"room_id,omitempty"`
	// Type is RoomTypeGroup (the default for AddRoom), RoomTypeDirect or
	// RoomTypeMy.
	Type        gen.RoomType `json:"type,omitempty"`
	Name        string       `json:"name,omitempty"`
	Description string       `json:"description,omitempty"`
	// IconPreset is one of the icon_preset values; "group" by default.
	IconPreset gen.IconPreset `json:"icon_preset,omitempty"`
	// AdminIDs, MemberIDs and ReadonlyIDs list the members by role. A
	// group chat needs at least one administrator.
	AdminIDs    []int64 `json:"admin_ids,omitempty"`
	MemberIDs   []int64 `json:"member_ids,omitempty"`
	ReadonlyIDs []int64 `json:"readonly_ids,omitempty"`
	// Link is the invitation link; nil when the room has none.
	Link *Link `json:"link,omitempty"`
}

// A Link is the invitation link of a group chat.
type Link struct {
	// Code is the last path segment of the URL; random when empty.
	Code string `json:"code,omitempty"`
	// URL is the link, set by the fake.
	URL            string `json:"url,omitempty"`
	NeedAcceptance bool   `json:"need_acceptance,omitempty"`
	Description    string `json:"description,omitempty"`
}

// A Message is a message of a room.
type Message struct {
	// MessageID is the message ID, a string of digits as in the API;
	// chosen when empty.
	MessageID string `json:"message_id,omitempty"`
	RoomID    int64  `json:"room_id"`
	// AccountID is the author.
	AccountID int64  `json:"account_id"`
	Body      string `json:"body"`
	// SendTime is when it was posted; the fake's clock when zero.
	SendTime time.Time `json:"send_time,omitzero"`
	// UpdateTime is when it was last edited; zero for never.
	UpdateTime time.Time `json:"update_time,omitzero"`
}

// A Task is a task of a room, assigned to one account.
type Task struct {
	// TaskID is the task ID; chosen when zero.
	TaskID int64 `json:"task_id,omitempty"`
	RoomID int64 `json:"room_id"`
	// AssigneeID is the account the task is assigned to (to_ids of the
	// API); AssignedByAccountID the account that created it. Both must be
	// members of the room.
	AssigneeID          int64  `json:"assignee_id"`
	AssignedByAccountID int64  `json:"assigned_by_account_id"`
	Body                string `json:"body"`
	// LimitTime is the deadline; zero for none.
	LimitTime time.Time `json:"limit_time,omitzero"`
	// LimitType is "none", "date" or "time"; by default "time" with a
	// deadline and "none" without.
	LimitType gen.TaskLimitType `json:"limit_type,omitempty"`
	// Status is "open" (the default) or "done".
	Status gen.TaskStatus `json:"status,omitempty"`
	// MessageID is the task message, [task aid=…]BODY[/task]; when empty a
	// new one is posted by AssignedByAccountID.
	MessageID string `json:"message_id,omitempty"`
}

// A File is a file uploaded to a room.
type File struct {
	// FileID is the file ID; chosen when zero.
	FileID int64 `json:"file_id,omitempty"`
	RoomID int64 `json:"room_id"`
	// UploaderID is the account that uploaded it.
	UploaderID int64  `json:"uploader_id"`
	Name       string `json:"name"`
	// ContentType is the type of the file part; application/octet-stream
	// for downloads when empty.
	ContentType string `json:"content_type,omitempty"`
	// Content is the file (Base64 in JSON). When it is empty and Size is
	// not, the fake makes Size bytes of its own.
	Content []byte `json:"content,omitempty"`
	// Size is the file's size in bytes; set by the fake.
	Size int `json:"size,omitempty"`
	// MessageID is the upload message ([info][title][dtext:file_uploaded]…);
	// when empty a new one is posted by AccountID.
	MessageID string `json:"message_id,omitempty"`
	// UploadTime is when it was uploaded; the fake's clock when zero.
	UploadTime time.Time `json:"upload_time,omitzero"`
}

// An IncomingRequest is a contact request waiting for an answer.
type IncomingRequest struct {
	// RequestID is the request ID; chosen when zero.
	RequestID int64 `json:"request_id,omitempty"`
	// AccountID asks ToAccountID to become its contact.
	AccountID   int64  `json:"account_id"`
	ToAccountID int64  `json:"to_account_id"`
	Message     string `json:"message,omitempty"`
}

type account struct {
	Account
	contacts map[int64]int64 // contact account ID -> direct room ID
}

type room struct {
	id          int64
	typ         gen.RoomType
	name        string
	description string
	icon        gen.IconPreset
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
