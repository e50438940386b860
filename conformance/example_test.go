package conformance_test

import (
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/chatwork-go/chatwork/conformance"
)

// A fake API answers POST /rooms/{room_id}/messages; the validating
// transport refuses a request that puts the message in the query, before it
// is sent.
func ExampleValidator_Transport() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Ratelimit-Limit", "300")
		w.Header().Set("X-Ratelimit-Remaining", "299")
		w.Header().Set("X-Ratelimit-Reset", "1763779200")
		_, _ = io.WriteString(w, `{"message_id":"1928374655918273645"}`)
	}))
	defer srv.Close()

	v, err := conformance.New()
	if err != nil {
		log.Fatal(err)
	}
	hc := &http.Client{Transport: v.Transport(nil)}

	send := func(target, body string) error {
		req, _ := http.NewRequest("POST", srv.URL+target, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Chatworktoken", "your-token")
		resp, err := hc.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		fmt.Println(resp.StatusCode, string(b))
		return nil
	}

	if err := send("/v2/rooms/36818150/messages", "body=Hello"); err != nil {
		log.Fatal(err)
	}
	err = send("/v2/rooms/36818150/messages?body=Hello", "")
	var e *conformance.Error
	if errors.As(err, &e) {
		fmt.Println(e.OperationID, e.Field, e.Value)
	}
	// Output:
	// 200 {"message_id":"1928374655918273645"}
	// postMessage query.body "Hello"
}

func ExampleValidator_ValidateResponse() {
	v, err := conformance.New()
	if err != nil {
		log.Fatal(err)
	}
	req := httptest.NewRequest("GET", "https://api.chatwork.com/v2/rooms/36818150/messages/1928374655918273645", nil)
	resp := &http.Response{
		StatusCode: 200,
		Header: http.Header{
			"Content-Type":          {"application/json"},
			"X-Ratelimit-Limit":     {"300"},
			"X-Ratelimit-Remaining": {"299"},
		},
		// message_id is a number here: it must be a string.
		Body: io.NopCloser(strings.NewReader(`{"message_id":1928374655918273645,"account":{"account_id":1,"name":"Bob","avatar_image_url":""},"body":"hi","send_time":1763779000,"update_time":0}`)),
	}
	err = v.ValidateResponse(req, resp)
	fmt.Println(err)
	// Output:
	// conformance: getMessage response 200: header.x-ratelimit-reset: required header is missing
	// conformance: getMessage response 200: body.message_id: value 1928374655918273536: value must be a string
}

func ExampleValidator_ValidateWebhook() {
	v, err := conformance.New()
	if err != nil {
		log.Fatal(err)
	}
	// A mention_to_me event has from_account_id, not account_id.
	body := `{"webhook_setting_id":"581","webhook_event_type":"mention_to_me","webhook_event_time":1516629767,
	  "webhook_event":{"account_id":2861671,"to_account_id":2739132,"room_id":93207172,
	  "message_id":"1007287971738591232","body":"[To:2739132] hi","send_time":1516629766,"update_time":0}}`
	fmt.Println(v.ValidateWebhook([]byte(body)))
	// Output:
	// conformance: receiveMentionToMe webhook: body.webhook_event.from_account_id: required property is missing
}

// Detect API drift: with RejectUnknownProperties, a field the spec does not
// declare is reported.
func ExampleRejectUnknownProperties() {
	v, err := conformance.New(conformance.RejectUnknownProperties())
	if err != nil {
		log.Fatal(err)
	}
	req := httptest.NewRequest("GET", "https://api.chatwork.com/v2/rooms/1/link", nil)
	req.Header.Set("X-Chatworktoken", "your-token")
	resp := &http.Response{
		StatusCode: 200,
		Header: http.Header{
			"Content-Type":          {"application/json"},
			"X-Ratelimit-Limit":     {"300"},
			"X-Ratelimit-Remaining": {"299"},
			"X-Ratelimit-Reset":     {"1763779200"},
		},
	}
	fmt.Println(v.ValidateExchange(req, nil, resp, []byte(`{"public":false,"expires_at":0}`)))
	// Output:
	// conformance: getInvitationLink response 200: body.expires_at: value 0: property is not declared in the spec (unknown properties are rejected)
}
