package conformance_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chatwork-go/chatwork/api"
	"github.com/chatwork-go/chatwork/conformance"
)

const liveHelp = `live tests call the real Chatwork API and need a token:

	CHATWORK_API_TOKEN=<token> go test ./conformance -run Live -v

read-only operations only; add CHATWORK_SANDBOX_ROOM=<room id of a chat you
administer and can litter> to also post, edit and delete a message, create
and complete a task, change the read state and upload a small file there.
CHATWORK_BASE_URL overrides https://api.chatwork.com/v2.`

// liveClient returns a client for the real API whose exchanges are all
// validated, with unknown properties reported as drift. Violations are test
// errors; the calls go on, so that one run shows every difference.
func liveClient(t *testing.T) *api.Client {
	t.Helper()
	token := os.Getenv("CHATWORK_API_TOKEN")
	if token == "" {
		t.Skip(liveHelp)
	}
	base := os.Getenv("CHATWORK_BASE_URL")
	if base == "" {
		base = api.DefaultBaseURL
	}
	_, strict := validators(t)
	hc := &http.Client{Timeout: 30 * time.Second, Transport: strict.Transport(nil, conformance.FailTest(t))}
	c, err := api.NewClient(token, api.WithHTTPClient(hc), api.WithBaseURL(base), api.WithUserAgent("chatwork-go-conformance-live"))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestLiveReadOnly calls every read-only operation that does not move
// state. GET messages is called with force=1 only: without it, the call
// moves the account's read cursor.
func TestLiveReadOnly(t *testing.T) {
	c := liveClient(t)
	ctx := t.Context()
	check := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Errorf("%s: %v", what, err)
		}
	}
	me, _, err := c.Me.Get(ctx)
	if err != nil {
		t.Fatalf("Me.Get: %v", err)
	}
	_, _, err = c.Me.Status(ctx)
	check("Me.Status", err)
	_, _, err = c.Me.Tasks(ctx, nil)
	check("Me.Tasks", err)
	_, _, err = c.Contacts.List(ctx)
	check("Contacts.List", err)
	_, _, err = c.IncomingRequests.List(ctx)
	check("IncomingRequests.List", err)
	rooms, _, err := c.Rooms.List(ctx)
	check("Rooms.List", err)

	// One room: the sandbox if given, else the account's My Chat.
	roomID := me.RoomID
	if os.Getenv("CHATWORK_SANDBOX_ROOM") != "" {
		roomID = sandboxRoom(t)
	}
	t.Logf("%d rooms; reading room %d", len(rooms), roomID)
	_, _, err = c.Rooms.Get(ctx, roomID)
	check("Rooms.Get", err)
	_, _, err = c.Members.List(ctx, roomID)
	check("Members.List", err)
	msgs, _, err := c.Messages.ListLatest(ctx, roomID)
	check("Messages.ListLatest", err)
	if len(msgs) > 0 {
		_, _, err = c.Messages.Get(ctx, roomID, msgs[len(msgs)-1].MessageID)
		check("Messages.Get", err)
	}
	tasks, _, err := c.Tasks.List(ctx, roomID, nil)
	check("Tasks.List", err)
	if len(tasks) > 0 {
		_, _, err = c.Tasks.Get(ctx, roomID, tasks[0].TaskID)
		check("Tasks.Get", err)
	}
	files, _, err := c.Files.List(ctx, roomID, nil)
	check("Files.List", err)
	if len(files) > 0 {
		_, _, err = c.Files.Get(ctx, roomID, files[0].FileID)
		check("Files.Get", err)
	}
	_, _, err = c.Links.Get(ctx, roomID)
	// My Chat has no invitation link and may answer an error; that answer
	// is validated all the same.
	if err != nil && !errors.Is(err, api.ErrBadRequest) && !errors.Is(err, api.ErrForbidden) && !errors.Is(err, api.ErrNotFound) {
		t.Errorf("Links.Get: %v", err)
	}
	_, _, err = c.Rooms.Get(ctx, 1)
	if !errors.Is(err, api.ErrNotFound) && !errors.Is(err, api.ErrForbidden) && !errors.Is(err, api.ErrBadRequest) {
		t.Errorf("Rooms.Get of room 1: %v", err)
	}
}

func sandboxRoom(t *testing.T) int64 {
	t.Helper()
	s := os.Getenv("CHATWORK_SANDBOX_ROOM")
	if s == "" {
		t.Skip(liveHelp)
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		t.Fatalf("CHATWORK_SANDBOX_ROOM=%q is not a room ID", s)
	}
	return id
}

// TestLiveSandbox runs the write operations inside CHATWORK_SANDBOX_ROOM and
// cleans up after itself: the message is deleted, the task completed, and an
// invitation link created only if the room had none, then deleted. Uploaded
// files cannot be deleted through the API; the file is 31 bytes.
func TestLiveSandbox(t *testing.T) {
	c := liveClient(t)
	roomID := sandboxRoom(t)
	ctx := t.Context()
	me, _, err := c.Me.Get(ctx)
	if err != nil {
		t.Fatalf("Me.Get: %v", err)
	}
	stamp := time.Now().UTC().Format(time.RFC3339)

	msgID, _, err := c.Messages.Post(ctx, roomID, "[info][title]chatwork-go conformance[/title]live test "+stamp+"; deleted shortly[/info]", &api.PostMessageOptions{SelfUnread: true})
	if err != nil {
		t.Fatalf("Messages.Post: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := cleanupContext()
		defer cancel()
		if _, err := c.Messages.Delete(ctx, roomID, msgID); err != nil {
			t.Errorf("cleanup: Messages.Delete %s: %v", msgID, err)
		}
	})
	if _, _, err := c.Messages.Get(ctx, roomID, msgID); err != nil {
		t.Errorf("Messages.Get: %v", err)
	}
	if _, err := c.Messages.Update(ctx, roomID, msgID, "chatwork-go conformance live test "+stamp+" (edited)"); err != nil {
		t.Errorf("Messages.Update: %v", err)
	}
	if _, _, err := c.Messages.MarkRead(ctx, roomID, msgID); err != nil {
		t.Errorf("Messages.MarkRead: %v", err)
	}
	if _, _, err := c.Messages.MarkUnread(ctx, roomID, msgID); err != nil {
		t.Errorf("Messages.MarkUnread: %v", err)
	}
	if _, _, err := c.Messages.MarkRead(ctx, roomID, msgID); err != nil {
		t.Errorf("Messages.MarkRead (again): %v", err)
	}

	taskIDs, _, err := c.Tasks.Create(ctx, roomID, api.CreateTaskParams{
		Body: "chatwork-go conformance live test " + stamp, AssigneeIDs: []int64{me.AccountID},
		LimitTime: time.Now().Add(24 * time.Hour), LimitType: "date",
	})
	if err != nil {
		t.Errorf("Tasks.Create: %v", err)
	}
	for _, id := range taskIDs {
		t.Cleanup(func() {
			ctx, cancel := cleanupContext()
			defer cancel()
			if _, err := c.Tasks.SetStatus(ctx, roomID, id, "done"); err != nil {
				t.Errorf("cleanup: Tasks.SetStatus %d done: %v", id, err)
			}
		})
		if _, _, err := c.Tasks.Get(ctx, roomID, id); err != nil {
			t.Errorf("Tasks.Get: %v", err)
		}
	}

	fileID, _, err := c.Files.Upload(ctx, roomID, api.UploadFileParams{
		Name: "chatwork-go-conformance.txt", Content: strings.NewReader("chatwork-go conformance, 32 B.\n"),
		Message: "chatwork-go conformance live test " + stamp,
	})
	if err != nil {
		t.Errorf("Files.Upload: %v", err)
	} else if _, _, err := c.Files.GetWithDownloadURL(ctx, roomID, fileID); err != nil {
		t.Errorf("Files.GetWithDownloadURL: %v", err)
	}

	link, _, err := c.Links.Get(ctx, roomID)
	switch {
	case err != nil:
		t.Errorf("Links.Get: %v", err)
	case link.Public:
		t.Log("the room has an invitation link: link create/update/delete skipped")
	default:
		code := fmt.Sprintf("cwgo-%d", time.Now().Unix())
		if _, _, err := c.Links.Create(ctx, roomID, api.LinkParams{Code: code, NeedAcceptance: api.Ptr(true), Description: "chatwork-go conformance"}); err != nil {
			t.Errorf("Links.Create: %v", err)
			break
		}
		t.Cleanup(func() {
			ctx, cancel := cleanupContext()
			defer cancel()
			if _, err := c.Links.Delete(ctx, roomID); err != nil {
				t.Errorf("cleanup: Links.Delete: %v", err)
			}
		})
		if _, _, err := c.Links.Update(ctx, roomID, api.LinkParams{Code: code, NeedAcceptance: api.Ptr(false), Description: "chatwork-go conformance (updated)"}); err != nil {
			t.Errorf("Links.Update: %v", err)
		}
	}
}

// cleanupContext is the context of a t.Cleanup function: t.Context is
// already canceled when cleanups run.
func cleanupContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 30*time.Second)
}
