package chatwork_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/chatwork-go/chatwork"
	"github.com/chatwork-go/chatwork/api/notation"
)

// operations is the complete list of Chatwork API v2 operations. The spec
// must describe exactly these, no more and no fewer.
var operations = map[string]string{
	"GET /me":                                       "getMe",
	"GET /my/status":                                "getMyStatus",
	"GET /my/tasks":                                 "listMyTasks",
	"GET /contacts":                                 "listContacts",
	"GET /rooms":                                    "listRooms",
	"POST /rooms":                                   "createRoom",
	"GET /rooms/{room_id}":                          "getRoom",
	"PUT /rooms/{room_id}":                          "updateRoom",
	"DELETE /rooms/{room_id}":                       "deleteRoom",
	"GET /rooms/{room_id}/members":                  "listRoomMembers",
	"PUT /rooms/{room_id}/members":                  "updateRoomMembers",
	"GET /rooms/{room_id}/messages":                 "listMessages",
	"POST /rooms/{room_id}/messages":                "postMessage",
	"PUT /rooms/{room_id}/messages/read":            "markMessagesRead",
	"PUT /rooms/{room_id}/messages/unread":          "markMessagesUnread",
	"GET /rooms/{room_id}/messages/{message_id}":    "getMessage",
	"PUT /rooms/{room_id}/messages/{message_id}":    "updateMessage",
	"DELETE /rooms/{room_id}/messages/{message_id}": "deleteMessage",
	"GET /rooms/{room_id}/tasks":                    "listRoomTasks",
	"POST /rooms/{room_id}/tasks":                   "createRoomTasks",
	"GET /rooms/{room_id}/tasks/{task_id}":          "getRoomTask",
	"PUT /rooms/{room_id}/tasks/{task_id}/status":   "updateTaskStatus",
	"GET /rooms/{room_id}/files":                    "listFiles",
	"POST /rooms/{room_id}/files":                   "uploadFile",
	"GET /rooms/{room_id}/files/{file_id}":          "getFile",
	"GET /rooms/{room_id}/link":                     "getInvitationLink",
	"POST /rooms/{room_id}/link":                    "createInvitationLink",
	"PUT /rooms/{room_id}/link":                     "updateInvitationLink",
	"DELETE /rooms/{room_id}/link":                  "deleteInvitationLink",
	"GET /incoming_requests":                        "listIncomingRequests",
	"PUT /incoming_requests/{request_id}":           "acceptIncomingRequest",
	"DELETE /incoming_requests/{request_id}":        "rejectIncomingRequest",
}

func loadSpec(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(chatwork.OpenAPI)
	if err != nil {
		t.Fatalf("load openapi.yaml: %v", err)
	}
	return doc
}

func eachOperation(doc *openapi3.T, fn func(key string, op *openapi3.Operation)) {
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			fn(method+" "+path, op)
		}
	}
}

func TestSpecValidates(t *testing.T) {
	doc := loadSpec(t)
	if doc.OpenAPI != "3.0.3" {
		t.Errorf("openapi = %q, want 3.0.3", doc.OpenAPI)
	}
	// Validate checks the examples against their schemas too.
	if err := doc.Validate(context.Background(), openapi3.EnableSchemaPatternValidation(), openapi3.EnableExamplesValidation()); err != nil {
		t.Fatalf("openapi.yaml is invalid: %v", err)
	}
}

func TestSpecHasExactlyTheChatworkOperations(t *testing.T) {
	doc := loadSpec(t)
	got := map[string]string{}
	eachOperation(doc, func(key string, op *openapi3.Operation) { got[key] = op.OperationID })
	for key, id := range operations {
		if got[key] == "" {
			t.Errorf("missing operation %s (%s)", key, id)
		} else if got[key] != id {
			t.Errorf("%s: operationId %q, want %q", key, got[key], id)
		}
	}
	for key := range got {
		if _, ok := operations[key]; !ok {
			t.Errorf("operation %s is not a Chatwork API v2 operation", key)
		}
	}
	if len(got) != 32 {
		t.Errorf("spec has %d operations, want 32", len(got))
	}
}

func TestSpecOperationsAreDocumented(t *testing.T) {
	doc := loadSpec(t)
	tags := map[string]bool{}
	for _, tag := range doc.Tags {
		tags[tag.Name] = true
	}
	eachOperation(doc, func(key string, op *openapi3.Operation) {
		if op.Summary == "" {
			t.Errorf("%s: no summary", key)
		}
		if len(op.Tags) != 1 || !tags[op.Tags[0]] {
			t.Errorf("%s: tags %v, want one declared tag", key, op.Tags)
		}
		if op.Security == nil {
			t.Errorf("%s: no security", key)
			return
		}
		var apiKey bool
		var scopes []string
		for _, req := range *op.Security {
			for name, s := range req {
				switch name {
				case "ApiToken":
					apiKey = true
				case "OAuth2":
					if len(s) != 1 {
						t.Errorf("%s: an OAuth2 requirement lists %v; list one scope per alternative", key, s)
					}
					scopes = append(scopes, s...)
				}
			}
		}
		if !apiKey || len(scopes) == 0 {
			t.Errorf("%s: security must allow the API token and at least one OAuth2 scope", key)
		}
		known := doc.Components.SecuritySchemes["OAuth2"].Value.Flows.AuthorizationCode.Scopes
		for _, s := range scopes {
			if _, ok := known[s]; !ok {
				t.Errorf("%s: unknown scope %q", key, s)
			}
		}
	})
}

// TestSpecDocumentsTheTraps checks that the behaviour users trip over is
// written where they will read it.
func TestSpecDocumentsTheTraps(t *testing.T) {
	doc := loadSpec(t)
	want := map[string][]string{
		"GET /rooms/{room_id}/messages":        {"force=0", "cursor", "204"},
		"POST /rooms/{room_id}/messages":       {"10 posts per 10 seconds"},
		"POST /rooms/{room_id}/tasks":          {"10 per 10 seconds"},
		"GET /rooms/{room_id}/files/{file_id}": {"30 seconds"},
		"DELETE /rooms/{room_id}":              {"leave", "files", "cannot be undone"},
		"PUT /rooms/{room_id}/members":         {"Replaces the whole membership"},
		"GET /my/tasks":                        {"204"},
	}
	eachOperation(doc, func(key string, op *openapi3.Operation) {
		for _, s := range want[key] {
			if !strings.Contains(op.Description, s) {
				t.Errorf("%s: description does not mention %q", key, s)
			}
		}
	})
	// How to send what other languages get wrong, said
	// where a reader of that part looks.
	c := doc.Components
	for where, pair := range map[string][2]string{
		"the token header":       {c.SecuritySchemes["ApiToken"].Value.Description, "`X-ChatWorkToken: <token>`"},
		"no API token as Bearer": {c.SecuritySchemes["ApiToken"].Value.Description, "never as `Authorization: Bearer`"},
		"comma-joined lists":     {c.Schemas["IDList"].Value.Description, "comma-joined"},
		"0/1 flags":              {c.Schemas["Flag"].Value.Description, "never `true` or `false`"},
		"string message IDs":     {c.Schemas["MessageID"].Value.Description, "keep it a string"},
		"the upload's file name": {doc.Paths.Find("/rooms/{room_id}/files").Post.Description, `filename="報告書 2026.pdf"`},
		"no filename*":           {doc.Paths.Find("/rooms/{room_id}/files").Post.Description, "Never `filename*="},
		"the overview":           {doc.Info.Description, "X-ChatWorkToken: <token>"},
	} {
		if !strings.Contains(strings.Join(strings.Fields(pair[0]), " "), pair[1]) {
			t.Errorf("%s: the description does not say %s", where, pair[1])
		}
	}
}

// TestSpecLifetimesInProse: a property with x-chatwork-lifetime-seconds
// says the same lifetime in its description, for people (the lifetime in
// the rest of the prose is checked by internal/checks).
func TestSpecLifetimesInProse(t *testing.T) {
	doc := loadSpec(t)
	found := 0
	for name, s := range doc.Components.Schemas {
		for prop, p := range s.Value.Properties {
			v, ok := p.Value.Extensions["x-chatwork-lifetime-seconds"]
			if !ok {
				continue
			}
			found++
			seconds, ok := v.(float64)
			if !ok || seconds < 1 || seconds != float64(int(seconds)) {
				t.Errorf("%s.%s: x-chatwork-lifetime-seconds is %v, want a positive whole number", name, prop, v)
				continue
			}
			said := fmt.Sprintf("%d seconds", int(seconds))
			if int(seconds)%60 == 0 {
				said = fmt.Sprintf("%d minutes", int(seconds)/60)
			}
			if !strings.Contains(p.Value.Description, said) {
				t.Errorf("%s.%s: the description does not say %s: %q", name, prop, said, p.Value.Description)
			}
		}
	}
	if found < 2 {
		t.Errorf("found %d lifetimes, want those of a download URL and an access token", found)
	}
}

// idListPattern is the pattern of every ID list: positive decimal IDs
// without leading zeros, joined by commas.
const idListPattern = "^[1-9][0-9]*(,[1-9][0-9]*)*$"

func TestSpecWriteParametersAreFormBodies(t *testing.T) {
	doc := loadSpec(t)
	eachOperation(doc, func(key string, op *openapi3.Operation) {
		method := strings.Fields(key)[0]
		for _, p := range op.Parameters {
			if p.Value.In == "query" && method != http.MethodGet {
				t.Errorf("%s: query parameter %q on a write; Chatwork reads only the form body", key, p.Value.Name)
			}
		}
		if op.RequestBody == nil {
			return
		}
		content := op.RequestBody.Value.Content
		if key == "POST /rooms/{room_id}/files" {
			if content.Get("multipart/form-data") == nil || len(content) != 1 {
				t.Errorf("%s: the upload must be multipart/form-data only", key)
			}
			return
		}
		mt := content.Get("application/x-www-form-urlencoded")
		if mt == nil || len(content) != 1 {
			t.Errorf("%s: body must be application/x-www-form-urlencoded only", key)
			return
		}
		if len(mt.Encoding) > 0 {
			t.Errorf("%s: form encoding objects are ignored by most generators; describe the wire value in the schema", key)
		}
		for name, prop := range mt.Schema.Value.Properties {
			s := idSchema(prop) // a described field is an allOf of its schema
			switch {
			case strings.HasSuffix(name, "_ids"):
				// One comma-joined value, which every generator sends
				// as it is; an array would go out as ids[0]= or as
				// repeated keys, which Chatwork refuses.
				if !s.Type.Is("string") || s.Pattern != idListPattern {
					t.Errorf("%s: list %q must be a string with pattern %s", key, name, idListPattern)
				}
				if s.Extensions["x-go-type"] != "wire.IDs" {
					t.Errorf("%s: list %q must keep x-go-type wire.IDs for Go", key, name)
				}
			case s.Type.Is("array"):
				t.Errorf("%s: %q is an array; Chatwork reads one form value per field", key, name)
			case s.Type.Is("boolean"):
				t.Errorf("%s: %q is boolean; Chatwork flags are integer 0/1", key, name)
			}
		}
	})
	del := doc.Paths.Find("/rooms/{room_id}").Delete
	if del.RequestBody == nil || del.RequestBody.Value.Content.Get("application/x-www-form-urlencoded") == nil {
		t.Error("DELETE /rooms/{room_id}: action_type must be a form body")
	}
}

// idSchemas are the ID schemas, by the name of the fields that hold one.
// Every ID of a request or a response references its schema (directly, or
// as the one member of an allOf that adds a description), so that the rule
// the client relies on (IDs are positive; message IDs are digits without a
// leading zero) is said once and read by every generator.
var idSchemas = map[string]string{
	"account_id": "AccountID", "from_account_id": "AccountID", "to_account_id": "AccountID",
	"assigned_by_account_id": "AccountID",
	"room_id":                "RoomID", "task_id": "TaskID", "file_id": "FileID", "request_id": "RequestID",
	"message_id": "MessageID", "organization_id": "OrganizationID",
}

// refOf returns the component an ID field references: its $ref, or that of
// the single member of its allOf.
func refOf(ref *openapi3.SchemaRef) string {
	if ref.Ref != "" {
		return strings.TrimPrefix(ref.Ref, "#/components/schemas/")
	}
	if s := ref.Value; len(s.AllOf) == 1 && s.AllOf[0].Ref != "" {
		return strings.TrimPrefix(s.AllOf[0].Ref, "#/components/schemas/")
	}
	return ""
}

// TestSpecIDTypes walks every schema: every ID references its ID schema
// (message_id a string of digits without a leading zero, every other ID a
// positive int64), the items of the ID lists of results too; other *_id
// fields are int64 (webhook_setting_id excepted, a string on the wire).
func TestSpecIDTypes(t *testing.T) {
	doc := loadSpec(t)
	for name, want := range map[string]string{"AccountID": "", "RoomID": "", "TaskID": "", "FileID": "", "RequestID": "", "MessageID": "^[1-9][0-9]*$"} {
		s := doc.Components.Schemas[name].Value
		if want == "" && (!s.Type.Is("integer") || s.Format != "int64" || s.Min == nil || *s.Min != 1) {
			t.Errorf("schema %s must be an int64 with minimum 1", name)
		}
		if want != "" && (!s.Type.Is("string") || s.Pattern != want) {
			t.Errorf("schema %s must be a string with pattern %s", name, want)
		}
	}
	// An account without an organization may report 0: the schema has no
	// minimum, and says why.
	if s := doc.Components.Schemas["OrganizationID"].Value; !s.Type.Is("integer") || s.Format != "int64" || s.Min != nil || !strings.Contains(s.Description, "`0`") {
		t.Errorf("schema OrganizationID must be an int64 without a minimum whose description says what 0 means")
	}
	for _, r := range []struct{ schema, field, id string }{
		{"MembersResult", "admin", "AccountID"}, {"MembersResult", "member", "AccountID"},
		{"MembersResult", "readonly", "AccountID"}, {"TaskIDsResult", "task_ids", "TaskID"},
	} {
		if got := refOf(doc.Components.Schemas[r.schema].Value.Properties[r.field].Value.Items); got != r.id {
			t.Errorf("%s.%s: items reference %q, want %s", r.schema, r.field, got, r.id)
		}
	}
	seen := map[*openapi3.Schema]bool{}
	var walk func(where string, ref *openapi3.SchemaRef)
	check := func(where, name string, ref *openapi3.SchemaRef) {
		s := ref.Value
		if id := idSchemas[name]; id != "" && refOf(ref) != id {
			t.Errorf("%s.%s: references %q, want the ID schema %s", where, name, refOf(ref), id)
		}
		switch {
		case name == "message_id":
			if !s.Type.Is("string") && refOf(ref) != "MessageID" {
				t.Errorf("%s.%s: message_id must be a string of digits", where, name)
			}
		case name == "webhook_setting_id" || name == "chatwork_id":
			if !s.Type.Is("string") {
				t.Errorf("%s.%s: must be a string", where, name)
			}
		case strings.HasSuffix(name, "_time") && idSchema(ref).Extensions["x-go-type"] != "wire.UnixTime":
			// Times are time.Time in Go: the UnixTime schema carries
			// the wire.UnixTime hint.
			t.Errorf("%s.%s: a time must use the UnixTime schema", where, name)
		case strings.HasSuffix(name, "_id") || strings.HasSuffix(name, "_time") || name == "limit":
			if refOf(ref) == "" && (!s.Type.Is("integer") || s.Format != "int64") {
				t.Errorf("%s.%s: must be integer int64", where, name)
			}
		}
	}
	walk = func(where string, ref *openapi3.SchemaRef) {
		if ref == nil || ref.Value == nil || seen[ref.Value] {
			return
		}
		s := ref.Value
		seen[s] = true
		for name, p := range s.Properties {
			check(where, name, p)
			walk(where+"."+name, p)
		}
		walk(where+"[]", s.Items)
		for _, x := range s.AllOf {
			walk(where, x)
		}
	}
	for name, s := range doc.Components.Schemas {
		walk(name, s)
	}
	eachOperation(doc, func(key string, op *openapi3.Operation) {
		if op.RequestBody != nil {
			for _, mt := range op.RequestBody.Value.Content {
				walk(key, mt.Schema)
			}
		}
	})
	for path, item := range doc.Paths.Map() {
		params := slices.Clone(item.Parameters)
		for _, op := range item.Operations() {
			params = append(params, op.Parameters...)
		}
		for _, p := range params {
			check(path, p.Value.Name, p.Value.Schema)
		}
	}
}

func TestSpecResponses(t *testing.T) {
	doc := loadSpec(t)
	eachOperation(doc, func(key string, op *openapi3.Operation) {
		for _, status := range []string{"400", "401", "403", "404", "429", "default"} {
			r := op.Responses.Value(status)
			if r == nil {
				t.Errorf("%s: no %s response", key, status)
				continue
			}
			mt := r.Value.Content.Get("application/json")
			if mt == nil || mt.Schema.Ref != "#/components/schemas/ErrorBody" {
				t.Errorf("%s: %s response must use the ErrorBody schema", key, status)
			}
		}
		if r := op.Responses.Value("401"); r != nil && r.Value.Headers["WWW-Authenticate"] == nil {
			t.Errorf("%s: 401 must declare WWW-Authenticate", key)
		}
		for status, r := range op.Responses.Map() {
			for _, h := range []string{"x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"} {
				hr := r.Value.Headers[h]
				if hr == nil {
					t.Errorf("%s %s: no %s header", key, status, h)
					continue
				}
				// Chatwork's 401 examples come without them, and a 413
				// may come from a proxy: there they are optional, so a
				// validator accepts a real answer.
				if want := status != "401" && status != "413"; hr.Value.Required != want {
					t.Errorf("%s %s: %s required = %v, want %v", key, status, h, hr.Value.Required, want)
				}
			}
			if status == "204" && len(r.Value.Content) > 0 {
				t.Errorf("%s: 204 must have no body", key)
			}
			if mt := r.Value.Content.Get("application/json"); mt != nil && mt.Example == nil && len(mt.Examples) == 0 {
				t.Errorf("%s %s: no example", key, status)
			}
		}
	})
	// The free-plan headers on the two message GETs.
	for key, statuses := range map[string][]string{
		"GET /rooms/{room_id}/messages":              {"200", "204"},
		"GET /rooms/{room_id}/messages/{message_id}": {"200", "404"},
	} {
		fields := strings.Fields(key)
		op := doc.Paths.Find(fields[1]).GetOperation(fields[0])
		for _, status := range statuses {
			h := op.Responses.Value(status).Value.Headers
			if h["chatwork-message-limitation"] == nil || h["chatwork-message-limitation-summary"] == nil {
				t.Errorf("%s %s: no chatwork-message-limitation headers", key, status)
			}
		}
	}
	// Lists that can be empty answer 204.
	for _, key := range []string{"GET /my/tasks", "GET /contacts", "GET /rooms/{room_id}/messages", "GET /rooms/{room_id}/tasks", "GET /rooms/{room_id}/files", "GET /incoming_requests", "DELETE /rooms/{room_id}", "DELETE /incoming_requests/{request_id}"} {
		fields := strings.Fields(key)
		if doc.Paths.Find(fields[1]).GetOperation(fields[0]).Responses.Value("204") == nil {
			t.Errorf("%s: no 204 response", key)
		}
	}
}

// TestSpecWebhookPayloads validates each webhook schema's example, and the
// published signed payloads, against the schemas.
func TestSpecWebhookPayloads(t *testing.T) {
	doc := loadSpec(t)
	hooks, ok := doc.Extensions["x-webhooks"].(map[string]any)
	if !ok || len(hooks) != 3 {
		t.Fatalf("x-webhooks: %v, want the three event types", doc.Extensions["x-webhooks"])
	}
	published := map[string]string{
		"WebhookMentionToMe":    `{"webhook_setting_id":"581","webhook_event_type":"mention_to_me","webhook_event_time":1516629767,"webhook_event":{"from_account_id":2861671,"to_account_id":2739132,"room_id":93207172,"message_id":"1007287971738591232","body":"[rp aid=2739132 to=93207172-1007287785163345920] sue445\ntest","send_time":1516629766,"update_time":0}}`,
		"WebhookMessageCreated": `{"webhook_setting_id":"246","webhook_event_type":"message_created","webhook_event_time":1511238729,"webhook_event":{"message_id":"984676321621704704","room_id":36818150,"account_id":1484814,"body":"test","send_time":1511238729,"update_time":0}}`,
	}
	names := []string{"WebhookEnvelope", "WebhookMessageEvent", "WebhookMentionEvent", "WebhookMessageCreated", "WebhookMessageUpdated", "WebhookMentionToMe"}
	for _, name := range names {
		ref := doc.Components.Schemas[name]
		if ref == nil {
			t.Errorf("schema %s is missing", name)
			continue
		}
		if ref.Value.Example == nil {
			t.Errorf("schema %s has no example", name)
		} else if err := ref.Value.VisitJSON(ref.Value.Example); err != nil {
			t.Errorf("schema %s: example is invalid: %v", name, err)
		}
		if body, ok := published[name]; ok {
			var v any
			if err := json.Unmarshal([]byte(body), &v); err != nil {
				t.Fatal(err)
			}
			if err := ref.Value.VisitJSON(v); err != nil {
				t.Errorf("schema %s rejects the published payload: %v", name, err)
			}
		}
	}
	// A mention carries from_account_id, not account_id.
	if err := doc.Components.Schemas["WebhookMentionEvent"].Value.VisitJSON(map[string]any{
		"account_id": 1.0, "to_account_id": 2.0, "room_id": 3.0, "message_id": "4", "body": "", "send_time": 5.0, "update_time": 0.0,
	}); err == nil {
		t.Error("WebhookMentionEvent accepted an event without from_account_id")
	}
}

func ExampleOpenAPI() {
	doc, err := openapi3.NewLoader().LoadFromData(chatwork.OpenAPI)
	if err != nil {
		panic(err)
	}
	var ids []string
	eachOperation(doc, func(_ string, op *openapi3.Operation) { ids = append(ids, op.OperationID) })
	sort.Strings(ids)
	fmt.Println(len(ids), "operations, from", ids[0], "to", ids[len(ids)-1])
	// Output: 32 operations, from acceptIncomingRequest to uploadFile
}

// TestSpecIDListPattern checks the ID list pattern against the values a
// client may send and those Chatwork refuses.
func TestSpecIDListPattern(t *testing.T) {
	doc := loadSpec(t)
	for _, name := range []string{"IDList", "AdminIDList", "AssigneeIDList"} {
		s := doc.Components.Schemas[name].Value
		for _, ok := range []string{"1", "123,542,1001", "9007199254740993,1"} {
			if err := s.VisitJSON(ok); err != nil {
				t.Errorf("%s refuses %q: %v", name, ok, err)
			}
		}
		for _, bad := range []string{"", "1,", ",1", "1, 2", "1;2", "[1,2]", "a", "0", "1,0", "01", "-1"} {
			if err := s.VisitJSON(bad); err == nil {
				t.Errorf("%s accepts %q", name, bad)
			}
		}
	}
}

// TestSpecMessageIDPattern checks the message ID schema against real IDs
// (19 digits today, 11 in January 2017) and what no message has.
func TestSpecMessageIDPattern(t *testing.T) {
	s := loadSpec(t).Components.Schemas["MessageID"].Value
	for _, ok := range []string{"1928374655918273645", "17381455111", "1", "18446744073709551615"} {
		if err := s.VisitJSON(ok); err != nil {
			t.Errorf("MessageID refuses %q: %v", ok, err)
		}
	}
	for _, bad := range []any{"", "0", "04339447", "-1", "12a", " 1", "184467440737095516150", 1928374655918273645.0} {
		if err := s.VisitJSON(bad); err == nil {
			t.Errorf("MessageID accepts %#v", bad)
		}
	}
}

// reservedNames are globals that a generated type of the same name would
// shadow or collide with: TypeScript's single-word globals (lib.es5 and
// lib.dom, as of TypeScript 5.9), java.lang's classes, and Python's
// capitalised builtins. Compound DOM names (MessageEvent, TaskController)
// cannot collide with a component name unless it is spelt the same, and
// none is.
var reservedNames = strings.Fields(`
	Algorithm Animatable Animation Array Attr Audio Awaited Blob Body Boolean
	Cache Capitalize Client Clients Clipboard Comment Console Credential
	Crypto Date Document Element Error Event Exclude External Extract File
	Function Gamepad Generator Geolocation Headers Highlight History Image
	Infinity Iterable Iterator Keyframe Location Lock Lowercase Map Math
	Navigator Node Notification Number Object Omit Option Parameters Partial
	Performance Permissions Pick Plugin Promise Proxy Range Readonly Record
	Report Request Required Response Screen Selection Set Slottable Storage
	String Symbol Text Touch Transferable Transformer Uncapitalize Uppercase
	Window Worker Worklet
	Byte Character Class ClassLoader Comparable Double Enum Exception Float
	Integer Long Module Override Package Process Runnable Runtime Short
	StringBuilder System Thread Throwable Void
	Ellipsis False None NotImplemented True Warning
`)

// TestSpecComponentNames keeps generated code compiling in other
// languages: no component is named like a global of TypeScript, Java or
// Python (a schema called File shadows the browser's File), and no
// parameter component shares a name with a schema (some generators make
// `type MessageID = MessageID` of that).
func TestSpecComponentNames(t *testing.T) {
	doc := loadSpec(t)
	c := doc.Components
	names := map[string][]string{}
	for n := range c.Schemas {
		names["schemas"] = append(names["schemas"], n)
	}
	for n := range c.Parameters {
		names["parameters"] = append(names["parameters"], n)
	}
	for n := range c.Responses {
		names["responses"] = append(names["responses"], n)
	}
	for n := range c.Headers {
		names["headers"] = append(names["headers"], n)
	}
	for section, list := range names {
		for _, n := range list {
			if slices.Contains(reservedNames, n) {
				t.Errorf("components/%s/%s is named like a global of TypeScript, Java or Python", section, n)
			}
		}
	}
	for _, p := range names["parameters"] {
		for _, s := range names["schemas"] {
			if strings.EqualFold(p, s) {
				t.Errorf("parameter component %s shares its name with schema %s", p, s)
			}
		}
	}
	// The Go names stay: package api says File, whatever the spec calls it.
	if got := c.Schemas["RoomFile"].Value.Extensions["x-go-name"]; got != "File" {
		t.Errorf("RoomFile: x-go-name = %v, want File (the Go name)", got)
	}
}

// TestSpecReviewCorrections pins the corrections of the independent review
// of 2026-11-29 (../shared/spec-review.md), so none comes back unnoticed.
func TestSpecReviewCorrections(t *testing.T) {
	doc := loadSpec(t)
	op := func(key string) *openapi3.Operation {
		f := strings.Fields(key)
		return doc.Paths.Find(f[1]).GetOperation(f[0])
	}
	// 1. No source has a 204 for deleteMessage.
	if op("DELETE /rooms/{room_id}/messages/{message_id}").Responses.Value("204") != nil {
		t.Error("deleteMessage declares 204; Chatwork answers 200 with the message ID")
	}
	// 3. login_mail is absent from real answers.
	if slices.Contains(doc.Components.Schemas["Me"].Value.Required, "login_mail") {
		t.Error("Me.login_mail is required; the documentation's examples omit it")
	}
	// 4. Deleting a missing link is a 400, said where the operation is.
	if d := op("DELETE /rooms/{room_id}/link").Responses.Value("400").Value.Description; d == nil || !strings.Contains(*d, "no invitation link") {
		t.Error("deleteInvitationLink: the 400 does not say a chat without a link gets it")
	}
	// 5. markMessagesUnread's 400 is described as possible, with its sources.
	unread := op("PUT /rooms/{room_id}/messages/unread")
	if !strings.Contains(unread.Description, "already unread") || !strings.Contains(unread.Description, "either `200` or `400`") || len(sourcesOf(unread.Extensions)) < 2 {
		t.Error("markMessagesUnread does not describe the possible 400 for messages already unread, with its sources")
	}
	// 6, 7. The upload: 413 possible; both scopes, said to be unverifiable.
	upload := op("POST /rooms/{room_id}/files")
	if upload.Responses.Value("413") == nil {
		t.Error("uploadFile: no 413")
	}
	var scopes []string
	for _, req := range *upload.Security {
		scopes = append(scopes, req["OAuth2"]...)
	}
	if !slices.Contains(scopes, "rooms.files:write") || !slices.Contains(scopes, "rooms.messages:write") {
		t.Errorf("uploadFile scopes %v: want rooms.files:write and rooms.messages:write as alternatives", scopes)
	}
	if !strings.Contains(upload.Description, "the sources disagree") || !strings.Contains(fmt.Sprint(sourcesOf(upload.Extensions)), "rooms.messages:write") {
		t.Error("uploadFile does not say its scope's sources disagree, and which says what")
	}
	// 8. Bounds without a source are gone.
	form := func(key, name string) *openapi3.Schema {
		for _, mt := range op(key).RequestBody.Value.Content {
			return idSchema(mt.Schema.Value.Properties[name]) // a described $ref is an allOf of one
		}
		return nil
	}
	if s := form("POST /rooms/{room_id}/tasks", "limit"); s.Min != nil {
		t.Error("createRoomTasks limit has a minimum no source gives")
	}
	if s := form("POST /rooms/{room_id}/files", "message"); s.MaxLength != nil || s.MinLength != 0 {
		t.Error("uploadFile message has length bounds no source gives")
	}
	// A message ID is a 64-bit integer (since 2017): at most 20 digits, the
	// one bound its type gives.
	if s := doc.Components.Schemas["MessageID"].Value; s.MaxLength == nil || *s.MaxLength != 20 || !strings.Contains(s.Description, "64-bit") {
		t.Error("MessageID: maxLength must be 20, from the 64-bit integer the description names")
	}
	// 9. need_acceptance's default and the PUT prose agree.
	if d := op("PUT /rooms/{room_id}/link").Description; !strings.Contains(d, "`need_acceptance` left out means `1`") {
		t.Error("updateInvitationLink does not say what a left-out need_acceptance means")
	}
	if def := form("PUT /rooms/{room_id}/link", "need_acceptance").Default; def != 1.0 {
		t.Errorf("updateInvitationLink need_acceptance default = %v, want 1", def)
	}
	// 10. The task status filter defaults to open, in the schema.
	for _, key := range []string{"GET /my/tasks", "GET /rooms/{room_id}/tasks"} {
		for _, p := range op(key).Parameters {
			if p.Value.Name == "status" && p.Value.Schema.Value.Default != "open" {
				t.Errorf("%s: status default = %v, want open", key, p.Value.Schema.Value.Default)
			}
		}
	}
	// 11. Error examples are observed strings or plain placeholders.
	observed := []string{
		"Invalid API token", "Parameter 'body' is required", "Invalid Endpoint or HTTP method",
		"Rate limit for message posting per room exceeded.", "You don't have permission to send/edit message.",
	}
	checkExample := func(where string, ex any) {
		m, _ := ex.(map[string]any)
		list, _ := m["errors"].([]any)
		for _, e := range list {
			if s, _ := e.(string); !slices.Contains(observed, s) && !strings.HasPrefix(s, "<") {
				t.Errorf("%s: error example %q is neither observed nor a placeholder", where, s)
			}
		}
	}
	for name, r := range doc.Components.Responses {
		if mt := r.Value.Content.Get("application/json"); mt != nil {
			checkExample("responses/"+name, mt.Example)
		}
	}
	eachOperation(doc, func(key string, o *openapi3.Operation) {
		for status, r := range o.Responses.Map() {
			if mt := r.Value.Content.Get("application/json"); mt != nil && r.Ref == "" && mt.Schema.Ref == "#/components/schemas/ErrorBody" {
				checkExample(key+" "+status, mt.Example)
			}
		}
	})
	// 12. The OAuth token answer and its errors.
	for _, name := range []string{"OAuthToken", "OAuthError"} {
		s := doc.Components.Schemas[name]
		if s == nil {
			t.Errorf("no %s schema", name)
			continue
		}
		if err := s.Value.VisitJSON(s.Value.Example); err != nil {
			t.Errorf("%s: example invalid: %v", name, err)
		}
	}
	desc := doc.Components.SecuritySchemes["OAuth2"].Value.Description
	for _, want := range []string{"1 minute", "14 days", "offline_access", "epoch milliseconds", "OAuthToken", "OAuthError"} {
		if !strings.Contains(desc, want) {
			t.Errorf("OAuth2 scheme description does not mention %q", want)
		}
	}
	// 13. Webhooks: no inherited token security; signature, User-Agent, https.
	if len(doc.Security) > 0 {
		t.Error("root-level security is set; webhooks would inherit the API token")
	}
	hooks := doc.Extensions["x-webhooks"].(map[string]any)
	for name, h := range hooks {
		post := h.(map[string]any)["post"].(map[string]any)
		if sec, ok := post["security"].([]any); !ok || len(sec) != 0 {
			t.Errorf("webhook %s: security = %v, want []", name, post["security"])
		}
		var params []string
		for _, p := range post["parameters"].([]any) {
			params = append(params, p.(map[string]any)["name"].(string))
		}
		for _, want := range []string{"X-ChatWorkWebhookSignature", "chatwork_webhook_signature", "User-Agent"} {
			if !slices.Contains(params, want) {
				t.Errorf("webhook %s: no %s parameter", name, want)
			}
		}
	}
	created := hooks["messageCreated"].(map[string]any)["post"].(map[string]any)["description"].(string)
	if !strings.Contains(created, "https://") || !strings.Contains(created, "HMAC-SHA256") {
		t.Error("messageCreated does not state the https rule and the HMAC signature")
	}
	// 14. action_type in the query works, and the spec says so.
	if d := strings.Join(strings.Fields(op("DELETE /rooms/{room_id}").Description), " "); !strings.Contains(d, "accepts the query form") {
		t.Error("deleteRoom does not say that action_type in the query is accepted")
	}
}

// TestSpecLinks checks every OpenAPI link, which other teams' tools follow
// from one answer to the next call: its operationId names an operation; its
// parameters and body fields are the target's, and fill every path
// parameter of the target; each runtime expression resolves, in the source
// operation's request or in the answer the link is on, to the very schema
// the target's parameter has (a room_id feeds a room_id). The links that
// chain the API's main sequences must be there.
func TestSpecLinks(t *testing.T) {
	doc := loadSpec(t)
	type opInfo struct {
		op     *openapi3.Operation
		params map[string]*openapi3.Parameter
	}
	ops := map[string]opInfo{}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			params := map[string]*openapi3.Parameter{}
			for _, p := range append(slices.Clone(item.Parameters), op.Parameters...) {
				params[p.Value.Name] = p.Value
			}
			ops[op.OperationID] = opInfo{op, params}
		}
	}
	formSchema := func(op *openapi3.Operation) *openapi3.Schema {
		if op.RequestBody == nil {
			return nil
		}
		for _, mt := range op.RequestBody.Value.Content {
			return mt.Schema.Value
		}
		return nil
	}
	got := map[string]bool{}
	for id, src := range ops {
		for status, r := range src.op.Responses.Map() {
			for name, lr := range r.Value.Links {
				where := fmt.Sprintf("%s %s link %s", id, status, name)
				l := lr.Value
				dst, ok := ops[l.OperationID]
				if !ok {
					t.Errorf("%s: operationId %q names no operation", where, l.OperationID)
					continue
				}
				got[id+" → "+l.OperationID] = true
				resolve := func(expr any) (*openapi3.SchemaRef, error) {
					return resolveLinkExpression(expr, src.params, formSchema(src.op), r.Value)
				}
				filled := map[string]bool{}
				for pname, expr := range l.Parameters {
					if in, n, ok := strings.Cut(pname, "."); ok && slices.Contains([]string{"path", "query", "header", "cookie"}, in) {
						pname = n // path.room_id names room_id
					}
					p := dst.params[pname]
					if p == nil {
						t.Errorf("%s: %s has no parameter %q", where, l.OperationID, pname)
						continue
					}
					filled[pname] = true
					s, err := resolve(expr)
					if err != nil {
						t.Errorf("%s: parameter %s: %v", where, pname, err)
					} else if idSchema(s) != idSchema(p.Schema) {
						t.Errorf("%s: parameter %s gets %v, a schema other than the parameter's", where, pname, expr)
					}
				}
				for pname, p := range dst.params {
					if p.In == openapi3.ParameterInPath && !filled[pname] {
						t.Errorf("%s: path parameter %s of %s is not filled", where, pname, l.OperationID)
					}
				}
				if l.RequestBody != nil {
					fields, ok := l.RequestBody.(map[string]any)
					form := formSchema(dst.op)
					if !ok || form == nil {
						t.Errorf("%s: requestBody %v: want an object of the target's form fields", where, l.RequestBody)
						continue
					}
					for field, expr := range fields {
						prop := form.Properties[field]
						if prop == nil {
							t.Errorf("%s: %s has no form field %q", where, l.OperationID, field)
							continue
						}
						s, err := resolve(expr)
						if err != nil {
							t.Errorf("%s: body field %s: %v", where, field, err)
						} else if idSchema(s) != idSchema(prop) {
							t.Errorf("%s: body field %s gets %v, a schema other than the field's", where, field, expr)
						}
					}
				}
			}
		}
	}
	// The chains the spec links: a new chat feeds every operation on a chat; a
	// posted message, created tasks, an uploaded file and listed contact
	// requests feed the calls on them; getMe gives the room of My Chat.
	var want []string
	for id, o := range ops {
		if p := o.params["room_id"]; p != nil && p.In == openapi3.ParameterInPath && len(o.params) == 1+len(o.op.Parameters) {
			want = append(want, "createRoom → "+id)
		}
	}
	if len(want) != 17 {
		t.Errorf("%d operations take only a room_id in their path, want 17: %v", len(want), want)
	}
	want = append(want, "postMessage → getMessage", "postMessage → updateMessage", "postMessage → deleteMessage",
		"postMessage → markMessagesRead", "postMessage → markMessagesUnread",
		"createRoomTasks → getRoomTask", "createRoomTasks → updateTaskStatus", "uploadFile → getFile",
		"listIncomingRequests → acceptIncomingRequest", "listIncomingRequests → rejectIncomingRequest", "getMe → getRoom")
	for _, w := range want {
		if !got[w] {
			t.Errorf("no link %s", w)
		}
	}
}

// resolveLinkExpression returns the schema a link's runtime expression
// reads: a parameter of the source request ($request.path.room_id), a field
// of its form body ($request.body#/message_id), or a part of the answer the
// link is declared on ($response.body#/task_ids/0, $response.header.X).
func resolveLinkExpression(expr any, params map[string]*openapi3.Parameter, form *openapi3.Schema, r *openapi3.Response) (*openapi3.SchemaRef, error) {
	s, ok := expr.(string)
	if !ok || !strings.HasPrefix(s, "$") {
		return nil, fmt.Errorf("%v is a constant, not a runtime expression", expr)
	}
	source, rest, _ := strings.Cut(s, ".")
	kind, name, _ := strings.Cut(rest, ".")
	if k, ptr, ok := strings.Cut(rest, "#"); ok && k == "body" {
		kind, name = "body", ptr
	}
	switch source + "." + kind {
	case "$request.path", "$request.query", "$request.header":
		p := params[name]
		if p == nil || p.In != kind {
			return nil, fmt.Errorf("%s: the source operation has no %s parameter %q", s, kind, name)
		}
		return p.Schema, nil
	case "$request.body":
		if form == nil {
			return nil, fmt.Errorf("%s: the source operation has no request body", s)
		}
		return walkPointer(openapi3.NewSchemaRef("", form), name)
	case "$response.header":
		for h, hr := range r.Headers {
			if strings.EqualFold(h, name) {
				return hr.Value.Schema, nil
			}
		}
		return nil, fmt.Errorf("%s: the answer declares no header %q", s, name)
	case "$response.body":
		mt := r.Content.Get("application/json")
		if mt == nil {
			return nil, fmt.Errorf("%s: the answer has no JSON body", s)
		}
		return walkPointer(mt.Schema, name)
	}
	return nil, fmt.Errorf("%s: not a runtime expression of OpenAPI 3.0", s)
}

// walkPointer follows a JSON pointer (/task_ids/0) through a schema.
func walkPointer(ref *openapi3.SchemaRef, ptr string) (*openapi3.SchemaRef, error) {
	if !strings.HasPrefix(ptr, "/") {
		return nil, fmt.Errorf("JSON pointer %q does not start with /", ptr)
	}
	for tok := range strings.SplitSeq(ptr[1:], "/") {
		s := ref.Value
		if s.Type.Is("array") {
			if _, err := strconv.Atoi(tok); err != nil {
				return nil, fmt.Errorf("JSON pointer %q: %q is not an index of an array", ptr, tok)
			}
			ref = s.Items
			continue
		}
		next := s.Properties[tok]
		for _, x := range s.AllOf {
			if p := x.Value.Properties[tok]; next == nil && p != nil {
				next = p
			}
		}
		if next == nil {
			return nil, fmt.Errorf("JSON pointer %q: no property %q", ptr, tok)
		}
		ref = next
	}
	return ref, nil
}

// idSchema returns the schema a field is: the referenced schema of an
// allOf of one member (which only adds a description), else its own.
func idSchema(ref *openapi3.SchemaRef) *openapi3.Schema {
	if s := ref.Value; len(s.AllOf) == 1 && len(s.Properties) == 0 {
		return s.AllOf[0].Value
	}
	return ref.Value
}

// TestSpecEverythingDescribed: a team that never reads our code learns each
// field from the reference. Every property of every schema says what it is
// in its own words (a $ref alone is wrapped in an allOf that adds them),
// every parameter and every header has a description, and every request
// body has an example, which TestSpecValidates checks against its schema.
// The count of response properties (answers, webhook payloads and the
// OAuth token endpoint's) is printed.
func TestSpecEverythingDescribed(t *testing.T) {
	doc := loadSpec(t)
	type prop struct{ schema, name string }
	described := map[prop]bool{}
	var response []prop
	seen := map[*openapi3.Schema]bool{}
	var walk func(where string, ref *openapi3.SchemaRef, inResponse bool)
	walk = func(where string, ref *openapi3.SchemaRef, inResponse bool) {
		if ref == nil || ref.Value == nil {
			return
		}
		if name, ok := strings.CutPrefix(ref.Ref, "#/components/schemas/"); ok {
			where = name
		}
		s := ref.Value
		if seen[s] {
			return
		}
		seen[s] = true
		for name, p := range s.Properties {
			k := prop{where, name}
			described[k] = p.Ref == "" && strings.TrimSpace(p.Value.Description) != ""
			if inResponse {
				response = append(response, k)
			}
			walk(where+"."+name, p, inResponse)
		}
		walk(where+"[]", s.Items, inResponse)
		for _, x := range s.AllOf {
			walk(where, x, inResponse)
		}
	}
	eachOperation(doc, func(key string, op *openapi3.Operation) {
		for status, r := range op.Responses.Map() {
			for _, mt := range r.Value.Content {
				walk(key+" "+status, mt.Schema, true)
			}
		}
	})
	for _, name := range []string{"WebhookEnvelope", "WebhookMessageCreated", "WebhookMessageUpdated", "WebhookMentionToMe", "OAuthToken", "OAuthError"} {
		walk(name, doc.Components.Schemas[name], true)
	}
	bodies := 0
	eachOperation(doc, func(key string, op *openapi3.Operation) {
		if op.RequestBody == nil {
			return
		}
		bodies++
		for ct, mt := range op.RequestBody.Value.Content {
			if mt.Example == nil && len(mt.Examples) == 0 {
				t.Errorf("%s: the %s request body has no example", key, ct)
			}
			walk(key+" body", mt.Schema, false)
		}
	})
	for name, s := range doc.Components.Schemas {
		walk(name, s, false)
	}
	var missing []string
	for k, ok := range described {
		if !ok {
			missing = append(missing, k.schema+"."+k.name)
		}
	}
	slices.Sort(missing)
	for _, m := range missing {
		t.Errorf("property %s has no description of its own", m)
	}
	n := 0
	for _, k := range response {
		if described[k] {
			n++
		}
	}
	t.Logf("%d/%d response properties described; %d properties in all; %d request bodies", n, len(response), len(described), bodies)
	if len(response) < 150 || bodies != 13 {
		t.Errorf("%d response properties and %d request bodies: the walk lost its way", len(response), bodies)
	}

	// Parameters, path-level ones and webhook ones included.
	check := func(where, desc string) {
		if strings.TrimSpace(desc) == "" {
			t.Errorf("%s has no description", where)
		}
	}
	for path, item := range doc.Paths.Map() {
		params := slices.Clone(item.Parameters)
		for _, op := range item.Operations() {
			params = append(params, op.Parameters...)
		}
		for _, p := range params {
			check(path+" parameter "+p.Value.Name, p.Value.Description)
		}
	}
	hooks := doc.Extensions["x-webhooks"].(map[string]any)
	for name, h := range hooks {
		for _, p := range h.(map[string]any)["post"].(map[string]any)["parameters"].([]any) {
			pm := p.(map[string]any)
			desc, _ := pm["description"].(string)
			check("webhook "+name+" parameter "+fmt.Sprint(pm["name"]), desc)
		}
	}
	// Headers, in components and on each response.
	for name, h := range doc.Components.Headers {
		check("header "+name, h.Value.Description)
	}
	eachOperation(doc, func(key string, op *openapi3.Operation) {
		for status, r := range op.Responses.Map() {
			for name, h := range r.Value.Headers {
				check(key+" "+status+" header "+name, h.Value.Description)
			}
		}
	})
}

// sourcesOf returns the x-chatwork-sources of an object's extensions:
// each "source: note".
func sourcesOf(ext map[string]any) []string {
	list, _ := ext["x-chatwork-sources"].([]any)
	var out []string
	for _, x := range list {
		m, _ := x.(map[string]any)
		source, _ := m["source"].(string)
		note, _ := m["note"].(string)
		out = append(out, source+": "+note)
	}
	return out
}

// provenance are words that say where a fact comes from rather than what
// it is: they belong in x-chatwork-sources, not in what the reader reads.
var provenance = regexp.MustCompile(`(?i)\bRAML\b|MCP server|chatwork-ruby|chatwork-api-client|placeholder|can(not)? be verified|community description|summary says|documented by Chatwork|\bobserved\b|seen to send|older documents`)

// TestSpecProvenanceOutOfProse walks the whole document: no description or
// summary says where its facts come from (the sources are in
// x-chatwork-sources, which the rendered reference folds away), and every
// x-chatwork-sources entry names a source and what it says.
func TestSpecProvenanceOutOfProse(t *testing.T) {
	raw, err := os.ReadFile("openapi.json") // openapi.yaml as JSON (TestOpenAPIJSONIsFresh)
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	sources := 0
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, c := range x {
				if s, ok := c.(string); ok && (k == "description" || k == "summary") && provenance.MatchString(s) {
					t.Errorf("%s.%s says where a fact comes from (%q): move it to x-chatwork-sources", path, k, provenance.FindString(s))
				}
				if k == "x-chatwork-sources" {
					list, _ := c.([]any)
					for _, e := range list {
						m, _ := e.(map[string]any)
						if s, _ := m["source"].(string); s == "" {
							t.Errorf("%s: a source without a name: %v", path, e)
						}
						if n, _ := m["note"].(string); n == "" {
							t.Errorf("%s: a source that says nothing: %v", path, e)
						}
						sources++
					}
					continue
				}
				if k == "x-codeSamples" || k == "example" || k == "examples" {
					continue
				}
				walk(path+"."+k, c)
			}
		case []any:
			for i, c := range x {
				walk(fmt.Sprintf("%s[%d]", path, i), c)
			}
		}
	}
	walk("", doc)
	if sources < 20 {
		t.Errorf("only %d sources in x-chatwork-sources", sources)
	}
}

// TestSpecMessageNotation: the introduction's Message notation section
// shows every tag package api/notation recognises (the list its Parse
// documents), each in an example that the package reads as that tag: the
// tag's syntax is gone from the plain text, or counted as a mention, a
// [toall], a quote, a task or a file.
func TestSpecMessageNotation(t *testing.T) {
	doc := loadSpec(t)
	var section string
	for _, tag := range doc.Tags {
		if tag.Name == "notation" {
			section = tag.Description
		}
	}
	if section == "" || doc.Tags.Get("notation").Extensions["x-traitTag"] != true {
		t.Fatal("no Message notation section (a tag named notation with x-traitTag) in the introduction")
	}
	examples := regexp.MustCompile("`([^`]*\\[[^`]*)`").FindAllStringSubmatch(section, -1)
	for _, tag := range []string{"To:", "rp ", "toall", "qt", "qtmeta ", "info", "title", "code", "hr", "picon:", "piconname:", "pname:", "dtext:", "task ", "download:", "preview "} {
		found := false
		for _, ex := range examples {
			body := ex[1]
			if strings.Contains(body, "{") || !strings.Contains(body, "["+tag) {
				continue // a syntax line, such as [To:{account_id}], or another tag
			}
			m := notation.Parse(body)
			if !strings.Contains(m.PlainText, "["+tag) || len(m.Mentions) > 0 || m.ToAll || len(m.Quotes) > 0 || len(m.Tasks) > 0 || len(m.Files) > 0 {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("the Message notation section has no example of [%s that package notation reads as that tag", tag)
		}
	}
}
