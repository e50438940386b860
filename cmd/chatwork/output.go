package main

import (
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/chatwork-go/chatwork/api"
	"github.com/chatwork-go/chatwork/api/notation"
	"github.com/chatwork-go/chatwork/api/wire"
)

// The results of the commands that create or change one thing: its ID,
// printed under the name the API answers it with.
type (
	roomIDResult struct {
		RoomID int64 `json:"room_id"`
	}
	messageIDResult struct {
		MessageID string `json:"message_id"`
	}
	taskIDResult struct {
		TaskID int64 `json:"task_id"`
	}
	taskIDsResult struct {
		TaskIDs []int64 `json:"task_ids"`
	}
	fileIDResult struct {
		FileID int64 `json:"file_id"`
	}
)

// print writes a result in the chosen output format.
func (a *app) print(v any) error {
	if a.output == "table" {
		return writeTable(a.stdout, v)
	}
	return writeJSON(a.stdout, v)
}

// writeJSON writes v indented, with the API's field names.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// writeTable writes lists as tables with columns chosen per resource, and
// single objects as FIELD VALUE lines.
func writeTable(w io.Writer, v any) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(cells ...string) {
		for i, c := range cells {
			cells[i] = cell(c)
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	switch x := v.(type) {
	case []api.Room:
		row("ROOM_ID", "TYPE", "ROLE", "UNREAD", "MENTIONS", "MY_TASKS", "LAST_UPDATE", "NAME")
		for _, r := range x {
			row(id(r.RoomID), string(r.Type), string(r.Role), strconv.Itoa(r.UnreadNum), strconv.Itoa(r.MentionNum),
				strconv.Itoa(r.MytaskNum), unixTime(r.LastUpdateTime.Time), r.Name)
		}
	case []api.Contact:
		row("ACCOUNT_ID", "ROOM_ID", "NAME", "CHATWORK_ID", "ORGANIZATION", "DEPARTMENT")
		for _, c := range x {
			row(id(c.AccountID), id(c.RoomID), c.Name, c.ChatworkID, c.OrganizationName, c.Department)
		}
	case []api.Member:
		row("ACCOUNT_ID", "ROLE", "NAME", "CHATWORK_ID", "ORGANIZATION")
		for _, m := range x {
			row(id(m.AccountID), string(m.Role), m.Name, m.ChatworkID, m.OrganizationName)
		}
	case []api.Message:
		row("MESSAGE_ID", "SENT", "FROM", "BODY")
		for _, m := range x {
			sent := unixTime(m.SendTime.Time)
			if !m.UpdateTime.IsZero() {
				sent += " (edited)"
			}
			row(m.MessageID, sent, m.Account.Name, summary(m.Body, 70))
		}
	case []api.RoomTask:
		row("TASK_ID", "STATUS", "ASSIGNEE", "ASSIGNED_BY", "LIMIT", "BODY")
		for _, t := range x {
			row(id(t.TaskID), string(t.Status), t.Account.Name, t.AssignedByAccount.Name, limit(t.LimitTime.Time, t.LimitType), summary(t.Body, 60))
		}
	case []api.MyTask:
		row("TASK_ID", "STATUS", "ROOM_ID", "ROOM", "ASSIGNED_BY", "LIMIT", "BODY")
		for _, t := range x {
			row(id(t.TaskID), string(t.Status), id(t.Room.RoomID), t.Room.Name, t.AssignedByAccount.Name, limit(t.LimitTime.Time, t.LimitType), summary(t.Body, 50))
		}
	case []api.File:
		row("FILE_ID", "SIZE", "UPLOADED", "BY", "FILENAME")
		for _, f := range x {
			row(id(f.FileID), size(f.Filesize), unixTime(f.UploadTime.Time), f.Account.Name, f.Filename)
		}
	case []api.IncomingRequest:
		row("REQUEST_ID", "ACCOUNT_ID", "NAME", "CHATWORK_ID", "ORGANIZATION", "MESSAGE")
		for _, r := range x {
			row(id(r.RequestID), id(r.AccountID), r.Name, r.ChatworkID, r.OrganizationName, summary(r.Message, 50))
		}
	case *api.MembersResult:
		row("ROLE", "ACCOUNT_IDS")
		row("admin", ids(x.Admin))
		row("member", ids(x.Member))
		row("readonly", ids(x.Readonly))
	default:
		fields(reflect.ValueOf(v), "", func(k, val string) {
			lines := strings.Split(strings.TrimRight(val, "\n"), "\n")
			for i, l := range lines {
				if i > 0 {
					k = ""
				}
				fmt.Fprintf(tw, "%s\t%s\n", k, strings.ReplaceAll(l, "\t", " "))
			}
		})
	}
	return tw.Flush()
}

// fields walks a struct's exported fields by their JSON names, nested
// structs as "account.name", and calls add for each value.
func fields(v reflect.Value, prefix string, add func(k, v string)) {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		add(strings.TrimSuffix(prefix, "."), fmt.Sprint(v.Interface()))
		return
	}
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		fv := v.Field(i)
		if fv.Kind() == reflect.Pointer {
			if fv.IsNil() {
				continue
			}
			fv = fv.Elem()
		}
		key := prefix + name
		if ut, ok := fv.Interface().(wire.UnixTime); ok {
			add(key, unixTime(ut.Time))
			continue
		}
		switch {
		case fv.Kind() == reflect.Struct:
			fields(fv, key+".", add)
		case fv.Kind() == reflect.Slice:
			parts := make([]string, fv.Len())
			for j := range parts {
				parts[j] = fmt.Sprint(fv.Index(j).Interface())
			}
			add(key, strings.Join(parts, ","))
		default:
			add(key, fmt.Sprint(fv.Interface()))
		}
	}
}

func id(n int64) string { return strconv.FormatInt(n, 10) }

func ids(xs []int64) string {
	if len(xs) == 0 {
		return "-"
	}
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = id(x)
	}
	return strings.Join(s, ",")
}

// unixTime renders a time in local time; the zero time (0 on the wire) is
// "-".
func unixTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format("2006-01-02 15:04")
}

// limit renders a task's deadline by its type. A date-only deadline's day
// is read in api.DeadlineZone(), whatever the local zone.
func limit(t time.Time, typ api.TaskLimitType) string {
	switch {
	case t.IsZero() || typ == api.TaskLimitTypeNone:
		return "-"
	case typ == api.TaskLimitTypeDate:
		return t.In(api.DeadlineZone()).Format("2006-01-02")
	}
	return unixTime(t)
}

func size(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// summary renders a body in notation as one line of plain text, at most
// max characters.
func summary(body string, max int) string {
	s := strings.Join(strings.Fields(notation.Parse(body).PlainText), " ")
	if utf8.RuneCountInString(s) > max {
		r := []rune(s)
		s = string(r[:max-1]) + "…"
	}
	return s
}

// cell keeps a table cell on one line.
func cell(s string) string {
	if s == "" {
		return "-"
	}
	return strings.NewReplacer("\t", " ", "\n", " ", "\r", " ").Replace(s)
}
