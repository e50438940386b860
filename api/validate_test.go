package api_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/chatwork-go/chatwork/api"
)

// TestBadInputRefusedBeforeSending: input that the API would refuse or
// mangle, or that would make the client panic, is refused with an
// *InputError that names what was refused, and nothing is sent: IDs that
// are not positive, message IDs that are not digits or are 0, empty or
// over-long text, invalid UTF-8 and NUL, missing administrators or
// assignees, unknown enum values, files too large or without content, and
// a nil context, writer, client or service.
func TestBadInputRefusedBeforeSending(t *testing.T) {
	c, ts := setup(t)
	ctx := t.Context()
	var nilCtx context.Context
	var zero api.Client // not made by NewClient: its services are nil
	var nilReader *bytes.Reader
	const badUTF8 = "caf\xe9"
	long := strings.Repeat("あ", api.MaxMessageLength+1)
	cases := []inputCase{
		{"room id zero", "room_id", func() error { _, _, err := c.Rooms.Get(ctx, 0); return err }},
		{"room id negative", "room_id", func() error { _, _, err := c.Messages.Post(ctx, -5, "x", nil); return err }},
		{"task id", "task_id", func() error { _, _, err := c.Tasks.Get(ctx, 1, 0); return err }},
		{"file id", "file_id", func() error { _, _, err := c.Files.Get(ctx, 1, -1); return err }},
		{"request id", "request_id", func() error { _, err := c.IncomingRequests.Reject(ctx, 0); return err }},
		{"message id letters", "message_id", func() error { _, _, err := c.Messages.Get(ctx, 1, "12a4"); return err }},
		{"message id empty", "message_id", func() error { _, err := c.Messages.Delete(ctx, 1, ""); return err }},
		{"message id too long", "message_id", func() error { _, _, err := c.Messages.MarkUnread(ctx, 1, strings.Repeat("9", 21)); return err }},
		{"message id path", "message_id", func() error { _, err := c.Messages.Update(ctx, 1, "../1", "x"); return err }},
		{"empty body", "body", func() error { _, _, err := c.Messages.Post(ctx, 1, "", nil); return err }},
		{"long body", "body", func() error { _, _, err := c.Messages.Post(ctx, 1, long, nil); return err }},
		{"long edit", "body", func() error { _, err := c.Messages.Update(ctx, 1, "5", long); return err }},
		{"room without admin", "members_admin_ids", func() error {
			_, _, err := c.Rooms.Create(ctx, api.CreateRoomParams{Name: "r"})
			return err
		}},
		{"members without admin", "members_admin_ids", func() error {
			_, _, err := c.Members.Replace(ctx, 1, api.ReplaceMembersParams{MemberIDs: []int64{2}})
			return err
		}},
		{"bad member id", "members_member_ids", func() error {
			_, _, err := c.Members.Replace(ctx, 1, api.ReplaceMembersParams{AdminIDs: []int64{1}, MemberIDs: []int64{0}})
			return err
		}},
		{"task without assignee", "to_ids", func() error {
			_, _, err := c.Tasks.Create(ctx, 1, api.CreateTaskParams{Body: "x"})
			return err
		}},
		{"task empty body", "body", func() error {
			_, _, err := c.Tasks.Create(ctx, 1, api.CreateTaskParams{AssigneeIDs: []int64{1}})
			return err
		}},
		{"room name empty", "name", func() error {
			_, _, err := c.Rooms.Create(ctx, api.CreateRoomParams{AdminIDs: []int64{1}})
			return err
		}},
		{"room name long", "name", func() error {
			_, _, err := c.Rooms.Create(ctx, api.CreateRoomParams{Name: strings.Repeat("x", 256), AdminIDs: []int64{1}})
			return err
		}},
		{"rename long", "name", func() error {
			_, err := c.Rooms.Update(ctx, 1, api.UpdateRoomParams{Name: strings.Repeat("x", 256)})
			return err
		}},
		{"link code chars", "code", func() error { _, _, err := c.Links.Create(ctx, 1, api.LinkParams{Code: "no spaces"}); return err }},
		{"link code long", "code", func() error {
			_, _, err := c.Links.Update(ctx, 1, api.LinkParams{Code: strings.Repeat("a", 51)})
			return err
		}},
		{"room link code", "link_code", func() error {
			_, _, err := c.Rooms.Create(ctx, api.CreateRoomParams{Name: "r", AdminIDs: []int64{1}, Link: true, LinkCode: "ü"})
			return err
		}},
		{"icon preset", "icon_preset", func() error {
			_, _, err := c.Rooms.Create(ctx, api.CreateRoomParams{Name: "r", AdminIDs: []int64{1}, IconPreset: "unicorn"})
			return err
		}},
		{"task status", "body", func() error { _, err := c.Tasks.SetStatus(ctx, 1, 2, "finished"); return err }},
		{"task list status", "status", func() error {
			_, _, err := c.Tasks.List(ctx, 1, &api.ListTasksOptions{Status: "closed"})
			return err
		}},
		{"my tasks status", "status", func() error { _, _, err := c.Me.Tasks(ctx, &api.ListMyTasksOptions{Status: "x"}); return err }},
		{"limit type", "limit_type", func() error {
			_, _, err := c.Tasks.Create(ctx, 1, api.CreateTaskParams{Body: "x", AssigneeIDs: []int64{1}, LimitType: "week"})
			return err
		}},
		{"file name empty", "file", func() error {
			_, _, err := c.Files.Upload(ctx, 1, api.UploadFileParams{Content: strings.NewReader("x")})
			return err
		}},
		{"file too large", "file", func() error {
			_, _, err := c.Files.Upload(ctx, 1, api.UploadFileParams{Name: "big.bin", Content: bytes.NewReader(make([]byte, api.MaxUploadSize+1))})
			return err
		}},
		{"nothing to update", "name", func() error { _, err := c.Rooms.Update(ctx, 1, api.UpdateRoomParams{}); return err }},
		{"body invalid UTF-8", "body", func() error { _, _, err := c.Messages.Post(ctx, 1, badUTF8, nil); return err }},
		{"body NUL", "body", func() error { _, _, err := c.Messages.Post(ctx, 1, "a\x00b", nil); return err }},
		{"edit invalid UTF-8", "body", func() error { _, err := c.Messages.Update(ctx, 1, "5", "\xff"); return err }},
		{"task body NUL", "body", func() error {
			_, _, err := c.Tasks.Create(ctx, 1, api.CreateTaskParams{Body: "\x00", AssigneeIDs: []int64{1}})
			return err
		}},
		{"room name invalid UTF-8", "name", func() error {
			_, _, err := c.Rooms.Create(ctx, api.CreateRoomParams{Name: badUTF8, AdminIDs: []int64{1}})
			return err
		}},
		{"rename NUL", "name", func() error { _, err := c.Rooms.Update(ctx, 1, api.UpdateRoomParams{Name: "a\x00"}); return err }},
		{"room description NUL", "description", func() error {
			_, _, err := c.Rooms.Create(ctx, api.CreateRoomParams{Name: "r", AdminIDs: []int64{1}, Description: "x\x00"})
			return err
		}},
		{"new description invalid UTF-8", "description", func() error {
			_, err := c.Rooms.Update(ctx, 1, api.UpdateRoomParams{Description: api.Ptr(badUTF8)})
			return err
		}},
		{"link description NUL", "description", func() error {
			_, _, err := c.Links.Create(ctx, 1, api.LinkParams{Description: "\x00"})
			return err
		}},
		{"upload message invalid UTF-8", "message", func() error {
			_, _, err := c.Files.Upload(ctx, 1, api.UploadFileParams{Name: "a.txt", Content: strings.NewReader("x"), Message: badUTF8})
			return err
		}},
		{"file name invalid UTF-8", "file", func() error {
			_, _, err := c.Files.Upload(ctx, 1, api.UploadFileParams{Name: badUTF8 + ".txt", Content: strings.NewReader("x")})
			return err
		}},
		{"nil pointer content", "file", func() error {
			_, _, err := c.Files.Upload(ctx, 1, api.UploadFileParams{Name: "a.txt", Content: nilReader})
			return err
		}},
		{"message id 0", "message_id", func() error { _, _, err := c.Messages.Get(ctx, 1, "0"); return err }},
		{"message id 000", "message_id", func() error { _, err := c.Messages.Delete(ctx, 1, "000"); return err }},
		{"message id leading zero", "message_id", func() error { _, _, err := c.Messages.MarkUnread(ctx, 1, "0123"); return err }},
		{"mark read 0", "message_id", func() error { _, _, err := c.Messages.MarkRead(ctx, 1, "0"); return err }},
		{"nil context get", "ctx", func() error { _, _, err := c.Me.Get(nilCtx); return err }},
		{"nil context post", "ctx", func() error { _, _, err := c.Messages.Post(nilCtx, 1, "hi", nil); return err }},
		{"nil context list", "ctx", func() error { _, _, err := c.Rooms.List(nilCtx); return err }},
		{"nil context delete", "ctx", func() error { _, err := c.Rooms.Leave(nilCtx, 1); return err }},
		{"nil context upload", "ctx", func() error {
			_, _, err := c.Files.Upload(nilCtx, 1, api.UploadFileParams{Name: "a.txt", Content: strings.NewReader("x")})
			return err
		}},
		{"nil context download", "ctx", func() error {
			_, _, err := c.Files.Download(nilCtx, 1, 2, new(bytes.Buffer))
			return err
		}},
		{"nil writer", "w", func() error { _, _, err := c.Files.Download(ctx, 1, 2, nil); return err }},
		{"nil pointer writer", "w", func() error {
			var buf *bytes.Buffer
			_, _, err := c.Files.Download(ctx, 1, 2, buf)
			return err
		}},
		{"zero client", "Client", func() error { _, _, err := zero.Me.Get(ctx); return err }},
		{"nil client's rate limit", "Client", func() error {
			var nc *api.Client
			if nc.RateLimit() != (api.RateLimit{}) || nc.Raw() != nil {
				return errors.New("a nil client reports state")
			}
			_, _, err := zero.Rooms.List(ctx)
			return err
		}},
		{"nil service", "Client", func() error {
			var s *api.MessagesService
			_, _, err := s.Post(ctx, 1, "hi", nil)
			return err
		}},
	}
	checkRefusedBeforeSending(t, ts, cases)
}

// inputCase is a call that must be refused for bad input in field.
type inputCase struct {
	name, field string
	call        func() error
}

// checkRefusedBeforeSending asserts that every case fails, without a panic,
// with an *api.InputError (matching api.ErrInvalidInput) that names its
// field, and that no request reached ts.
func checkRefusedBeforeSending(t *testing.T, ts *testServer, cases []inputCase) {
	t.Helper()
	for _, tc := range cases {
		var err error
		func() {
			defer func() {
				if p := recover(); p != nil {
					err = errors.New("panic")
					t.Errorf("%s: panicked: %v", tc.name, p)
				}
			}()
			err = tc.call()
		}()
		var ie *api.InputError
		if !errors.As(err, &ie) || !errors.Is(err, api.ErrInvalidInput) {
			t.Errorf("%s: err = %v, want an *api.InputError", tc.name, err)
			continue
		}
		if ie.Field != tc.field || !strings.Contains(err.Error(), tc.field) {
			t.Errorf("%s: field %q (%v), want %q", tc.name, ie.Field, err, tc.field)
		}
	}
	if n := len(ts.requests()); n != 0 {
		t.Errorf("%d requests reached the server; bad input must be refused before sending", n)
	}
}
