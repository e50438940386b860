package api_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/chatwork-go/chatwork/api"
)

// TestResultRulesFromTheSpec: what the client refuses in a 2xx answer is
// what openapi.yaml's schemas refuse (the checks are generated from them):
// an ID below 1, at the top or nested; an empty list that always has an
// item; a message ID with a leading zero, letters or 21 digits; a count
// below 0; a created link that is not public. Each answer is refused with
// ErrUnexpectedResponse naming the field; the same answer with the field
// fixed is accepted.
func TestResultRulesFromTheSpec(t *testing.T) {
	c, ts := setup(t)
	var body string
	ts.handle("/v2/", func(w http.ResponseWriter, r *http.Request) { reply(w, 200, body) })
	account := `{"account_id":5,"name":"a","avatar_image_url":""}`
	message := func(id, acct string) string {
		return `{"message_id":"` + id + `","account":` + acct + `,"body":"x","send_time":1,"update_time":0}`
	}
	cases := []struct {
		name, bad, good, field string
		call                   func(context.Context) error
	}{
		{"Me.Get", `{"account_id":0,"room_id":2}`, `{"account_id":1,"room_id":2}`, "account_id",
			func(ctx context.Context) error { _, _, err := c.Me.Get(ctx); return err }},
		{"Me.Get room", `{"account_id":1,"room_id":-3}`, `{"account_id":1,"room_id":2}`, "room_id",
			func(ctx context.Context) error { _, _, err := c.Me.Get(ctx); return err }},
		{"Me.Status", `{"unread_num":-1}`, `{"unread_num":0}`, "unread_num",
			func(ctx context.Context) error { _, _, err := c.Me.Status(ctx); return err }},
		{"Members.Replace", `{"admin":[],"member":[2],"readonly":[]}`, `{"admin":[1],"member":[2],"readonly":[]}`, "admin",
			func(ctx context.Context) error {
				_, _, err := c.Members.Replace(ctx, 1, api.ReplaceMembersParams{AdminIDs: []int64{1}})
				return err
			}},
		{"Members.Replace item", `{"admin":[1],"member":[2,0],"readonly":[]}`, `{"admin":[1],"member":[2,3],"readonly":[]}`, "member[1]",
			func(ctx context.Context) error {
				_, _, err := c.Members.Replace(ctx, 1, api.ReplaceMembersParams{AdminIDs: []int64{1}})
				return err
			}},
		{"Tasks.Create", `{"task_ids":[]}`, `{"task_ids":[4]}`, "task_ids",
			func(ctx context.Context) error {
				_, _, err := c.Tasks.Create(ctx, 1, api.CreateTaskParams{Body: "x", AssigneeIDs: []int64{1}})
				return err
			}},
		{"Messages.Post leading zero", `{"message_id":"04339447"}`, `{"message_id":"4339447"}`, "message_id",
			func(ctx context.Context) error { _, _, err := c.Messages.Post(ctx, 1, "x", nil); return err }},
		{"Messages.Post 21 digits", `{"message_id":"123456789012345678901"}`, `{"message_id":"12345678901234567890"}`, "message_id",
			func(ctx context.Context) error { _, _, err := c.Messages.Post(ctx, 1, "x", nil); return err }},
		{"Messages.Get nested account", message("17381455111", `{"account_id":0,"name":"","avatar_image_url":""}`), message("17381455111", account), "account.account_id",
			func(ctx context.Context) error { _, _, err := c.Messages.Get(ctx, 1, "5"); return err }},
		{"Links.Create", `{"public":false}`, `{"public":true,"url":"https://example.chatwork.com/g/x"}`, "public",
			func(ctx context.Context) error { _, _, err := c.Links.Create(ctx, 1, api.LinkParams{}); return err }},
		{"Links.Update url", `{"public":true,"url":""}`, `{"public":true,"url":"https://example.chatwork.com/g/x"}`, "url",
			func(ctx context.Context) error { _, _, err := c.Links.Update(ctx, 1, api.LinkParams{}); return err }},
		{"Rooms.List", `[]`, `[{"room_id":1,"name":"My Chat","type":"my","role":"member"}]`, "the list",
			func(ctx context.Context) error { _, _, err := c.Rooms.List(ctx); return err }},
		{"Rooms.Members", `[]`, `[{"account_id":1,"role":"admin"}]`, "the list",
			func(ctx context.Context) error { _, _, err := c.Members.List(ctx, 1); return err }},
	}
	for _, tc := range cases {
		body = tc.bad
		err := tc.call(t.Context())
		var ue *api.UnexpectedResponseError
		if !errors.As(err, &ue) || !errors.Is(err, api.ErrUnexpectedResponse) {
			t.Errorf("%s accepted %s: %v", tc.name, tc.bad, err)
		} else if !strings.HasPrefix(ue.Reason, tc.field+" ") {
			t.Errorf("%s: reason %q does not start with the field %s", tc.name, ue.Reason, tc.field)
		}
		body = tc.good
		if err := tc.call(t.Context()); err != nil {
			t.Errorf("%s refused %s: %v", tc.name, tc.good, err)
		}
	}
	// A numeric message_id is not a string: refused at decoding.
	body = `{"message_id":1928374655918273645}`
	if _, _, err := c.Messages.Post(t.Context(), 1, "x", nil); !errors.Is(err, api.ErrUnexpectedResponse) {
		t.Errorf("a numeric message_id: %v", err)
	}
}
