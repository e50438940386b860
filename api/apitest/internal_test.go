package apitest

import (
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chatwork-go/chatwork/conformance"
)

// TestRoutesMatchSpec checks that the fake routes a request for each
// operation of the spec to that operation, with its description, and
// refuses paths outside /v2 or not clean.
func TestRoutesMatchSpec(t *testing.T) {
	v, err := conformance.New()
	if err != nil {
		t.Fatal(err)
	}
	s, err := Start(WithoutListener())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, info := range v.Operations() {
		req, _ := http.NewRequest(info.Method, "http://x"+basePath+samplePath(info.Path), nil)
		op, params := s.route(req)
		if op == nil || !reflect.DeepEqual(*op, info) {
			t.Errorf("%s %s: routed to %+v, want %+v", info.Method, info.Path, op, info)
		}
		for name, v := range params {
			if v != "1" || !strings.Contains(info.Path, "{"+name+"}") {
				t.Errorf("%s %s: path parameter %s = %q", info.Method, info.Path, name, v)
			}
		}
		if len(params) != strings.Count(info.Path, "{") {
			t.Errorf("%s %s: path parameters %v", info.Method, info.Path, params)
		}
	}
	if n := len(s.router.ops); n != 32 {
		t.Errorf("the fake knows %d operations, want 32", n)
	}
	for _, target := range []string{"http://x/proxy/v2/me", "http://x/v2/rooms/", "http://x/v2/rooms/1/../1", "http://x/v2/rooms/1/messages/unread"} {
		req, _ := http.NewRequest(http.MethodGet, target, nil)
		if op, _ := s.route(req); op != nil {
			t.Errorf("GET %s routed to %s", target, op.ID)
		}
	}
}

func samplePath(p string) string {
	r := []byte{}
	for i := 0; i < len(p); i++ {
		if p[i] == '{' {
			for p[i] != '}' {
				i++
			}
			r = append(r, '1')
			continue
		}
		r = append(r, p[i])
	}
	return string(r)
}

// TestSignVectors checks the webhook signature against Chatwork's
// published samples.
func TestSignVectors(t *testing.T) {
	for _, v := range []struct{ token, body, sig string }{
		{
			"iY/hmitgwCBlc5DnjAZ8pyRG1HF0zFflfmKmtCDg1wk=",
			`{"webhook_setting_id":"581","webhook_event_type":"mention_to_me","webhook_event_time":1516629767,"webhook_event":{"from_account_id":2861671,"to_account_id":2739132,"room_id":93207172,"message_id":"1007287971738591232","body":"[rp aid=2739132 to=93207172-1007287785163345920] sue445\ntest","send_time":1516629766,"update_time":0}}`,
			"NTIUzbXiwLvM7C/MT3Kd75Lw1w2N5tyWtcEieKiqhY0=",
		},
		{
			"A9ne+ygvdV0IZBaPFV2zC1e5Bk+IsI14BPwieRoBQNU=",
			`{"webhook_setting_id":"246","webhook_event_type":"message_created","webhook_event_time":1511238729,"webhook_event":{"message_id":"984676321621704704","room_id":36818150,"account_id":1484814,"body":"test","send_time":1511238729,"update_time":0}}`,
			"G7Gtrh5Ee6d8erOVXhWPtUrkNJqqIT5vwLU50KhyLQk=",
		},
	} {
		got, err := sign(v.token, []byte(v.body))
		if err != nil || got != v.sig {
			t.Errorf("sign = %q, %v; want %q", got, err, v.sig)
		}
	}
	if _, err := sign("not base64!", nil); err == nil {
		t.Error("a bad token was accepted")
	}
}

// TestEventMatchesSample checks that the fake's payload for the message of
// Chatwork's documented sample says what the sample says. (Its fields come
// in the order of package gen's types, not the sample's: the signature
// covers the bytes, whatever their order.)
func TestEventMatchesSample(t *testing.T) {
	m := &message{id: 984676321621704704, roomID: 36818150, accountID: 1484814, body: "test", sendTime: 1511238729}
	e := messageEvent(Webhook{WebhookID: 246}, evMessageCreated, m, 1511238729)
	want := `{"webhook_setting_id":"246","webhook_event_type":"message_created","webhook_event_time":1511238729,"webhook_event":{"message_id":"984676321621704704","room_id":36818150,"account_id":1484814,"body":"test","send_time":1511238729,"update_time":0}}`
	var got, wantV any
	if err := json.Unmarshal(e.body, &got); err != nil {
		t.Fatal(err)
	}
	_ = json.Unmarshal([]byte(want), &wantV)
	if !reflect.DeepEqual(got, wantV) {
		t.Fatalf("body\n%s\nsays something else than the sample\n%s", e.body, want)
	}
	if e.typ != evMessageCreated || !e.at.Equal(time.Unix(1511238729, 0)) {
		t.Errorf("event %q at %v", e.typ, e.at)
	}
}

func TestAddressees(t *testing.T) {
	got := addressees("[To:1] a [rp aid=22 to=3-4] b [To:1][toall] [To:x]")
	if !slices.Equal(got, []int64{1, 22}) {
		t.Fatalf("addressees = %v", got)
	}
}
