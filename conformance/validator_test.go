package conformance_test

import (
	"bytes"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chatwork-go/chatwork/conformance"
)

// meBody is a realistic GET /me answer: unset profile fields are "".
const meBody = `{"account_id":1484814,"room_id":36818150,"name":"Taro Yamada","chatwork_id":"","organization_id":0,"organization_name":"","department":"","title":"","url":"","introduction":"","mail":"","tel_organization":"","tel_extension":"","tel_mobile":"","skype":"","facebook":"","twitter":"","avatar_image_url":"https://appdata.chatwork.com/avatar/ico_default_blue.png","login_mail":"taro@example.com"}`

const messageBody = `{"message_id":"1928374655918273645","account":{"account_id":1484814,"name":"Taro Yamada","avatar_image_url":"https://appdata.chatwork.com/avatar/a.png"},"body":"[To:2739132]Hello","send_time":1763779000,"update_time":0}`

const roomDetailBody = `{"room_id":36818150,"name":"Project","type":"group","role":"admin","sticky":false,"unread_num":0,"mention_num":0,"mytask_num":0,"message_num":12,"file_num":0,"task_num":1,"icon_path":"https://appdata.chatwork.com/icon/ico_group.png","last_update_time":1763779000,"description":""}`

func TestOperation(t *testing.T) {
	t.Parallel()
	v := validator(t)
	for _, c := range []struct{ method, target, want string }{
		{"GET", "https://api.chatwork.com/v2/me", "getMe"},
		{"GET", "http://127.0.0.1:41234/v2/rooms", "listRooms"},
		{"POST", "/v2/rooms", "createRoom"},
		{"GET", "/v2/rooms/36818150/messages/1928374655918273645", "getMessage"},
		{"PUT", "/v2/rooms/1/messages/read", "markMessagesRead"},
		{"PUT", "/v2/rooms/1/messages/unread", "markMessagesUnread"},
		{"PUT", "/v2/rooms/1/messages/99", "updateMessage"},
		{"PUT", "/v2/rooms/1/tasks/2/status", "updateTaskStatus"},
		{"DELETE", "/v2/incoming_requests/7", "rejectIncomingRequest"},
		{"GET", "http://proxy.example/chatwork/v2/my/status", "getMyStatus"},
	} {
		got, err := v.Operation(httptest.NewRequest(c.method, c.target, nil))
		if err != nil || got != c.want {
			t.Errorf("Operation(%s %s) = %q, %v; want %q", c.method, c.target, got, err, c.want)
		}
	}
	for _, c := range []struct{ method, target string }{
		{"GET", "/v2/nope"},
		{"GET", "/v2/rooms/"},
		{"GET", "/rooms"},
		{"PATCH", "/v2/rooms/1"},
		{"POST", "/v2/me"},
		{"GET", "/v2/rooms/1/messages/2/extra"},
	} {
		got, err := v.Operation(httptest.NewRequest(c.method, c.target, nil))
		if !errors.Is(err, conformance.ErrUnknownOperation) {
			t.Errorf("Operation(%s %s) = %q, %v; want ErrUnknownOperation", c.method, c.target, got, err)
		}
		var e *conformance.Error
		if !errors.As(err, &e) || e.Field != "path" || e.Part != conformance.PartRequest || e.Method != c.method {
			t.Errorf("Operation(%s %s): error %#v does not describe the request", c.method, c.target, e)
		}
	}
	if len(v.OperationIDs()) != 32 {
		t.Errorf("OperationIDs: %d operations, want 32", len(v.OperationIDs()))
	}
}

func TestValidateRequestAccepts(t *testing.T) {
	t.Parallel()
	v := validator(t)
	var mp bytes.Buffer
	w := multipart.NewWriter(&mp)
	fw, _ := w.CreateFormFile("file", "report.csv")
	if _, err := fw.Write([]byte("a,b\n1,2\n")); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteField("message", "monthly report"); err != nil {
		t.Fatal(err)
	}
	w.Close()
	for _, r := range []*http.Request{
		newRequest("GET", "http://127.0.0.1:1/v2/me", "", ""),
		newRequest("GET", "/v2/rooms/36818150/messages?force=1", "", ""),
		newRequest("GET", "/v2/my/tasks?status=done&assigned_by_account_id=2", "", ""),
		newRequest("POST", "/v2/rooms", formCT, "name=Project&members_admin_ids=1,2,3&members_member_ids=4%2C5&link=1&link_need_acceptance=0"),
		newRequest("PUT", "/v2/rooms/1/members", formCT, "members_admin_ids=1484814"),
		newRequest("POST", "/v2/rooms/1/messages", formCT, "body=hello&self_unread=1"),
		newRequest("PUT", "/v2/rooms/1/messages/read", "", ""),
		newRequest("PUT", "/v2/rooms/1/messages/unread", formCT, "message_id=1928374655918273645"),
		newRequest("DELETE", "/v2/rooms/1", formCT, "action_type=leave"),
		newRequest("POST", "/v2/rooms/1/tasks", formCT, "body=buy+milk&to_ids=1,2&limit=1763779200&limit_type=date"),
		newRequest("PUT", "/v2/rooms/1/tasks/3/status", formCT, "body=done"),
		newRequest("POST", "/v2/rooms/1/files", w.FormDataContentType(), mp.String()),
		newRequest("POST", "/v2/rooms/1/link", formCT, "code=team-a&need_acceptance=1&description=hi"),
		newRequest("DELETE", "/v2/rooms/1/link", "", ""),
	} {
		if err := v.ValidateRequest(r); err != nil {
			t.Errorf("%s %s: %v", r.Method, r.URL, err)
		}
	}
	// OAuth.
	r := httptest.NewRequest("GET", "/v2/me", nil)
	r.Header.Set("Authorization", "Bearer "+testToken)
	if err := v.ValidateRequest(r); err != nil {
		t.Errorf("OAuth bearer: %v", err)
	}
}

func TestValidateRequestRejects(t *testing.T) {
	t.Parallel()
	v := validator(t)
	for _, c := range []struct {
		name, method, target, ct, body string
		op, field, value               string
	}{
		{"missing token", "GET", "/v2/me", "", "", "getMe", "header.x-chatworktoken", ""},
		{"indexed id list", "POST", "/v2/rooms", formCT, "name=r&members_admin_ids%5B0%5D=1&members_admin_ids%5B1%5D=2", "createRoom", "body.members_admin_ids[0]", `"1"`},
		{"indexed id list leaves the field missing", "POST", "/v2/rooms", formCT, "name=r&members_admin_ids%5B0%5D=1", "createRoom", "body.members_admin_ids", ""},
		{"repeated id list", "PUT", "/v2/rooms/1/members", formCT, "members_admin_ids=1&members_admin_ids=2", "updateRoomMembers", "body.members_admin_ids", `"1&2"`},
		{"id list not integers", "POST", "/v2/rooms/1/tasks", formCT, "body=x&to_ids=1,x", "createRoomTasks", "body.to_ids", `"1,x"`},
		{"empty admin list", "PUT", "/v2/rooms/1/members", formCT, "members_admin_ids=", "updateRoomMembers", "body.members_admin_ids", `""`},
		{"parameters in the query", "POST", "/v2/rooms/1/messages?body=hello", "", "", "postMessage", "query.body", `"hello"`},
		{"parameters in the query leave the body empty", "POST", "/v2/rooms/1/messages?body=hello", "", "", "postMessage", "body", ""},
		{"method override", "GET", "/v2/rooms/1?method=DELETE", "", "", "getRoom", "query.method", `"DELETE"`},
		{"repeated query parameter", "GET", "/v2/rooms/1/messages?force=1&force=0", "", "", "listMessages", "query.force", `"1&0"`},
		{"empty message", "POST", "/v2/rooms/1/messages", formCT, "body=", "postMessage", "body.body", `""`},
		{"flag as true", "POST", "/v2/rooms", formCT, "name=r&members_admin_ids=1&link=true", "createRoom", "body.link", `"true"`},
		{"flag out of range", "GET", "/v2/rooms/1/messages?force=2", "", "", "listMessages", "query.force", "2"},
		{"room_id not an integer", "GET", "/v2/rooms/abc", "", "", "getRoom", "path.room_id", `"abc"`},
		{"room_id zero", "GET", "/v2/rooms/0", "", "", "getRoom", "path.room_id", "0"},
		{"message_id not digits", "GET", "/v2/rooms/1/messages/12a", "", "", "getMessage", "path.message_id", `"12a"`},
		{"message_id form field not digits", "PUT", "/v2/rooms/1/messages/unread", formCT, "message_id=-1", "markMessagesUnread", "body.message_id", `"-1"`},
		{"missing required field", "PUT", "/v2/rooms/1/messages/unread", formCT, "self_unread=1", "markMessagesUnread", "body.message_id", ""},
		{"repeated form field", "POST", "/v2/rooms/1/messages", formCT, "body=hi&body=there", "postMessage", "body.body", `"hi&there"`},
		{"bad enum", "DELETE", "/v2/rooms/1", formCT, "action_type=remove", "deleteRoom", "body.action_type", `"remove"`},
		{"JSON body", "POST", "/v2/rooms/1/messages", "application/json", `{"body":"hi"}`, "postMessage", "body", ""},
		{"body on a GET", "GET", "/v2/me", formCT, "a=1", "getMe", "body", ""},
		{"upload's message in the query", "POST", "/v2/rooms/1/files?message=hello", "multipart/form-data; boundary=XX", "--XX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\nhi\r\n--XX--\r\n", "uploadFile", "query.message", `"hello"`},
		{"upload without file", "POST", "/v2/rooms/1/files", "multipart/form-data; boundary=XX", "--XX\r\nContent-Disposition: form-data; name=\"message\"\r\n\r\nhello\r\n--XX--\r\n", "uploadFile", "body.file", ""},
		{"task status", "PUT", "/v2/rooms/1/tasks/3/status", formCT, "body=closed", "updateTaskStatus", "body.body", `"closed"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := newRequest(c.method, c.target, c.ct, c.body)
			if c.field == "header.x-chatworktoken" {
				r.Header.Del("X-Chatworktoken")
			}
			err := v.ValidateRequest(r)
			e := violationOn(t, err, c.op, c.field)
			if e.Value != c.value {
				t.Errorf("Value = %q, want %q (%v)", e.Value, c.value, e)
			}
			if e.Part != conformance.PartRequest || e.Status != 0 || e.Method != c.method || e.Path != r.URL.Path {
				t.Errorf("violation does not locate the request: %#v", e)
			}
			noSecret(t, err)
		})
	}
}

func TestValidateRequestAuth(t *testing.T) {
	t.Parallel()
	v := validator(t)
	for _, c := range []struct{ name, header, value string }{
		{"basic", "Authorization", "Basic " + testToken},
		{"bearer without token", "Authorization", "Bearer "},
		{"empty token", "X-Chatworktoken", " "},
		{"token in another header", "X-Token", testToken},
	} {
		r := httptest.NewRequest("GET", "/v2/me", nil)
		r.Header.Set(c.header, c.value)
		err := v.ValidateRequest(r)
		wantViolation(t, err, "getMe", "header.x-chatworktoken")
		noSecret(t, err)
	}
	// A token in the query is reported, redacted.
	r := newRequest("GET", "/v2/me?x_chatworktoken="+testToken, "", "")
	err := v.ValidateRequest(r)
	e := violationOn(t, err, "getMe", "query.x_chatworktoken")
	if strings.Contains(e.Value, testToken) {
		t.Errorf("Value %q leaks the token", e.Value)
	}
	noSecret(t, err)
}

func TestValidateRequestLeavesRequestAlone(t *testing.T) {
	t.Parallel()
	v := validator(t)
	// Without GetBody, the body is read and replaced by the same bytes.
	body := "name=r&members_admin_ids=1"
	r := httptest.NewRequest("POST", "/v2/rooms", io.NopCloser(strings.NewReader(body)))
	r.Header.Set("Content-Type", formCT)
	r.Header.Set("X-Chatworktoken", testToken)
	before := r.URL.String()
	nh := len(r.Header)
	if err := v.ValidateRequest(r); err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(r.Body)
	if string(got) != body {
		t.Errorf("body after validation = %q, want %q", got, body)
	}
	if r.URL.String() != before || len(r.Header) != nh {
		t.Errorf("request changed: %s %v", r.URL, r.Header)
	}
	// force has a default of 0: it must not be written into the query.
	r = newRequest("GET", "/v2/rooms/1/messages", "", "")
	if err := v.ValidateRequest(r); err != nil {
		t.Fatal(err)
	}
	if r.URL.RawQuery != "" {
		t.Errorf("defaults written into the request: %q", r.URL.RawQuery)
	}
	// With GetBody, the body is read through it and req.Body is untouched.
	r, _ = http.NewRequest("POST", "http://x/v2/rooms/1/messages", strings.NewReader("body=hi"))
	r.Header.Set("Content-Type", formCT)
	r.Header.Set("X-Chatworktoken", testToken)
	orig := r.Body
	if err := v.ValidateRequest(r); err != nil {
		t.Fatal(err)
	}
	if r.Body != orig {
		t.Error("req.Body was replaced although GetBody was set")
	}
	if got, _ := io.ReadAll(r.Body); string(got) != "body=hi" {
		t.Errorf("body = %q", got)
	}
}

func TestValidateResponseAccepts(t *testing.T) {
	t.Parallel()
	v := validator(t)
	for _, c := range []struct {
		method, target string
		status         int
		body           string
		edit           map[string]string
	}{
		{"GET", "/v2/me", 200, meBody, nil},
		{"GET", "/v2/rooms/1", 200, roomDetailBody, nil},
		{"GET", "/v2/rooms/1/messages/1928374655918273645", 200, messageBody, nil},
		{"GET", "/v2/rooms/1/messages", 200, "[" + messageBody + "]", map[string]string{"Chatwork-Message-Limitation": "true", "Chatwork-Message-Limitation-Summary": "Messages older than 40 days are hidden."}},
		{"GET", "/v2/rooms/1/messages", 204, "", map[string]string{"Content-Type": ""}},
		{"DELETE", "/v2/rooms/1", 204, "", map[string]string{"Content-Type": ""}},
		{"GET", "/v2/rooms/1/link", 200, `{"public":false}`, nil},
		{"GET", "/v2/me", 401, `{"errors":["Invalid API token"]}`, map[string]string{"WWW-Authenticate": `Bearer error="invalid_token", error_description="The access token expired"`}},
		// Chatwork's documented 401s carry no x-ratelimit-* headers.
		{"GET", "/v2/me", 401, `{"errors":["Invalid API token"]}`, map[string]string{"X-Ratelimit-Limit": "", "X-Ratelimit-Remaining": "", "X-Ratelimit-Reset": ""}},
		{"GET", "/v2/me", 200, strings.Replace(meBody, `,"login_mail":"taro@example.com"`, "", 1), nil},
		{"POST", "/v2/rooms/1/files", 413, "", map[string]string{"Content-Type": "", "X-Ratelimit-Limit": "", "X-Ratelimit-Remaining": "", "X-Ratelimit-Reset": ""}},
		{"POST", "/v2/rooms/1/messages", 429, `{"errors":["Rate limit for message posting per room exceeded."]}`, nil},
		{"GET", "/v2/me", 503, `{"errors":["Service unavailable"]}`, nil},
	} {
		resp := newResponse(c.status, c.body, c.edit)
		defer resp.Body.Close()
		resp.Body = io.NopCloser(strings.NewReader(c.body))
		err := v.ValidateResponse(httptest.NewRequest(c.method, c.target, nil), resp)
		if err != nil {
			t.Errorf("%s %s %d: %v", c.method, c.target, c.status, err)
		}
		if got, _ := io.ReadAll(resp.Body); string(got) != c.body {
			t.Errorf("%s %s %d: body after validation = %q", c.method, c.target, c.status, got)
		}
	}
}

func TestValidateResponseRejects(t *testing.T) {
	t.Parallel()
	v := validator(t)
	for _, c := range []struct {
		name, method, target string
		status               int
		body                 string
		edit                 map[string]string
		op, field, value     string
	}{
		{"wrong type", "GET", "/v2/me", 200, strings.Replace(meBody, `"room_id":36818150`, `"room_id":"36818150"`, 1), nil, "getMe", "body.room_id", `"36818150"`},
		{"missing required field", "GET", "/v2/me", 200, strings.Replace(meBody, `"mail":""`, `"x":1`, 1), nil, "getMe", "body.mail", ""},
		{"null instead of string", "GET", "/v2/me", 200, strings.Replace(meBody, `"chatwork_id":""`, `"chatwork_id":null`, 1), nil, "getMe", "body.chatwork_id", "null"},
		{"message_id as a number", "GET", "/v2/rooms/1/messages/5", 200, strings.Replace(messageBody, `"1928374655918273645"`, `1928374655918273645`, 1), nil, "getMessage", "body.message_id", "1928374655918273536"},
		{"message_id as a number in a list", "GET", "/v2/rooms/1/messages", 200, "[" + messageBody + "," + strings.Replace(messageBody, `"1928374655918273645"`, `5`, 1) + "]", nil, "listMessages", "body[1].message_id", "5"},
		{"nested missing field", "GET", "/v2/rooms/1/messages", 200, "[" + strings.Replace(messageBody, `"name":"Taro Yamada",`, ``, 1) + "]", nil, "listMessages", "body[0].account.name", ""},
		{"allOf property", "GET", "/v2/rooms/1", 200, strings.Replace(roomDetailBody, `"role":"admin"`, `"role":"owner"`, 1), nil, "getRoom", "body.role", `"owner"`},
		{"allOf missing", "GET", "/v2/rooms/1", 200, strings.Replace(roomDetailBody, `,"description":""`, ``, 1), nil, "getRoom", "body.description", ""},
		{"undeclared status", "GET", "/v2/me", 418, `{"errors":["teapot"]}`, nil, "getMe", "status", "418"},
		{"undeclared 204", "GET", "/v2/me", 204, "", nil, "getMe", "status", "204"},
		{"missing rate-limit header", "GET", "/v2/me", 200, meBody, map[string]string{"X-Ratelimit-Remaining": ""}, "getMe", "header.x-ratelimit-remaining", ""},
		{"missing rate-limit header on an error", "GET", "/v2/me", 404, `{"errors":["Resource not found"]}`, map[string]string{"X-Ratelimit-Reset": ""}, "getMe", "header.x-ratelimit-reset", ""},
		{"missing rate-limit header on 204", "DELETE", "/v2/rooms/1", 204, "", map[string]string{"X-Ratelimit-Limit": "", "Content-Type": ""}, "deleteRoom", "header.x-ratelimit-limit", ""},
		{"bad rate-limit header", "GET", "/v2/me", 200, meBody, map[string]string{"X-Ratelimit-Reset": "soon"}, "getMe", "header.x-ratelimit-reset", `"soon"`},
		{"negative rate-limit header", "GET", "/v2/me", 200, meBody, map[string]string{"X-Ratelimit-Remaining": "-1"}, "getMe", "header.x-ratelimit-remaining", `"-1"`},
		{"limitation false", "GET", "/v2/rooms/1/messages", 204, "", map[string]string{"Chatwork-Message-Limitation": "false", "Content-Type": ""}, "listMessages", "header.chatwork-message-limitation", `"false"`},
		{"missing content type", "GET", "/v2/me", 200, meBody, map[string]string{"Content-Type": ""}, "getMe", "header.content-type", `""`},
		{"text content type", "GET", "/v2/me", 200, meBody, map[string]string{"Content-Type": "text/html"}, "getMe", "header.content-type", `"text/html"`},
		{"body on 204", "GET", "/v2/my/tasks", 204, "[]", nil, "listMyTasks", "body", `"[]"`},
		{"empty body on 200", "GET", "/v2/me", 200, "", nil, "getMe", "body", ""},
		{"not JSON", "GET", "/v2/me", 200, "<html>", nil, "getMe", "body", ""},
		{"error body shape", "GET", "/v2/me", 401, `{"error":"bad token"}`, nil, "getMe", "body.errors", ""},
		{"too many items", "GET", "/v2/my/tasks", 200, "[" + strings.Repeat(`{},`, 100) + "{}]", nil, "listMyTasks", "body", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			resp := newResponse(c.status, c.body, c.edit)
			defer resp.Body.Close()
			resp.Body = io.NopCloser(strings.NewReader(c.body))
			err := v.ValidateResponse(newRequest(c.method, c.target, "", ""), resp)
			e := violationOn(t, err, c.op, c.field)
			if c.value != "" && e.Value != c.value {
				t.Errorf("Value = %q, want %q (%v)", e.Value, c.value, e)
			}
			if e.Part != conformance.PartResponse || e.Status != c.status {
				t.Errorf("violation does not locate the response: %#v", e)
			}
			if !strings.Contains(e.Error(), c.op) {
				t.Errorf("message %q does not name the operation", e.Error())
			}
		})
	}
}

func TestSeveralViolationsAreJoined(t *testing.T) {
	t.Parallel()
	v := validator(t)
	body := strings.NewReplacer(`"account_id":1484814`, `"account_id":"1484814"`, `"room_id":36818150,`, ``).Replace(meBody)
	resp := newResponse(200, body, map[string]string{"X-Ratelimit-Reset": ""})
	defer resp.Body.Close()
	resp.Body = io.NopCloser(strings.NewReader(body))
	err := v.ValidateResponse(newRequest("GET", "/v2/me", "", ""), resp)
	vs := violations(err)
	if len(vs) != 3 {
		t.Fatalf("got %d violations, want 3: %v", len(vs), err)
	}
	for _, f := range []string{"header.x-ratelimit-reset", "body.account_id", "body.room_id"} {
		wantViolation(t, err, "getMe", f)
		if !strings.Contains(err.Error(), f) {
			t.Errorf("joined message does not show %s: %v", f, err)
		}
	}
	var e *conformance.Error
	if !errors.As(err, &e) {
		t.Error("errors.As finds no *Error in a joined error")
	}
}

func TestErrorMessage(t *testing.T) {
	t.Parallel()
	v := validator(t)
	err := v.ValidateRequest(newRequest("POST", "/v2/rooms/1/messages", formCT, "body="))
	want := `conformance: postMessage request: body.body: value "": minimum string length is 1`
	if err == nil || err.Error() != want {
		t.Errorf("got  %v\nwant %s", err, want)
	}
	var e *conformance.Error
	if !errors.As(err, &e) || e.Unwrap() == nil {
		t.Errorf("no underlying kin-openapi error: %#v", e)
	}

	resp := newResponse(200, meBody, map[string]string{"X-Ratelimit-Reset": ""})
	defer resp.Body.Close()
	resp.Body = io.NopCloser(strings.NewReader(meBody))
	err = v.ValidateResponse(newRequest("GET", "/v2/me", "", ""), resp)
	want = `conformance: getMe response 200: header.x-ratelimit-reset: required header is missing`
	if err == nil || err.Error() != want {
		t.Errorf("got  %v\nwant %s", err, want)
	}

	long := strings.Repeat("x", 300)
	err = v.ValidateRequest(newRequest("DELETE", "/v2/rooms/1", formCT, "action_type="+long))
	e = violationOn(t, err, "deleteRoom", "body.action_type")
	if len(e.Value) > 110 || !strings.HasSuffix(e.Value, "…") {
		t.Errorf("Value not truncated: %d bytes", len(e.Value))
	}
}

func TestRejectUnknownProperties(t *testing.T) {
	t.Parallel()
	plain, strict := validators(t)
	cases := []struct {
		target, body, field string
	}{
		{"/v2/me", strings.Replace(meBody, `{`, `{"new_field":1,`, 1), "body.new_field"},
		{"/v2/rooms/1", strings.Replace(roomDetailBody, `{`, `{"archived":true,`, 1), "body.archived"},
		{"/v2/rooms/1/messages", "[" + strings.Replace(messageBody, `"account":{`, `"account":{"role":"x",`, 1) + "]", "body[0].account.role"},
	}
	for _, c := range cases {
		req := newRequest("GET", c.target, "", "")
		resp := newResponse(200, c.body, nil)
		defer resp.Body.Close()
		if err := plain.ValidateExchange(req, nil, resp, []byte(c.body)); err != nil {
			t.Errorf("plain validator rejects an extra property: %v", err)
		}
		err := strict.ValidateExchange(req, nil, resp, []byte(c.body))
		wantViolation(t, err, strings.TrimSpace(opOf(t, plain, req)), c.field)
	}
	// Requests are checked the same way by both: an undeclared form field
	// is ignored, as Chatwork ignores it, and a repeated one is one
	// violation, not two.
	for _, v := range []*conformance.Validator{plain, strict} {
		if err := v.ValidateRequest(newRequest("POST", "/v2/rooms/1/link", formCT, "code=abc&expires=1")); err != nil {
			t.Errorf("undeclared form field: %v", err)
		}
		err := v.ValidateRequest(newRequest("POST", "/v2/rooms/1/link", formCT, "code=abc&code=def"))
		if vs := violations(err); len(vs) != 1 || vs[0].Field != "body.code" {
			t.Errorf("repeated form field: %v", err)
		}
	}
	// The strict validator still accepts everything declared, allOf
	// included.
	for _, c := range []struct{ target, body string }{
		{"/v2/me", meBody}, {"/v2/rooms/1", roomDetailBody}, {"/v2/rooms/1/messages/1", messageBody},
	} {
		resp := newResponse(200, c.body, nil)
		defer resp.Body.Close()
		if err := strict.ValidateExchange(newRequest("GET", c.target, "", ""), nil, resp, []byte(c.body)); err != nil {
			t.Errorf("strict %s: %v", c.target, err)
		}
	}
}

func opOf(t *testing.T, v *conformance.Validator, r *http.Request) string {
	t.Helper()
	id, err := v.Operation(r)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestValidateExchange(t *testing.T) {
	t.Parallel()
	v := validator(t)
	req := newRequest("POST", "/v2/rooms/1/messages?body=hi", "", "")
	resp := newResponse(200, `{"message_id":123}`, nil)
	defer resp.Body.Close()
	err := v.ValidateExchange(req, nil, resp, []byte(`{"message_id":123}`))
	wantViolation(t, err, "postMessage", "query.body")
	wantViolation(t, err, "postMessage", "body.message_id")
	if req.Body != http.NoBody {
		t.Error("ValidateExchange touched req.Body")
	}
	err = v.ValidateExchange(newRequest("GET", "/v2/unknown", "", ""), nil, resp, nil)
	if !errors.Is(err, conformance.ErrUnknownOperation) {
		t.Errorf("unknown operation: %v", err)
	}
}

func TestValidateWebhook(t *testing.T) {
	t.Parallel()
	v := validator(t)
	good := map[string]string{
		"receiveMessageCreated": `{"webhook_setting_id":"246","webhook_event_type":"message_created","webhook_event_time":1511238729,"webhook_event":{"message_id":"984676321621704704","room_id":36818150,"account_id":1484814,"body":"test","send_time":1511238729,"update_time":0}}`,
		"receiveMessageUpdated": `{"webhook_setting_id":"246","webhook_event_type":"message_updated","webhook_event_time":1511239000,"webhook_event":{"message_id":"984676321621704704","room_id":36818150,"account_id":1484814,"body":"test (edited)","send_time":1511238729,"update_time":1511238999}}`,
		"receiveMentionToMe":    `{"webhook_setting_id":"581","webhook_event_type":"mention_to_me","webhook_event_time":1516629767,"webhook_event":{"from_account_id":2861671,"to_account_id":2739132,"room_id":93207172,"message_id":"1007287971738591232","body":"[rp aid=2739132 to=93207172-1007287785163345920] sue445\ntest","send_time":1516629766,"update_time":0}}`,
		"":                      `{"webhook_setting_id":"9","webhook_event_type":"room_archived","webhook_event_time":1516629767,"webhook_event":{"room_id":1}}`,
	}
	for op, body := range good {
		if err := v.ValidateWebhook([]byte(body)); err != nil {
			t.Errorf("%s: %v", op, err)
		}
	}
	for _, c := range []struct{ name, body, op, field string }{
		{"message_id as a number", strings.Replace(good["receiveMessageCreated"], `"984676321621704704"`, `984676321621704704`, 1), "receiveMessageCreated", "body.webhook_event.message_id"},
		{"mention with account_id", strings.Replace(good["receiveMentionToMe"], `"from_account_id"`, `"account_id"`, 1), "receiveMentionToMe", "body.webhook_event.from_account_id"},
		{"setting id as a number", strings.Replace(good["receiveMessageUpdated"], `"246"`, `246`, 1), "receiveMessageUpdated", "body.webhook_setting_id"},
		{"unknown type without event", `{"webhook_setting_id":"9","webhook_event_type":"room_archived","webhook_event_time":1}`, "", "body.webhook_event"},
		{"not JSON", `webhook`, "", "body"},
	} {
		err := v.ValidateWebhook([]byte(c.body))
		e := violationOn(t, err, c.op, c.field)
		if e.Part != conformance.PartWebhook {
			t.Errorf("%s: Part = %q", c.name, e.Part)
		}
	}
}

// A rejected OAuth access token's 401 may have no body (its details are in
// WWW-Authenticate): the spec declares that empty body, so the validator
// accepts it, with or without a Content-Type and with no x-ratelimit-*
// headers, as a real one came. Other statuses, and a 401 whose body is
// neither empty nor an error body, are still refused.
func TestEmptyUnauthorized(t *testing.T) {
	v := validator(t)
	req := httptest.NewRequest(http.MethodGet, "https://api.chatwork.com/v2/me", nil)
	req.Header.Set("Authorization", "Bearer expired")
	challenge := `Bearer error="invalid_token", error_description="The access token expired"`
	for _, ct := range []string{"", "application/json", "text/html; charset=UTF-8"} {
		resp := &http.Response{StatusCode: 401, Header: http.Header{}, Body: http.NoBody}
		resp.Header.Set("WWW-Authenticate", challenge)
		if ct != "" {
			resp.Header.Set("Content-Type", ct)
		}
		if err := v.ValidateResponse(req, resp); err != nil {
			t.Errorf("an empty 401 (Content-Type %q): %v", ct, err)
		}
	}
	resp := &http.Response{StatusCode: 401, Header: http.Header{}, Body: io.NopCloser(strings.NewReader("<html>expired</html>"))}
	resp.Header.Set("Content-Type", "text/html")
	if err := v.ValidateResponse(req, resp); err == nil {
		t.Error("a 401 with an HTML body passed")
	}
	resp = &http.Response{StatusCode: 403, Header: http.Header{}, Body: http.NoBody}
	resp.Header.Set("X-Ratelimit-Limit", "300")
	resp.Header.Set("X-Ratelimit-Remaining", "299")
	resp.Header.Set("X-Ratelimit-Reset", "1700000000")
	_ = violationOn(t, v.ValidateResponse(req, resp), "getMe", "body")
}
