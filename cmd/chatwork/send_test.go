package main

import (
	"regexp"
	"strings"
	"testing"

	"github.com/chatwork-go/chatwork/api/apitest"
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
