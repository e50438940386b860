package apitest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/chatwork-go/chatwork/api/apitest"
	"github.com/chatwork-go/chatwork/api/webhook"
)

const adminToken = "admin-token-for-tests"

// controlDoc is control.yaml, with a router that checks every exchange of
// these tests against it.
type controlDoc struct {
	doc    *openapi3.T
	router routers.Router
}

func loadControlDoc(t *testing.T) *controlDoc {
	t.Helper()
	src, err := os.ReadFile("control.yaml")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := openapi3.NewLoader().LoadFromData(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("control.yaml: %v", err)
	}
	r, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return &controlDoc{doc: doc, router: r}
}

// admin calls the control API of s over HTTP, in memory, and checks the
// request and the answer against control.yaml. It returns the operation ID
// it matched, the status and the body.
func (cd *controlDoc) admin(t *testing.T, s *apitest.Server, method, path string, body any) (string, int, []byte) {
	t.Helper()
	var raw []byte
	if body != nil {
		var err error
		if raw, err = json.Marshal(body); err != nil {
			t.Fatal(err)
		}
	}
	req, _ := http.NewRequest(method, strings.TrimSuffix(s.URL(), "/v2")+"/_fake"+path, bytes.NewReader(raw))
	req.Header.Set("Authorization", "Bearer "+s.AdminToken())
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}

	// The same exchange, as the document describes it.
	vreq, _ := http.NewRequest(method, "http://127.0.0.1:8080/_fake"+path, bytes.NewReader(raw))
	vreq.Header = req.Header.Clone()
	route, params, err := cd.router.FindRoute(vreq)
	if err != nil {
		t.Fatalf("%s %s is not in control.yaml: %v", method, path, err)
	}
	in := &openapi3filter.RequestValidationInput{Request: vreq, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
	// (Requests refused on purpose break it, as they should.)
	if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil && resp.StatusCode < 400 {
		t.Errorf("%s %s: the request breaks control.yaml: %v", method, path, err)
	}
	rin := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header,
		Body: io.NopCloser(bytes.NewReader(out)), Options: &openapi3filter.Options{IncludeResponseStatus: true}}
	if err := openapi3filter.ValidateResponse(context.Background(), rin); err != nil {
		t.Errorf("%s %s: the answer %d %s breaks control.yaml: %v", method, path, resp.StatusCode, out, err)
	}
	return route.Operation.OperationID, resp.StatusCode, out
}

// A controlStep is one control operation, done through the Go method on
// one server and through the control API on another.
type controlStep struct {
	method, path string
	body         any
	status       int
	// goCall does the same with the Go method and returns its result, nil
	// for none.
	goCall func(s *apitest.Server) any
}

// TestControlAPIIsTheGoAPI runs every operation of control.yaml on two
// servers started alike, through the Go method on one and over HTTP on
// the other, and compares after each step what they answered and the whole
// state they hold; each exchange is checked against control.yaml.
func TestControlAPIIsTheGoAPI(t *testing.T) {
	cd := loadControlDoc(t)
	recv := &hookReceiver{}
	hs := httptest.NewServer(recv)
	defer hs.Close()
	at := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	start := func() *apitest.Server {
		return apitest.NewServer(t, apitest.WithoutListener(), apitest.WithAdminToken(adminToken), apitest.WithSyncWebhooks(),
			apitest.WithClock(func() time.Time { return at }),
			apitest.WithSeed(apitest.Seed{Accounts: []apitest.Account{{AccountID: 1, Token: "me", Name: "Me"}}}))
	}
	gs, hsrv := start(), start()

	anna := apitest.Account{AccountID: 2, Token: "anna", Name: "Anna", Title: "QA"}
	room := apitest.Room{RoomID: 300, Name: "Release", AdminIDs: []int64{1}, MemberIDs: []int64{2}, Link: &apitest.Link{Code: "rel"}}
	msg := apitest.Message{MessageID: "5000000000000000001", RoomID: 300, AccountID: 2, Body: "[To:1] ready?"}
	task := apitest.Task{TaskID: 70, RoomID: 300, AssigneeID: 1, AssignedByAccountID: 2, Body: "notes", LimitTime: at.Add(48 * time.Hour)}
	file := apitest.File{FileID: 90, RoomID: 300, UploaderID: 2, Name: "a.txt", Content: []byte("abc")}
	hook := apitest.Webhook{WebhookID: 5, URL: hs.URL + "/hook", Token: "c2VjcmV0", Events: []string{webhook.TypeMessageCreated, webhook.TypeMessageUpdated}, RoomID: 300}
	fault := apitest.Fault{OperationID: "getMe", Times: 2, Fraction: 0.5, Status: 503, Delay: time.Millisecond}
	steps := []controlStep{
		{"POST", "/accounts", anna, 201, func(s *apitest.Server) any { return s.AddAccount(anna) }},
		{"PUT", "/accounts/2", apitest.Account{Name: "Anna Sato"}, 200, func(s *apitest.Server) any {
			return s.UpdateAccount(apitest.Account{AccountID: 2, Name: "Anna Sato"})
		}},
		{"GET", "/accounts", nil, 200, func(s *apitest.Server) any { return s.Accounts() }},
		{"POST", "/tokens", apitest.Token{AccountID: 2, Token: "anna-oauth", OAuth: true, Expires: at.Add(time.Hour)}, 201, func(s *apitest.Server) any {
			return s.AddToken(apitest.Token{AccountID: 2, Token: "anna-oauth", OAuth: true, Expires: at.Add(time.Hour)})
		}},
		{"POST", "/tokens", apitest.Token{AccountID: 1, Token: "second"}, 201, func(s *apitest.Server) any {
			return s.AddToken(apitest.Token{AccountID: 1, Token: "second"})
		}},
		{"POST", "/tokens/revoke", map[string]string{"token": "second"}, 204, func(s *apitest.Server) any { s.RevokeToken("second"); return nil }},
		{"GET", "/tokens", nil, 200, func(s *apitest.Server) any { return s.Tokens() }},
		{"POST", "/contacts", apitest.Contact{AccountID: 1, OtherAccountID: 2}, 201, func(s *apitest.Server) any {
			return s.AddContact(apitest.Contact{AccountID: 1, OtherAccountID: 2})
		}},
		{"GET", "/contacts", nil, 200, func(s *apitest.Server) any { return s.Contacts() }},
		{"POST", "/rooms", room, 201, func(s *apitest.Server) any { return s.AddRoom(room) }},
		{"PUT", "/rooms/300", apitest.Room{Name: "Release 2", AdminIDs: []int64{1, 2}}, 200, func(s *apitest.Server) any {
			return s.UpdateRoom(apitest.Room{RoomID: 300, Name: "Release 2", AdminIDs: []int64{1, 2}})
		}},
		{"GET", "/rooms", nil, 200, func(s *apitest.Server) any { return s.Rooms() }},
		{"POST", "/webhooks", hook, 201, func(s *apitest.Server) any { return s.AddWebhook(hook) }},
		{"GET", "/webhooks", nil, 200, func(s *apitest.Server) any { return s.Webhooks() }},
		{"POST", "/messages", msg, 201, func(s *apitest.Server) any { return s.AddMessage(msg) }},
		{"PUT", "/messages/" + msg.MessageID, apitest.Message{RoomID: 300, AccountID: 2, Body: "[To:1] ready now?"}, 200, func(s *apitest.Server) any {
			return s.UpdateMessage(apitest.Message{MessageID: msg.MessageID, Body: "[To:1] ready now?"})
		}},
		{"GET", "/messages?room_id=300", nil, 200, func(s *apitest.Server) any { return s.Messages(300) }},
		{"POST", "/tasks", task, 201, func(s *apitest.Server) any { return s.AddTask(task) }},
		{"PUT", "/tasks/70", apitest.Task{RoomID: 300, AssigneeID: 1, AssignedByAccountID: 2, Body: "notes", Status: "done"}, 200, func(s *apitest.Server) any {
			return s.UpdateTask(apitest.Task{TaskID: 70, Body: "notes", Status: "done"})
		}},
		{"GET", "/tasks", nil, 200, func(s *apitest.Server) any { return s.Tasks(0) }},
		{"POST", "/files", file, 201, func(s *apitest.Server) any { return s.AddFile(file) }},
		{"PUT", "/files/90", apitest.File{RoomID: 300, UploaderID: 2, Name: "b.txt", Size: 10}, 200, func(s *apitest.Server) any {
			return s.UpdateFile(apitest.File{FileID: 90, Name: "b.txt", Size: 10})
		}},
		{"GET", "/files?room_id=300", nil, 200, func(s *apitest.Server) any { return s.Files(300) }},
		{"POST", "/incoming-requests", apitest.IncomingRequest{RequestID: 8, AccountID: 2, ToAccountID: 1, Message: "hi"}, 201, func(s *apitest.Server) any {
			return s.AddIncomingRequest(apitest.IncomingRequest{RequestID: 8, AccountID: 2, ToAccountID: 1, Message: "hi"})
		}},
		{"GET", "/incoming-requests", nil, 200, func(s *apitest.Server) any { return s.IncomingRequests() }},
		{"POST", "/webhooks/deliveries", apitest.WebhookEvent{WebhookID: 5, MessageID: msg.MessageID}, 200, func(s *apitest.Server) any {
			return s.DeliverWebhook(apitest.WebhookEvent{WebhookID: 5, MessageID: msg.MessageID})
		}},
		{"GET", "/webhooks/deliveries", nil, 200, func(s *apitest.Server) any { s.FlushWebhooks(); return s.WebhookDeliveries() }},
		{"POST", "/faults", fault, 204, func(s *apitest.Server) any { s.InjectFault(fault); return nil }},
		{"GET", "/faults", nil, 200, func(s *apitest.Server) any { return s.Faults() }},
		{"DELETE", "/faults", nil, 204, func(s *apitest.Server) any { s.ClearFaults(); return nil }},
		{"GET", "/requests?operation_id=getMe", nil, 200, func(s *apitest.Server) any {
			var out []apitest.RecordedRequest
			for _, r := range s.Requests() {
				if r.OperationID == "getMe" {
					out = append(out, r)
				}
			}
			return out
		}},
		{"DELETE", "/requests", nil, 204, func(s *apitest.Server) any { s.ClearRequests(); return nil }},
		{"GET", "/clock", nil, 200, func(s *apitest.Server) any { return map[string]time.Time{"now": s.Now()} }},
		{"PUT", "/clock", map[string]time.Time{"now": at.Add(time.Hour)}, 200, func(s *apitest.Server) any {
			return map[string]time.Time{"now": s.SetClock(at.Add(time.Hour))}
		}},
		{"POST", "/clock/advance", map[string]float64{"seconds": 301.5}, 200, func(s *apitest.Server) any {
			return map[string]time.Time{"now": s.AdvanceClock(301500 * time.Millisecond)}
		}},
		{"GET", "/seed", nil, 200, func(s *apitest.Server) any { return s.Seed() }},
		{"POST", "/reset", nil, 204, func(s *apitest.Server) any { s.Reset(); return nil }},
	}

	done := map[string]bool{}
	for i, st := range steps {
		if st.path == "/requests?operation_id=getMe" {
			// Something to record: the same API request to both.
			for _, s := range []*apitest.Server{gs, hsrv} {
				memClient(t, s).must(200, http.MethodGet, "/me", nil)
			}
		}
		want := st.goCall(gs)
		op, status, body := cd.admin(t, hsrv, st.method, st.path, st.body)
		done[op] = true
		if status != st.status {
			t.Fatalf("step %d, %s %s: status %d, want %d: %s", i, st.method, st.path, status, st.status, body)
		}
		if want != nil {
			wb, err := json.Marshal(want)
			if err != nil {
				t.Fatal(err)
			}
			if !sameJSON(t, wb, body) {
				t.Errorf("step %d, %s (%s %s):\nGo:   %s\nHTTP: %s", i, op, st.method, st.path, wb, body)
			}
		}
		if g, h := gs.Seed(), hsrv.Seed(); !reflect.DeepEqual(g, h) {
			t.Fatalf("step %d, %s: the states differ:\nGo:   %+v\nHTTP: %+v", i, op, g, h)
		}
		if g, h := gs.Now(), hsrv.Now(); !g.Equal(h) {
			t.Fatalf("step %d, %s: clocks %v and %v", i, op, g, h)
		}
	}
	for path, item := range cd.doc.Paths.Map() {
		for method, op := range item.Operations() {
			if !done[op.OperationID] {
				t.Errorf("%s %s (%s) is not compared with its Go method", method, path, op.OperationID)
			}
		}
	}
}

// sameJSON reports whether two JSON texts hold the same value, a null
// list being the empty one.
func sameJSON(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatalf("%s: %v", a, err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	if x == nil {
		x = []any{}
	}
	return reflect.DeepEqual(x, y)
}

func TestControlAPIRefusals(t *testing.T) {
	cd := loadControlDoc(t)
	s := apitest.NewServer(t, apitest.WithoutListener(), apitest.WithAdminToken(adminToken))
	c := memClient(t, s)
	// No admin token, the API token, a wrong one: 403, and nothing done.
	for _, auth := range []string{"", "Bearer " + s.Token(), "Bearer admin-token-for-test", adminToken} {
		req, _ := http.NewRequest(http.MethodPost, strings.TrimSuffix(s.URL(), "/v2")+"/_fake/reset", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := s.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(string(b), "admin token") {
			t.Errorf("Authorization %q: %d %s", auth, resp.StatusCode, b)
		}
	}
	// The API's token does not open the control API, nor the admin token
	// the API.
	c.as(adminToken).send(http.MethodGet, "/me", nil)
	if rs := s.Requests(); len(rs) != 1 || rs[0].Status != http.StatusUnauthorized {
		t.Errorf("the admin token on the API: %+v", rs)
	}

	for _, x := range []struct {
		method, path string
		body         any
		status       int
		want         string
	}{
		{"POST", "/rooms", map[string]any{"name": "x", "admin_ids": []int{9}}, 400, "admin_ids[0]: unknown account 9"},
		{"POST", "/rooms", map[string]any{"name": "x"}, 400, "admin_ids: required, and missing"},
		{"POST", "/accounts", map[string]any{"acount_id": 5}, 400, "acount_id: unknown field"},
		{"POST", "/messages", map[string]any{"room_id": 1, "account_id": 1, "body": "x", "send_time": "noon"}, 400, "send_time: not an RFC 3339 time"},
		{"PUT", "/rooms/99", map[string]any{"admin_ids": []int{1}}, 400, "unknown room 99"},
		{"PUT", "/accounts/1", map[string]any{"account_id": 2}, 400, "account_id 2 in the body, 1 in the path"},
		{"POST", "/faults", map[string]any{"status": 500, "rate_limit": "room"}, 400, "a fault has one of"},
		{"POST", "/webhooks/deliveries", map[string]any{"webhook_id": 3}, 400, "unknown webhook 3"},
	} {
		_, status, body := cd.admin(t, s, x.method, x.path, x.body)
		if status != x.status || !strings.Contains(string(body), x.want) {
			t.Errorf("%s %s %v: %d %s; want %d with %q", x.method, x.path, x.body, status, body, x.status, x.want)
		}
	}
	// An unknown path under /_fake/ (with the token): 404.
	req, _ := http.NewRequest(http.MethodGet, strings.TrimSuffix(s.URL(), "/v2")+"/_fake/nowhere", nil)
	req.Header.Set("Authorization", "Bearer "+adminToken)
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown control path: %d", resp.StatusCode)
	}
	if _, err := apitest.Start(apitest.WithAdminToken("has space")); err == nil {
		t.Error("an admin token with a space was accepted")
	}
}

// ExampleServer_AdminToken drives the fake over HTTP, as a test in another
// language does: seed a room, read what a client posted, inject a fault.
func ExampleServer_AdminToken() {
	srv, err := apitest.Start(apitest.WithAdminToken("admin"))
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	control := func(method, path, body string) string {
		req, _ := http.NewRequest(method, strings.TrimSuffix(srv.URL(), "/v2")+"/_fake"+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer admin")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			panic(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return fmt.Sprintf("%d %s", resp.StatusCode, b)
	}
	fmt.Println(control("POST", "/rooms", fmt.Sprintf(`{"room_id": 300, "name": "Release", "admin_ids": [%d]}`, srv.Me().AccountID)))

	// The code under test posts, over the Chatwork API.
	req, _ := http.NewRequest(http.MethodPost, srv.URL()+"/rooms/300/messages", strings.NewReader(url.Values{"body": {"deployed"}}.Encode()))
	req.Header.Set("X-ChatWorkToken", srv.Token())
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	resp.Body.Close()

	var recorded []apitest.RecordedRequest
	_, body, _ := strings.Cut(control("GET", "/requests?operation_id=postMessage", ""), " ")
	if err := json.Unmarshal([]byte(body), &recorded); err != nil {
		panic(err)
	}
	fmt.Println(recorded[0].Status, recorded[0].Form["body"])
	fmt.Println(control("POST", "/faults", `{"operation_id": "postMessage", "times": 1, "rate_limit": "room"}`))
	// Output:
	// 201 {"room_id":300,"type":"group","name":"Release","icon_preset":"group","admin_ids":[1000001]}
	// 200 [deployed]
	// 204
}
