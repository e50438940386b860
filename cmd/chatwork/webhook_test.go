package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/chatwork-go/chatwork/api/apitest"
	"github.com/chatwork-go/chatwork/api/webhook"
)

const webhookToken = "c2VjcmV0LXdlYmhvb2stdG9rZW4tZm9yLXRlc3Rz" // base64

// TestWebhookHandler: the handler of webhook listen prints a verified
// event as one JSON line and refuses (and logs, without the token) a
// delivery signed with another token.
func TestWebhookHandler(t *testing.T) {
	t.Parallel()
	var out, logs syncBuffer
	h, err := newWebhookHandler([]string{"b3RoZXI=", webhookToken}, webhookOptions{}, &out, &logs)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(h)
	defer ts.Close()

	body := []byte(`{"webhook_setting_id":"12","webhook_event_type":"mention_to_me","webhook_event_time":1700000001,` +
		`"webhook_event":{"from_account_id":1,"to_account_id":2,"room_id":3,"message_id":"1928374655918273645","body":"[To:2] hi","send_time":1700000000,"update_time":0}}`)
	if code := postSigned(t, ts.URL, body, webhookToken); code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 1 {
		t.Fatalf("printed %d lines, want 1:\n%s", len(lines), out.String())
	}
	var got struct {
		SettingID string          `json:"webhook_setting_id"`
		Type      string          `json:"webhook_event_type"`
		Time      int64           `json:"webhook_event_time"`
		Event     json.RawMessage `json:"webhook_event"`
	}
	if err := json.Unmarshal([]byte(lines[0]), &got); err != nil {
		t.Fatal(err)
	}
	if got.SettingID != "12" || got.Type != "mention_to_me" || got.Time != 1700000001 || !bytes.Contains(got.Event, []byte(`"message_id":"1928374655918273645"`)) {
		t.Errorf("printed %s", lines[0])
	}

	// A delivery signed with another token is refused and not printed.
	if code := postSigned(t, ts.URL, body, "d3Jvbmc="); code != http.StatusUnauthorized {
		t.Errorf("a bad signature got %d, want 401", code)
	}
	if n := strings.Count(out.String(), "\n"); n != 1 {
		t.Errorf("%d lines after a refused delivery, want 1", n)
	}
	if !strings.Contains(logs.String(), "level=WARN") {
		t.Errorf("the refusal was not logged: %q", logs.String())
	}
	if strings.Contains(logs.String(), webhookToken) {
		t.Error("the log holds the token")
	}
}

// TestWebhookListen runs the whole command and has the fake Chatwork
// deliver a real webhook to it.
func TestWebhookListen(t *testing.T) {
	t.Parallel()
	tokenFile := writeFile(t, "tokens", "# my settings\nb3RoZXI=\n\n"+webhookToken+"\n")
	b := cli{}.start(t, "webhook", "listen", "--addr", "127.0.0.1:0", "--webhook-token-file", tokenFile, "--path", "/hook")
	url := waitForListener(t, regexp.MustCompile(`listening for webhooks on (http://\S+/hook) with 2 token`), &b.errout, b.done)[1]

	s := apitest.NewServer(t, apitest.WithSyncWebhooks())
	me := s.Me()
	s.AddWebhook(apitest.Webhook{URL: url, Token: webhookToken, Events: []string{webhook.TypeMessageCreated}, RoomID: me.RoomID})
	msgID := s.AddMessage(apitest.Message{RoomID: me.RoomID, AccountID: me.AccountID, Body: "deployed"}).MessageID
	s.FlushWebhooks()
	if d := s.WebhookDeliveries(); len(d) != 1 || d[0].StatusCode != http.StatusOK {
		t.Fatalf("deliveries: %+v", d)
	}
	waitFor(t, "the event line", func() bool { return strings.Contains(b.out.String(), "\n") })
	var line struct {
		Type  string `json:"webhook_event_type"`
		Event struct {
			MessageID string `json:"message_id"`
			Body      string `json:"body"`
		} `json:"webhook_event"`
	}
	if err := json.Unmarshal([]byte(b.out.String()), &line); err != nil {
		t.Fatalf("%v: %q", err, b.out.String())
	}
	if line.Type != "message_created" || line.Event.MessageID != msgID || line.Event.Body != "deployed" {
		t.Errorf("printed %s", b.out.String())
	}

	// An unsigned request is refused.
	resp, err := http.Post(url, "application/json", strings.NewReader(`{"webhook_event_type":"message_created"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("an unsigned request got %d", resp.StatusCode)
	}

	b.stop(t, "webhook listen")
	if n := strings.Count(b.out.String(), "\n"); n != 1 {
		t.Errorf("%d lines printed, want 1", n)
	}

	// Bad token files are usage errors.
	cli{}.run(t, "webhook", "listen", "--webhook-token-file", writeFile(t, "bad", "not base64!\n")).must(t, exitUsage)
	cli{}.run(t, "webhook", "listen", "--webhook-token-file", writeFile(t, "none", "# nothing\n")).must(t, exitUsage)
	cli{}.run(t, "webhook", "listen").must(t, exitUsage)
}

// TestWebhookSign: the printed signature verifies with the token, which is
// never printed.
func TestWebhookSign(t *testing.T) {
	t.Parallel()
	body := `{"webhook_event_type":"message_created"}`
	r := cli{stdin: body}.run(t, "webhook", "sign", "--webhook-token-file", writeFile(t, "token", webhookToken+"\n")).must(t, exitOK)
	sig := strings.TrimSpace(r.out)
	if err := webhook.Verify([]byte(body), sig, webhookToken); err != nil {
		t.Errorf("the printed signature %q does not verify: %v", sig, err)
	}
	if strings.Contains(r.out+r.errout, webhookToken) {
		t.Error("the token was printed")
	}
}
