package apitest

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/chatwork-go/chatwork/conformance"
)

// TestRoutesMatchSpec checks the operation table against openapi.yaml.
func TestRoutesMatchSpec(t *testing.T) {
	v, err := conformance.New()
	if err != nil {
		t.Fatal(err)
	}
	var ours []string
	for _, op := range operations {
		ours = append(ours, op.id)
		req, _ := http.NewRequest(op.method, "http://x"+basePath+samplePath(op.pattern), nil)
		got, err := v.Operation(req)
		if err != nil || got != op.id {
			t.Errorf("%s %s: the spec says %q (%v)", op.method, op.pattern, got, err)
		}
	}
	specIDs := v.OperationIDs()
	slices.Sort(ours)
	slices.Sort(specIDs)
	if !slices.Equal(ours, specIDs) || len(ours) != 32 {
		t.Errorf("operations differ:\n ours %v\n spec %v", ours, specIDs)
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
