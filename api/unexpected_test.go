package api_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/chatwork-go/chatwork/api"
)

// resultCalls are the operations that always return a result, each with a
// body the API could send that carries no usable result for it.
func resultCalls(c *api.Client) map[string]struct {
	call func(context.Context) error
	bad  string // a 200 body without the operation's result
} {
	type entry = struct {
		call func(context.Context) error
		bad  string
	}
	up := func() api.UploadFileParams {
		return api.UploadFileParams{Name: "a.txt", Content: strings.NewReader("x")}
	}
	return map[string]entry{
		"Me.Get":                  {func(ctx context.Context) error { _, _, err := c.Me.Get(ctx); return err }, `{"name":"no id"}`},
		"Me.Status":               {func(ctx context.Context) error { _, _, err := c.Me.Status(ctx); return err }, `[]`},
		"IncomingRequests.Accept": {func(ctx context.Context) error { _, _, err := c.IncomingRequests.Accept(ctx, 1); return err }, `{"account_id":0}`},
		"Messages.Post": {func(ctx context.Context) error {
			id, _, err := c.Messages.Post(ctx, 1, "hello", nil)
			if err == nil && id == "" {
				return errors.New("empty message ID and no error")
			}
			return err
		}, `{"message_id":"12ab"}`},
		"Messages.MarkRead":   {func(ctx context.Context) error { _, _, err := c.Messages.MarkRead(ctx, 1, "5"); return err }, `"ok"`},
		"Messages.MarkUnread": {func(ctx context.Context) error { _, _, err := c.Messages.MarkUnread(ctx, 1, "5"); return err }, `1`},
		"Messages.Get":        {func(ctx context.Context) error { _, _, err := c.Messages.Get(ctx, 1, "5"); return err }, `{"message_id":"","body":"x"}`},
		"Messages.Update":     {func(ctx context.Context) error { _, err := c.Messages.Update(ctx, 1, "5", "x"); return err }, `{"message_id":"0"}`},
		"Rooms.Create": {func(ctx context.Context) error {
			_, _, err := c.Rooms.Create(ctx, api.CreateRoomParams{Name: "r", AdminIDs: []int64{1}})
			return err
		}, `{"room_id":0}`},
		"Rooms.Get": {func(ctx context.Context) error { _, _, err := c.Rooms.Get(ctx, 1); return err }, `{"name":"x"}`},
		"Rooms.Update": {func(ctx context.Context) error {
			_, err := c.Rooms.Update(ctx, 1, api.UpdateRoomParams{Name: "n"})
			return err
		}, `{"room_id":-1}`},
		"Members.Replace": {func(ctx context.Context) error {
			_, _, err := c.Members.Replace(ctx, 1, api.ReplaceMembersParams{AdminIDs: []int64{1}})
			return err
		}, `{"admin":[],"member":[],"readonly":[]}`},
		"Links.Get":    {func(ctx context.Context) error { _, _, err := c.Links.Get(ctx, 1); return err }, `{"public":"yes"}`},
		"Links.Create": {func(ctx context.Context) error { _, _, err := c.Links.Create(ctx, 1, api.LinkParams{}); return err }, `{"public":false}`},
		"Links.Update": {func(ctx context.Context) error { _, _, err := c.Links.Update(ctx, 1, api.LinkParams{}); return err }, `{"public":true}`},
		"Tasks.Create": {func(ctx context.Context) error {
			_, _, err := c.Tasks.Create(ctx, 1, api.CreateTaskParams{Body: "x", AssigneeIDs: []int64{1}})
			return err
		}, `{"task_ids":[]}`},
		"Tasks.Get": {func(ctx context.Context) error { _, _, err := c.Tasks.Get(ctx, 1, 2); return err }, `{"body":"x"}`},
		"Tasks.SetStatus": {func(ctx context.Context) error {
			_, err := c.Tasks.SetStatus(ctx, 1, 2, api.TaskStatusDone)
			return err
		}, `{"task_id":null}`},
		"Files.Get":                {func(ctx context.Context) error { _, _, err := c.Files.Get(ctx, 1, 2); return err }, `{"filename":"a"}`},
		"Files.GetWithDownloadURL": {func(ctx context.Context) error { _, _, err := c.Files.GetWithDownloadURL(ctx, 1, 2); return err }, `{"file_id":2}`},
		"Files.Upload":             {func(ctx context.Context) error { _, _, err := c.Files.Upload(ctx, 1, up()); return err }, `{"file_id":"7"}`},
	}
}

// TestNonAnswerIsNotSuccess: every operation that always returns a result
// (an ID, an object) fails with ErrUnexpectedResponse when a 2xx carries
// none: 204, an empty 200, null, {}, or a body without the result's ID.
func TestNonAnswerIsNotSuccess(t *testing.T) {
	kinds := []struct {
		name   string
		status int
		body   string // "" for none; "-" for each operation's own bad body
	}{
		{"204", http.StatusNoContent, ""},
		{"empty 200", http.StatusOK, ""},
		{"null", http.StatusOK, "null"},
		{"{}", http.StatusOK, " { } "},
		{"201 {}", http.StatusCreated, "{}"},
		{"no result", http.StatusOK, "-"},
	}
	for _, k := range kinds {
		var bad string
		c := newTestClient(t, testToken, handlerTransport{func(w http.ResponseWriter, r *http.Request) {
			body := k.body
			if body == "-" {
				body = bad
			}
			rateHeaders(w, 10)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(k.status)
			_, _ = io.WriteString(w, body)
		}})
		for name, op := range resultCalls(c) {
			bad = op.bad
			err := op.call(t.Context())
			var ue *api.UnexpectedResponseError
			if !errors.Is(err, api.ErrUnexpectedResponse) || !errors.As(err, &ue) {
				t.Errorf("%s answered %s: err = %v, want ErrUnexpectedResponse", name, k.name, err)
				continue
			}
			if ue.StatusCode != k.status || ue.Method == "" || !strings.HasPrefix(ue.Path, "/v2/") || ue.Reason == "" {
				t.Errorf("%s answered %s: %+v", name, k.name, ue)
			}
		}
	}
}

// TestEmptyAndNullLists: a list endpoint's 204 is an empty list, but null
// or an object is not a list. Odd items are returned as sent: the caller
// (or Messages.Watch) decides, and one cannot hide the others.
func TestEmptyAndNullLists(t *testing.T) {
	c, ts := setup(t)
	ts.handle("GET /v2/rooms", func(w http.ResponseWriter, r *http.Request) { reply(w, 200, "null") })
	ts.handle("GET /v2/contacts", func(w http.ResponseWriter, r *http.Request) { reply(w, 200, `{}`) })
	ts.handle("GET /v2/rooms/{room}/messages", func(w http.ResponseWriter, r *http.Request) {
		reply(w, 200, `[{"message_id":"5"},{"message_id":"not digits"}]`)
	})
	ts.handle("GET /v2/rooms/{room}/files", func(w http.ResponseWriter, r *http.Request) { reply(w, http.StatusNoContent, nil) })
	if _, _, err := c.Rooms.List(t.Context()); !errors.Is(err, api.ErrUnexpectedResponse) {
		t.Errorf("null list: %v", err)
	}
	if _, _, err := c.Contacts.List(t.Context()); !errors.Is(err, api.ErrUnexpectedResponse) {
		t.Errorf("{} for a list: %v", err)
	}
	if msgs, _, err := c.Messages.ListLatest(t.Context(), 1); err != nil || len(msgs) != 2 {
		t.Errorf("a list with an odd item: %v, %v", msgs, err)
	}
	if files, _, err := c.Files.List(t.Context(), 1, nil); err != nil || files == nil || len(files) != 0 {
		t.Errorf("204 list: %v, %v", files, err)
	}
}

// TestUnexpectedBodyIsBoundedAndTokenFree: the body kept in the error is
// short and never holds the token, even when the server echoes it.
func TestUnexpectedBodyIsBoundedAndTokenFree(t *testing.T) {
	c, ts := setup(t)
	ts.handle("GET /v2/me", func(w http.ResponseWriter, r *http.Request) {
		reply(w, 200, `{"echo":"`+r.Header.Get("X-Chatworktoken")+`","pad":"`+strings.Repeat("\xff", 4000)+`"}`)
	})
	_, _, err := c.Me.Get(t.Context())
	var ue *api.UnexpectedResponseError
	if !errors.As(err, &ue) {
		t.Fatalf("err = %v", err)
	}
	if len(ue.Body) > 600 || !strings.Contains(ue.Body, `"echo"`) || strings.Contains(ue.Body, testToken) || strings.Contains(err.Error(), testToken) {
		t.Errorf("body kept: %q", ue.Body)
	}
}
