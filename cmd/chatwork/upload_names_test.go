package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/chatwork-go/chatwork/api"
	"github.com/chatwork-go/chatwork/api/apitest"
)

// TestFilesUploadNames uploads files named in Japanese, with an emoji,
// spaces and quotes through `chatwork files upload`, and checks the bytes
// on the wire (a quoted filename in raw UTF-8, `"` as %22, never filename*)
// and the names the fake stored, which `files list` prints back.
func TestFilesUploadNames(t *testing.T) {
	t.Parallel()
	s := apitest.NewServer(t)
	var mu sync.Mutex
	var last []byte
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if r.Method == http.MethodPost {
			mu.Lock()
			last = b
			mu.Unlock()
		}
		r.Body = io.NopCloser(bytes.NewReader(b))
		s.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	env := with(fakeEnv(s), envBaseURL, front.URL+"/v2")
	room := s64(s.Me().RoomID)

	names := map[string]string{ // the file's name: the name the chat shows
		"報告書 2026.pdf":     "報告書 2026.pdf",
		"🎉 party.png":      "🎉 party.png",
		`say "hi" now.txt`: "say %22hi%22 now.txt",
	}
	for name, shown := range names {
		path := writeFile(t, name, "content of "+name)
		cli{env: env}.run(t, "files", "upload", room, path).must(t, exitOK)
		mu.Lock()
		body := string(last)
		mu.Unlock()
		want := "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + shown + "\"\r\n"
		if !strings.Contains(body, want) || strings.Contains(body, "filename*") {
			t.Errorf("%q: the upload's body lacks %q or carries filename*:\n%s", name, want, body)
		}
	}
	var files []api.File
	cli{env: env}.run(t, "-o", "json", "files", "list", room).must(t, exitOK).decode(t, &files)
	got := map[string]bool{}
	for _, f := range files {
		got[f.Filename] = true
	}
	for name, shown := range names {
		if !got[shown] {
			t.Errorf("%q: stored names %v, want %q", name, got, shown)
		}
	}
}
