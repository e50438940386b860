package main

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"

	"github.com/chatwork-go/chatwork/api/apitest"
)

// TestSchemaIsFresh fails when seed.schema.json no longer says what
// control.yaml says. Fix with go generate ./...
func TestSchemaIsFresh(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile("../../control.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want, err := generate(src)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("../../seed.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("api/apitest/seed.schema.json is stale: run go generate ./...")
	}
}

// compile compiles seed.schema.json with a JSON Schema validator that is
// not kin-openapi (which the fake checks seeds with), against the
// draft 2020-12 meta-schema.
func compile(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open("../../seed.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(schemaID, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(schemaID)
	if err != nil {
		t.Fatalf("seed.schema.json is not a valid JSON Schema: %v", err)
	}
	return sch
}

// instance reads a seed, YAML or JSON, as the validator wants it.
func instance(t *testing.T, src []byte) any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal(src, &v); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return inst
}

// TestSchemaAcceptsWhatTheFakeWrites checks the schema against seeds: the
// example of the interop suite, and what a server holding every kind of
// fixture writes (--print-seed); and that it refuses broken ones.
func TestSchemaAcceptsWhatTheFakeWrites(t *testing.T) {
	t.Parallel()
	sch := compile(t)
	example, err := os.ReadFile("../../../../interop/typescript/test/seed.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(instance(t, example)); err != nil {
		t.Errorf("the interop suite's seed: %v", err)
	}
	if _, err := apitest.ReadSeed("seed.yaml", example); err != nil {
		t.Errorf("the interop suite's seed: %v", err)
	}

	b, err := json.Marshal(richSeed(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(instance(t, b)); err != nil {
		t.Errorf("a seed written by the fake: %v\n%s", err, b)
	}

	for name, src := range map[string]string{
		"unknown field":  `{"accounts": [{"acount_id": 1}]}`,
		"no admin":       `{"rooms": [{"name": "x", "admin_ids": []}]}`,
		"ID of 0":        `{"accounts": [{"account_id": 0}]}`,
		"numeric msg ID": `{"messages": [{"message_id": 12, "room_id": 1, "account_id": 1, "body": "x"}]}`,
		"bad time":       `{"messages": [{"room_id": 1, "account_id": 1, "body": "x", "send_time": "yesterday"}]}`,
		"bad event":      `{"webhooks": [{"url": "http://x", "events": ["room_created"]}]}`,
		"missing body":   `{"tasks": [{"room_id": 1, "assignee_id": 1, "assigned_by_account_id": 1}]}`,
	} {
		if sch.Validate(instance(t, []byte(src))) == nil {
			t.Errorf("%s: %s accepted", name, src)
		}
		if _, err := apitest.ReadSeed("seed.json", []byte(src)); err == nil {
			t.Errorf("%s: the fake accepted %s", name, src)
		}
	}
}

// richSeed is the seed of a server with one of everything.
func richSeed(t *testing.T) apitest.Seed {
	t.Helper()
	s, err := apitest.Start(apitest.WithoutListener())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	me := s.Me()
	anna := s.AddAccount(apitest.Account{Name: "Anna", ChatworkID: "anna", OrganizationID: 7, Title: "QA"})
	s.AddToken(apitest.Token{AccountID: anna.AccountID, OAuth: true, Expires: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)})
	s.AddContact(apitest.Contact{AccountID: me.AccountID, OtherAccountID: anna.AccountID})
	room := s.AddRoom(apitest.Room{Name: "r", AdminIDs: []int64{me.AccountID}, ReadonlyIDs: []int64{anna.AccountID}, Link: &apitest.Link{Description: "d"}})
	m := s.AddMessage(apitest.Message{RoomID: room.RoomID, AccountID: anna.AccountID, Body: "hi"})
	s.UpdateMessage(apitest.Message{MessageID: m.MessageID, Body: "hi!"})
	s.AddTask(apitest.Task{RoomID: room.RoomID, AssigneeID: anna.AccountID, AssignedByAccountID: me.AccountID, Body: "t",
		LimitTime: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), Status: "done"})
	s.AddFile(apitest.File{RoomID: room.RoomID, UploaderID: me.AccountID, Name: "f.bin", Content: []byte{0, 1, 2}})
	s.AddIncomingRequest(apitest.IncomingRequest{AccountID: anna.AccountID, ToAccountID: me.AccountID, Message: "hello"})
	s.AddWebhook(apitest.Webhook{URL: "https://hooks.example/x", Events: []string{"message_created", "mention_to_me"}, RoomID: room.RoomID, AccountID: me.AccountID})
	return s.Seed()
}

// TestSchemaNamesTheGoFields checks that each schema of the seed has the
// JSON fields of the Go type of the same name, no more and no fewer.
func TestSchemaNamesTheGoFields(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../../seed.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var root map[string]any
	if err := json.Unmarshal(b, &root); err != nil {
		t.Fatal(err)
	}
	defs := root["$defs"].(map[string]any)
	seen := map[reflect.Type]bool{}
	var check func(typ reflect.Type, schema map[string]any)
	check = func(typ reflect.Type, schema map[string]any) {
		if seen[typ] {
			return
		}
		seen[typ] = true
		props, _ := schema["properties"].(map[string]any)
		var fields []string
		for f := range typ.Fields() {
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" || name == "" {
				continue
			}
			fields = append(fields, name)
			ft := f.Type
			for ft.Kind() == reflect.Slice || ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct && ft.PkgPath() == typ.PkgPath() {
				def, ok := defs[ft.Name()].(map[string]any)
				if !ok {
					t.Errorf("%s.%s: no schema %s in $defs", typ.Name(), f.Name, ft.Name())
					continue
				}
				check(ft, def)
			}
		}
		slices.Sort(fields)
		var names []string
		for k := range props {
			names = append(names, k)
		}
		slices.Sort(names)
		if !slices.Equal(fields, names) {
			t.Errorf("%s: Go fields %v, schema properties %v", typ.Name(), fields, names)
		}
	}
	check(reflect.TypeFor[apitest.Seed](), root)
	if len(seen) < 10 {
		t.Errorf("checked %d types, want the 10 of a seed", len(seen))
	}
}
