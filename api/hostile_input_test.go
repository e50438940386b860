package api_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/chatwork-go/chatwork/api"
)

// TestHostileInputRefusedBeforeSending: input that the server would mangle,
// or that would make the client panic, is refused with an *InputError that
// names the field, and nothing is sent.
func TestHostileInputRefusedBeforeSending(t *testing.T) {
	c, ts := setup(t)
	ctx := t.Context()
	var nilCtx context.Context
	var zero api.Client // not made by NewClient: its services are nil
	var nilReader *bytes.Reader
	const badUTF8 = "caf\xe9"
	cases := []inputCase{
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
