package main

import (
	"bytes"
	"fmt"
	"go/format"
	"strconv"
	"strings"
	"text/template"
	"unicode"
)

// goCalls are the calls of package api, one per operation: the statement
// that makes it (declaring err with :=, or assigning it) and the variable
// to print, "" for none. The values come from the operation's examples:
// .Path, .Query and .Body hold them as they go on the wire, and the
// functions below write them as Go (id 1234, str "text", ids []int64{...},
// flag true, enum api.IconPresetProject, unix time.Unix(...)).
var goCalls = map[string]struct{ stmt, result string }{
	"getMe":        {`me, _, err := c.Me.Get(ctx)`, "me"},
	"getMyStatus":  {`status, _, err := c.Me.Status(ctx)`, "status"},
	"listMyTasks":  {`tasks, _, err := c.Me.Tasks(ctx, &api.ListMyTasksOptions{AssignedByAccountID: {{id .Query.assigned_by_account_id}}, Status: {{enum "TaskStatus" .Query.status}}})`, "tasks"},
	"listContacts": {`contacts, _, err := c.Contacts.List(ctx)`, "contacts"},
	"listRooms":    {`rooms, _, err := c.Rooms.List(ctx)`, "rooms"},
	"createRoom": {`roomID, _, err := c.Rooms.Create(ctx, api.CreateRoomParams{
	Name:        {{str .Body.name}},
	Description: {{str .Body.description}},
	IconPreset:  {{enum "IconPreset" .Body.icon_preset}},
	AdminIDs:    {{ids .Body.members_admin_ids}},
	MemberIDs:   {{ids .Body.members_member_ids}},
})`, "roomID"},
	"getRoom": {`room, _, err := c.Rooms.Get(ctx, {{id .Path.room_id}})`, "room"},
	"updateRoom": {`_, err = c.Rooms.Update(ctx, {{id .Path.room_id}}, api.UpdateRoomParams{
	Name:        {{str .Body.name}},
	Description: api.Ptr({{str .Body.description}}),
	IconPreset:  {{enum "IconPreset" .Body.icon_preset}},
})`, ""},
	"deleteRoom":      {`{{if eq .Body.action_type "leave"}}_, err = c.Rooms.Leave(ctx, {{id .Path.room_id}}){{else}}_, err = c.Rooms.Delete(ctx, {{id .Path.room_id}}){{end}}`, ""},
	"listRoomMembers": {`members, _, err := c.Members.List(ctx, {{id .Path.room_id}})`, "members"},
	"updateRoomMembers": {`members, _, err := c.Members.Replace(ctx, {{id .Path.room_id}}, api.ReplaceMembersParams{
	AdminIDs:  {{ids .Body.members_admin_ids}},
	MemberIDs: {{ids .Body.members_member_ids}},
})`, "members"},
	"listMessages":       {`{{if eq .Query.force "1"}}messages, _, err := c.Messages.ListLatest(ctx, {{id .Path.room_id}}){{else}}messages, _, err := c.Messages.ListNew(ctx, {{id .Path.room_id}}){{end}}`, "messages"},
	"postMessage":        {`messageID, _, err := c.Messages.Post(ctx, {{id .Path.room_id}}, {{str .Body.body}}, {{if eq .Body.self_unread "1"}}&api.PostMessageOptions{SelfUnread: true}{{else}}nil{{end}})`, "messageID"},
	"markMessagesRead":   {`counts, _, err := c.Messages.MarkRead(ctx, {{id .Path.room_id}}, {{str .Body.message_id}})`, "counts"},
	"markMessagesUnread": {`counts, _, err := c.Messages.MarkUnread(ctx, {{id .Path.room_id}}, {{str .Body.message_id}})`, "counts"},
	"getMessage":         {`message, _, err := c.Messages.Get(ctx, {{id .Path.room_id}}, {{str .Path.message_id}})`, "message"},
	"updateMessage":      {`_, err = c.Messages.Update(ctx, {{id .Path.room_id}}, {{str .Path.message_id}}, {{str .Body.body}})`, ""},
	"deleteMessage":      {`_, err = c.Messages.Delete(ctx, {{id .Path.room_id}}, {{str .Path.message_id}})`, ""},
	"listRoomTasks": {`tasks, _, err := c.Tasks.List(ctx, {{id .Path.room_id}}, &api.ListTasksOptions{
	AssigneeID:          {{id .Query.account_id}},
	AssignedByAccountID: {{id .Query.assigned_by_account_id}},
	Status:              {{enum "TaskStatus" .Query.status}},
})`, "tasks"},
	"createRoomTasks": {`taskIDs, _, err := c.Tasks.Create(ctx, {{id .Path.room_id}}, api.CreateTaskParams{
	Body:        {{str .Body.body}},
	AssigneeIDs: {{ids .Body.to_ids}},
	LimitTime:   {{unix .Body.limit}},
	LimitType:   {{enum "TaskLimitType" .Body.limit_type}},
})`, "taskIDs"},
	"getRoomTask":      {`task, _, err := c.Tasks.Get(ctx, {{id .Path.room_id}}, {{id .Path.task_id}})`, "task"},
	"updateTaskStatus": {`_, err = c.Tasks.SetStatus(ctx, {{id .Path.room_id}}, {{id .Path.task_id}}, {{enum "TaskStatus" .Body.body}})`, ""},
	"listFiles":        {`files, _, err := c.Files.List(ctx, {{id .Path.room_id}}, &api.ListFilesOptions{UploaderID: {{id .Query.account_id}}})`, "files"},
	"uploadFile": {`f, err := os.Open({{str .Body.file}})
if err != nil {
	log.Fatal(err)
}
defer f.Close()
fileID, _, err := c.Files.Upload(ctx, {{id .Path.room_id}}, api.UploadFileParams{Name: {{str .Body.file}}, Content: f, Message: {{str .Body.message}}})`, "fileID"},
	"getFile":           {`{{if eq .Query.create_download_url "1"}}file, _, err := c.Files.GetWithDownloadURL(ctx, {{id .Path.room_id}}, {{id .Path.file_id}}){{else}}file, _, err := c.Files.Get(ctx, {{id .Path.room_id}}, {{id .Path.file_id}}){{end}}`, "file"},
	"getInvitationLink": {`link, _, err := c.Links.Get(ctx, {{id .Path.room_id}})`, "link"},
	"createInvitationLink": {`link, _, err := c.Links.Create(ctx, {{id .Path.room_id}}, api.LinkParams{
	Code:           {{str .Body.code}},
	NeedAcceptance: api.Ptr({{flag .Body.need_acceptance}}),
	Description:    {{str .Body.description}},
})`, "link"},
	"updateInvitationLink": {`link, _, err := c.Links.Update(ctx, {{id .Path.room_id}}, api.LinkParams{
	Code:           {{str .Body.code}},
	NeedAcceptance: api.Ptr({{flag .Body.need_acceptance}}),
	Description:    {{str .Body.description}},
})`, "link"},
	"deleteInvitationLink":  {`_, err = c.Links.Delete(ctx, {{id .Path.room_id}})`, ""},
	"listIncomingRequests":  {`requests, _, err := c.IncomingRequests.List(ctx)`, "requests"},
	"acceptIncomingRequest": {`contact, _, err := c.IncomingRequests.Accept(ctx, {{id .Path.request_id}})`, "contact"},
	"rejectIncomingRequest": {`_, err = c.IncomingRequests.Reject(ctx, {{id .Path.request_id}})`, ""},
}

// goFuncs write wire values as Go. A value missing from the examples is
// an error, not a zero: the template names only what the examples hold.
var goFuncs = template.FuncMap{
	"id": func(v any) (string, error) {
		s, err := present(v)
		if err != nil {
			return "", err
		}
		if _, err := strconv.ParseInt(s, 10, 64); err != nil {
			return "", fmt.Errorf("%q is not an ID", s)
		}
		return s, nil
	},
	"str": func(v any) (string, error) {
		s, err := present(v)
		return strconv.Quote(s), err
	},
	"ids": func(v any) (string, error) {
		s, err := present(v)
		if err != nil {
			return "", err
		}
		return "[]int64{" + strings.ReplaceAll(s, ",", ", ") + "}", nil
	},
	"flag": func(v any) (string, error) {
		s, err := present(v)
		return strconv.FormatBool(s == "1"), err
	},
	"enum": func(typ string, v any) (string, error) {
		s, err := present(v)
		if err != nil {
			return "", err
		}
		var b strings.Builder
		for part := range strings.SplitSeq(s, "_") {
			r := []rune(part)
			b.WriteString(string(unicode.ToUpper(r[0])) + string(r[1:]))
		}
		return "api." + typ + b.String(), nil
	},
	"unix": func(v any) (string, error) {
		s, err := present(v)
		return "time.Unix(" + s + ", 0)", err
	},
}

func present(v any) (string, error) {
	s, ok := v.(string)
	if !ok || s == "" {
		return "", fmt.Errorf("no example value (%v)", v)
	}
	return s, nil
}

// goProgram renders the call as a whole Go program using package api.
func (c *call) goProgram() (string, error) {
	gc, ok := goCalls[c.id]
	if !ok {
		return "", fmt.Errorf("no Go call in goCalls")
	}
	data := struct{ Path, Query, Body map[string]string }{c.pathVals, map[string]string{}, map[string]string{}}
	for _, f := range c.query {
		data.Query[f.name] = f.value
	}
	for _, f := range c.form {
		data.Body[f.name] = f.value
	}
	t, err := template.New(c.id).Funcs(goFuncs).Option("missingkey=zero").Parse(gc.stmt)
	if err != nil {
		return "", err
	}
	var stmt bytes.Buffer
	if err := t.Execute(&stmt, data); err != nil {
		return "", err
	}
	body := stmt.String()
	imports := []string{`"context"`, `"fmt"`, `"log"`, `"os"`}
	if strings.Contains(body, "time.") {
		imports = append(imports, `"time"`)
	}
	var b strings.Builder
	b.WriteString("package main\n\nimport (\n")
	for _, imp := range imports {
		b.WriteString("\t" + imp + "\n")
	}
	b.WriteString("\n\t\"github.com/chatwork-go/chatwork/api\"\n)\n\n")
	b.WriteString("func main() {\n\tctx := context.Background()\n")
	b.WriteString("\tc, err := api.NewClient(os.Getenv(\"CHATWORK_API_TOKEN\"))\n\tif err != nil {\n\t\tlog.Fatal(err)\n\t}\n")
	b.WriteString(body + "\n")
	b.WriteString("\tif err != nil {\n\t\tlog.Fatal(err)\n\t}\n")
	if gc.result != "" {
		fmt.Fprintf(&b, "\tfmt.Printf(\"%%+v\\n\", %s)\n", gc.result)
	} else {
		b.WriteString("\tfmt.Println(\"done\")\n")
	}
	b.WriteString("}\n")
	src, err := format.Source([]byte(b.String()))
	if err != nil {
		return "", fmt.Errorf("the Go sample does not parse: %w\n%s", err, b.String())
	}
	return string(src), nil
}
