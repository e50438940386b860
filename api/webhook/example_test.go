package webhook_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/chatwork-go/chatwork/api/notation"
	"github.com/chatwork-go/chatwork/api/webhook"
)

// Check a delivery's signature: the token of the webhook setting (from
// Chatwork's settings page), a delivery and its signature (test vector B
// from Chatwork's blog).
func ExampleVerify() {
	token := "A9ne+ygvdV0IZBaPFV2zC1e5Bk+IsI14BPwieRoBQNU="
	body := `{"webhook_setting_id":"246","webhook_event_type":"message_created","webhook_event_time":1511238729,"webhook_event":{"message_id":"984676321621704704","room_id":36818150,"account_id":1484814,"body":"test","send_time":1511238729,"update_time":0}}`
	sig := "G7Gtrh5Ee6d8erOVXhWPtUrkNJqqIT5vwLU50KhyLQk="

	fmt.Println(webhook.Verify([]byte(body), sig, token))
	fmt.Println(webhook.Verify([]byte(body+" "), sig, token))
	// Output:
	// <nil>
	// webhook: signature mismatch
}

func ExampleParseRequest() {
	token := "A9ne+ygvdV0IZBaPFV2zC1e5Bk+IsI14BPwieRoBQNU=" // the webhook setting's token
	// In an http.HandlerFunc, r is the incoming request; here, test vector B
	// from Chatwork's blog, signed in the query.
	body := `{"webhook_setting_id":"246","webhook_event_type":"message_created","webhook_event_time":1511238729,"webhook_event":{"message_id":"984676321621704704","room_id":36818150,"account_id":1484814,"body":"test","send_time":1511238729,"update_time":0}}`
	r := httptest.NewRequest(http.MethodPost, "/chatwork?chatwork_webhook_signature=G7Gtrh5Ee6d8erOVXhWPtUrkNJqqIT5vwLU50KhyLQk%3D",
		bytes.NewReader([]byte(body)))

	e, err := webhook.ParseRequest(r, token)
	if err != nil {
		fmt.Println(err) // answer 401 or 400
		return
	}
	fmt.Println(e.Type, e.Message.RoomID, e.Message.MessageID, e.Message.Body)
	// Output: message_created 36818150 984676321621704704 test
}

func ExampleHandler() {
	h, err := webhook.NewHandler([]string{"iY/hmitgwCBlc5DnjAZ8pyRG1HF0zFflfmKmtCDg1wk="})
	if err != nil {
		panic(err)
	}
	h.OnMentionToMe(func(ctx context.Context, e *webhook.Event) error {
		m := e.Mention
		reply := notation.NewBuilder().
			Reply(m.FromAccountID, m.RoomID, m.MessageID, "").
			Text("Got it: " + notation.Parse(m.Body).PlainText).
			String()
		// A real bot would post reply to room m.RoomID with the API client.
		fmt.Printf("to room %d: %q\n", m.RoomID, reply)
		return nil
	})
	// http.Handle("/chatwork", h)

	// Deliver a mention (test vector A) the way Chatwork does.
	delivery := `{"webhook_setting_id":"581","webhook_event_type":"mention_to_me","webhook_event_time":1516629767,"webhook_event":{"from_account_id":2861671,"to_account_id":2739132,"room_id":93207172,"message_id":"1007287971738591232","body":"[rp aid=2739132 to=93207172-1007287785163345920] sue445\ntest","send_time":1516629766,"update_time":0}}`
	r := httptest.NewRequest(http.MethodPost, "/chatwork", bytes.NewReader([]byte(delivery)))
	r.Header.Set("X-ChatWorkWebhookSignature", "NTIUzbXiwLvM7C/MT3Kd75Lw1w2N5tyWtcEieKiqhY0=")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	fmt.Println(w.Code, w.Body.Len())
	// Output:
	// to room 93207172: "[rp aid=2861671 to=93207172-1007287971738591232]\nGot it: sue445\ntest"
	// 200 0
}

// Sign lets a test deliver events to your own handler.
func ExampleSign() {
	token := "A9ne+ygvdV0IZBaPFV2zC1e5Bk+IsI14BPwieRoBQNU=" // the token the handler is set up with
	payload := []byte(`{"webhook_setting_id":"1","webhook_event_type":"message_created","webhook_event_time":1700000000,` +
		`"webhook_event":{"message_id":"1928374655918273645","room_id":42,"account_id":7,"body":"hi","send_time":1700000000,"update_time":0}}`)
	s, err := webhook.Sign(payload, token)
	if err != nil {
		panic(err)
	}

	h, err := webhook.NewHandler([]string{token})
	if err != nil {
		panic(err)
	}
	h.OnMessageCreated(func(ctx context.Context, e *webhook.Event) error {
		fmt.Println("message", e.Message.MessageID, "from", e.Message.AccountID)
		return nil
	})

	r := httptest.NewRequest(http.MethodPost, "/hook", bytes.NewReader(payload))
	r.Header.Set(webhook.SignatureHeader, s)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	fmt.Println(w.Code)
	// Output:
	// message 1928374655918273645 from 7
	// 200
}

// NewRequest builds a signed delivery, for tests against a real server.
func ExampleNewRequest() {
	token := "A9ne+ygvdV0IZBaPFV2zC1e5Bk+IsI14BPwieRoBQNU=" // the token the receiver is set up with
	h, err := webhook.NewHandler([]string{token})
	if err != nil {
		panic(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()

	body := `{"webhook_setting_id":"246","webhook_event_type":"message_created","webhook_event_time":1511238729,"webhook_event":{"message_id":"984676321621704704","room_id":36818150,"account_id":1484814,"body":"test","send_time":1511238729,"update_time":0}}`
	req, err := webhook.NewRequest(context.Background(), srv.URL, []byte(body), token)
	if err != nil {
		panic(err)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode, req.URL.RawQuery)
	// Output: 200 chatwork_webhook_signature=G7Gtrh5Ee6d8erOVXhWPtUrkNJqqIT5vwLU50KhyLQk%3D
}

// A receiver that refuses events older than five minutes and ignores
// replays of the deliveries it accepted.
func ExampleWithReplayGuard() {
	token := "A9ne+ygvdV0IZBaPFV2zC1e5Bk+IsI14BPwieRoBQNU=" // the webhook setting's token
	h, err := webhook.NewHandler([]string{token},
		webhook.WithMaxEventAge(5*time.Minute),
		webhook.WithReplayGuard(10000), // about 1.2 MB when full; more than Chatwork sends in 5 minutes
		// The clock is set to just after the test vector's event time.
		webhook.WithClock(func() time.Time { return time.Unix(1511238729+60, 0) }),
	)
	if err != nil {
		panic(err)
	}
	h.OnMessageCreated(func(ctx context.Context, e *webhook.Event) error {
		fmt.Println("handled", e.Message.MessageID)
		return nil
	})
	// Test vector B from Chatwork's blog, delivered twice.
	body := `{"webhook_setting_id":"246","webhook_event_type":"message_created","webhook_event_time":1511238729,"webhook_event":{"message_id":"984676321621704704","room_id":36818150,"account_id":1484814,"body":"test","send_time":1511238729,"update_time":0}}`
	sig, err := webhook.Sign([]byte(body), token)
	if err != nil {
		panic(err)
	}
	for range 2 {
		r := httptest.NewRequest(http.MethodPost, "/hook", bytes.NewReader([]byte(body)))
		r.Header.Set(webhook.SignatureHeader, sig)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		fmt.Println(w.Code)
	}
	// Output:
	// handled 984676321621704704
	// 200
	// 200
}
