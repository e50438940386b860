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
