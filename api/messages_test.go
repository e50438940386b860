package api_test

import (
	"net/http"
	"testing"
)

// TestMessageIDsStayStrings: 19-digit message IDs, above 2^53, come back
// from ListLatest, Post and Get exactly as sent, in results and in paths.
func TestMessageIDsStayStrings(t *testing.T) {
	const id = "1928374655918273645" // above 2^53: a float64 would turn it into ...536
	c, ts := setup(t)
	ts.handle("GET /v2/rooms/{room}/messages", func(w http.ResponseWriter, r *http.Request) {
		reply(w, 200, `[{"message_id":"`+id+`","account":{"account_id":9007199254740993,"name":"","avatar_image_url":""},"body":"hi","send_time":1384242850,"update_time":0}]`)
	})
	ts.handle("POST /v2/rooms/{room}/messages", func(w http.ResponseWriter, r *http.Request) {
		reply(w, 200, `{"message_id":"`+id+`"}`)
	})
	ts.handle("GET /v2/rooms/{room}/messages/{id}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("id") != id {
			t.Errorf("path message_id %q", r.PathValue("id"))
		}
		reply(w, 200, `{"message_id":"`+id+`","account":{"account_id":1,"name":"a","avatar_image_url":""},"body":"hi","send_time":1,"update_time":0}`)
	})
	ctx := t.Context()
	msgs, _, err := c.Messages.ListLatest(ctx, 1)
	if err != nil || len(msgs) != 1 || msgs[0].MessageID != id || msgs[0].Account.AccountID != 9007199254740993 {
		t.Fatalf("ListLatest = %+v, %v", msgs, err)
	}
	got, _, err := c.Messages.Post(ctx, 1, "hi", nil)
	if err != nil || got != id {
		t.Fatalf("Post = %q, %v", got, err)
	}
	m, _, err := c.Messages.Get(ctx, 1, id)
	if err != nil || m.MessageID != id {
		t.Fatalf("Get = %+v, %v", m, err)
	}
}

// TestReadingNeverMovesTheCursorBySurprise: ListLatest sends force=1,
// which leaves the server's read cursor alone; only ListNew sends force=0.
func TestReadingNeverMovesTheCursorBySurprise(t *testing.T) {
	c, ts := setup(t)
	ts.handle("GET /v2/rooms/{room}/messages", func(w http.ResponseWriter, r *http.Request) { reply(w, 204, nil) })
	if _, _, err := c.Messages.ListLatest(t.Context(), 5); err != nil {
		t.Fatal(err)
	}
	if q := ts.last().RawQuery; q != "force=1" {
		t.Errorf("ListLatest sent %q, want force=1", q)
	}
	if _, _, err := c.Messages.ListNew(t.Context(), 5); err != nil {
		t.Fatal(err)
	}
	if q := ts.last().RawQuery; q != "force=0" {
		t.Errorf("ListNew sent %q, want force=0", q)
	}
}
