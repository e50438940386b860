package api_test

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/chatwork-go/chatwork/api"
)

// TestUploadFileNames checks the file part's header byte for byte: the name
// in raw UTF-8 in a quoted filename, as browsers and curl send it, with `"`,
// CR and LF percent-encoded as the WHATWG HTML standard says, and never
// filename*, which PHP-style servers do not read as a file. Go's multipart
// reader, like a browser-facing server, then reads the same name back.
func TestUploadFileNames(t *testing.T) {
	c, ts := setup(t)
	ts.handle("POST /v2/rooms/{room}/files", func(w http.ResponseWriter, _ *http.Request) { reply(w, 200, `{"file_id":77}`) })
	for _, tc := range []struct{ name, header, read string }{
		{"報告書 2026.pdf", `form-data; name="file"; filename="報告書 2026.pdf"`, "報告書 2026.pdf"},
		{"🎉 party (1).png", `form-data; name="file"; filename="🎉 party (1).png"`, "🎉 party (1).png"},
		{`say "hi".txt`, `form-data; name="file"; filename="say %22hi%22.txt"`, "say %22hi%22.txt"},
		{"two\r\nlines.txt", `form-data; name="file"; filename="two%0D%0Alines.txt"`, "two%0D%0Alines.txt"},
		{"it's ; a=b.csv", `form-data; name="file"; filename="it's ; a=b.csv"`, "it's ; a=b.csv"},
		{"dir/report.csv", `form-data; name="file"; filename="report.csv"`, "report.csv"},
	} {
		if _, _, err := c.Files.Upload(t.Context(), 5, api.UploadFileParams{Name: tc.name, Content: strings.NewReader("data"), Message: "see file"}); err != nil {
			t.Fatalf("%q: %v", tc.name, err)
		}
		req := ts.last()
		if bytes.Contains(req.Body, []byte("filename*")) {
			t.Errorf("%q: the body carries filename*:\n%s", tc.name, req.Body)
		}
		if want := "\r\nContent-Disposition: " + tc.header + "\r\n"; !bytes.Contains(req.Body, []byte(want)) {
			t.Errorf("%q: the body lacks %q:\n%s", tc.name, want, req.Body)
		}
		_, params, err := mime.ParseMediaType(req.ContentType)
		if err != nil {
			t.Fatal(err)
		}
		part, err := multipart.NewReader(bytes.NewReader(req.Body), params["boundary"]).NextPart()
		if err != nil {
			t.Fatalf("%q: %v", tc.name, err)
		}
		data, _ := io.ReadAll(part)
		if part.FormName() != "file" || part.FileName() != tc.read || string(data) != "data" {
			t.Errorf("%q: read back as part %q, file name %q, content %q; want file, %q, data", tc.name, part.FormName(), part.FileName(), data, tc.read)
		}
	}
}

// TestUploadRefusesNUL: NUL ends strings in the systems behind the API; a
// file name with one is refused before sending.
func TestUploadRefusesNUL(t *testing.T) {
	c, ts := setup(t)
	checkRefusedBeforeSending(t, ts, []inputCase{{"NUL in the file name", "file", func() error {
		_, _, err := c.Files.Upload(t.Context(), 5, api.UploadFileParams{Name: "a\x00.txt", Content: strings.NewReader("x")})
		return err
	}}})
}

// TestUpload: Files.Upload sends one multipart part "file" with the file
// name, content and a content type from the extension or sniffed, and the
// message as a "message" part; exactly 5 MB is accepted.
func TestUpload(t *testing.T) {
	c, ts := setup(t)
	type part struct{ name, filename, ctype, data string }
	var parts []part
	ts.handle("POST /v2/rooms/{room}/files", func(w http.ResponseWriter, r *http.Request) {
		_, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if err != nil {
			t.Error(err)
		}
		mr := multipart.NewReader(r.Body, params["boundary"])
		parts = parts[:0]
		for {
			p, err := mr.NextPart()
			if err != nil {
				break
			}
			b, _ := io.ReadAll(p)
			parts = append(parts, part{p.FormName(), p.FileName(), p.Header.Get("Content-Type"), string(b)})
		}
		reply(w, 200, `{"file_id":77}`)
	})
	cases := []struct {
		name, content, wantType string
	}{
		{"report.csv", "a,b\r\n1,2\r\n", "text/csv; charset=utf-8"},
		{"photo.PNG", "\x89PNG\r\n\x1a\nrest", "image/png"},
		{"noext", "%PDF-1.4 hello", "application/pdf"},
	}
	for _, tc := range cases {
		id, _, err := c.Files.Upload(t.Context(), 5, api.UploadFileParams{Name: tc.name, Content: strings.NewReader(tc.content), Message: "see file"})
		if err != nil || id != 77 {
			t.Fatalf("%s: %d, %v", tc.name, id, err)
		}
		if len(parts) != 2 || parts[0].name != "file" || parts[0].filename != tc.name || parts[0].data != tc.content ||
			parts[1].name != "message" || parts[1].data != "see file" {
			t.Errorf("%s: parts %+v", tc.name, parts)
		}
		if parts[0].ctype != tc.wantType {
			t.Errorf("%s: content type %q, want %q", tc.name, parts[0].ctype, tc.wantType)
		}
	}
	// Exactly 5 MB is allowed.
	if _, _, err := c.Files.Upload(t.Context(), 5, api.UploadFileParams{Name: "max.bin", Content: bytes.NewReader(make([]byte, api.MaxUploadSize))}); err != nil {
		t.Errorf("a 5 MB file was refused: %v", err)
	}
}

// TestDownload: Files.Download asks for a download URL and fetches it
// without the token.
func TestDownload(t *testing.T) {
	c, ts := setup(t)
	content := []byte("hello, file\n")
	ts.handle("GET /v2/rooms/{room}/files/{file}", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("create_download_url") != "1" {
			t.Errorf("query %q", r.URL.RawQuery)
		}
		reply(w, 200, `{"file_id":3,"account":{"account_id":1,"name":"a","avatar_image_url":""},"message_id":"22","filename":"a.txt","filesize":12,"upload_time":1,"download_url":"https://files.chatwork.invalid/dl/secret?sig=abc"}`)
	})
	var dlHeader http.Header
	ts.mux.HandleFunc("GET /dl/secret", func(w http.ResponseWriter, r *http.Request) {
		dlHeader = r.Header.Clone()
		_, _ = w.Write(content)
	})
	var buf bytes.Buffer
	f, _, err := c.Files.Download(t.Context(), 1, 3, &buf)
	if err != nil {
		t.Fatal(err)
	}
	if f.Filename != "a.txt" || !bytes.Equal(buf.Bytes(), content) {
		t.Errorf("downloaded %q as %q", buf.String(), f.Filename)
	}
	if dlHeader.Get("X-Chatworktoken") != "" || dlHeader.Get("Authorization") != "" {
		t.Errorf("the token was sent to the download URL: %v", dlHeader)
	}
}
