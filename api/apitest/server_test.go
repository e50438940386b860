package apitest_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chatwork-go/chatwork/api/apitest"
	"github.com/chatwork-go/chatwork/gen"
)

func TestDefaultAccount(t *testing.T) {
	s := apitest.NewServer(t)
	if !strings.HasSuffix(s.URL(), "/v2") || !strings.HasPrefix(s.URL(), "http://127.0.0.1:") {
		t.Fatalf("URL() = %q", s.URL())
	}
	// Over real HTTP.
	c := &client{t: t, hc: http.DefaultClient, base: s.URL(), token: s.Token()}
	var me gen.Me
	c.get("/me", &me)
	if me.AccountID != s.Me().AccountID || me.Name != "Me" || me.RoomID == 0 || me.Title != "" {
		t.Fatalf("me = %+v", me)
	}
	var rooms []gen.Room
	c.get("/rooms", &rooms)
	if len(rooms) != 1 || rooms[0].RoomID != me.RoomID || rooms[0].Type != gen.RoomTypeMy || rooms[0].Role != gen.RoleAdmin {
		t.Fatalf("rooms = %+v", rooms)
	}
	// Nothing else is seeded.
	for _, p := range []string{"/contacts", "/my/tasks", "/incoming_requests", roomPath(me.RoomID, "/messages"), roomPath(me.RoomID, "/files"), roomPath(me.RoomID, "/tasks")} {
		r := c.must(http.StatusNoContent, http.MethodGet, p, nil)
		if len(r.body) != 0 {
			t.Errorf("%s: 204 with body %q", p, r.body)
		}
	}
}

func TestAuthentication(t *testing.T) {
	s := apitest.NewServer(t, apitest.WithoutListener())
	c := memClient(t, s)
	for _, tok := range []string{"", "wrong"} {
		r := c.as(tok).send(http.MethodGet, "/me", nil)
		wantError(t, r, http.StatusUnauthorized, "Invalid API token")
		if r.header.Get("X-Ratelimit-Limit") == "" || r.header.Get("X-Ratelimit-Reset") == "" {
			t.Errorf("401 without rate-limit headers: %v", r.header)
		}
	}
	// Auth comes before routing and validation.
	wantError(t, c.as("").send(http.MethodGet, "/nowhere", nil), http.StatusUnauthorized, "Invalid API token")
	// A token in the query string is not a token.
	wantError(t, c.as("").send(http.MethodGet, "/me?token="+s.Token(), nil), http.StatusUnauthorized, "Invalid API token")

	// OAuth bearer tokens.
	s.AddToken(apitest.Token{AccountID: s.Me().AccountID, Token: "oauth-access-token", OAuth: true})
	req, _ := http.NewRequest(http.MethodGet, s.URL()+"/me", nil)
	req.Header.Set("Authorization", "Bearer oauth-access-token")
	if r := c.do(req); r.status != http.StatusOK {
		t.Fatalf("bearer: status %d %s", r.status, r.body)
	}
	// Refused OAuth tokens get Chatwork's empty 401, the reason in
	// WWW-Authenticate only: unknown, revoked or expired.
	s.AddToken(apitest.Token{AccountID: s.Me().AccountID, Token: "revoked", OAuth: true})
	s.RevokeToken("revoked")
	s.AddToken(apitest.Token{AccountID: s.Me().AccountID, Token: "short-lived", OAuth: true, Expires: s.Now().Add(15 * time.Minute)})
	bearer := func(tok string) *response {
		req, _ := http.NewRequest(http.MethodGet, s.URL()+"/me", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		return c.do(req)
	}
	if r := bearer("short-lived"); r.status != http.StatusOK {
		t.Fatalf("a token before its expiry: status %d %s", r.status, r.body)
	}
	s.AdvanceClock(15 * time.Minute)
	for tok, desc := range map[string]string{"unknown": "The access token is invalid", "revoked": "The access token is invalid", "short-lived": "The access token expired"} {
		r := bearer(tok)
		if r.status != http.StatusUnauthorized || len(r.body) != 0 || r.header.Get("Content-Type") != "" {
			t.Errorf("%s: status %d, Content-Type %q, body %q", tok, r.status, r.header.Get("Content-Type"), r.body)
		}
		if got, want := r.header.Get("WWW-Authenticate"), `Bearer error="invalid_token", error_description="`+desc+`"`; got != want {
			t.Errorf("%s: WWW-Authenticate = %q, want %q", tok, got, want)
		}
		if rec := s.Requests(); !strings.Contains(rec[len(rec)-1].Reason, "token") {
			t.Errorf("%s: recorded reason %q", tok, rec[len(rec)-1].Reason)
		}
	}

	// A second token of the same account, then revoked.
	tok2 := s.AddToken(apitest.Token{AccountID: s.Me().AccountID}).Token
	var me gen.Me
	c.as(tok2).get("/me", &me)
	if me.AccountID != s.Me().AccountID {
		t.Fatalf("second token belongs to %d", me.AccountID)
	}
	s.RevokeToken(tok2)
	wantError(t, c.as(tok2).send(http.MethodGet, "/me", nil), http.StatusUnauthorized, "Invalid API token")
}

func TestUnknownEndpoint(t *testing.T) {
	s := apitest.NewServer(t, apitest.WithoutListener())
	c := memClient(t, s)
	for _, x := range []struct{ method, path string }{
		{http.MethodGet, "/nowhere"},
		{http.MethodPatch, "/me"},
		{http.MethodPost, "/me"},
		{http.MethodGet, "/rooms/1/messages/unread"},
		{http.MethodGet, "//me"},
		{http.MethodPut, "/incoming_requests/1/accept"},
	} {
		r := c.send(x.method, x.path, nil)
		wantError(t, r, http.StatusBadRequest, "Invalid Endpoint or HTTP method")
		if r.header.Get("X-Ratelimit-Remaining") == "" {
			t.Errorf("%s %s: no rate-limit headers", x.method, x.path)
		}
	}
	if got := s.Requests(); got[len(got)-1].Status != http.StatusBadRequest || got[len(got)-1].OperationID != "" {
		t.Errorf("last recorded request = %+v", got[len(got)-1])
	}
}

func TestValidation(t *testing.T) {
	w := newWorld(t)
	c := w.cme
	msgs := roomPath(w.room, "/messages")
	form := "application/x-www-form-urlencoded"
	for _, x := range []struct {
		name, method, path, ct, body, want string
	}{
		{"body in query", http.MethodPost, msgs + "?body=hello", "", "", "Parameter 'body' is required"},
		{"body in query with form type", http.MethodPost, msgs + "?body=hello", form, "", "Parameter 'body' is required"},
		{"JSON body", http.MethodPost, msgs, "application/json", `{"body":"x"}`, "Parameter 'body' is required"},
		{"flag true", http.MethodPost, msgs, form, "body=x&self_unread=true", "Invalid value for 'self_unread'"},
		{"empty body field", http.MethodPost, msgs, form, "body=", "Invalid value for 'body'"},
		{"force=2", http.MethodGet, msgs + "?force=2", "", "", "Invalid value for 'force'"},
		{"bad room id", http.MethodGet, "/rooms/abc", "", "", "Invalid value for 'room_id'"},
		{"indexed list", http.MethodPost, "/rooms", form, "name=x&members_admin_ids%5B0%5D=1", "Parameter 'members_admin_ids' is required"},
		{"repeated list", http.MethodPost, "/rooms", form, "name=x&members_admin_ids=1&members_admin_ids=2", "Invalid value for 'members_admin_ids': send the IDs as one comma-joined value, such as members_admin_ids=1,2,3"},
		{"bad list item", http.MethodPost, "/rooms", form, "name=x&members_admin_ids=1,x", "Invalid value for 'members_admin_ids': send the IDs as one comma-joined value, such as members_admin_ids=1,2,3"},
		{"missing name", http.MethodPost, "/rooms", form, "members_admin_ids=1", "Parameter 'name' is required"},
		{"bad enum", http.MethodPut, roomPath(w.room, "/tasks/1/status"), form, "body=finished", "Invalid value for 'body'"},
		{"bad link code", http.MethodPost, roomPath(w.room, "/link"), form, "code=a%20b", "Invalid value for 'code'"},
		{"no action_type", http.MethodDelete, roomPath(w.room, ""), "", "", "Parameter 'action_type' is required"},
		{"bad message id", http.MethodGet, msgs + "/12ab", "", "", "Invalid value for 'message_id'"},
	} {
		t.Run(x.name, func(t *testing.T) {
			r := c.sendRaw(x.method, x.path, x.ct, strings.NewReader(x.body))
			wantError(t, r, http.StatusBadRequest, x.want)
			if r.header.Get("Content-Type") != "application/json; charset=utf-8" {
				t.Errorf("Content-Type = %q", r.header.Get("Content-Type"))
			}
		})
	}
	if n := len(w.s.Messages(w.room)); n != 0 {
		t.Fatalf("%d messages stored by bad requests", n)
	}
	// Undeclared query parameters of a GET are ignored, like Chatwork does.
	c.must(http.StatusNoContent, http.MethodGet, msgs+"?forse=1", nil)
}

func TestWithoutValidationStillChecksRequiredFields(t *testing.T) {
	w := newWorld(t, apitest.WithoutValidation())
	r := w.cme.send(http.MethodPost, roomPath(w.room, "/messages?body=x"), url.Values{})
	wantError(t, r, http.StatusBadRequest, "Parameter 'body' is required")
	r = w.cme.send(http.MethodGet, roomPath(w.room, "/messages?force=7"), nil)
	wantError(t, r, http.StatusBadRequest, "Invalid value for 'force'")
}

func TestRequestsAreRecorded(t *testing.T) {
	w := newWorld(t)
	w.cme.post(w.room, "hello")
	w.cbob.send(http.MethodPost, roomPath(w.room, "/messages"), url.Values{"body": {"no"}})
	got := w.s.Requests()
	if len(got) != 2 {
		t.Fatalf("%d requests recorded", len(got))
	}
	if got[0].OperationID != "postMessage" || got[0].Status != 200 || got[0].AccountID != w.me.AccountID ||
		got[0].Form["body"][0] != "hello" || got[0].Method != http.MethodPost {
		t.Errorf("first = %+v", got[0])
	}
	if got[1].Status != http.StatusForbidden || got[1].AccountID != w.bob.AccountID {
		t.Errorf("second = %+v", got[1])
	}
	if n := w.s.PostCount(w.room); n != 1 {
		t.Errorf("PostCount = %d, want 1", n)
	}
}

func TestRequestLogSize(t *testing.T) {
	s := apitest.NewServer(t, apitest.WithoutListener(), apitest.WithRequestLogSize(3))
	c := memClient(t, s)
	for range 5 {
		c.must(200, http.MethodGet, "/me", nil)
	}
	c.must(200, http.MethodGet, "/rooms", nil)
	got := s.Requests()
	if len(got) != 3 || got[2].OperationID != "listRooms" || got[0].OperationID != "getMe" {
		t.Fatalf("log = %+v", got)
	}
}

func TestMessageIDsExceedFloat64(t *testing.T) {
	w := newWorld(t)
	id := w.cme.post(w.room, "x")
	if len(id) != 19 {
		t.Fatalf("message ID %q has %d digits", id, len(id))
	}
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n <= 1<<53 || int64(float64(n)) == n {
		t.Fatalf("message ID %q survives a float64 or is too small", id)
	}
}
