package apitest_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/chatwork-go/chatwork/api/apitest"
)

func TestReadSeedNamesPathAndLine(t *testing.T) {
	for _, x := range []struct {
		name, src string
		want      []string // every error, in order
	}{
		{"yaml reference", "accounts:\n  - account_id: 1\nrooms:\n  - name: r\n    admin_ids:\n      - 1\n      - 9\n",
			[]string{"seed.yaml:7: rooms[0].admin_ids[1]: unknown account 9"}},
		{"yaml schema", "accounts:\n  - {account_id: 1, nickname: x}\nmessages:\n  - room_id: 5\n    body: hi\n",
			[]string{"seed.yaml:2: accounts[0].nickname: unknown field", "seed.yaml:4: messages[0].account_id: required, and missing"}},
		{"json time", "{\n  \"accounts\": [{\"account_id\": 1}],\n  \"messages\": [\n    {\"room_id\": 1, \"account_id\": 1, \"body\": \"x\",\n     \"send_time\": \"noon\"}\n  ]\n}\n",
			[]string{"seed.yaml:5: messages[0].send_time: not an RFC 3339 time, such as 2026-12-06T09:00:00Z"}},
		{"json syntax", "{\"accounts\": [\n  {\"account_id\": 1,}\n]}", []string{"seed.yaml:2: "}},
		{"duplicate ID", "accounts:\n  - account_id: 1\n  - account_id: 1\n", []string{"seed.yaml:3: accounts[1].account_id: account 1 already exists"}},
		{"not a member", "accounts: [{account_id: 1}, {account_id: 2}]\nrooms: [{room_id: 3, admin_ids: [1]}]\nmessages:\n  - {room_id: 3, account_id: 2, body: x}\n",
			[]string{"seed.yaml:4: messages[0].account_id: account 2 is not a member of room 3"}},
		{"empty", "", []string{"seed.yaml:1: the file is empty"}},
	} {
		_, err := apitest.ReadSeed("seed.yaml", []byte(x.src))
		if err == nil {
			t.Errorf("%s: no error", x.name)
			continue
		}
		got := strings.Split(err.Error(), "\n")
		if len(got) != len(x.want) {
			t.Errorf("%s: errors\n%s\nwant %q", x.name, err, x.want)
			continue
		}
		for i := range got {
			if !strings.HasPrefix(got[i], x.want[i]) {
				t.Errorf("%s: error %q, want %q", x.name, got[i], x.want[i])
			}
		}
		var se *apitest.SeedError
		if !errors.As(err, &se) || se.File != "seed.yaml" || se.Line == 0 {
			t.Errorf("%s: %#v is not a *SeedError with a file and a line", x.name, err)
		}
	}
}

// TestReadSeedReadsWhatSeedWrites writes a server's state as JSON, reads it
// back and starts a server from it: the same state.
func TestReadSeedReadsWhatSeedWrites(t *testing.T) {
	w := newWorld(t)
	w.s.AddMessage(apitest.Message{RoomID: w.room, AccountID: w.alice.AccountID, Body: "hi"})
	w.s.AddTask(apitest.Task{RoomID: w.room, AssigneeID: w.alice.AccountID, AssignedByAccountID: w.me.AccountID, Body: "t"})
	w.s.AddFile(apitest.File{RoomID: w.room, UploaderID: w.me.AccountID, Name: "x.bin", Content: []byte{0xff, 0}})
	seed := w.s.Seed()
	b, err := json.MarshalIndent(seed, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got, err := apitest.ReadSeed("state.json", b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, seed) {
		t.Fatalf("read back\n%+v\nwant\n%+v", got, seed)
	}
	s := apitest.NewServer(t, apitest.WithoutListener(), apitest.WithSeed(got))
	if !reflect.DeepEqual(s.Seed(), seed) {
		t.Fatal("a server from the seed holds another state")
	}
}
