package apitest_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/chatwork-go/chatwork/api/apitest"
)

// The tests of this file speak HTTP/1.1 to a listening fake over TCP, with
// requests written out byte by byte as clients in other languages send
// them: nothing of net/http's client, mime/multipart or this module's
// client builds them.

// rawAnswer is a response read off the wire.
type rawAnswer struct {
	status int
	header http.Header
	errors []string
	body   string
}

// rawRequest sends one request, written by hand, to the fake's listener and
// reads the answer.
func rawRequest(t *testing.T, s *apitest.Server, method, path string, headers []string, body string) rawAnswer {
	t.Helper()
	u, err := url.Parse(s.URL())
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var req strings.Builder
	fmt.Fprintf(&req, "%s %s%s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\nUser-Agent: foreign-client/1.0\r\n", method, u.Path, path, u.Host)
	for _, h := range headers {
		req.WriteString(h + "\r\n")
	}
	fmt.Fprintf(&req, "Content-Length: %d\r\n\r\n%s", len(body), body)
	if _, err := io.WriteString(conn, req.String()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	out := rawAnswer{status: resp.StatusCode, header: resp.Header, body: string(b)}
	var e struct{ Errors []string }
	if json.Unmarshal(b, &e) == nil {
		out.errors = e.Errors
	}
	return out
}

// lastRequest returns the last request the fake recorded.
func lastRequest(t *testing.T, s *apitest.Server) apitest.RecordedRequest {
	t.Helper()
	rs := s.Requests()
	if len(rs) == 0 {
		t.Fatal("no request recorded")
	}
	return rs[len(rs)-1]
}

// phpUpload is an upload as chatwork-api-client (PHP, Guzzle) sends it:
// the file part, then a file_name part that the spec does not declare and
// that Chatwork ignores, then the message.
const phpUpload = "--69b2c2e2a2d4f\r\n" +
	"Content-Disposition: form-data; name=\"file\"; filename=\"report.csv\"\r\n" +
	"Content-Length: 8\r\n" +
	"Content-Type: text/csv\r\n\r\n" +
	"a,b\n1,2\n\r\n" +
	"--69b2c2e2a2d4f\r\n" +
	"Content-Disposition: form-data; name=\"file_name\"\r\n" +
	"Content-Length: 10\r\n\r\n" +
	"report.csv\r\n" +
	"--69b2c2e2a2d4f\r\n" +
	"Content-Disposition: form-data; name=\"message\"\r\n\r\n" +
	"monthly report\r\n" +
	"--69b2c2e2a2d4f--\r\n"

func TestForeignUploadWithExtraPart(t *testing.T) {
	s := apitest.NewServer(t)
	room := s.AddRoom(apitest.Room{Name: "r", AdminIDs: []int64{s.Me().AccountID}}).RoomID
	a := rawRequest(t, s, "POST", fmt.Sprintf("/rooms/%d/files", room),
		[]string{"X-ChatWorkToken: " + s.Token(), "Content-Type: multipart/form-data; boundary=69b2c2e2a2d4f"}, phpUpload)
	if a.status != http.StatusOK || !strings.Contains(a.body, `"file_id"`) {
		t.Fatalf("upload with file_name: %d %s", a.status, a.body)
	}
	files := s.Files(room)
	if len(files) != 1 || files[0].Name != "report.csv" || files[0].ContentType != "text/csv" {
		t.Fatalf("files = %+v", files)
	}
	if data := files[0].Content; string(data) != "a,b\n1,2\n" || files[0].Size != len(data) {
		t.Errorf("content %q, size %d", data, files[0].Size)
	}
	if msgs := s.Messages(room); len(msgs) != 1 || !strings.HasSuffix(msgs[0].Body, "\nmonthly report") {
		t.Errorf("messages = %+v", msgs)
	}
	rec := lastRequest(t, s)
	if !slices.Equal(rec.Ignored, []string{"file_name"}) || rec.Form["file_name"][0] != "report.csv" ||
		!reflect.DeepEqual(rec.Files, []apitest.FilePart{{Name: "file", FileName: "report.csv", ContentType: "text/csv", Size: 8}}) {
		t.Errorf("recorded Ignored %q, Form %q, Files %+v", rec.Ignored, rec.Form, rec.Files)
	}

	// A body whose file part is there but broken is not reported as a
	// missing file.
	broken := strings.Replace(phpUpload, "--69b2c2e2a2d4f--\r\n", "--69b2c2e2a2d4f\r\nContent-Disp", 1)
	a = rawRequest(t, s, "POST", fmt.Sprintf("/rooms/%d/files", room),
		[]string{"X-ChatWorkToken: " + s.Token(), "Content-Type: multipart/form-data; boundary=69b2c2e2a2d4f"}, broken)
	if a.status != http.StatusBadRequest || len(a.errors) == 0 || slices.Contains(a.errors, "Parameter 'file' is required") {
		t.Errorf("broken upload: %d %q", a.status, a.errors)
	}
	// Nor is one whose Content-Type names another boundary, or none.
	for _, ct := range []string{"multipart/form-data; boundary=other", "multipart/form-data"} {
		a = rawRequest(t, s, "POST", fmt.Sprintf("/rooms/%d/files", room), []string{"X-ChatWorkToken: " + s.Token(), "Content-Type: " + ct}, phpUpload)
		if a.status != http.StatusBadRequest || len(a.errors) != 1 || !strings.HasPrefix(a.errors[0], "Invalid multipart body: ") {
			t.Errorf("upload with %s: %d %q", ct, a.status, a.errors)
		}
	}
	// Without a file part it is.
	noFile := strings.Replace(phpUpload, `name="file"; filename="report.csv"`, `name="attachment"; filename="report.csv"`, 1)
	a = rawRequest(t, s, "POST", fmt.Sprintf("/rooms/%d/files", room),
		[]string{"X-ChatWorkToken: " + s.Token(), "Content-Type: multipart/form-data; boundary=69b2c2e2a2d4f"}, noFile)
	if a.status != http.StatusBadRequest || !slices.Contains(a.errors, "Parameter 'file' is required") {
		t.Errorf("upload without file: %d %q", a.status, a.errors)
	}
	if len(s.Files(room)) != 1 {
		t.Errorf("refused uploads stored files: %+v", s.Files(room))
	}
}

func TestForeignUnknownFormFieldIgnored(t *testing.T) {
	s := apitest.NewServer(t)
	room := s.AddRoom(apitest.Room{Name: "r", AdminIDs: []int64{s.Me().AccountID}}).RoomID
	a := rawRequest(t, s, "POST", fmt.Sprintf("/rooms/%d/messages?client=ruby", room),
		[]string{"X-ChatWorkToken: " + s.Token(), "Content-Type: application/x-www-form-urlencoded"}, "body=hello&selfunread=1")
	if a.status != http.StatusOK {
		t.Fatalf("misspelled optional field: %d %s", a.status, a.body)
	}
	rec := lastRequest(t, s)
	if !slices.Equal(rec.Ignored, []string{"selfunread"}) || rec.Reason != "" {
		t.Errorf("recorded Ignored %q, Reason %q", rec.Ignored, rec.Reason)
	}
	if msgs := s.Messages(room); len(msgs) != 1 || msgs[0].Body != "hello" {
		t.Errorf("messages = %+v", msgs)
	}
}

// TestForeignRepeatedKeys sends ID lists as generators that ignore the
// spec's encoding do: one key per item.
func TestForeignRepeatedKeys(t *testing.T) {
	s := apitest.NewServer(t)
	alice := s.AddAccount(apitest.Account{Name: "Alice"})
	s.AddContact(apitest.Contact{AccountID: s.Me().AccountID, OtherAccountID: alice.AccountID})
	room := s.AddRoom(apitest.Room{Name: "r", AdminIDs: []int64{s.Me().AccountID}, MemberIDs: []int64{alice.AccountID}}).RoomID
	for _, c := range []struct{ path, body, want string }{
		{"/rooms", fmt.Sprintf("name=x&members_admin_ids=%d&members_admin_ids=%d", s.Me().AccountID, alice.AccountID),
			"Invalid value for 'members_admin_ids': send the IDs as one comma-joined value, such as members_admin_ids=1,2,3"},
		{fmt.Sprintf("/rooms/%d/tasks", room), fmt.Sprintf("body=x&to_ids=%d&to_ids=%d", s.Me().AccountID, alice.AccountID),
			"Invalid value for 'to_ids': send the IDs as one comma-joined value, such as to_ids=1,2,3"},
	} {
		a := rawRequest(t, s, "POST", c.path,
			[]string{"X-ChatWorkToken: " + s.Token(), "Content-Type: application/x-www-form-urlencoded"}, c.body)
		if a.status != http.StatusBadRequest || !slices.Contains(a.errors, c.want) {
			t.Errorf("POST %s %s: %d %q; want %q", c.path, c.body, a.status, a.errors, c.want)
		}
		if rec := lastRequest(t, s); !strings.Contains(rec.Reason, "repeated key; send one comma-joined value") {
			t.Errorf("recorded Reason %q", rec.Reason)
		}
	}
	a := rawRequest(t, s, "POST", fmt.Sprintf("/rooms/%d/messages", room),
		[]string{"X-ChatWorkToken: " + s.Token(), "Content-Type: application/x-www-form-urlencoded"}, "body=a&body=b")
	if want := "Invalid value for 'body': repeated key; send it once"; a.status != http.StatusBadRequest || !slices.Contains(a.errors, want) {
		t.Errorf("repeated body: %d %q; want %q", a.status, a.errors, want)
	}
	if len(s.Rooms()) != 4 || len(s.Tasks(room)) != 0 || len(s.Messages(room)) != 0 {
		t.Errorf("refused requests changed the state: rooms %v, tasks %+v", s.Rooms(), s.Tasks(room))
	}
}

// TestForeignBearerAPIToken sends the API token the way
// openapi-python-client does by default: as a bearer token.
func TestForeignBearerAPIToken(t *testing.T) {
	s := apitest.NewServer(t)
	a := rawRequest(t, s, "GET", "/me", []string{"Authorization: Bearer " + s.Token()}, "")
	// The OAuth side of Chatwork does not know the token: an empty 401.
	if a.status != http.StatusUnauthorized || a.body != "" {
		t.Fatalf("API token as Bearer: %d %q", a.status, a.body)
	}
	if got, want := a.header.Get("WWW-Authenticate"), `Bearer error="invalid_token", error_description="The access token is invalid"`; got != want {
		t.Errorf("WWW-Authenticate = %q, want %q", got, want)
	}
	rec := lastRequest(t, s)
	if !strings.Contains(rec.Reason, "X-ChatWorkToken") || strings.Contains(rec.Reason, s.Token()) {
		t.Errorf("recorded Reason %q", rec.Reason)
	}
	// An OAuth token is the other way round.
	s.AddToken(apitest.Token{AccountID: s.Me().AccountID, Token: "oauth-token-1", OAuth: true})
	if a := rawRequest(t, s, "GET", "/me", []string{"Authorization: Bearer oauth-token-1"}, ""); a.status != http.StatusOK {
		t.Errorf("OAuth token as Bearer: %d %s", a.status, a.body)
	}
	if a := rawRequest(t, s, "GET", "/me", []string{"X-ChatWorkToken: oauth-token-1"}, ""); a.status != http.StatusUnauthorized {
		t.Errorf("OAuth token as X-ChatWorkToken: %d %s", a.status, a.body)
	}
	if a := rawRequest(t, s, "GET", "/me", []string{"X-ChatWorkToken: " + s.Token()}, ""); a.status != http.StatusOK {
		t.Errorf("API token as X-ChatWorkToken: %d %s", a.status, a.body)
	}
}

// TestValidatorAgrees sends the same hand-written requests to the fake and
// to the conformance validator: what the fake accepts, the validator
// accepts, and what it refuses with 400, the validator reports.
func TestValidatorAgrees(t *testing.T) {
	w := newWorld(t)
	room := roomPath(w.room, "")
	form := "application/x-www-form-urlencoded"
	upload := "multipart/form-data; boundary=69b2c2e2a2d4f"
	for _, x := range []struct {
		name, method, path, ct, body string
		accepted                     bool
	}{
		{"upload with file_name", "POST", room + "/files", upload, phpUpload, true},
		{"misspelled optional field", "POST", room + "/messages", form, "body=hi&selfunread=1", true},
		{"undeclared query parameter", "GET", room + "/messages?forse=1", "", "", true},
		{"repeated list", "PUT", room + "/members", form, fmt.Sprintf("members_admin_ids=%d&members_admin_ids=%d", w.me.AccountID, w.alice.AccountID), false},
		{"repeated scalar", "POST", room + "/messages", form, "body=a&body=b", false},
		{"indexed list", "POST", room + "/tasks", form, fmt.Sprintf("body=x&to_ids%%5B0%%5D=%d", w.alice.AccountID), false},
		{"upload without file", "POST", room + "/files", upload, strings.Replace(phpUpload, `name="file"; filename`, `name="upload"; filename`, 1), false},
		// Last: it leaves the room.
		{"action_type in the query", "DELETE", room + "?action_type=leave", "", "", true},
	} {
		t.Run(x.name, func(t *testing.T) {
			req, err := http.NewRequest(x.method, w.s.URL()+x.path, strings.NewReader(x.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("X-ChatWorkToken", w.s.Token())
			if x.ct != "" {
				req.Header.Set("Content-Type", x.ct)
			}
			verr := validator.ValidateRequest(req)
			r := w.cme.sendRaw(x.method, x.path, x.ct, strings.NewReader(x.body))
			fakeAccepted := r.status < 300
			if fakeAccepted != x.accepted || (verr == nil) != x.accepted {
				t.Errorf("fake: %d %s; validator: %v; want accepted=%v", r.status, r.body, verr, x.accepted)
			}
			if !x.accepted && r.status != http.StatusBadRequest {
				t.Errorf("fake refused with %d, want 400", r.status)
			}
		})
	}
}

// TestForeignUploadFileNames uploads files as different clients name them.
// A plain filename="…" in raw UTF-8 (browsers, curl) is the file's name,
// quotes and all; a part with only filename*= (RFC 2231, which Go's
// mime.FormatMediaType writes for non-ASCII names and RFC 7578 forbids) is
// not a file to a PHP server such as Chatwork's: the upload is refused as
// having no file.
func TestForeignUploadFileNames(t *testing.T) {
	s := apitest.NewServer(t)
	room := s.AddRoom(apitest.Room{Name: "r", AdminIDs: []int64{s.Me().AccountID}}).RoomID
	upload := func(disposition string) rawAnswer {
		body := "--b0undary\r\nContent-Disposition: form-data; name=\"file\"" + disposition + "\r\n" +
			"Content-Type: application/pdf\r\n\r\n%PDF-1.4\r\n--b0undary--\r\n"
		return rawRequest(t, s, "POST", fmt.Sprintf("/rooms/%d/files", room),
			[]string{"X-ChatWorkToken: " + s.Token(), "Content-Type: multipart/form-data; boundary=b0undary"}, body)
	}
	for _, x := range []struct{ disposition, want string }{
		{`; filename="報告書 2026.pdf"`, "報告書 2026.pdf"},
		{`; filename="🎉 party.pdf"`, "🎉 party.pdf"},
		{`; filename="say \"hi\"; now.pdf"`, `say "hi"; now.pdf`},
		{`; filename="a%22b.pdf"`, "a%22b.pdf"}, // the WHATWG escape, read as sent
		{`; filename="plain.pdf"; filename*=utf-8''%E5%A0%B1.pdf`, "plain.pdf"},
	} {
		if a := upload(x.disposition); a.status != http.StatusOK {
			t.Errorf("%s: %d %s", x.disposition, a.status, a.body)
			continue
		}
		files := s.Files(room)
		if got := files[len(files)-1].Name; got != x.want {
			t.Errorf("%s: stored as %q, want %q", x.disposition, got, x.want)
		}
		if rec := lastRequest(t, s); len(rec.Files) != 1 || rec.Files[0].FileName != x.want {
			t.Errorf("%s: recorded files %+v", x.disposition, rec.Files)
		}
	}
	n := len(s.Files(room))
	a := upload(`; filename*=utf-8''%E5%A0%B1%E5%91%8A%E6%9B%B8.pdf`)
	if a.status != http.StatusBadRequest || !slices.Equal(a.errors, []string{"Parameter 'file' is required"}) {
		t.Fatalf("filename* only: %d %s", a.status, a.body)
	}
	if len(s.Files(room)) != n {
		t.Error("a part with only filename* was stored as a file")
	}
	rec := lastRequest(t, s)
	if want := (apitest.FilePart{Name: "file", FileNameStar: "報告書.pdf", ContentType: "application/pdf", Size: 8}); len(rec.Files) != 1 || rec.Files[0] != want {
		t.Errorf("recorded files %+v, want %+v", rec.Files, want)
	}
	if !strings.Contains(rec.Reason, "filename*") || !strings.Contains(rec.Reason, "RFC 7578") {
		t.Errorf("recorded reason %q", rec.Reason)
	}
}
