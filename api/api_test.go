package api_test

import (
	"bytes"
	"context"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/chatwork-go/chatwork/api"
)

// TestEveryOperationHasAMethod reads the "METHOD /path" line of every method
// comment in this package and matches them with the operations of
// openapi.yaml (as package conformance describes them), both ways.
func TestEveryOperationHasAMethod(t *testing.T) {
	spec := map[string]string{}
	for _, op := range validator.Operations() {
		spec[op.Method+" "+op.Path] = op.ID
	}
	fset := token.NewFileSet()
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	var files []*ast.File
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, e.Name(), nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	line := regexp.MustCompile(`^(GET|POST|PUT|DELETE) (/[^\s?]*)`)
	covered := map[string][]string{}
	for _, f := range files {
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Recv == nil || fn.Doc == nil || !fn.Name.IsExported() {
				continue
			}
			for _, c := range fn.Doc.List {
				m := line.FindStringSubmatch(strings.TrimSpace(strings.TrimPrefix(c.Text, "//")))
				if m == nil {
					continue
				}
				key := m[1] + " " + m[2]
				if _, ok := spec[key]; !ok {
					t.Errorf("%s documents %s, which openapi.yaml does not have", fn.Name.Name, key)
				}
				covered[key] = append(covered[key], fn.Name.Name)
			}
		}
	}
	for key, id := range spec {
		if len(covered[key]) == 0 {
			t.Errorf("operation %s (%s) has no method", id, key)
		}
	}
}

func TestInputErrorsSendNothing(t *testing.T) {
	c, ts := setup(t)
	ctx := t.Context()
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
	}
	checkRefusedBeforeSending(t, ts, cases)
}

func TestNewClientRefusesBadConfiguration(t *testing.T) {
	cases := map[string]func() error{
		"empty token":     func() error { _, err := api.NewClient(""); return err },
		"token with LF":   func() error { _, err := api.NewClient("abc\nX-Evil: 1"); return err },
		"token with CR":   func() error { _, err := api.NewClient("abc\r"); return err },
		"token with NUL":  func() error { _, err := api.NewClient("abc\x00"); return err },
		"relative URL":    func() error { _, err := api.NewClient("t", api.WithBaseURL("/v2")); return err },
		"ftp URL":         func() error { _, err := api.NewClient("t", api.WithBaseURL("ftp://x/v2")); return err },
		"URL with query":  func() error { _, err := api.NewClient("t", api.WithBaseURL("https://x/v2?a=1")); return err },
		"nil http client": func() error { _, err := api.NewClient("t", api.WithHTTPClient(nil)); return err },
		"nil logger":      func() error { _, err := api.NewClient("t", api.WithLogger(nil)); return err },
		"bad user agent":  func() error { _, err := api.NewClient("t", api.WithUserAgent("a\nb")); return err },
		"bad rate limit":  func() error { _, err := api.NewClient("t", api.WithRateLimit(10, 0)); return err },
		"negative wait":   func() error { _, err := api.NewClient("t", api.WithMaxRateLimitWait(-1)); return err },
		"bad retries":     func() error { _, err := api.NewClient("t", api.WithRetries(-1, 0, 0)); return err },
		"nil source":      func() error { _, err := api.NewOAuthClient(nil); return err },
	}
	for name, fn := range cases {
		if err := fn(); !errors.Is(err, api.ErrInvalidInput) {
			t.Errorf("%s: err = %v, want ErrInvalidInput", name, err)
		}
	}
}

func TestEmptyListsAreEmptySlices(t *testing.T) {
	c, ts := setup(t)
	ts.handle("/", func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodDelete && strings.Contains(r.URL.Path, "/messages/") {
			reply(w, 200, `{"message_id":"1928374655918273645"}`)
			return
		}
		reply(w, http.StatusNoContent, nil)
	})
	ctx := t.Context()
	lists := map[string]func() (int, bool, error){
		"my tasks":          func() (int, bool, error) { v, _, err := c.Me.Tasks(ctx, nil); return len(v), v != nil, err },
		"contacts":          func() (int, bool, error) { v, _, err := c.Contacts.List(ctx); return len(v), v != nil, err },
		"new messages":      func() (int, bool, error) { v, _, err := c.Messages.ListNew(ctx, 1); return len(v), v != nil, err },
		"latest messages":   func() (int, bool, error) { v, _, err := c.Messages.ListLatest(ctx, 1); return len(v), v != nil, err },
		"room tasks":        func() (int, bool, error) { v, _, err := c.Tasks.List(ctx, 1, nil); return len(v), v != nil, err },
		"files":             func() (int, bool, error) { v, _, err := c.Files.List(ctx, 1, nil); return len(v), v != nil, err },
		"incoming requests": func() (int, bool, error) { v, _, err := c.IncomingRequests.List(ctx); return len(v), v != nil, err },
	}
	for name, fn := range lists {
		n, nonNil, err := fn()
		if err != nil || n != 0 || !nonNil {
			t.Errorf("%s: len %d, non-nil %v, err %v; want an empty slice and no error", name, n, nonNil, err)
		}
	}
	deletes := map[string]func() (*api.Response, error){
		"leave room":     func() (*api.Response, error) { return c.Rooms.Leave(ctx, 1) },
		"reject request": func() (*api.Response, error) { return c.IncomingRequests.Reject(ctx, 1) },
		"delete message": func() (*api.Response, error) { return c.Messages.Delete(ctx, 1, "1928374655918273645") },
	}
	for name, fn := range deletes {
		if r, err := fn(); err != nil || r.RateLimit.Remaining != 299 {
			t.Errorf("%s: %v, %+v", name, err, r)
		}
	}
}

func TestMessageIDsStayStrings(t *testing.T) {
	const id = "1928374655918273645" // above 2^53: a float64 would turn it into ...536
	c, ts := setup(t)
	ts.handle("GET /v2/rooms/{room}/messages", func(w http.ResponseWriter, r *http.Request) {
		reply(w, 200, `[{"message_id":"`+id+`","account":{"account_id":9007199254740993,"name":"","avatar_image_url":""},"body":"hi","send_time":1384242850,"update_time":0}]`)
	})
	ts.handle("POST /v2/rooms/{room}/messages", func(w http.ResponseWriter, r *http.Request) {
		reply(w, 200, `{"message_id":"`+id+`"}`)
	})
	ts.handle("GET /v2/rooms/{room}/messages/{id}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("id") != id {
			t.Errorf("path message_id %q", r.PathValue("id"))
		}
		reply(w, 200, `{"message_id":"`+id+`","account":{"account_id":1,"name":"a","avatar_image_url":""},"body":"hi","send_time":1,"update_time":0}`)
	})
	ctx := t.Context()
	msgs, _, err := c.Messages.ListLatest(ctx, 1)
	if err != nil || len(msgs) != 1 || msgs[0].MessageID != id || msgs[0].Account.AccountID != 9007199254740993 {
		t.Fatalf("ListLatest = %+v, %v", msgs, err)
	}
	got, _, err := c.Messages.Post(ctx, 1, "hi", nil)
	if err != nil || got != id {
		t.Fatalf("Post = %q, %v", got, err)
	}
	m, _, err := c.Messages.Get(ctx, 1, id)
	if err != nil || m.MessageID != id {
		t.Fatalf("Get = %+v, %v", m, err)
	}
}

func TestReadingNeverMovesTheCursorBySurprise(t *testing.T) {
	c, ts := setup(t)
	ts.handle("GET /v2/rooms/{room}/messages", func(w http.ResponseWriter, r *http.Request) { reply(w, 204, nil) })
	if _, _, err := c.Messages.ListLatest(t.Context(), 5); err != nil {
		t.Fatal(err)
	}
	if q := ts.last().RawQuery; q != "force=1" {
		t.Errorf("ListLatest sent %q, want force=1", q)
	}
	if _, _, err := c.Messages.ListNew(t.Context(), 5); err != nil {
		t.Fatal(err)
	}
	if q := ts.last().RawQuery; q != "force=0" {
		t.Errorf("ListNew sent %q, want force=0", q)
	}
}

func TestAPIErrors(t *testing.T) {
	c, ts := setup(t, api.WithMaxRateLimitWait(0))
	ts.handle("/v2/rooms/{room}", func(w http.ResponseWriter, r *http.Request) {
		status := map[string]int{"400": 400, "401": 401, "403": 403, "404": 404, "429": 429, "500": 500}[r.PathValue("room")[:3]]
		switch status {
		case 401:
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token", error_description="The access token expired"`)
		case 404:
			w.Header().Set("Chatwork-Message-Limitation", "true")
		}
		if status == 500 {
			reply(w, 500, "<html>oops</html>")
			return
		}
		reply(w, status, `{"errors":["problem `+r.PathValue("room")[:3]+`"]}`)
	})
	cases := []struct {
		room     int64
		sentinel error
	}{
		{400111, api.ErrBadRequest}, {401111, api.ErrUnauthorized}, {403111, api.ErrForbidden},
		{404111, api.ErrNotFound}, {429111, api.ErrRateLimited}, {500111, api.ErrServer},
	}
	for _, tc := range cases {
		_, r, err := c.Rooms.Get(t.Context(), tc.room)
		var ae *api.APIError
		if !errors.As(err, &ae) {
			t.Fatalf("room %d: %v is not an *APIError", tc.room, err)
		}
		if !errors.Is(err, tc.sentinel) {
			t.Errorf("room %d: errors.Is(%v, %v) is false", tc.room, err, tc.sentinel)
		}
		for _, other := range cases {
			if other.room != tc.room && errors.Is(err, other.sentinel) {
				t.Errorf("room %d: also matches %v", tc.room, other.sentinel)
			}
		}
		if ae.Method != "GET" || ae.Path != "/v2/rooms/"+itoa(int(tc.room)) || ae.RateLimit.Limit != 300 || r == nil || r.StatusCode != ae.StatusCode {
			t.Errorf("room %d: %+v", tc.room, ae)
		}
		if tc.room != 500111 && (len(ae.Errors) != 1 || !strings.Contains(err.Error(), ae.Errors[0])) {
			t.Errorf("room %d: errors %v not in %q", tc.room, ae.Errors, err)
		}
		switch tc.room {
		case 401111:
			if ae.Auth == nil || ae.Auth.Scheme != "Bearer" || ae.Auth.Code != "invalid_token" || ae.Auth.Description != "The access token expired" {
				t.Errorf("WWW-Authenticate parsed as %+v", ae.Auth)
			}
		case 404111:
			if !ae.MessageLimited {
				t.Error("the free-plan limitation flag is lost")
			}
		case 429111:
			var rl *api.RateLimitError
			if !errors.As(err, &rl) || rl.PerRoom || rl.Reset.Before(time.Now()) {
				t.Errorf("429: %#v", err)
			}
		}
	}
}

func TestErrorBodiesAreCapped(t *testing.T) {
	c, ts := setup(t)
	ts.handle("/", func(w http.ResponseWriter, r *http.Request) {
		rateHeaders(w, 1)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(400)
		_, _ = io.WriteString(w, `{"errors":["`)
		chunk := bytes.Repeat([]byte("x"), 64<<10)
		for range 64 { // 4 MiB, more than the 1 MiB cap
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
		_, _ = io.WriteString(w, `"]}`)
	})
	_, _, err := c.Me.Get(t.Context())
	var ae *api.APIError
	if !errors.As(err, &ae) || ae.StatusCode != 400 || len(ae.Errors) != 0 || len(err.Error()) > 1000 {
		t.Fatalf("err = %.200v", err)
	}
}

// TestTokenNeverLeaks drives every kind of failure with a canary token and
// checks every error string and log line.
func TestTokenNeverLeaks(t *testing.T) {
	const canary = "CANARY-7f3a9c2e-token"
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Chatworktoken") != canary {
			t.Errorf("token header %q", r.Header.Get("X-Chatworktoken"))
		}
		switch r.URL.Path {
		case "/v2/me":
			reply(w, 401, `{"errors":["Invalid API token"]}`)
		case "/v2/contacts":
			reply(w, 503, `{"errors":["down"]}`)
		default:
			reply(w, 429, `{"errors":["Rate limit for message posting per room exceeded."]}`)
		}
	}))
	defer ts.Close()
	c, err := api.NewClient(canary, api.WithBaseURL(ts.URL+"/v2"), api.WithLogger(logger),
		api.WithMaxRateLimitWait(0), api.WithRetries(1, time.Millisecond, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	var errs []error
	_, _, err = c.Me.Get(ctx)
	errs = append(errs, err)
	_, _, err = c.Contacts.List(ctx)
	errs = append(errs, err)
	_, _, err = c.Messages.Post(ctx, 1, "hi", nil)
	errs = append(errs, err)
	_, _, err = c.Messages.Post(ctx, 1, "", nil)
	errs = append(errs, err)
	closed, _ := api.NewClient(canary, api.WithBaseURL("http://127.0.0.1:1/v2"), api.WithLogger(logger), api.WithRetries(0, 0, 0))
	_, _, err = closed.Me.Get(ctx)
	errs = append(errs, err)
	for i, err := range errs {
		if err == nil {
			t.Errorf("call %d succeeded", i)
			continue
		}
		if strings.Contains(err.Error(), canary) || strings.Contains(strings.ToLower(err.Error()), strings.ToLower(canary)) {
			t.Errorf("error %d leaks the token: %v", i, err)
		}
		var ae *api.APIError
		if errors.As(err, &ae) {
			for k, v := range ae.Header {
				if strings.Contains(k+strings.Join(v, ""), canary) {
					t.Errorf("APIError headers leak the token")
				}
			}
		}
	}
	if logs.Len() == 0 {
		t.Fatal("nothing was logged; the test proves nothing")
	}
	if strings.Contains(logs.String(), canary) {
		t.Errorf("the log leaks the token:\n%s", logs.String())
	}
}

func TestExactlyOneAuthHeader(t *testing.T) {
	var got []http.Header
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.Header.Clone())
		reply(w, 200, `{"unread_room_num":0,"mention_room_num":0,"mytask_room_num":0,"unread_num":0,"mention_num":0,"mytask_num":0}`)
	}))
	defer ts.Close()
	tokenClient, _ := api.NewClient("tok", api.WithBaseURL(ts.URL+"/v2"))
	oauthClient, _ := api.NewOAuthClient(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "acc"}), api.WithBaseURL(ts.URL+"/v2"))
	for _, c := range []*api.Client{tokenClient, oauthClient} {
		if _, _, err := c.Me.Status(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	if got[0].Get("X-Chatworktoken") != "tok" || got[0].Get("Authorization") != "" {
		t.Errorf("token client sent %v", got[0])
	}
	if got[1].Get("Authorization") != "Bearer acc" || got[1].Get("X-Chatworktoken") != "" || len(got[1].Values("Authorization")) != 1 {
		t.Errorf("OAuth client sent %v", got[1])
	}
	for i, h := range got {
		if !strings.HasPrefix(h.Get("User-Agent"), "chatwork-go/") {
			t.Errorf("request %d: User-Agent %q", i, h.Get("User-Agent"))
		}
	}
}

func TestHTTPClientIsCopiedNotChanged(t *testing.T) {
	hc := &http.Client{Timeout: 7 * time.Second}
	if _, err := api.NewClient("t", api.WithHTTPClient(hc)); err != nil {
		t.Fatal(err)
	}
	if hc.Transport != nil || hc.Timeout != 7*time.Second {
		t.Errorf("the caller's *http.Client was changed: %+v", hc)
	}
}

func TestUpload(t *testing.T) {
	c, ts := setup(t)
	type part struct{ name, filename, ctype, data string }
	var parts []part
	ts.handle("POST /v2/rooms/{room}/files", func(w http.ResponseWriter, r *http.Request) {
		_, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if err != nil {
			t.Error(err)
		}
		mr := multipart.NewReader(r.Body, params["boundary"])
		parts = parts[:0]
		for {
			p, err := mr.NextPart()
			if err != nil {
				break
			}
			b, _ := io.ReadAll(p)
			parts = append(parts, part{p.FormName(), p.FileName(), p.Header.Get("Content-Type"), string(b)})
		}
		reply(w, 200, `{"file_id":77}`)
	})
	cases := []struct {
		name, content, wantType string
	}{
		{"report.csv", "a,b\r\n1,2\r\n", "text/csv; charset=utf-8"},
		{"photo.PNG", "\x89PNG\r\n\x1a\nrest", "image/png"},
		{"noext", "%PDF-1.4 hello", "application/pdf"},
	}
	for _, tc := range cases {
		id, _, err := c.Files.Upload(t.Context(), 5, api.UploadFileParams{Name: tc.name, Content: strings.NewReader(tc.content), Message: "see file"})
		if err != nil || id != 77 {
			t.Fatalf("%s: %d, %v", tc.name, id, err)
		}
		if len(parts) != 2 || parts[0].name != "file" || parts[0].filename != tc.name || parts[0].data != tc.content ||
			parts[1].name != "message" || parts[1].data != "see file" {
			t.Errorf("%s: parts %+v", tc.name, parts)
		}
		if parts[0].ctype != tc.wantType {
			t.Errorf("%s: content type %q, want %q", tc.name, parts[0].ctype, tc.wantType)
		}
	}
	// Exactly 5 MB is allowed.
	if _, _, err := c.Files.Upload(t.Context(), 5, api.UploadFileParams{Name: "max.bin", Content: bytes.NewReader(make([]byte, api.MaxUploadSize))}); err != nil {
		t.Errorf("a 5 MB file was refused: %v", err)
	}
}

func TestDownload(t *testing.T) {
	c, ts := setup(t)
	content := []byte("hello, file\n")
	ts.handle("GET /v2/rooms/{room}/files/{file}", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("create_download_url") != "1" {
			t.Errorf("query %q", r.URL.RawQuery)
		}
		reply(w, 200, `{"file_id":3,"account":{"account_id":1,"name":"a","avatar_image_url":""},"message_id":"22","filename":"a.txt","filesize":12,"upload_time":1,"download_url":"`+ts.srv.URL+`/dl/secret?sig=abc"}`)
	})
	var dlHeader http.Header
	ts.mux.HandleFunc("GET /dl/secret", func(w http.ResponseWriter, r *http.Request) {
		dlHeader = r.Header.Clone()
		_, _ = w.Write(content)
	})
	var buf bytes.Buffer
	f, _, err := c.Files.Download(t.Context(), 1, 3, &buf)
	if err != nil {
		t.Fatal(err)
	}
	if f.Filename != "a.txt" || !bytes.Equal(buf.Bytes(), content) {
		t.Errorf("downloaded %q as %q", buf.String(), f.Filename)
	}
	if dlHeader.Get("X-Chatworktoken") != "" || dlHeader.Get("Authorization") != "" {
		t.Errorf("the token was sent to the download URL: %v", dlHeader)
	}
}

func TestRateLimitIsReported(t *testing.T) {
	c, ts := setup(t)
	if !c.RateLimit().IsZero() {
		t.Error("rate limit known before any response")
	}
	ts.handle("/", func(w http.ResponseWriter, r *http.Request) {
		rateHeaders(w, 42)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"unread_room_num":0,"mention_room_num":0,"mytask_room_num":0,"unread_num":0,"mention_num":0,"mytask_num":0}`)
	})
	_, r, err := c.Me.Status(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if r.RateLimit.Limit != 300 || r.RateLimit.Remaining != 42 || r.RateLimit.Reset.Before(time.Now()) {
		t.Errorf("Response.RateLimit = %+v", r.RateLimit)
	}
	if c.RateLimit() != r.RateLimit {
		t.Errorf("Client.RateLimit() = %+v, want %+v", c.RateLimit(), r.RateLimit)
	}
}

func TestContextCancelledBeforeSend(t *testing.T) {
	c, ts := setup(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, _, err := c.Me.Get(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if n := len(ts.requests()); n != 0 {
		t.Errorf("%d requests sent with a cancelled context", n)
	}
}
