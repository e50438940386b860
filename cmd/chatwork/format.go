package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"text/tabwriter"
	"text/template"
	"time"

	"github.com/itchyny/gojq"
)

// jsonFlag is --json [FIELDS]: given alone, JSON with every field (and the
// field names on stderr at a terminal); with a comma-separated list, only
// those fields. expandSwitches makes the list optional.
type jsonFlag struct {
	set    bool
	fields []string
}

func (f *jsonFlag) String() string {
	if f == nil {
		return ""
	}
	return strings.Join(f.fields, ",")
}

func (f *jsonFlag) Set(s string) error {
	f.set, f.fields = true, nil
	for _, field := range strings.Split(s, ",") {
		if field = strings.TrimSpace(field); field != "" {
			f.fields = append(f.fields, field)
		}
	}
	return nil
}

// fieldList matches a value of --json: field names, comma-separated.
var fieldList = regexp.MustCompile(`^[a-z_][a-z0-9_]*(,[a-z_][a-z0-9_]*)*$`)

// compileJQ compiles a jq expression (gojq: jq's language, in Go).
func compileJQ(expr string) (*gojq.Code, error) {
	q, err := gojq.Parse(expr)
	if err != nil {
		return nil, usagef("--jq: %v", err)
	}
	code, err := gojq.Compile(q)
	if err != nil {
		return nil, usagef("--jq: %v", err)
	}
	return code, nil
}

// runJQ writes the results of expr on data, one per line, as gh does:
// strings bare, everything else as compact JSON.
func runJQ(w io.Writer, expr string, data any) error {
	code, err := compileJQ(expr)
	if err != nil {
		return err
	}
	iter := code.Run(jqData(data))
	for {
		v, ok := iter.Next()
		if !ok {
			return nil
		}
		if err, ok := v.(error); ok {
			var halt *gojq.HaltError
			if errors.As(err, &halt) && halt.Value() == nil {
				return nil
			}
			return fmt.Errorf("--jq: %w", err)
		}
		if s, ok := v.(string); ok {
			if _, err := fmt.Fprintln(w, s); err != nil {
				return err
			}
			continue
		}
		b, err := gojq.Marshal(v)
		if err != nil {
			return err
		}
		if _, err := fmt.Fprintf(w, "%s\n", b); err != nil {
			return err
		}
	}
}

// jqData turns the json.Numbers of data into what gojq computes with:
// int for integers (gojq keeps big ones exact), float64 otherwise.
func jqData(data any) any {
	return mapNumbers(data, func(n json.Number) any {
		if i, err := strconv.Atoi(n.String()); err == nil {
			return i
		}
		f, _ := n.Float64()
		return f
	})
}

// tmpl is a --template: Go's text/template over the result's JSON data,
// with gh's helper functions.
type tmpl struct {
	t     *template.Template
	table *tabwriter.Writer // rows of tablerow, until tablerender
	out   io.Writer
}

// parseTemplate parses text with the helpers; color says whether color
// and autocolor write ANSI colours.
func parseTemplate(text string, color bool) (*tmpl, error) {
	x := &tmpl{}
	funcs := template.FuncMap{
		// join joins a list with sep: {{join ", " .to_ids}}.
		"join": func(sep string, list []any) string {
			parts := make([]string, len(list))
			for i, v := range list {
				parts[i] = fmt.Sprint(v)
			}
			return strings.Join(parts, sep)
		},
		// pluck takes one field of each object of a list: {{pluck "name" .}}.
		"pluck": func(field string, list []any) []any {
			var out []any
			for _, v := range list {
				if m, ok := v.(map[string]any); ok {
					out = append(out, m[field])
				}
			}
			return out
		},
		// tablerow adds a row of aligned columns; tablerender prints them.
		"tablerow": func(cells ...any) string {
			if x.table == nil {
				x.table = tabwriter.NewWriter(x.out, 0, 0, 2, ' ', 0)
			}
			parts := make([]string, len(cells))
			for i, c := range cells {
				parts[i] = oneLine(fmt.Sprint(c))
			}
			fmt.Fprintln(x.table, strings.Join(parts, "\t"))
			return ""
		},
		"tablerender": func() string {
			x.flush()
			return ""
		},
		// timefmt formats a Unix time (or an RFC 3339 one) with a Go layout.
		"timefmt": func(layout string, v any) (string, error) {
			t, err := toTime(v)
			if err != nil {
				return "", err
			}
			return t.Local().Format(layout), nil
		},
		// timeago says how long ago a Unix time was: "3 hours ago".
		"timeago": func(v any) (string, error) {
			t, err := toTime(v)
			if err != nil {
				return "", err
			}
			return ago(time.Since(t)), nil
		},
		// truncate cuts a text to n characters.
		"truncate": func(n int, v any) string { return truncate(fmt.Sprint(v), n) },
		// color paints a text (red, green, yellow, blue, magenta, cyan, bold)
		// when the output takes colour; autocolor is its other name in gh.
		"color":     colorFunc(color),
		"autocolor": colorFunc(color),
		// plain renders a body's notation as plain text on one line.
		"plain": func(v any) string { return plainText(fmt.Sprint(v)) },
	}
	t, err := template.New("--template").Funcs(funcs).Option("missingkey=zero").Parse(text)
	if err != nil {
		return nil, usagef("--template: %v", strings.TrimPrefix(err.Error(), "template: "))
	}
	x.t = t
	return x, nil
}

// Execute writes the template's output on data to w.
func (x *tmpl) Execute(w io.Writer, data any) error {
	x.out = w
	if err := x.t.Execute(w, data); err != nil {
		return fmt.Errorf("--template: %w", err)
	}
	x.flush()
	return nil
}

func (x *tmpl) flush() {
	if x.table != nil {
		x.table.Flush()
		x.table = nil
	}
}

var colorCodes = map[string]string{
	"red": "\x1b[31m", "green": "\x1b[32m", "yellow": "\x1b[33m", "blue": "\x1b[34m",
	"magenta": "\x1b[35m", "cyan": ansiCyan, "bold": ansiBold,
}

func colorFunc(on bool) func(string, any) (string, error) {
	return func(name string, v any) (string, error) {
		code, ok := colorCodes[name]
		if !ok {
			return "", fmt.Errorf("unknown colour %q", name)
		}
		if !on {
			return fmt.Sprint(v), nil
		}
		return code + fmt.Sprint(v) + ansiReset, nil
	}
}

// toTime reads a time of the API's JSON: Unix seconds, or RFC 3339.
func toTime(v any) (time.Time, error) {
	switch x := v.(type) {
	case json.Number:
		n, err := x.Int64()
		if err != nil {
			return time.Time{}, fmt.Errorf("%v is not a Unix time", v)
		}
		return time.Unix(n, 0), nil
	case string:
		if n, err := strconv.ParseInt(x, 10, 64); err == nil {
			return time.Unix(n, 0), nil
		}
		return time.Parse(time.RFC3339, x)
	case float64:
		return time.Unix(int64(x), 0), nil
	case int:
		return time.Unix(int64(x), 0), nil
	}
	return time.Time{}, fmt.Errorf("%v is not a time", v)
}

// ago says in words how long ago a time d in the past was, or, for a
// negative d, how far in the future it is.
func ago(d time.Duration) string {
	switch {
	case d < 0 && -d >= time.Minute:
		return "in " + span(-d)
	case d < time.Minute:
		return "less than a minute ago"
	}
	return span(d) + " ago"
}

// span says a duration of a minute or more in its largest unit.
func span(d time.Duration) string {
	const day = 24 * time.Hour
	switch {
	case d < time.Hour:
		return plural(int(d/time.Minute), "minute")
	case d < day:
		return plural(int(d/time.Hour), "hour")
	case d < 30*day:
		return plural(int(d/day), "day")
	case d < 365*day:
		return plural(int(d/(30*day)), "month")
	}
	return plural(int(d/(365*day)), "year")
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return strconv.Itoa(n) + " " + unit + "s"
}
