package main

import (
	"strings"
	"testing"

	"github.com/chatwork-go/chatwork/internal/genfile"
)

const good = `
paths:
  /rooms/{room_id}/files:
    parameters: []
    get:
      operationId: listFiles
      responses:
        "200":
          content:
            application/json:
              schema: { type: array, maxItems: 30 }
    post:
      operationId: uploadFile
      requestBody:
        content:
          multipart/form-data:
            schema:
              properties:
                file: { type: string, format: binary, x-chatwork-max-bytes: 1000 }
  /rooms/{room_id}/messages:
    get:
      operationId: listMessages
      responses:
        "200":
          content:
            application/json:
              schema: { type: array, maxItems: 30, items: {} }
components:
  schemas:
    MessageBody: { type: string, maxLength: 70 }
    RoomName: { type: string, maxLength: 20 }
    LinkCode: { type: string, maxLength: 5, pattern: "^[a-z]+$" }
    MessageID: { type: string, maxLength: 9 }
    RoomFile:
      properties:
        download_url: { type: string, x-chatwork-lifetime-seconds: 45 }
    OAuthToken:
      properties:
        access_token: { type: string, x-chatwork-lifetime-seconds: 3600 }
`

// TestRender: each bound of the spec becomes its constant.
func TestRender(t *testing.T) {
	t.Parallel()
	code, err := genfile.Then(parse, render)([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	words := strings.Join(strings.Fields(string(code)), " ") // gofmt aligns the constants
	for _, want := range []string{"MessageLength = 70 //", "RoomNameLength = 20 //", "LinkCodeLength = 5 //", "MessageIDLength = 9 //",
		`LinkCodePattern = "^[a-z]+$"`, "UploadBytes = 1000 ", "the maxItems of listFiles, listMessages.", "ListItems = 30",
		"DownloadURLLifetime = 45 * time.Second //", "AccessTokenLifetime = 1 * time.Hour //"} {
		if !strings.Contains(words, want) {
			t.Errorf("the generated file lacks %q:\n%s", want, code)
		}
	}
	if !strings.HasPrefix(string(code), "// Code generated ") || !strings.Contains(strings.SplitN(string(code), "\n", 2)[0], "DO NOT EDIT.") {
		t.Errorf("the first line is not Go's generated-code marker:\n%s", code)
	}
}

// TestParseRefusesMissingBounds: a bound or a lifetime missing, not
// positive, or a pattern that does not compile stops the generator, and so
// does a lifetime that no constant would carry.
func TestParseRefusesMissingBounds(t *testing.T) {
	t.Parallel()
	for name, edit := range map[string][2]string{
		"no maxLength":     {"RoomName: { type: string, maxLength: 20 }", "RoomName: { type: string }"},
		"maxLength 0":      {"maxLength: 70", "maxLength: 0"},
		"no schema":        {"MessageBody:", "Body:"},
		"bad pattern":      {`pattern: "^[a-z]+$"`, `pattern: "^[a-z+$"`},
		"no pattern":       {`, pattern: "^[a-z]+$"`, ""},
		"no max bytes":     {", x-chatwork-max-bytes: 1000", ""},
		"max bytes text":   {"x-chatwork-max-bytes: 1000", "x-chatwork-max-bytes: 1 KB"},
		"no upload":        {"operationId: uploadFile", "operationId: postFile"},
		"upload not multi": {"multipart/form-data:", "application/octet-stream:"},
		"lists disagree":   {"maxItems: 30, items", "maxItems: 31, items"},
		"no list length":   {"maxItems: 30", "minItems: 0"},
		"no lifetime":      {", x-chatwork-lifetime-seconds: 45", ""},
		"lifetime 0":       {"x-chatwork-lifetime-seconds: 3600", "x-chatwork-lifetime-seconds: 0"},
		"lifetime text":    {"x-chatwork-lifetime-seconds: 45", "x-chatwork-lifetime-seconds: 45s"},
		"unknown lifetime": {"MessageBody: { type: string,", "MessageBody: { type: string, x-chatwork-lifetime-seconds: 5,"},
		"lifetime in path": {"operationId: listMessages", "operationId: listMessages\n      x-chatwork-lifetime-seconds: 5"},
	} {
		src := strings.ReplaceAll(good, edit[0], edit[1])
		if src == good {
			t.Fatalf("%s: the edit changed nothing", name)
		}
		if _, err := parse([]byte(src)); err == nil {
			t.Errorf("%s: accepted:\n%s", name, src)
		}
	}
}
