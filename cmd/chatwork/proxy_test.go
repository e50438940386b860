package main

import (
	"bytes"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/chatwork-go/chatwork/api/apitest"
)

// TestProxyCommand runs chatwork proxy in front of a fake, sends a good
// and a bad request through it, and checks the JSON lines, the header, the
// summary and the HAR file, which chatwork conformance check then reads.
func TestProxyCommand(t *testing.T) {
	t.Parallel()
	srv := apitest.NewServer(t)
	room := srv.AddRoom(apitest.Room{Name: "proxy", AdminIDs: []int64{srv.Me().AccountID}}).RoomID
	harFile := filepath.Join(t.TempDir(), "session.har")
	b := cli{}.start(t, "proxy", "--upstream", srv.URL(), "--addr", "127.0.0.1:0", "--record", harFile)
	addr := regexp.MustCompile(`proxy on (http://\S+/v2) `)
	waitFor(t, "the proxy's banner", func() bool { return addr.MatchString(b.errout.String()) })
	base := addr.FindStringSubmatch(b.errout.String())[1]

	get, _ := http.NewRequest(http.MethodGet, base+"/me", nil)
	get.Header.Set("X-ChatWorkToken", srv.Token())
	resp, err := http.DefaultClient.Do(get)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("X-Chatwork-Conformance") != "0 violations" {
		t.Errorf("GET /me: %d, %q", resp.StatusCode, resp.Header.Get("X-Chatwork-Conformance"))
	}
	if code := sendForm(t, http.MethodPost, base+"/rooms/"+s64(room)+"/messages?self_unread=true", "X-ChatWorkToken", srv.Token(), "body=hi"); code != 200 {
		t.Errorf("POST with a query parameter: %d; the proxy must forward it (Chatwork ignores the query)", code)
	}
	b.stop(t, "proxy")

	errout := b.errout.String()
	if strings.Contains(errout, srv.Token()) {
		t.Error("the proxy printed the token")
	}
	var line struct{ Operation, Part, Field, Value, Reason string }
	for _, l := range strings.Split(errout, "\n") {
		if strings.HasPrefix(l, "{") {
			if err := json.Unmarshal([]byte(l), &line); err != nil {
				t.Fatalf("violation line %q: %v", l, err)
			}
		}
	}
	if line.Operation != "postMessage" || line.Part != "request" || line.Field != "query.self_unread" || line.Value != `"true"` || line.Reason == "" {
		t.Errorf("violation line %+v; want postMessage's self_unread in the query", line)
	}
	for _, want := range []string{"proxy stopped: 2 exchanges, 1 violations", "postMessage", "recorded in " + harFile} {
		if !strings.Contains(errout, want) {
			t.Errorf("summary lacks %q:\n%s", want, errout)
		}
	}
	raw, err := os.ReadFile(harFile)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), srv.Token()) {
		t.Error("the HAR file holds the token")
	}
	// An exchange is recorded when its answer has been relayed, which may
	// be after the client saw the answer and sent the next request: the
	// entries come in the order the exchanges ended, so the bad one is
	// found by its method.
	type entry struct{ Request struct{ Method string } }
	var file struct{ Log struct{ Entries []entry } }
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	bad := slices.IndexFunc(file.Log.Entries, func(e entry) bool { return e.Request.Method == http.MethodPost })
	if len(file.Log.Entries) != 2 || bad < 0 {
		t.Fatalf("HAR entries %+v, want the GET and the POST", file.Log.Entries)
	}

	r := cli{}.run(t, "conformance", "check", harFile).must(t, exitError)
	wantLine := harFile + ": entry " + strconv.Itoa(bad) + ": POST /v2/rooms/" + s64(room) + "/messages: postMessage request: query.self_unread"
	if !strings.Contains(r.out, wantLine) || !strings.Contains(r.out, "2 entries, 2 checked, 0 skipped: 1 violations in 1 entries") {
		t.Errorf("check output lacks %q or the summary:\n%s", wantLine, r.out)
	}
	var doc struct {
		Violations int
		Files      []struct {
			Checked  int
			Findings []struct {
				Entry      int
				Violations []struct{ Field string }
			}
		}
	}
	cli{}.run(t, "conformance", "check", "-o", "json", harFile).must(t, exitError).decode(t, &doc)
	if doc.Violations != 1 || len(doc.Files) != 1 || doc.Files[0].Checked != 2 || len(doc.Files[0].Findings) != 1 ||
		doc.Files[0].Findings[0].Entry != bad || doc.Files[0].Findings[0].Violations[0].Field != "query.self_unread" {
		t.Errorf("-o json: %+v", doc)
	}
}

// TestProxyCommandHold runs chatwork proxy --hold in front of a server
// that sends a message ID as a number: the answer's header must count the
// body's violation and name it, the client get the server's bytes, and
// the JSON line and the summary count it once.
func TestProxyCommandHold(t *testing.T) {
	t.Parallel()
	srv := apitest.NewServer(t)
	room := srv.AddRoom(apitest.Room{Name: "hold", AdminIDs: []int64{srv.Me().AccountID}}).RoomID
	msg := srv.AddMessage(apitest.Message{RoomID: room, AccountID: srv.Me().AccountID, Body: "hi"})
	numeric := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, r)
		body := bytes.ReplaceAll(rec.Body.Bytes(), []byte(`"message_id":"`+msg.MessageID+`"`), []byte(`"message_id":`+msg.MessageID))
		maps.Copy(w.Header(), rec.Header())
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(rec.Code)
		_, _ = w.Write(body)
	}))
	t.Cleanup(numeric.Close)
	b := cli{}.start(t, "proxy", "--hold", "--upstream", numeric.URL+"/v2", "--addr", "127.0.0.1:0")
	addr := regexp.MustCompile(`proxy on (http://\S+/v2) .*holding answers \(--hold\)`)
	waitFor(t, "the proxy's banner", func() bool { return addr.MatchString(b.errout.String()) })
	base := addr.FindStringSubmatch(b.errout.String())[1]

	path := "/rooms/" + s64(room) + "/messages/" + msg.MessageID
	var bodies [][]byte
	var header string
	for _, url := range []string{numeric.URL + "/v2" + path, base + path} {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		req.Header.Set("X-ChatWorkToken", srv.Token())
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d, %v", url, resp.StatusCode, err)
		}
		bodies = append(bodies, body)
		header = resp.Header.Get("X-Chatwork-Conformance")
	}
	b.stop(t, "proxy")
	if !bytes.Equal(bodies[0], bodies[1]) {
		t.Errorf("the answer through the proxy\n%s\ndiffers from the server's\n%s", bodies[1], bodies[0])
	}
	if !strings.HasPrefix(header, "1 violations; getMessage response 200: body.message_id: ") {
		t.Errorf("X-Chatwork-Conformance: %q; want the numeric message_id of the held answer", header)
	}
	errout := b.errout.String()
	if n := strings.Count(errout, `"field":"body.message_id"`); n != 1 {
		t.Errorf("%d JSON lines on message_id; want 1:\n%s", n, errout)
	}
	if !strings.Contains(errout, "proxy stopped: 1 exchanges, 1 violations") {
		t.Errorf("summary:\n%s", errout)
	}
}

// TestConformanceCheckCleanAndBadFiles: conformance check exits 0 on a
// clean HAR file and 1 on one with violations.
func TestConformanceCheckCleanAndBadFiles(t *testing.T) {
	t.Parallel()
	clean := writeFile(t, "clean.har", `{"log":{"version":"1.2","creator":{"name":"x","version":"1"},"entries":[
	 {"request":{"method":"GET","url":"https://www.example.com/","headers":[]},"response":{"status":200,"headers":[],"content":{"size":0,"mimeType":"text/html"}}}]}}`)
	r := cli{}.run(t, "conformance", "check", clean).must(t, exitOK)
	if !strings.Contains(r.out, "1 entries, 0 checked, 1 skipped (www.example.com 1): 0 violations") {
		t.Errorf("output:\n%s", r.out)
	}
	cli{}.run(t, "conformance", "check", writeFile(t, "bad.har", `{"entries":[]}`)).must(t, exitError)
	cli{}.run(t, "conformance", "check").must(t, exitUsage)
}

// TestConformanceRunAgainstTheFake runs chatwork conformance run against
// chatwork fake, as a user would: it must pass (exit 0), run all 32
// operations, follow every link of the spec, and leave the rooms as it
// found them.
func TestConformanceRunAgainstTheFake(t *testing.T) {
	t.Parallel()
	runFake(t, []string{"fake", "--addr", "127.0.0.1:0", "--quiet"}, func(base, token, _ string) {
		env := map[string]string{envToken: token, envBaseURL: base}
		before := roomsOf(t, base, token)
		r := cli{env: env}.run(t, "conformance", "run", "--seed", "7").must(t, exitOK)
		for _, want := range []string{"OPERATION", "createRoom", "getMe", "0 failed; 0 operations skipped", "seed 7, every operation"} {
			if !strings.Contains(r.out, want) {
				t.Errorf("output lacks %q:\n%s", want, r.out)
			}
		}
		if m := regexp.MustCompile(`(\d+) of (\d+) links followed`).FindStringSubmatch(r.out); m == nil || m[1] != m[2] {
			t.Errorf("not every link was followed:\n%s", r.out)
		}
		if strings.Contains(r.out, token) {
			t.Error("the report shows the token")
		}
		// The accepted contact request added a direct chat; nothing else
		// is new, and the other rooms hold what they held.
		after := roomsOf(t, base, token)
		added := 0
		for id, room := range after {
			switch {
			case before[id] == "" && strings.Contains(room, `"type":"direct"`):
				added++
			case room != before[id]:
				t.Errorf("room %d: before %s, after %s", id, before[id], room)
			}
		}
		if added != 1 || len(after) != len(before)+1 {
			t.Errorf("%d rooms before, %d after, %d new direct chats; want the one of the accepted request", len(before), len(after), added)
		}

		var rep struct {
			Seed       int64
			Operations []struct{ ID, Skipped string }
			Links      []struct{ Followed bool }
		}
		cli{env: env}.run(t, "conformance", "run", "--read-only", "-o", "json").must(t, exitOK).decode(t, &rep)
		skipped := 0
		for _, o := range rep.Operations {
			if o.Skipped != "" {
				skipped++
			}
		}
		if len(rep.Operations) != 32 || skipped == 0 || skipped == 32 || len(rep.Links) == 0 || rep.Seed != 1 {
			t.Errorf("-o json --read-only: %d operations, %d skipped, %d links, seed %d", len(rep.Operations), skipped, len(rep.Links), rep.Seed)
		}
	})
}

// roomsOf returns the rooms of the account as the API lists them (without
// the unread counts, which reading changes), by room ID.
func roomsOf(t *testing.T, base, token string) map[int64]string {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, base+"/rooms", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-ChatWorkToken", token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var rooms []map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&rooms); err != nil {
		t.Fatal(err)
	}
	out := map[int64]string{}
	for _, r := range rooms {
		delete(r, "unread_num")
		delete(r, "mention_num")
		delete(r, "last_update_time")
		id, _ := r["room_id"].(float64)
		b, _ := json.Marshal(r)
		out[int64(id)] = string(b)
	}
	return out
}
