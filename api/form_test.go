package api_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chatwork-go/chatwork/api"
)

// TestFormGolden sends every form operation and compares the exact bytes on
// the wire with testdata/form/<name>.golden. UPDATE_GOLDEN=1 rewrites them.
func TestFormGolden(t *testing.T) {
	const room = 123
	const msg = "1928374655918273645"
	deadline := time.Unix(1384354799, 0)
	cases := []struct {
		name string
		call func(ctx context.Context, c *api.Client) error
	}{
		{"createRoom", func(ctx context.Context, c *api.Client) error {
			_, _, err := c.Rooms.Create(ctx, api.CreateRoomParams{
				Name: "Project X & Y", Description: "Notes [info]x[/info]", IconPreset: "meeting",
				AdminIDs: []int64{123, 542, 1001}, MemberIDs: []int64{10, 103}, ReadonlyIDs: []int64{6},
				Link: true, LinkCode: "project-x_1", LinkNeedAcceptance: api.Ptr(false),
			})
			return err
		}},
		{"createRoomMinimal", func(ctx context.Context, c *api.Client) error {
			_, _, err := c.Rooms.Create(ctx, api.CreateRoomParams{Name: "r", AdminIDs: []int64{1}})
			return err
		}},
		{"updateRoom", func(ctx context.Context, c *api.Client) error {
			_, err := c.Rooms.Update(ctx, room, api.UpdateRoomParams{Name: "New name", Description: api.Ptr(""), IconPreset: "beer"})
			return err
		}},
		{"leaveRoom", func(ctx context.Context, c *api.Client) error { _, err := c.Rooms.Leave(ctx, room); return err }},
		{"deleteRoom", func(ctx context.Context, c *api.Client) error { _, err := c.Rooms.Delete(ctx, room); return err }},
		{"updateRoomMembers", func(ctx context.Context, c *api.Client) error {
			_, _, err := c.Members.Replace(ctx, room, api.ReplaceMembersParams{AdminIDs: []int64{123, 542}, ReadonlyIDs: []int64{6, 11}})
			return err
		}},
		{"postMessage", func(ctx context.Context, c *api.Client) error {
			_, _, err := c.Messages.Post(ctx, room, "[To:123] Taro\nHello, 世界 & friends = 100%", nil)
			return err
		}},
		{"postMessageSelfUnread", func(ctx context.Context, c *api.Client) error {
			_, _, err := c.Messages.Post(ctx, room, "hi", &api.PostMessageOptions{SelfUnread: true})
			return err
		}},
		{"markMessagesRead", func(ctx context.Context, c *api.Client) error {
			_, _, err := c.Messages.MarkRead(ctx, room, msg)
			return err
		}},
		{"markMessagesReadAll", func(ctx context.Context, c *api.Client) error {
			_, _, err := c.Messages.MarkRead(ctx, room, "")
			return err
		}},
		{"markMessagesUnread", func(ctx context.Context, c *api.Client) error {
			_, _, err := c.Messages.MarkUnread(ctx, room, msg)
			return err
		}},
		{"updateMessage", func(ctx context.Context, c *api.Client) error {
			_, err := c.Messages.Update(ctx, room, msg, "edited")
			return err
		}},
		{"createRoomTasks", func(ctx context.Context, c *api.Client) error {
			_, _, err := c.Tasks.Create(ctx, room, api.CreateTaskParams{Body: "buy milk", AssigneeIDs: []int64{1, 3, 6}, LimitTime: deadline, LimitType: api.TaskLimitTypeDate})
			return err
		}},
		{"createRoomTasksNoLimit", func(ctx context.Context, c *api.Client) error {
			_, _, err := c.Tasks.Create(ctx, room, api.CreateTaskParams{Body: "someday", AssigneeIDs: []int64{1}})
			return err
		}},
		{"updateTaskStatus", func(ctx context.Context, c *api.Client) error {
			_, err := c.Tasks.SetStatus(ctx, room, 7, api.TaskStatusDone)
			return err
		}},
		{"createInvitationLink", func(ctx context.Context, c *api.Client) error {
			_, _, err := c.Links.Create(ctx, room, api.LinkParams{Code: "unique-link-name", NeedAcceptance: api.Ptr(true), Description: "Topic A"})
			return err
		}},
		{"updateInvitationLink", func(ctx context.Context, c *api.Client) error {
			_, _, err := c.Links.Update(ctx, room, api.LinkParams{NeedAcceptance: api.Ptr(false)})
			return err
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, ts := setup(t)
			ts.handle("/", func(w http.ResponseWriter, r *http.Request) {
				switch {
				case r.Method == http.MethodDelete:
					reply(w, http.StatusNoContent, nil)
				case strings.HasSuffix(r.URL.Path, "/link"):
					reply(w, 200, `{"public":true,"url":"https://example.chatwork.com/g/x","need_acceptance":true,"description":"d"}`)
				case strings.HasSuffix(r.URL.Path, "/members"):
					reply(w, 200, `{"admin":[123],"member":[],"readonly":[]}`)
				case strings.HasSuffix(r.URL.Path, "/read"), strings.HasSuffix(r.URL.Path, "/unread"):
					reply(w, 200, `{"unread_num":0,"mention_num":0}`)
				case strings.HasSuffix(r.URL.Path, "/status"):
					reply(w, 200, `{"task_id":7}`)
				case strings.HasSuffix(r.URL.Path, "/tasks"):
					reply(w, 200, `{"task_ids":[1,2,3]}`)
				case strings.Contains(r.URL.Path, "/messages"):
					reply(w, 200, `{"message_id":"1928374655918273645"}`)
				default:
					reply(w, 200, `{"room_id":123}`)
				}
			})
			if err := tc.call(t.Context(), c); err != nil {
				t.Fatal(err)
			}
			got := ts.last()
			if got.RawQuery != "" {
				t.Errorf("query %q: POST and PUT parameters belong in the body", got.RawQuery)
			}
			if got.ContentType != "application/x-www-form-urlencoded" {
				t.Errorf("Content-Type %q", got.ContentType)
			}
			wire := fmt.Sprintf("%s %s\n%s\n", got.Method, got.Path, got.Body)
			golden := filepath.Join("testdata", "form", tc.name+".golden")
			if os.Getenv("UPDATE_GOLDEN") == "1" {
				if err := os.WriteFile(golden, []byte(wire), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with UPDATE_GOLDEN=1 to create it)", err)
			}
			if wire != string(want) {
				t.Errorf("wire form changed:\n got: %s\nwant: %s", wire, want)
			}
		})
	}
}
