package conformance_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/exchanges from the fixture definitions in fixtures_test.go")

const fixtureDir = "testdata/exchanges"

// An exchange is one recorded request and its response, as stored in
// testdata/exchanges/<operation>_<status>.json.
type exchange struct {
	OperationID string      `json:"operation_id"`
	Note        string      `json:"note,omitempty"`
	Request     fixtureReq  `json:"request"`
	Response    fixtureResp `json:"response"`
	file        string      // set when loaded
}

type fixtureReq struct {
	Method  string            `json:"method"`
	Path    string            `json:"path"`
	Query   string            `json:"query,omitempty"`
	Headers map[string]string `json:"headers"`
	// Body is the raw request body: a form-urlencoded string, or a
	// multipart body with CRLF line ends.
	Body string `json:"body,omitempty"`
}

type fixtureResp struct {
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers"`
	Body    json.RawMessage   `json:"body,omitempty"`
}

// httpRequest builds the request of the exchange, as sent to the real API.
func (x *exchange) httpRequest() *http.Request {
	target := "https://api.chatwork.com" + x.Request.Path
	if x.Request.Query != "" {
		target += "?" + x.Request.Query
	}
	r := httptest.NewRequest(x.Request.Method, target, strings.NewReader(x.Request.Body))
	if x.Request.Body == "" {
		r = httptest.NewRequest(x.Request.Method, target, nil)
	}
	for k, v := range x.Request.Headers {
		r.Header.Set(k, v)
	}
	return r
}

// httpResponse builds the response of the exchange; the body is returned
// separately.
func (x *exchange) httpResponse() (*http.Response, []byte) {
	h := http.Header{}
	for k, v := range x.Response.Headers {
		h.Set(k, v)
	}
	return &http.Response{StatusCode: x.Response.Status, Header: h, Body: http.NoBody}, []byte(x.Response.Body)
}

func (x *exchange) name() string {
	return fmt.Sprintf("%s_%d", x.OperationID, x.Response.Status)
}

// loadFixtures reads every exchange in testdata/exchanges.
func loadFixtures(t testing.TB) []*exchange {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(fixtureDir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures in %s (run go test -run TestFixtures -update): %v", fixtureDir, err)
	}
	var out []*exchange
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		x := &exchange{}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(x); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		x.file = f
		out = append(out, x)
	}
	return out
}

// TestFixtures validates every recorded exchange, request and response,
// also with RejectUnknownProperties so that fixtures hold only what the
// spec declares. With -update it first rewrites the files from
// fixtureSet; without it, it checks that the files are what fixtureSet
// generates.
func TestFixtures(t *testing.T) {
	want := fixtureSet(t)
	if *update {
		writeFixtures(t, want)
	}
	got := loadFixtures(t)
	gotNames := map[string]bool{}
	for _, x := range got {
		gotNames[filepath.Base(x.file)] = true
	}
	for _, x := range want {
		name := x.name() + ".json"
		if !gotNames[name] {
			t.Errorf("fixture %s is missing (run go test ./conformance -run TestFixtures -update)", name)
			continue
		}
		b, err := os.ReadFile(filepath.Join(fixtureDir, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b, encodeFixture(t, x)) {
			t.Errorf("fixture %s differs from its definition in fixtures_test.go (run go test ./conformance -run TestFixtures -update)", name)
		}
		delete(gotNames, name)
	}
	for name := range gotNames {
		t.Errorf("fixture %s has no definition in fixtures_test.go", name)
	}
	checkFixtures(t, got, nil)
}

// checkFixtures validates each exchange and records its operation and
// status in cov, when not nil.
func checkFixtures(t *testing.T, xs []*exchange, cov *coverage) {
	plain, strict := validators(t)
	for _, x := range xs {
		if got := filepath.Base(x.file); got != x.name()+".json" {
			t.Errorf("%s holds %s", got, x.name())
		}
		req := x.httpRequest()
		id, err := plain.Operation(req)
		if err != nil || id != x.OperationID {
			t.Errorf("%s: request matches %q, %v", x.file, id, err)
			continue
		}
		resp, body := x.httpResponse()
		defer resp.Body.Close()
		for _, v := range []struct {
			name string
			err  error
		}{
			{"spec", plain.ValidateExchange(req, []byte(x.Request.Body), resp, body)},
			{"spec with RejectUnknownProperties", strict.ValidateExchange(req, []byte(x.Request.Body), resp, body)},
		} {
			if v.err != nil {
				t.Errorf("%s does not conform to the %s:\n%v", x.file, v.name, v.err)
			}
		}
		if cov != nil {
			cov.add("fixtures", x.OperationID, x.Response.Status)
		}
	}
}

func encodeFixture(t testing.TB, x *exchange) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(x); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func writeFixtures(t *testing.T, xs []*exchange) {
	old, _ := filepath.Glob(filepath.Join(fixtureDir, "*.json"))
	for _, f := range old {
		if err := os.Remove(f); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(fixtureDir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, x := range xs {
		if err := os.WriteFile(filepath.Join(fixtureDir, x.name()+".json"), encodeFixture(t, x), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("wrote %d fixtures to %s", len(xs), fixtureDir)
}

// ---------------------------------------------------------------------------
// The fixture definitions.

// IDs used throughout, shaped like real ones: message IDs have 19 digits,
// room IDs 8-9.
const (
	meID       = 1484814
	aliceID    = 2739132
	bobID      = 2861671
	readonlyID = 3127645
	myChatID   = 36818149
	roomID     = 36818150
	directID   = 93207172
	newRoomID  = 401522981
	msgID      = "1928374655918273645"
	msgID2     = "1928374702519285760"
	msgID3     = "1928375190233174016"
	taskID     = 86371025
	fileID     = 1048576123
	requestID  = 1293847
	resetAt    = 1763779500 // x-ratelimit-reset: an absolute Unix time
)

// jsonBody marshals v for a fixture body.
func jsonBody(t testing.TB, v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type obj = map[string]any

func accountSummary(id int, name string) obj {
	return obj{"account_id": id, "name": name, "avatar_image_url": fmt.Sprintf("https://appdata.chatwork.com/avatar/%d/%d.rsz.png", id%1000, id)}
}

func message(id string, account obj, body string, sent, updated int) obj {
	return obj{"message_id": id, "account": account, "body": body, "send_time": sent, "update_time": updated}
}

func room(id int, name, typ, role string, detail bool) obj {
	r := obj{
		"room_id": id, "name": name, "type": typ, "role": role, "sticky": typ == "my",
		"unread_num": 3, "mention_num": 1, "mytask_num": 1, "message_num": 1024, "file_num": 12, "task_num": 7,
		"icon_path": "https://appdata.chatwork.com/icon/ico_group.png", "last_update_time": 1763778950,
	}
	if typ == "my" {
		r["name"], r["unread_num"], r["mention_num"], r["icon_path"] = "Taro Yamada", 0, 0, "https://appdata.chatwork.com/avatar/814/1484814.rsz.png"
	}
	if detail {
		r["description"] = "[info][title]Project Apollo[/title]Weekly sync on Mondays.[/info]"
	}
	return r
}

func member(id int, role, name, org string) obj {
	m := obj{"account_id": id, "role": role, "name": name, "chatwork_id": "", "organization_id": 0, "organization_name": org, "department": "", "avatar_image_url": accountSummary(id, name)["avatar_image_url"]}
	if org != "" {
		m["organization_id"] = 52011
	}
	return m
}

func contact(id int, roomID int, name string) obj {
	c := member(id, "", name, "Example Corp.")
	delete(c, "role")
	c["room_id"] = roomID
	return c
}

// opDef is the successful exchange of one operation, from which the error
// exchanges are derived.
type opDef struct {
	id, method, path, query string
	form                    url.Values
	multipart               bool
	status                  int // 200, or 204 for operations that only have 204
	body                    any // response body; nil for 204
	respHeaders             map[string]string
	note                    string
	empty                   bool // the operation declares 204 for an empty list
}

func operationDefs(t testing.TB) []opDef {
	alice := accountSummary(aliceID, "Hanako Suzuki")
	me := accountSummary(meID, "Taro Yamada")
	roomBase := fmt.Sprintf("/v2/rooms/%d", roomID)
	return []opDef{
		{id: "getMe", method: "GET", path: "/v2/me", status: 200, note: "unset profile fields are empty strings",
			body: obj{"account_id": meID, "room_id": myChatID, "name": "Taro Yamada", "chatwork_id": "", "organization_id": 0, "organization_name": "",
				"department": "", "title": "", "url": "", "introduction": "", "mail": "", "tel_organization": "", "tel_extension": "", "tel_mobile": "",
				"skype": "", "facebook": "", "twitter": "", "avatar_image_url": me["avatar_image_url"], "login_mail": "taro.yamada@example.com"}},
		{id: "getMyStatus", method: "GET", path: "/v2/my/status", status: 200,
			body: obj{"unread_room_num": 2, "mention_room_num": 1, "mytask_room_num": 1, "unread_num": 14, "mention_num": 1, "mytask_num": 3}},
		{id: "listMyTasks", method: "GET", path: "/v2/my/tasks", query: "status=open", status: 200, empty: true,
			body: []obj{{"task_id": taskID, "room": obj{"room_id": roomID, "name": "Project Apollo", "icon_path": "https://appdata.chatwork.com/icon/ico_group.png"},
				"assigned_by_account": alice, "message_id": msgID2, "body": "Review the release notes", "limit_time": 1763996400, "status": "open", "limit_type": "date"}}},
		{id: "listContacts", method: "GET", path: "/v2/contacts", status: 200, empty: true,
			body: []obj{contact(aliceID, directID, "Hanako Suzuki"), contact(bobID, directID+1, "Kenji Sato")}},
		{id: "listRooms", method: "GET", path: "/v2/rooms", status: 200, note: "the list always holds the account's My Chat",
			body: []obj{room(myChatID, "", "my", "admin", false), room(directID, "Hanako Suzuki", "direct", "member", false), room(roomID, "Project Apollo", "group", "admin", false)}},
		{id: "createRoom", method: "POST", path: "/v2/rooms", status: 200,
			form: url.Values{"name": {"Project Apollo"}, "description": {"Weekly sync"}, "icon_preset": {"meeting"}, "members_admin_ids": {strconv.Itoa(meID)},
				"members_member_ids": {fmt.Sprintf("%d,%d", aliceID, bobID)}, "members_readonly_ids": {strconv.Itoa(readonlyID)}, "link": {"1"}, "link_code": {"apollo-sync"}, "link_need_acceptance": {"1"}},
			body: obj{"room_id": newRoomID}},
		{id: "getRoom", method: "GET", path: roomBase, status: 200, body: room(roomID, "Project Apollo", "group", "admin", true)},
		{id: "updateRoom", method: "PUT", path: roomBase, status: 200,
			form: url.Values{"name": {"Project Apollo (2026)"}, "description": {""}, "icon_preset": {"project"}}, body: obj{"room_id": roomID}},
		{id: "deleteRoom", method: "DELETE", path: roomBase, status: 204, form: url.Values{"action_type": {"leave"}}},
		{id: "listRoomMembers", method: "GET", path: roomBase + "/members", status: 200,
			body: []obj{member(meID, "admin", "Taro Yamada", ""), member(aliceID, "member", "Hanako Suzuki", "Example Corp."), member(readonlyID, "readonly", "Guest", "")}},
		{id: "updateRoomMembers", method: "PUT", path: roomBase + "/members", status: 200,
			form: url.Values{"members_admin_ids": {strconv.Itoa(meID)}, "members_member_ids": {fmt.Sprintf("%d,%d", aliceID, bobID)}, "members_readonly_ids": {strconv.Itoa(readonlyID)}},
			body: obj{"admin": []int{meID}, "member": []int{aliceID, bobID}, "readonly": []int{readonlyID}}},
		{id: "listMessages", method: "GET", path: roomBase + "/messages", query: "force=1", status: 200, empty: true,
			note:        "free plan: part of the history is hidden",
			respHeaders: map[string]string{"chatwork-message-limitation": "true", "chatwork-message-limitation-summary": "Messages older than 40 days are not displayed on the Free plan."},
			body: []obj{message(msgID, alice, "[To:1484814]Taro Yamada\nCould you review the draft?", 1763778000, 0),
				message(msgID2, me, "[rp aid=2739132 to=36818150-1928374655918273645]Hanako Suzuki\nSure, on it.", 1763778060, 1763778120),
				message(msgID3, alice, "[info][title]Release[/title]v1.4 is out[/info]", 1763778950, 0)}},
		{id: "postMessage", method: "POST", path: roomBase + "/messages", status: 200,
			form: url.Values{"body": {"[To:2739132]Hanako Suzuki\nThanks, merged."}, "self_unread": {"0"}}, body: obj{"message_id": msgID3}},
		{id: "markMessagesRead", method: "PUT", path: roomBase + "/messages/read", status: 200,
			form: url.Values{"message_id": {msgID3}}, body: obj{"unread_num": 0, "mention_num": 0}},
		{id: "markMessagesUnread", method: "PUT", path: roomBase + "/messages/unread", status: 200,
			form: url.Values{"message_id": {msgID2}}, body: obj{"unread_num": 2, "mention_num": 0}},
		{id: "getMessage", method: "GET", path: roomBase + "/messages/" + msgID, status: 200,
			body: message(msgID, alice, "[To:1484814]Taro Yamada\nCould you review the draft?", 1763778000, 0)},
		{id: "updateMessage", method: "PUT", path: roomBase + "/messages/" + msgID2, status: 200,
			form: url.Values{"body": {"Sure, on it (edited)."}}, body: obj{"message_id": msgID2}},
		{id: "deleteMessage", method: "DELETE", path: roomBase + "/messages/" + msgID2, status: 200, body: obj{"message_id": msgID2}},
		{id: "listRoomTasks", method: "GET", path: roomBase + "/tasks", query: fmt.Sprintf("account_id=%d&status=done", meID), status: 200, empty: true,
			body: []obj{{"task_id": taskID, "account": me, "assigned_by_account": alice, "message_id": msgID2, "body": "Review the release notes",
				"limit_time": 0, "status": "done", "limit_type": "none"}}},
		{id: "createRoomTasks", method: "POST", path: roomBase + "/tasks", status: 200,
			form: url.Values{"body": {"Prepare the demo"}, "to_ids": {fmt.Sprintf("%d,%d", aliceID, meID)}, "limit": {"1764000000"}, "limit_type": {"time"}},
			body: obj{"task_ids": []int{taskID + 1, taskID + 2}}},
		{id: "getRoomTask", method: "GET", path: fmt.Sprintf("%s/tasks/%d", roomBase, taskID), status: 200,
			body: obj{"task_id": taskID, "account": me, "assigned_by_account": alice, "message_id": msgID2, "body": "Review the release notes",
				"limit_time": 1763996400, "status": "open", "limit_type": "date"}},
		{id: "updateTaskStatus", method: "PUT", path: fmt.Sprintf("%s/tasks/%d/status", roomBase, taskID), status: 200,
			form: url.Values{"body": {"done"}}, body: obj{"task_id": taskID}},
		{id: "listFiles", method: "GET", path: roomBase + "/files", query: fmt.Sprintf("account_id=%d", aliceID), status: 200, empty: true,
			body: []obj{{"file_id": fileID, "account": alice, "message_id": msgID, "filename": "draft-v3.pdf", "filesize": 482113, "upload_time": 1763777990}}},
		{id: "uploadFile", method: "POST", path: roomBase + "/files", status: 200, multipart: true, body: obj{"file_id": fileID + 1}},
		{id: "getFile", method: "GET", path: fmt.Sprintf("%s/files/%d", roomBase, fileID), query: "create_download_url=1", status: 200,
			note: "download_url lives 30 seconds",
			body: obj{"file_id": fileID, "account": alice, "message_id": msgID, "filename": "draft-v3.pdf", "filesize": 482113, "upload_time": 1763777990,
				"download_url": "https://download.chatwork.com/file/1048576123/draft-v3.pdf?Expires=1763779030&Signature=Zm9vYmFy"}},
		{id: "getInvitationLink", method: "GET", path: roomBase + "/link", status: 200, note: "a chat without a link", body: obj{"public": false}},
		{id: "createInvitationLink", method: "POST", path: roomBase + "/link", status: 200,
			form: url.Values{"code": {"apollo-sync"}, "need_acceptance": {"1"}, "description": {"Join the Apollo weekly sync"}},
			body: obj{"public": true, "url": "https://www.chatwork.com/g/apollo-sync", "need_acceptance": true, "description": "Join the Apollo weekly sync"}},
		{id: "updateInvitationLink", method: "PUT", path: roomBase + "/link", status: 200,
			form: url.Values{"code": {"apollo-sync"}, "need_acceptance": {"0"}, "description": {"Open to everyone"}},
			body: obj{"public": true, "url": "https://www.chatwork.com/g/apollo-sync", "need_acceptance": false, "description": "Open to everyone"}},
		{id: "deleteInvitationLink", method: "DELETE", path: roomBase + "/link", status: 200, note: "200 with public false, not 204", body: obj{"public": false}},
		{id: "listIncomingRequests", method: "GET", path: "/v2/incoming_requests", status: 200, empty: true,
			body: []obj{{"request_id": requestID, "account_id": bobID, "message": "", "name": "Kenji Sato", "chatwork_id": "kenji_sato",
				"organization_id": 0, "organization_name": "", "department": "", "avatar_image_url": accountSummary(bobID, "")["avatar_image_url"]}}},
		{id: "acceptIncomingRequest", method: "PUT", path: fmt.Sprintf("/v2/incoming_requests/%d", requestID), status: 200,
			body: contact(bobID, directID+2, "Kenji Sato")},
		{id: "rejectIncomingRequest", method: "DELETE", path: fmt.Sprintf("/v2/incoming_requests/%d", requestID), status: 204},
	}
}

// uploadBody is a multipart upload of a small CSV file with a message.
func uploadBody(t testing.TB) (body, contentType string) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	if err := w.SetBoundary("chatwork-go-fixture-7f3a9c"); err != nil {
		t.Fatal(err)
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="file"; filename="report.csv"`)
	h.Set("Content-Type", "text/csv")
	fw, err := w.CreatePart(h)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fw.Write([]byte("date,visits\r\n2026-11-20,1204\r\n2026-11-21,1311\r\n")); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteField("message", "Weekly numbers attached."); err != nil {
		t.Fatal(err)
	}
	w.Close()
	return buf.String(), w.FormDataContentType()
}

// oauthOps answer 401 as for an expired OAuth access token.
var oauthOps = map[string]bool{"getMe": true, "getMyStatus": true, "listRooms": true, "listMessages": true}

// errorBodies holds realistic 400 and 403 messages per operation.
var badRequest = map[string]string{
	"markMessagesRead":     "The message is already read",
	"createInvitationLink": "The invitation link already exists",
	"updateInvitationLink": "The invitation link does not exist",
	"createRoom":           "Invalid value for 'members_member_ids': the account is not a contact",
	"updateRoomMembers":    "At least one administrator is required",
	"postMessage":          "Parameter 'body' is required",
}

// fixtureSet builds every exchange: the success of each operation, its 204
// when the operation declares one, and 400, 401, 403, 404 and 429.
func fixtureSet(t testing.TB) []*exchange {
	v := validator(t)
	var out []*exchange
	for i, d := range operationDefs(t) {
		remaining := 299 - 7*i
		req := fixtureReq{Method: d.method, Path: d.path, Query: d.query, Headers: map[string]string{"X-ChatWorkToken": "REDACTED"}}
		switch {
		case d.multipart:
			req.Body, req.Headers["Content-Type"] = uploadBody(t)
		case d.form != nil:
			req.Body, req.Headers["Content-Type"] = d.form.Encode(), "application/x-www-form-urlencoded"
		}
		headers := func(remaining int, extra map[string]string, withBody bool) map[string]string {
			h := map[string]string{
				"X-RateLimit-Limit":     "300",
				"X-RateLimit-Remaining": strconv.Itoa(max(remaining, 0)),
				"X-RateLimit-Reset":     strconv.Itoa(resetAt),
			}
			if withBody {
				h["Content-Type"] = "application/json; charset=utf-8"
			}
			for k, v := range extra {
				h[k] = v
			}
			return h
		}
		add := func(status int, note string, r fixtureReq, h map[string]string, body json.RawMessage) {
			out = append(out, &exchange{OperationID: d.id, Note: note, Request: r,
				Response: fixtureResp{Status: status, Headers: h, Body: body}})
		}

		// Success.
		if d.status == 204 {
			add(204, d.note, req, headers(remaining, nil, false), nil)
		} else {
			add(200, d.note, req, headers(remaining, d.respHeaders, true), jsonBody(t, d.body))
		}
		if d.empty {
			note := "an empty list is 204 No Content"
			if d.id == "listMessages" {
				note = "nothing new since the previous call (force=0)"
			}
			r := req
			r.Query = strings.ReplaceAll(r.Query, "force=1", "force=0")
			add(204, note, r, headers(remaining-1, nil, false), nil)
		}
		if d.id == "uploadFile" {
			// A proxy's answer: no rate-limit headers, no documented body.
			add(413, "one client observed 413 for files over 10 MB", req, map[string]string{}, nil)
		}

		// Errors.
		msg := badRequest[d.id]
		if msg == "" {
			msg = "Invalid parameter value"
		}
		add(400, "", req, headers(remaining-2, nil, true), jsonBody(t, obj{"errors": []string{msg}}))

		r401 := req
		r401.Headers = maps.Clone(req.Headers)
		if oauthOps[d.id] {
			delete(r401.Headers, "X-ChatWorkToken")
			r401.Headers["Authorization"] = "Bearer REDACTED"
			add(401, "expired OAuth access token", r401, headers(remaining-3, map[string]string{
				"WWW-Authenticate": `Bearer error="invalid_token", error_description="The access token expired"`}, true),
				jsonBody(t, obj{"errors": []string{"Invalid API token"}}))
		} else {
			// As in Chatwork's documented 401s: no x-ratelimit-* headers.
			h := headers(remaining-3, nil, true)
			delete(h, "X-RateLimit-Limit")
			delete(h, "X-RateLimit-Remaining")
			delete(h, "X-RateLimit-Reset")
			add(401, "", r401, h, jsonBody(t, obj{"errors": []string{"Invalid API token"}}))
		}

		forbidden := "You don't have permission to access this room"
		if d.method != "GET" {
			forbidden = "You don't have permission to edit this room"
		}
		add(403, "", req, headers(remaining-4, nil, true), jsonBody(t, obj{"errors": []string{forbidden}}))

		if d.id == "getMessage" {
			add(404, "free plan: the message exists but is outside the viewable window", req, headers(remaining-5, map[string]string{
				"chatwork-message-limitation":         "true",
				"chatwork-message-limitation-summary": "Messages older than 40 days are not displayed on the Free plan.",
			}, true), jsonBody(t, obj{"errors": []string{"Resource not found"}}))
		} else {
			add(404, "", req, headers(remaining-5, nil, true), jsonBody(t, obj{"errors": []string{"Resource not found"}}))
		}

		if d.id == "postMessage" || d.id == "createRoomTasks" {
			add(429, "per-room posting limit: 10 posts or task creations per 10 seconds", req, headers(remaining-6, nil, true),
				jsonBody(t, obj{"errors": []string{"Rate limit for message posting per room exceeded."}}))
		} else {
			add(429, "account limit: 300 requests per 5 minutes", req, headers(0, nil, true),
				jsonBody(t, obj{"errors": []string{"Rate limit exceeded"}}))
		}
	}
	// Every operation must be defined once.
	seen := map[string]bool{}
	for _, x := range out {
		seen[x.OperationID] = true
	}
	for _, id := range v.OperationIDs() {
		if !seen[id] {
			t.Errorf("no fixture definition for %s", id)
		}
	}
	slices.SortFunc(out, func(a, b *exchange) int { return strings.Compare(a.name(), b.name()) })
	return out
}
