package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/chatwork-go/chatwork/api"
	"github.com/chatwork-go/chatwork/internal/embeddedspec"
	"github.com/chatwork-go/chatwork/internal/schemarand"
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

// propertySeed is the base of the property test's seeds; each operation's
// seed is this plus a hash of its operation ID, printed with its counts.
const propertySeed = 20261206

// answersPerOperation is how many generated answers each operation gets.
const answersPerOperation = 200

// operationCalls are the client's calls, one per operation of openapi.yaml
// (deleteRoom and listMessages twice: Leave and Delete, ListLatest and
// ListNew), by operation ID.
func operationCalls(c *api.Client) map[string][]func(context.Context) error {
	one := func(f func(context.Context) error) []func(context.Context) error {
		return []func(context.Context) error{f}
	}
	upload := func() api.UploadFileParams {
		return api.UploadFileParams{Name: "報告書.pdf", Content: strings.NewReader("%PDF")}
	}
	return map[string][]func(context.Context) error{
		"getMe":        one(func(ctx context.Context) error { _, _, err := c.Me.Get(ctx); return err }),
		"getMyStatus":  one(func(ctx context.Context) error { _, _, err := c.Me.Status(ctx); return err }),
		"listMyTasks":  one(func(ctx context.Context) error { _, _, err := c.Me.Tasks(ctx, nil); return err }),
		"listContacts": one(func(ctx context.Context) error { _, _, err := c.Contacts.List(ctx); return err }),
		"listRooms":    one(func(ctx context.Context) error { _, _, err := c.Rooms.List(ctx); return err }),
		"createRoom": one(func(ctx context.Context) error {
			_, _, err := c.Rooms.Create(ctx, api.CreateRoomParams{Name: "r", AdminIDs: []int64{1}})
			return err
		}),
		"getRoom": one(func(ctx context.Context) error { _, _, err := c.Rooms.Get(ctx, 1); return err }),
		"updateRoom": one(func(ctx context.Context) error {
			_, err := c.Rooms.Update(ctx, 1, api.UpdateRoomParams{Name: "n"})
			return err
		}),
		"deleteRoom": {
			func(ctx context.Context) error { _, err := c.Rooms.Leave(ctx, 1); return err },
			func(ctx context.Context) error { _, err := c.Rooms.Delete(ctx, 1); return err },
		},
		"listRoomMembers": one(func(ctx context.Context) error { _, _, err := c.Members.List(ctx, 1); return err }),
		"updateRoomMembers": one(func(ctx context.Context) error {
			_, _, err := c.Members.Replace(ctx, 1, api.ReplaceMembersParams{AdminIDs: []int64{1}})
			return err
		}),
		"listMessages": {
			func(ctx context.Context) error { _, _, err := c.Messages.ListLatest(ctx, 1); return err },
			func(ctx context.Context) error { _, _, err := c.Messages.ListNew(ctx, 1); return err },
		},
		"postMessage":        one(func(ctx context.Context) error { _, _, err := c.Messages.Post(ctx, 1, "x", nil); return err }),
		"markMessagesRead":   one(func(ctx context.Context) error { _, _, err := c.Messages.MarkRead(ctx, 1, "5"); return err }),
		"markMessagesUnread": one(func(ctx context.Context) error { _, _, err := c.Messages.MarkUnread(ctx, 1, "5"); return err }),
		"getMessage":         one(func(ctx context.Context) error { _, _, err := c.Messages.Get(ctx, 1, "5"); return err }),
		"updateMessage":      one(func(ctx context.Context) error { _, err := c.Messages.Update(ctx, 1, "5", "x"); return err }),
		"deleteMessage":      one(func(ctx context.Context) error { _, err := c.Messages.Delete(ctx, 1, "5"); return err }),
		"listRoomTasks":      one(func(ctx context.Context) error { _, _, err := c.Tasks.List(ctx, 1, nil); return err }),
		"createRoomTasks": one(func(ctx context.Context) error {
			_, _, err := c.Tasks.Create(ctx, 1, api.CreateTaskParams{Body: "x", AssigneeIDs: []int64{1}})
			return err
		}),
		"getRoomTask": one(func(ctx context.Context) error { _, _, err := c.Tasks.Get(ctx, 1, 2); return err }),
		"updateTaskStatus": one(func(ctx context.Context) error {
			_, err := c.Tasks.SetStatus(ctx, 1, 2, api.TaskStatusDone)
			return err
		}),
		"listFiles":            one(func(ctx context.Context) error { _, _, err := c.Files.List(ctx, 1, nil); return err }),
		"uploadFile":           one(func(ctx context.Context) error { _, _, err := c.Files.Upload(ctx, 1, upload()); return err }),
		"getFile":              one(func(ctx context.Context) error { _, _, err := c.Files.Get(ctx, 1, 2); return err }),
		"getInvitationLink":    one(func(ctx context.Context) error { _, _, err := c.Links.Get(ctx, 1); return err }),
		"createInvitationLink": one(func(ctx context.Context) error { _, _, err := c.Links.Create(ctx, 1, api.LinkParams{}); return err }),
		"updateInvitationLink": one(func(ctx context.Context) error { _, _, err := c.Links.Update(ctx, 1, api.LinkParams{}); return err }),
		"deleteInvitationLink": one(func(ctx context.Context) error { _, err := c.Links.Delete(ctx, 1); return err }),
		"listIncomingRequests": one(func(ctx context.Context) error { _, _, err := c.IncomingRequests.List(ctx); return err }),
		"acceptIncomingRequest": one(func(ctx context.Context) error {
			_, _, err := c.IncomingRequests.Accept(ctx, 1)
			return err
		}),
		"rejectIncomingRequest": one(func(ctx context.Context) error { _, err := c.IncomingRequests.Reject(ctx, 1); return err }),
	}
}

// An answer is what the property test's server sends next.
type answer struct {
	status int
	body   []byte // nil for none
}

// TestGeneratedAnswers is the property test of the client against the
// spec: for every operation, answersPerOperation answers drawn at random
// from its 2xx response schemas (internal/schemarand: bounds and their
// neighbours, 64-bit IDs, 19- and 20-digit message IDs, Japanese, emoji,
// properties the spec does not declare yet) are each accepted by the
// client's call; and, conversely, each answer made invalid in one place
// the schema forbids (an ID of 0, a count below 0, an empty list that
// always has an item, a message ID with a leading zero or as a JSON
// number, a created link that is not public) is refused, with the field
// named. The one exception is by design: the items of a list are returned
// as sent, so that one odd item cannot hide the others; a list is refused
// only for its own length and for items that do not decode. The seeds
// and the counts per operation are printed (go test -v).
func TestGeneratedAnswers(t *testing.T) {
	doc, err := embeddedspec.GetSpec()
	if err != nil {
		t.Fatal(err)
	}
	var next answer
	c := newTestClient(t, testToken, handlerTransport{func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		rateHeaders(w, 299)
		if next.body == nil {
			w.WriteHeader(next.status)
			return
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(next.status)
		_, _ = w.Write(next.body)
	}}, api.WithRateLimit(0, 0), api.WithRoomPostLimit(0, 0), api.WithMaxRateLimitWait(0))
	calls := operationCalls(c)

	type counts struct{ answers, noContent, refused, keptAsSent int }
	report := map[string]*counts{}
	var ids []string
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			id := op.OperationID
			ids = append(ids, id)
			fns := calls[id]
			if fns == nil {
				t.Errorf("%s %s (%s): no call in operationCalls", method, path, id)
				continue
			}
			seed := propertySeed + uint64(crc32.ChecksumIEEE([]byte(id)))
			g := schemarand.New(seed, &schemarand.Options{Extra: true})
			n := &counts{}
			report[id] = n
			for status, r := range op.Responses.Map() {
				if len(status) != 3 || status[0] != '2' {
					continue
				}
				code, _ := strconv.Atoi(status)
				mt := r.Value.Content.Get("application/json")
				if mt == nil { // 204: no body
					for i := range answersPerOperation {
						next = answer{status: code}
						for _, call := range fns {
							if err := call(t.Context()); err != nil {
								t.Errorf("%s (seed %d): 204 answer %d refused: %v", id, seed, i, err)
							}
						}
						n.noContent++
					}
					continue
				}
				schema := mt.Schema.Value
				list := schema.Type.Is(openapi3.TypeArray)
				for i := range answersPerOperation {
					v, err := g.Value(schema)
					if err != nil {
						t.Fatalf("%s (seed %d): drawing answer %d: %v", id, seed, i, err)
					}
					body, _ := json.Marshal(v)
					next = answer{status: code, body: body}
					for _, call := range fns {
						if err := call(t.Context()); err != nil {
							t.Errorf("%s (seed %d): answer %d refused: %v\n%s", id, seed, i, err, body)
						}
					}
					n.answers++
					if id == "getFile" {
						// The URL is asked for: it must be there.
						_, _, err := c.Files.GetWithDownloadURL(t.Context(), 1, 2)
						if _, has := v.(map[string]any)["download_url"]; has != (err == nil) {
							t.Errorf("getFile (seed %d): answer %d with download_url %v: GetWithDownloadURL: %v", seed, i, has, err)
						}
					}
					if i >= 20 {
						continue
					}
					for _, m := range mutations(schema, v, "") {
						if err := schema.VisitJSON(m.value); err == nil {
							t.Fatalf("%s: the mutation %s is not refused by the schema", id, m.what)
						}
						body, _ := json.Marshal(m.value)
						next = answer{status: code, body: body}
						for _, call := range fns {
							err := call(t.Context())
							var ue *api.UnexpectedResponseError
							switch {
							case list && m.inItem && !m.typeChange:
								if err != nil {
									t.Errorf("%s (seed %d): %s in an item of the list: %v; the items are returned as sent", id, seed, m.what, err)
								}
								n.keptAsSent++
							case !errors.As(err, &ue):
								t.Errorf("%s (seed %d): %s was accepted (%v):\n%s", id, seed, m.what, err, body)
							case !m.typeChange && !strings.Contains(ue.Reason, m.field):
								t.Errorf("%s (seed %d): %s refused with %q, which does not name %s", id, seed, m.what, ue.Reason, m.field)
							default:
								n.refused++
							}
						}
					}
				}
			}
		}
	}
	if len(calls) != len(ids) {
		t.Errorf("operationCalls has %d operations, the spec %d", len(calls), len(ids))
	}
	slices.Sort(ids)
	var b strings.Builder
	fmt.Fprintf(&b, "%-24s %10s %8s %6s %8s %13s\n", "operation", "seed", "answers", "204s", "refused", "kept as sent")
	for _, id := range ids {
		n := report[id]
		if n == nil {
			continue
		}
		if max(n.answers, n.noContent) < answersPerOperation {
			t.Errorf("%s: %d answers and %d 204s", id, n.answers, n.noContent)
		}
		fmt.Fprintf(&b, "%-24s %10d %8d %6d %8d %13d\n", id, propertySeed+uint64(crc32.ChecksumIEEE([]byte(id))), n.answers, n.noContent, n.refused, n.keptAsSent)
	}
	t.Logf("generated answers per operation:\n%s", b.String())
}

// A mutation is a generated answer made invalid in one place.
type mutation struct {
	what       string // "task_ids empty"
	field      string // the field the client's refusal names
	value      any    // the whole answer
	inItem     bool   // the place is inside an item of a top-level list
	typeChange bool   // the place holds a value of another JSON type
}

// mutations returns the answer v of schema s broken in each place the
// client relies on: each integer with a minimum set below it, each array
// with minItems emptied, each string with a pattern made to miss it or
// sent as a number, each one-value boolean flipped.
func mutations(s *openapi3.Schema, v any, field string) []mutation {
	var out []mutation
	set := func(what, f string, value any, typeChange bool) {
		out = append(out, mutation{what: what, field: f, value: value, typeChange: typeChange})
	}
	s = schemarand.Flatten(s)
	switch x := v.(type) {
	case int64:
		if s.Min != nil {
			set(fmt.Sprintf("%s = %d", field, int64(*s.Min)-1), field, int64(*s.Min)-1, false)
		}
	case string:
		if s.MinLength > 0 {
			set(field+" empty", field, "", false)
		}
		if s.Pattern != "" {
			set(field+" with a leading zero", field, "0"+x, false)
			if n, err := strconv.ParseInt(x, 10, 64); err == nil {
				set(field+" as a JSON number", field, n, true)
			}
		}
	case bool:
		if len(s.Enum) == 1 {
			set(fmt.Sprintf("%s = %t", field, !x), field, !x, false)
		}
	case []any:
		name := field
		if name == "" {
			name = "the list"
		}
		if s.MinItems > 0 {
			set(name+" empty", name, []any{}, false)
		}
		for i, item := range x {
			for _, m := range mutations(s.Items.Value, item, fmt.Sprintf("%s[%d]", field, i)) {
				cp := slices.Clone(x)
				cp[i] = m.value
				m.value = cp
				m.inItem = m.inItem || field == ""
				out = append(out, m)
			}
		}
	case map[string]any:
		for _, name := range slices.Sorted(maps.Keys(x)) {
			p := s.Properties[name]
			if p == nil {
				continue // an undeclared property: nothing to break
			}
			f := name
			if field != "" && !strings.HasSuffix(field, "]") {
				f = field + "." + name
			} else if field != "" {
				f = name // an item of a list: its field alone
			}
			for _, m := range mutations(p.Value, x[name], f) {
				cp := maps.Clone(x)
				cp[name] = m.value
				m.value = cp
				out = append(out, m)
			}
		}
	}
	return out
}

// nonAnswers are, for each operation that always returns a result, a 200
// body the API could send that carries no usable result for it.
var nonAnswers = map[string]string{
	"getMe":                  `{"name":"no id"}`,
	"getMyStatus":            `[]`,
	"acceptIncomingRequest":  `{"account_id":0}`,
	"postMessage":            `{"message_id":"12ab"}`,
	"markMessagesRead":       `"ok"`,
	"markMessagesUnread":     `1`,
	"getMessage":             `{"message_id":"","body":"x"}`,
	"updateMessage":          `{"message_id":"0"}`,
	"createRoom":             `{"room_id":0}`,
	"getRoom":                `{"name":"x"}`,
	"updateRoom":             `{"room_id":-1}`,
	"updateRoomMembers":      `{"admin":[],"member":[],"readonly":[]}`,
	"getInvitationLink":      `{"public":"yes"}`,
	"createInvitationLink":   `{"public":false}`,
	"updateInvitationLink":   `{"public":true}`,
	"createRoomTasks":        `{"task_ids":[]}`,
	"getRoomTask":            `{"body":"x"}`,
	"updateTaskStatus":       `{"task_id":null}`,
	"getFile":                `{"filename":"a"}`,
	"getFileWithDownloadURL": `{"file_id":2}`,
	"uploadFile":             `{"file_id":"7"}`,
}

// resultCalls are the calls of the operations in nonAnswers, by operation
// ID, with Files.GetWithDownloadURL as getFileWithDownloadURL.
func resultCalls(c *api.Client) map[string]func(context.Context) error {
	all := operationCalls(c)
	calls := map[string]func(context.Context) error{
		"getFileWithDownloadURL": func(ctx context.Context) error { _, _, err := c.Files.GetWithDownloadURL(ctx, 1, 2); return err },
	}
	for id := range nonAnswers {
		if fns := all[id]; len(fns) == 1 {
			calls[id] = fns[0]
		}
	}
	return calls
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
		calls := resultCalls(c)
		if len(calls) != len(nonAnswers) {
			t.Fatalf("%d calls for the %d operations of nonAnswers: an operation ID there has no single call in operationCalls", len(calls), len(nonAnswers))
		}
		for name, call := range calls {
			bad = nonAnswers[name]
			err := call(t.Context())
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
