package main

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/chatwork-go/chatwork/api"
	"github.com/chatwork-go/chatwork/api/apitest"
	"github.com/chatwork-go/chatwork/api/pacing"
	"github.com/chatwork-go/chatwork/internal/budgets"
)

// TestAPICommand makes raw calls as gh api does: fields in the query of a
// GET and the form body of a POST, a multipart upload, headers with -i,
// the spec's refusal before sending (unless --no-validate), and the exit
// codes of other commands for error statuses.
func TestAPICommand(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	room := s64(w.room)

	if r := w.run(t, "api", "GET", "/me", "--jq", ".account_id").must(t, exitOK); r.out != s64(w.me.AccountID)+"\n" {
		t.Errorf("GET /me --jq: %q", r.out)
	}
	if r := w.run(t, "api", "get", "/v2/me").must(t, exitOK); !strings.HasPrefix(r.out, `{"account_id":`) {
		t.Errorf("GET /v2/me prints the body as it came: %q", r.out)
	}

	w.run(t, "api", "POST", "/rooms/"+room+"/messages", "-f", "body=raw hello", "-f", "self_unread=1").must(t, exitOK)
	msgs := w.s.Messages(w.room)
	if len(msgs) != 1 || msgs[0].Body != "raw hello" {
		t.Fatalf("messages %+v", msgs)
	}
	var sent apitest.RecordedRequest
	for _, r := range w.s.Requests() {
		if r.OperationID == "postMessage" {
			sent = r
		}
	}
	if sent.Form["self_unread"][0] != "1" || len(sent.Query) != 0 {
		t.Errorf("the post's form %v, query %v", sent.Form, sent.Query)
	}
	w.run(t, "api", "GET", "/rooms/"+room+"/messages", "-f", "force=1").must(t, exitOK)
	if last := w.s.Requests()[len(w.s.Requests())-1]; last.Query["force"][0] != "1" {
		t.Errorf("GET fields go in the query: %v", last.Query)
	}

	path := writeFile(t, "report.csv", "a,b\n1,2\n")
	w.run(t, "api", "POST", "/rooms/"+room+"/files", "-F", "file=@"+path, "-F", "message=the report").must(t, exitOK)
	if files := w.s.Files(w.room); len(files) != 1 || files[0].Name != "report.csv" {
		t.Errorf("upload: %+v", files)
	}

	r := w.run(t, "api", "GET", "/rooms/"+room, "-i").must(t, exitOK)
	if !strings.HasPrefix(r.out, "HTTP/1.1 200 OK\n") || !strings.Contains(r.out, "\nX-Ratelimit-Limit: ") || !strings.Contains(r.out, "\n\n{") {
		t.Errorf("-i:\n%s", r.out)
	}

	// The spec refuses a room without administrators before anything is sent.
	before := len(w.s.Requests())
	r = w.run(t, "api", "POST", "/rooms", "-f", "name=x").must(t, exitUsage)
	if !strings.Contains(r.errout, "the spec refuses this request, nothing was sent") || !strings.Contains(r.errout, "members_admin_ids") {
		t.Errorf("refusal: %q", r.errout)
	}
	for _, bad := range [][]string{{"PATCH", "/me"}, {"GET", "https://elsewhere.example/v2/me"}, {"GET", "/no/such/path"}} {
		w.run(t, append([]string{"api"}, bad...)...).must(t, exitUsage)
	}
	if n := len(w.s.Requests()) - before; n != 0 {
		t.Errorf("%d request(s) sent by refused calls", n)
	}
	r = w.run(t, "api", "POST", "/rooms", "-f", "name=x", "--no-validate").must(t, exitAPI)
	if !strings.Contains(r.errout, "API error: 400") {
		t.Errorf("--no-validate: the fake's answer: %q", r.errout)
	}

	r = w.run(t, "api", "GET", "/rooms/999").must(t, exitAPI)
	if !strings.Contains(r.out, `"errors"`) || !strings.Contains(r.errout, "API error: 404 Not Found (GET /v2/rooms/999)") {
		t.Errorf("404: stdout %q, stderr %q", r.out, r.errout)
	}
	s2 := newWorld(t, apitest.WithRoomPostLimit(1, time.Minute))
	s2.run(t, "api", "POST", "/rooms/"+s64(s2.room)+"/messages", "-f", "body=one").must(t, exitOK)
	s2.s.SpendRateLimit(s2.me.AccountID, 300)
	s2.run(t, "api", "GET", "/me").must(t, exitRateLimited)
}

// TestAPICommandSpendsTheRoomBudget: a post sent with chatwork api spends
// the budget of the room its path names, as messages send does. Runs that
// share one limiter (as processes sharing Redis through --redis-url do)
// post three times the room's limit to one room and meet no 429 from the
// fake, which enforces the spec's budgets; every post is stored.
func TestAPICommandSpendsTheRoomBudget(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := apitest.NewServer(t, apitest.WithoutListener())
		room := srv.AddRoom(apitest.Room{Name: "Team", AdminIDs: []int64{srv.Me().AccountID}}).RoomID
		run := cli{env: with(fakeEnv(srv), envMaxWait, "1m"),
			apiOpts: []api.Option{api.WithHTTPClient(srv.Client()), api.WithLimiter(pacing.NewLocal(pacing.Chatwork()))}}
		posts := 3 * budgets.RoomLimit
		for i := range posts {
			run.run(t, "api", "POST", "/rooms/"+s64(room)+"/messages", "-f", "body=post "+strconv.Itoa(i)).must(t, exitOK)
		}
		for _, r := range srv.Requests() {
			if r.Status == http.StatusTooManyRequests {
				t.Errorf("%s %s met a 429: the post was not paced to its room's budget", r.Method, r.Path)
			}
		}
		if n := len(srv.Messages(room)); n != posts {
			t.Errorf("%d messages stored, want %d", n, posts)
		}
	})
}
