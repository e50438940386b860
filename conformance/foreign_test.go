package conformance_test

import (
	"strings"
	"testing"
)

// The requests of these tests are written out byte by byte, as clients in
// other languages send them, not built with this module's client or with
// mime/multipart.

// uploadWithFileName is the multipart body chatwork-api-client (PHP) sends
// for an upload: the file part, then a file_name part that the spec does
// not declare and Chatwork ignores.
const uploadWithFileName = "------boundary42\r\n" +
	"Content-Disposition: form-data; name=\"file\"; filename=\"report.csv\"\r\n" +
	"Content-Type: text/csv\r\n\r\n" +
	"a,b\n1,2\n\r\n" +
	"------boundary42\r\n" +
	"Content-Disposition: form-data; name=\"file_name\"\r\n\r\n" +
	"report.csv\r\n" +
	"------boundary42\r\n" +
	"Content-Disposition: form-data; name=\"message\"\r\n\r\n" +
	"monthly report\r\n" +
	"------boundary42--\r\n"

const uploadCT = "multipart/form-data; boundary=----boundary42"

func TestValidateRequestIgnoresUndeclaredFields(t *testing.T) {
	t.Parallel()
	v := validator(t)
	for _, c := range []struct{ name, method, target, ct, body string }{
		{"upload with file_name", "POST", "/v2/rooms/1/files", uploadCT, uploadWithFileName},
		{"form with an extra field", "POST", "/v2/rooms/1/messages", formCT, "body=hi&to_ids=1&client=ruby"},
		{"undeclared query parameter", "GET", "/v2/rooms/1/messages?forse=1&_=1763779200", "", ""},
	} {
		if err := v.ValidateRequest(newRequest(c.method, c.target, c.ct, c.body)); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	// The extra part does not hide a missing file.
	noFile := strings.Replace(uploadWithFileName, `name="file"; filename="report.csv"`, `name="attachment"; filename="report.csv"`, 1)
	_ = violationOn(t, v.ValidateRequest(newRequest("POST", "/v2/rooms/1/files", uploadCT, noFile)), "uploadFile", "body.file")
	// Nor an upload whose file part is sent twice.
	twice := strings.Replace(uploadWithFileName, `name="file_name"`, `name="file"; filename="again.csv"`, 1)
	_ = violationOn(t, v.ValidateRequest(newRequest("POST", "/v2/rooms/1/files", uploadCT, twice)), "uploadFile", "body.file")
}

// TestValidateRequestRepeatedKeys sends ID lists as generators that ignore
// the spec's encoding do (openapi-python-client, @hey-api/openapi-ts):
// one key per item.
func TestValidateRequestRepeatedKeys(t *testing.T) {
	t.Parallel()
	v := validator(t)
	for _, c := range []struct{ target, body, op, field, reason string }{
		{"/v2/rooms", "name=r&members_admin_ids=1&members_admin_ids=2", "createRoom", "body.members_admin_ids", "repeated key; send one comma-joined value such as 1,2,3"},
		{"/v2/rooms/1/tasks", "body=x&to_ids=1&to_ids=2&to_ids=3", "createRoomTasks", "body.to_ids", "repeated key; send one comma-joined value such as 1,2,3"},
		{"/v2/rooms/1/messages", "body=a&body=b", "postMessage", "body.body", "repeated key; send it once"},
	} {
		e := violationOn(t, v.ValidateRequest(newRequest("POST", c.target, formCT, c.body)), c.op, c.field)
		if e.Reason != c.reason {
			t.Errorf("%s: reason %q, want %q", c.field, e.Reason, c.reason)
		}
	}
}

// TestValidateRequestDeleteRoomQuery sends action_type in the query, as
// chatwork-ruby and chatwork-api-client do; Chatwork and the fake accept
// it.
func TestValidateRequestDeleteRoomQuery(t *testing.T) {
	t.Parallel()
	v := validator(t)
	if err := v.ValidateRequest(newRequest("DELETE", "/v2/rooms/1?action_type=leave", "", "")); err != nil {
		t.Errorf("action_type in the query: %v", err)
	}
	_ = violationOn(t, v.ValidateRequest(newRequest("DELETE", "/v2/rooms/1?action_type=remove", "", "")), "deleteRoom", "body.action_type")
	// On POST and PUT the query is ignored: a body field there is lost.
	_ = violationOn(t, v.ValidateRequest(newRequest("PUT", "/v2/rooms/1?name=x", "", "")), "updateRoom", "query.name")
}

// BenchmarkValidateUpload measures ValidateRequest of a 1 MiB upload, as
// this module's client sends it and with chatwork-api-client's extra
// file_name part, which the validator drops before kin-openapi reads the
// body.
func BenchmarkValidateUpload(b *testing.B) {
	v := validator(b)
	withFileName := strings.Replace(uploadWithFileName, "a,b\n1,2\n", strings.Repeat("a,b\n", 1<<18), 1)
	plain := strings.Replace(withFileName, "Content-Disposition: form-data; name=\"file_name\"\r\n\r\nreport.csv\r\n------boundary42\r\n", "", 1)
	for _, c := range []struct{ name, body string }{{"plain", plain}, {"file_name", withFileName}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(c.body)))
			for b.Loop() {
				if err := v.ValidateRequest(newRequest("POST", "/v2/rooms/1/files", uploadCT, c.body)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
