package conformance_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// BenchmarkValidateResponse measures ValidateResponse, operation lookup
// included: a small GET /me answer and a full page of 100 messages.
func BenchmarkValidateResponse(b *testing.B) {
	v := validator(b)
	var msgs []json.RawMessage
	for i := range 100 {
		m := strings.Replace(messageBody, "1928374655918273645", strconv.Itoa(1928374655918273645+i), 1)
		msgs = append(msgs, json.RawMessage(m))
	}
	list, _ := json.Marshal(msgs)
	for _, c := range []struct {
		name, target string
		body         []byte
	}{
		{"getMe", "https://api.chatwork.com/v2/me", []byte(meBody)},
		{"listMessages100", "https://api.chatwork.com/v2/rooms/36818150/messages?force=1", list},
	} {
		b.Run(c.name, func(b *testing.B) {
			req := newRequest("GET", c.target, "", "")
			resp := &http.Response{StatusCode: 200, Header: rateHeaders()}
			rd := bytes.NewReader(c.body)
			body := io.NopCloser(rd)
			b.SetBytes(int64(len(c.body)))
			b.ReportAllocs()
			for b.Loop() {
				rd.Reset(c.body)
				resp.Body = body
				if err := v.ValidateResponse(req, resp); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkValidateRequest measures ValidateRequest of a form POST.
func BenchmarkValidateRequest(b *testing.B) {
	v := validator(b)
	const form = "name=Project+Apollo&members_admin_ids=1484814&members_member_ids=2739132%2C2861671&link=1"
	req, _ := http.NewRequest("POST", "https://api.chatwork.com/v2/rooms", strings.NewReader(form))
	req.Header.Set("Content-Type", formCT)
	req.Header.Set("X-Chatworktoken", testToken)
	b.ReportAllocs()
	for b.Loop() {
		if err := v.ValidateRequest(req); err != nil {
			b.Fatal(err)
		}
	}
}
