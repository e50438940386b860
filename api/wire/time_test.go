package wire_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/chatwork-go/chatwork/api/wire"
	"github.com/chatwork-go/chatwork/gen"
)

func TestUnixTimeJSON(t *testing.T) {
	var m gen.Message
	// In the generated struct's field order, so the round trip is exact.
	in := `{"account":{"account_id":1,"avatar_image_url":"","name":"a"},"body":"x","message_id":"1928374655918273645","send_time":1384242850,"update_time":0}`
	if err := json.Unmarshal([]byte(in), &m); err != nil {
		t.Fatal(err)
	}
	want := time.Date(2013, 11, 12, 7, 54, 10, 0, time.UTC)
	if !m.SendTime.Equal(want) || m.SendTime.Location() != time.UTC {
		t.Errorf("send_time = %v, want %v in UTC", m.SendTime, want)
	}
	// 0 is "never edited": the zero time.
	if !m.UpdateTime.IsZero() {
		t.Errorf("update_time 0 = %v, want the zero time", m.UpdateTime)
	}
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != in {
		t.Errorf("round trip:\n got %s\nwant %s", out, in)
	}
}

func TestUnixTimeValues(t *testing.T) {
	if s := wire.Unix(0).Seconds(); s != 0 || !wire.Unix(0).IsZero() {
		t.Errorf("Unix(0) = %v (%d), want the zero time", wire.Unix(0), s)
	}
	if s := wire.TimeOf(time.Time{}).Seconds(); s != 0 {
		t.Errorf("TimeOf(zero).Seconds() = %d", s)
	}
	// Before 1970 survives, and sub-second parts are cut.
	at := time.Date(1969, 7, 20, 20, 17, 40, 999, time.FixedZone("X", 3600))
	if got := wire.TimeOf(at); got.Seconds() != at.Unix() || !got.Equal(at.Truncate(time.Second)) {
		t.Errorf("TimeOf(%v) = %v", at, got)
	}
	for _, bad := range []string{`"1384242850"`, `1.5`, `true`, `{}`, `99999999999999999999`} {
		var u wire.UnixTime
		if err := json.Unmarshal([]byte(bad), &u); err == nil {
			t.Errorf("%s decoded as %v", bad, u)
		}
	}
	u := wire.Unix(5)
	if err := json.Unmarshal([]byte("null"), &u); err != nil || u.Seconds() != 5 {
		t.Errorf("null changed the time: %v, %v", u, err)
	}
	if b, _ := wire.Unix(1700000000).MarshalText(); string(b) != "1700000000" {
		t.Errorf("MarshalText = %s", b)
	}
}

// TestGeneratedTimesAreTimes walks every generated model: a field whose
// JSON name says it is a time must be a wire.UnixTime, so that every time
// the api package hands out is a time.Time.
func TestGeneratedTimesAreTimes(t *testing.T) {
	models := []any{
		gen.Message{}, gen.MyTask{}, gen.RoomTask{}, gen.File{}, gen.Room{}, gen.RoomDetail{},
		gen.WebhookEnvelope{}, gen.WebhookMessageEvent{}, gen.WebhookMentionEvent{},
		gen.WebhookMessageCreated{}, gen.WebhookMessageUpdated{}, gen.WebhookMentionToMe{},
	}
	timeType := reflect.TypeFor[wire.UnixTime]()
	var found int
	var walk func(reflect.Type, string)
	walk = func(typ reflect.Type, where string) {
		for f := range typ.Fields() {
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			switch {
			case strings.HasSuffix(name, "_time"):
				found++
				if ft != timeType {
					t.Errorf("%s.%s is %v, want wire.UnixTime", where, f.Name, f.Type)
				}
			case ft.Kind() == reflect.Struct && ft != timeType && ft.PkgPath() == typ.PkgPath():
				walk(ft, where+"."+f.Name)
			}
		}
	}
	for _, m := range models {
		typ := reflect.TypeOf(m)
		walk(typ, typ.Name())
	}
	if found < 14 {
		t.Errorf("found %d time fields; the walk missed some", found)
	}
}

// FuzzUnixTimeJSON checks that any integer of seconds survives a JSON round
// trip, and that anything else is refused rather than misread.
func FuzzUnixTimeJSON(f *testing.F) {
	for _, s := range []string{"0", "1384242850", "-1", "9223372036854775807", "1.5", `"1"`, "null", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		var u wire.UnixTime
		if err := json.Unmarshal([]byte(in), &u); err != nil || in == "null" {
			return
		}
		out, err := json.Marshal(u)
		if err != nil {
			t.Fatal(err)
		}
		var back wire.UnixTime
		if err := json.Unmarshal(out, &back); err != nil || back != u {
			t.Fatalf("%s -> %v -> %s -> %v, %v", in, u, out, back, err)
		}
		if u.Seconds() != 0 && u.Location() != time.UTC {
			t.Fatalf("%s read in %v, want UTC", in, u.Location())
		}
	})
}
