package wire_test

import (
	"encoding/json"
	"net/url"
	"testing"

	"github.com/oapi-codegen/runtime"

	"github.com/chatwork-go/chatwork/api/wire"
	"github.com/chatwork-go/chatwork/gen"
)

func TestIDsRoundTrip(t *testing.T) {
	ids := wire.JoinIDs(123, 542, 9007199254740993)
	if ids != "123,542,9007199254740993" {
		t.Fatalf("JoinIDs = %q", ids)
	}
	back, err := ids.Int64s()
	if err != nil || len(back) != 3 || back[2] != 9007199254740993 {
		t.Fatalf("Int64s = %v, %v", back, err)
	}
	if wire.JoinIDs() != "" {
		t.Error("no IDs must be the empty value")
	}
	if _, err := wire.IDs("1,x").Int64s(); err == nil {
		t.Error("1,x parsed")
	}
}

func TestFlag(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want wire.Flag
		ok   bool
	}{{"1", true, true}, {"0", false, true}, {"true", true, true}, {"2", false, false}, {"", false, false}} {
		var f wire.Flag
		err := f.UnmarshalText([]byte(tc.in))
		if (err == nil) != tc.ok || f != tc.want {
			t.Errorf("UnmarshalText(%q) = %v, %v", tc.in, f, err)
		}
	}
	b, _ := json.Marshal(struct{ F wire.Flag }{true})
	if string(b) != `{"F":1}` {
		t.Errorf("JSON %s", b)
	}
}

// TestGeneratedFormEncoding pins what the generated typed methods send:
// runtime.MarshalForm writes a slice as name[0]=..., which Chatwork does not
// read; the wire types make it write Chatwork's form.
func TestGeneratedFormEncoding(t *testing.T) {
	body := gen.CreateRoomFormdataRequestBody{
		Name:             "r",
		MembersAdminIDs:  wire.JoinIDs(1, 2, 3),
		MembersMemberIDs: wire.JoinIDs(4),
		Link:             wire.FlagOf(true),
	}
	v, err := runtime.MarshalForm(body, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := url.Values{"name": {"r"}, "members_admin_ids": {"1,2,3"}, "members_member_ids": {"4"}, "link": {"1"}}
	if v.Encode() != want.Encode() {
		t.Errorf("form %s, want %s", v.Encode(), want.Encode())
	}
}
