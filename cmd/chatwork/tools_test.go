package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chatwork-go/chatwork/api/apitest"
	"github.com/chatwork-go/chatwork/api/webhook"
)

// TestSend: send builds the markup (mentions, a reply to a looked-up
// sender, an info box), reads the text from stdin, uploads with --file and
// refuses bad arguments.
func TestSend(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	room := s64(w.room)
	last := func() string {
		msgs := w.s.Messages(w.room)
		return msgs[len(msgs)-1].Body
	}

	// The new message's ID, as the API answers it (the output rule).
	var posted struct {
		MessageID string `json:"message_id"`
	}
	w.run(t, "-o", "json", "send", room, "hello", "--to", s64(w.bob.AccountID)).must(t, exitOK).decode(t, &posted)
	msgs := w.s.Messages(w.room)
	if posted.MessageID != msgs[len(msgs)-1].MessageID {
		t.Errorf("send printed %q, want the message ID %s", posted.MessageID, msgs[len(msgs)-1].MessageID)
	}
	if got, want := last(), "[To:"+s64(w.bob.AccountID)+"]\nhello"; got != want {
		t.Errorf("body %q, want %q", got, want)
	}

	// From stdin, with an info box and two mentions.
	cli{env: w.env, stdin: "Build #42 failed\nsee the log\n"}.run(t, "send", room, "-", "--to", s64(w.bob.AccountID), "--to", s64(w.me.AccountID), "--info-title", "CI").must(t, exitOK)
	want := "[To:" + s64(w.bob.AccountID) + "]\n[To:" + s64(w.me.AccountID) + "]\n[info][title]CI[/title]Build #42 failed\nsee the log[/info]"
	if got := last(); got != want {
		t.Errorf("body %q, want %q", got, want)
	}
	cli{env: w.env}.run(t, "send", room, "-").must(t, exitUsage)

	// A reply looks up the replied message's sender.
	bobMsg := w.s.AddMessage(apitest.Message{RoomID: w.room, AccountID: w.bob.AccountID, Body: "can you deploy?"}).MessageID
	w.run(t, "send", room, "done", "--reply", bobMsg).must(t, exitOK)
	want = "[rp aid=" + s64(w.bob.AccountID) + " to=" + room + "-" + bobMsg + "] Bob Suzuki\ndone"
	if got := last(); got != want {
		t.Errorf("reply body %q, want %q", got, want)
	}
	w.run(t, "send", room, "x", "--reply", "1234").must(t, exitAPI)

	// -o table prints it as a line.
	r := w.run(t, "send", room, "table please", "-o", "table").must(t, exitOK)
	if msgs := w.s.Messages(w.room); !regexp.MustCompile(`^message_id +` + msgs[len(msgs)-1].MessageID + `\n$`).MatchString(r.out) {
		t.Errorf("-o table printed %q", r.out)
	}

	// --file uploads the file with the text as its message.
	path := writeFile(t, "build.log", "step 1 ok\nstep 2 FAILED\n")
	var uploaded struct {
		FileID int64 `json:"file_id"`
	}
	w.run(t, "-o", "json", "send", room, "the log", "--file", path, "--to", s64(w.bob.AccountID)).must(t, exitOK).decode(t, &uploaded)
	files := w.s.Files(w.room)
	if len(files) != 1 || uploaded.FileID != files[0].FileID {
		t.Fatalf("send --file printed %+v; files %+v", uploaded, files)
	}
	if b := files[0].Content; string(b) != "step 1 ok\nstep 2 FAILED\n" {
		t.Errorf("uploaded %q", b)
	}
	if got := last(); !strings.Contains(got, "[To:"+s64(w.bob.AccountID)+"]") || !strings.Contains(got, "the log") {
		t.Errorf("upload message %q lacks the mention or the text", got)
	}
	// A file alone needs no text.
	w.run(t, "send", room, "--file", path).must(t, exitOK)

	w.run(t, "send", room).must(t, exitUsage)
	w.run(t, "send").must(t, exitUsage)
	w.run(t, "send", room, "two", "words").must(t, exitUsage)
}

// TestDemo runs the demo and finds each of its steps and results in the
// output, nothing on stderr.
func TestDemo(t *testing.T) {
	t.Parallel()
	start := time.Now()
	r := cli{}.run(t, "demo").must(t, exitOK)
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("the demo took %s", d)
	}
	for _, want := range []string{
		"A fake Chatwork is running in this process at http://127.0.0.1:",
		" 1. Who am I?",
		"Yuki Sato (account_id",
		" 3. Create a group chat with Alice",
		"[To:1000002] Alice Tanaka",
		"[info][title]Release 1.2[/title]",
		"[rp aid=1000001 to=",
		`is now "done"`,
		"identical to the upload ✓",
		"unread 1 in 1 room(s), mentions 1",
		"ListNew (force=0): 4 message(s)",
		"ListNew again: 0 message(s)",
		"ListLatest (force=1): still 4 message(s)",
		"the room has 0 unread message(s), 0 mention(s)",
		"requests left in this window",
		"export CHATWORK_API_TOKEN=",
	} {
		if !strings.Contains(r.out, want) {
			t.Errorf("the demo's output lacks %q", want)
		}
	}
	for n := 1; n <= 11; n++ {
		if !regexp.MustCompile(`(?m)^ ?` + s64(int64(n)) + `\. `).MatchString(r.out) {
			t.Errorf("step %d is missing", n)
		}
	}
	if r.errout != "" {
		t.Errorf("stderr: %s", r.errout)
	}
	if t.Failed() {
		t.Logf("output:\n%s", r.out)
	}
}

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

// TestFake starts "chatwork fake", reads the base URL and token it prints,
// and points the command at it.
func TestFake(t *testing.T) {
	t.Parallel()
	var base string
	runFake(t, []string{"fake", "--addr", "127.0.0.1:0"}, func(baseURL, token, banner string) {
		base = baseURL
		room := regexp.MustCompile(`room     Sandbox \(room_id (\d+)\)`).FindStringSubmatch(banner)
		if room == nil {
			t.Fatalf("the banner lacks the room:\n%s", banner)
		}
		if !strings.HasPrefix(base, "http://127.0.0.1:") {
			t.Errorf("base URL %q is not loopback", base)
		}
		env := map[string]string{envBaseURL: base, envToken: token, envMaxWait: "0"}
		r := cli{env: env}.run(t, "messages", "list", room[1], "--output", "table").must(t, exitOK)
		if !strings.Contains(r.out, "Welcome to the fake Chatwork") {
			t.Errorf("the seeded room:\n%s", r.out)
		}
		r = cli{env: env}.run(t, "requests", "list", "--output", "table").must(t, exitOK)
		if !strings.Contains(r.out, "Bob Suzuki") || !strings.Contains(r.out, "Carol Sato") {
			t.Errorf("the seeded contact requests:\n%s", r.out)
		}
	})
	// The server is gone.
	if resp, err := http.Get(base + "/me"); err == nil {
		resp.Body.Close()
		t.Error("the fake still answers after it stopped")
	}
}
