package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/chatwork-go/chatwork/api"
	"github.com/chatwork-go/chatwork/api/notation"
	"github.com/chatwork-go/chatwork/api/wire"
)

// Output formats, as gh prints them: a table for a person at a terminal,
// tab-separated values for a pipe, and on request JSON (all fields, or
// those of --json), YAML, a jq expression's results or a Go template.
const (
	formatAuto  = ""      // table on a terminal, tsv otherwise
	formatTable = "table" // aligned columns with a header; cut to the terminal's width
	formatTSV   = "tsv"   // one line per item, cells separated by tabs, no header
	formatJSON  = "json"  // indented JSON with the API's field names
	formatYAML  = "yaml"  // the same data as YAML
)

// outputFormats are the values of --output.
var outputFormats = []string{formatTable, formatTSV, formatJSON, formatYAML}

// The results of calls whose answer is an ID: the API's own JSON, printed
// the same way as any other result.
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
	if a.out.structured() {
		return a.out.writeData(a.stdout, v, a.colorOK())
	}
	return writeText(a.stdout, v, a.textStyle())
}

// textStyle is how a table looks on this app's stdout.
func (a *app) textStyle() textStyle {
	switch {
	case a.out.format == formatTable || (a.out.format == formatAuto && a.stdoutTTY):
		st := textStyle{header: true, color: a.colorOK()}
		if a.stdoutTTY {
			st.width = a.width
		}
		return st
	}
	return textStyle{tsv: true}
}

// colorOK reports whether stdout takes colour: a terminal, NO_COLOR unset
// (https://no-color.org) and TERM not dumb.
func (a *app) colorOK() bool {
	return a.stdoutTTY && a.env("NO_COLOR") == "" && a.env("TERM") != "dumb"
}

// outputOptions are the global flags that choose the output format.
type outputOptions struct {
	format   string    // --output
	json     jsonFlag  // --json [FIELDS]
	jq       string    // --jq EXPR
	template string    // --template TEXT
	notes    io.Writer // where --json alone lists the fields; nil: nowhere
}

// structured reports whether the result is printed as data (JSON, YAML,
// jq, template) rather than as text.
func (o *outputOptions) structured() bool {
	return o.format == formatJSON || o.format == formatYAML || o.json.set || o.jq != "" || o.template != ""
}

// check refuses combinations that cannot be honoured, before any request.
func (o *outputOptions) check() error {
	switch o.format {
	case formatAuto, formatTable, formatTSV, formatJSON, formatYAML:
	default:
		return usagef("--output must be one of %s, not %q", strings.Join(outputFormats, ", "), o.format)
	}
	if o.jq != "" && o.template != "" {
		return usagef("--jq and --template cannot be used together")
	}
	if (o.jq != "" || o.template != "") && o.format != formatAuto && o.format != formatJSON {
		return usagef("--output %s cannot be used with --jq or --template", o.format)
	}
	if o.json.set && (o.format == formatTable || o.format == formatTSV) {
		return usagef("--output %s cannot be used with --json", o.format)
	}
	if o.jq != "" {
		if _, err := compileJQ(o.jq); err != nil {
			return err
		}
	}
	if o.template != "" {
		if _, err := parseTemplate(o.template, false); err != nil {
			return err
		}
	}
	return nil
}

// writeData writes v as JSON, YAML, jq results or a template's output,
// after selecting the fields of --json.
func (o *outputOptions) writeData(w io.Writer, v any, color bool) error {
	data, err := toData(v)
	if err != nil {
		return err
	}
	if o.json.set {
		avail := fieldNames(reflect.TypeOf(v))
		if len(o.json.fields) == 0 {
			if o.notes != nil && len(avail) > 0 {
				fmt.Fprintf(o.notes, "chatwork: fields: %s (pick some with --json %s)\n", strings.Join(avail, ", "), strings.Join(avail[:min(2, len(avail))], ","))
			}
		} else {
			if err := checkFields(o.json.fields, avail); err != nil {
				return err
			}
			data = selectFields(data, o.json.fields)
		}
	}
	switch {
	case o.jq != "":
		return runJQ(w, o.jq, data)
	case o.template != "":
		t, err := parseTemplate(o.template, color)
		if err != nil {
			return err
		}
		return t.Execute(w, data)
	case o.format == formatYAML:
		enc := yaml.NewEncoder(w)
		enc.SetIndent(2)
		if err := enc.Encode(yamlData(data)); err != nil {
			return err
		}
		return enc.Close()
	}
	return writeJSON(w, data)
}

// writeJSON writes v indented, with the API's field names.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// toData turns a result into what JSON decodes to (maps, slices, strings,
// json.Number for numbers, so that no ID loses a digit), the data that
// --json, --jq, --template and YAML work on.
func toData(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var data any
	if err := dec.Decode(&data); err != nil {
		return nil, err
	}
	return data, nil
}

// yamlData replaces the json.Numbers of data with int64 or float64, which
// YAML writes as numbers.
func yamlData(data any) any {
	return mapNumbers(data, func(n json.Number) any {
		if i, err := n.Int64(); err == nil {
			return i
		}
		if f, err := n.Float64(); err == nil {
			return f
		}
		return n.String()
	})
}

// mapNumbers returns data with each json.Number replaced by conv's value.
func mapNumbers(data any, conv func(json.Number) any) any {
	switch x := data.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, v := range x {
			out[k] = mapNumbers(v, conv)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, v := range x {
			out[i] = mapNumbers(v, conv)
		}
		return out
	case json.Number:
		return conv(x)
	}
	return data
}

// fieldNames returns the JSON names of the fields of t's objects (of its
// items, for a list), sorted; none for a type that is not a struct.
func fieldNames(t reflect.Type) []string {
	for t != nil && (t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice) {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return nil
	}
	var names []string
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch name {
		case "-":
			continue
		case "":
			name = f.Name
		}
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// checkFields refuses a field of --json that the result does not have,
// naming those it has.
func checkFields(fields, avail []string) error {
	have := map[string]bool{}
	for _, f := range avail {
		have[f] = true
	}
	for _, f := range fields {
		if !have[f] {
			return usagef("--json: unknown field %q; this command's fields are: %s", f, strings.Join(avail, ", "))
		}
	}
	return nil
}

// selectFields keeps only fields of an object, or of each object of a list.
func selectFields(data any, fields []string) any {
	switch x := data.(type) {
	case map[string]any:
		out := make(map[string]any, len(fields))
		for _, f := range fields {
			if v, ok := x[f]; ok {
				out[f] = v
			}
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, v := range x {
			out[i] = selectFields(v, fields)
		}
		return out
	}
	return data
}

// textStyle says how writeText renders: a table with a header (cut to
// width when it is not 0, with colour) or tab-separated values.
type textStyle struct {
	tsv    bool
	header bool
	width  int
	color  bool
}

// A listing is a result as rows of cells under a header.
type listing struct {
	header []string
	rows   [][]string
	wide   int // the column that takes what is left of the width (the last one)
}

// listingOf returns the columns chosen for a list of a resource; false for
// other results, which are printed as FIELD VALUE lines.
// lister is a tool's result that makes its own listing.
type lister interface{ listing() listing }

func listingOf(v any) (listing, bool) {
	var l listing
	row := func(cells ...string) { l.rows = append(l.rows, cells) }
	switch x := v.(type) {
	case []api.Room:
		l.header = []string{"ROOM_ID", "TYPE", "ROLE", "UNREAD", "MENTIONS", "MY_TASKS", "LAST_UPDATE", "NAME"}
		for _, r := range x {
			row(id(r.RoomID), string(r.Type), string(r.Role), strconv.Itoa(r.UnreadNum), strconv.Itoa(r.MentionNum),
				strconv.Itoa(r.MytaskNum), unixTime(r.LastUpdateTime.Time), r.Name)
		}
	case []api.Contact:
		l.header = []string{"ACCOUNT_ID", "ROOM_ID", "NAME", "CHATWORK_ID", "ORGANIZATION", "DEPARTMENT"}
		for _, c := range x {
			row(id(c.AccountID), id(c.RoomID), c.Name, c.ChatworkID, c.OrganizationName, c.Department)
		}
	case []api.Member:
		l.header = []string{"ACCOUNT_ID", "ROLE", "NAME", "CHATWORK_ID", "ORGANIZATION"}
		for _, m := range x {
			row(id(m.AccountID), string(m.Role), m.Name, m.ChatworkID, m.OrganizationName)
		}
	case []api.Message:
		l.header = []string{"MESSAGE_ID", "SENT", "FROM", "BODY"}
		for _, m := range x {
			sent := unixTime(m.SendTime.Time)
			if !m.UpdateTime.IsZero() {
				sent += " (edited)"
			}
			row(m.MessageID, sent, m.Account.Name, plainText(m.Body))
		}
	case []api.RoomTask:
		l.header = []string{"TASK_ID", "STATUS", "ASSIGNEE", "ASSIGNED_BY", "DUE", "BODY"}
		for _, t := range x {
			row(id(t.TaskID), string(t.Status), t.Assignee.Name, t.AssignedByAccount.Name, due(t.LimitTime.Time, t.LimitType), plainText(t.Body))
		}
	case []api.MyTask:
		l.header = []string{"TASK_ID", "STATUS", "ROOM_ID", "ROOM", "ASSIGNED_BY", "DUE", "BODY"}
		for _, t := range x {
			row(id(t.TaskID), string(t.Status), id(t.Room.RoomID), t.Room.Name, t.AssignedByAccount.Name, due(t.LimitTime.Time, t.LimitType), plainText(t.Body))
		}
	case []api.File:
		l.header = []string{"FILE_ID", "SIZE", "UPLOADED", "BY", "FILENAME"}
		for _, f := range x {
			row(id(f.FileID), size(f.Filesize), unixTime(f.UploadTime.Time), f.Uploader.Name, f.Filename)
		}
	case []api.IncomingRequest:
		l.header = []string{"REQUEST_ID", "ACCOUNT_ID", "NAME", "CHATWORK_ID", "ORGANIZATION", "MESSAGE"}
		for _, r := range x {
			row(id(r.RequestID), id(r.AccountID), r.Name, r.ChatworkID, r.OrganizationName, plainText(r.Message))
		}
	case *api.MembersResult:
		l.header = []string{"ROLE", "ACCOUNT_IDS"}
		row("admin", ids(x.Admin))
		row("member", ids(x.Member))
		row("readonly", ids(x.Readonly))
	case lister: // the results of tools, which say their own columns
		return x.listing(), true
	default:
		return l, false
	}
	l.wide = len(l.header) - 1
	return l, true
}

// writeText writes a result as a table or as tab-separated values: lists
// with the columns of listingOf, other results as FIELD VALUE lines.
func writeText(w io.Writer, v any, st textStyle) error {
	l, ok := listingOf(v)
	if !ok {
		l = listing{header: []string{"FIELD", "VALUE"}, wide: 1}
		fields(reflect.ValueOf(v), "", func(k, val string) {
			l.rows = append(l.rows, []string{k, val})
		})
		st.header = false // FIELD VALUE says nothing
		if st.tsv && len(l.rows) == 1 {
			// One value, such as the ID of what was created: alone, so that
			// id=$(chatwork send 123 hi) holds the ID.
			_, err := fmt.Fprintln(w, oneLine(l.rows[0][1]))
			return err
		}
	}
	if st.tsv {
		var b strings.Builder
		for _, r := range l.rows {
			for i, c := range r {
				if i > 0 {
					b.WriteByte('\t')
				}
				b.WriteString(oneLine(c))
			}
			b.WriteByte('\n')
		}
		_, err := io.WriteString(w, b.String())
		return err
	}
	return writeTable(w, l, st)
}

// writeTable aligns the cells in columns two spaces apart. With a width,
// the wide column is cut to what the others leave of it (at least 4
// characters), so that each row holds on one line of the terminal.
func writeTable(w io.Writer, l listing, st textStyle) error {
	rows := l.rows
	if st.header {
		rows = append([][]string{l.header}, rows...)
	}
	widths := make([]int, len(l.header))
	for _, r := range rows {
		for i, c := range r {
			r[i] = cell(c)
			widths[i] = max(widths[i], utf8.RuneCountInString(r[i]))
		}
	}
	if st.width > 0 && l.wide == len(widths)-1 {
		used := 0
		for i, wd := range widths {
			if i != l.wide {
				used += wd + 2
			}
		}
		widths[l.wide] = min(widths[l.wide], max(4, st.width-used))
	}
	var b strings.Builder
	for n, r := range rows {
		for i, c := range r {
			if i == l.wide && st.width > 0 {
				c = truncate(c, widths[i])
			}
			pad := ""
			if i < len(r)-1 {
				pad = strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c)+2)
			}
			switch {
			case st.color && st.header && n == 0:
				c = ansiBold + c + ansiReset
			case st.color && i == 0:
				c = ansiCyan + c + ansiReset
			}
			b.WriteString(c + pad)
		}
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// ANSI colours of tables and templates.
const (
	ansiReset = "\x1b[0m"
	ansiBold  = "\x1b[1m"
	ansiCyan  = "\x1b[36m"
)

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

// due renders a task's deadline by its type. A date-only deadline's day
// is read in api.DeadlineZone(), whatever the local zone.
func due(t time.Time, typ api.TaskLimitType) string {
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

// plainText renders a body in notation as one line of plain text.
func plainText(body string) string {
	return strings.Join(strings.Fields(notation.Parse(body).PlainText), " ")
}

// summary is plainText cut to at most max characters.
func summary(body string, max int) string { return truncate(plainText(body), max) }

// truncate cuts s to at most max characters, the last one an ellipsis.
func truncate(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	if max < 1 {
		return ""
	}
	r := []rune(s)
	return string(r[:max-1]) + "…"
}

// oneLine keeps a value on one line: tabs and line breaks become spaces.
func oneLine(s string) string {
	return strings.NewReplacer("\t", " ", "\r\n", " ", "\n", " ", "\r", " ").Replace(s)
}

// cell keeps a table cell on one line, "-" when empty.
func cell(s string) string {
	if s == "" {
		return "-"
	}
	return oneLine(s)
}
