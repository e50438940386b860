package apitest

import (
	"net/http"
	"slices"
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
		op := s.route(req)
		if op == nil || op.id != info.ID || op.method != info.Method || op.roomPost != info.RoomPostLimit ||
			!slices.Equal(op.required, info.Required) || !slices.Equal(op.query, info.Query) {
			t.Errorf("%s %s: routed to %+v, want %+v", info.Method, info.Path, op, info)
		}
	}
	if n := len(s.router.ops); n != 32 {
		t.Errorf("the fake knows %d operations, want 32", n)
	}
	for _, target := range []string{"http://x/proxy/v2/me", "http://x/v2/rooms/", "http://x/v2/rooms/1/../1", "http://x/v2/rooms/1/messages/unread"} {
		req, _ := http.NewRequest(http.MethodGet, target, nil)
		if op := s.route(req); op != nil {
			t.Errorf("GET %s routed to %s", target, op.id)
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

// TestEnvelopeFieldOrder checks that payloads have the field order of
// Chatwork's documented sample.
func TestEnvelopeFieldOrder(t *testing.T) {
	e := newEvent(Webhook{ID: 246}, EventMessageCreated, 1511238729, time.Unix(1511238729, 0), messageEvent{
		MessageID: "984676321621704704", RoomID: 36818150, AccountID: 1484814, Body: "test", SendTime: 1511238729,
	})
	want := `{"webhook_setting_id":"246","webhook_event_type":"message_created","webhook_event_time":1511238729,"webhook_event":{"message_id":"984676321621704704","room_id":36818150,"account_id":1484814,"body":"test","send_time":1511238729,"update_time":0}}`
	if string(e.body) != want {
		t.Fatalf("body\n%s\nwant\n%s", e.body, want)
	}
	// And so it verifies with the sample's token and signature.
	if sig, _ := sign("A9ne+ygvdV0IZBaPFV2zC1e5Bk+IsI14BPwieRoBQNU=", e.body); sig != "G7Gtrh5Ee6d8erOVXhWPtUrkNJqqIT5vwLU50KhyLQk=" {
		t.Fatalf("signature %s", sig)
	}
}

func TestAddressees(t *testing.T) {
	got := addressees("[To:1] a [rp aid=22 to=3-4] b [To:1][toall] [To:x]")
	if !slices.Equal(got, []int64{1, 22}) {
		t.Fatalf("addressees = %v", got)
	}
}
