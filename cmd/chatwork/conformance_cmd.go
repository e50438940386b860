package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net/url"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/chatwork-go/chatwork/api"
	"github.com/chatwork-go/chatwork/conformance"
	"github.com/chatwork-go/chatwork/conformance/har"
)

func conformanceGroup() *group {
	return &group{name: "conformance", summary: "check HAR captures, or any server, against the API's spec", tool: true, cmds: []*command{
		conformanceCheckCommand(),
		conformanceRunCommand(),
	}}
}

// errViolations makes the command exit 1 once its report is printed.
var errViolations = errors.New("violations found")

// stringsFlag is a repeatable string flag.
type stringsFlag []string

func (s *stringsFlag) String() string { return strings.Join(*s, ",") }

func (s *stringsFlag) Set(v string) error {
	*s = append(*s, v)
	return nil
}

func conformanceCheckCommand() *command {
	return &command{
		name: "check", args: []string{"FILE.har"}, nargs: -1, noAPI: true,
		usage:   "FILE.har... [--host HOST]... [-o json]",
		summary: "validate every Chatwork exchange of HAR files against the spec",
		examples: `chatwork conformance check browser-session.har
chatwork conformance check *.har --host api.chatwork.com -o json`,
		details: `Reads HAR files (saved by a browser's developer tools, mitmproxy, Charles, Postman, or
'chatwork proxy' when recording) and checks every request under /v2 and its answer against the API's
OpenAPI description, with the rules of 'chatwork proxy'. Entries for other hosts or paths are
skipped and counted. --host limits the check to the given hosts (repeatable).

Each violation is printed with its entry's index in log.entries, the method and the URL path:
  capture.har: entry 3: GET /v2/rooms/1/messages: listMessages request: query.force: value "true": ...
then a summary per file. Bodies the file left out are noted, not counted as violations.
Exit code 0 when no violation was found, 1 otherwise. -o json prints one JSON document.`,
		setup: func(fs *flag.FlagSet) runFunc {
			var hosts stringsFlag
			fs.Var(&hosts, "host", "check only entries for this `HOST` (such as api.chatwork.com); repeatable")
			return func(_ context.Context, a *app, args []string) error {
				if len(args) == 0 {
					return usagef("missing arguments: want FILE.har...")
				}
				v, err := conformance.New()
				if err != nil {
					return err
				}
				var reports []harFileReport
				for _, path := range args {
					h, err := har.ReadFile(path)
					if err != nil {
						return err
					}
					reports = append(reports, harFileReport{File: path, report: v.CheckHAR(h, conformance.HARConfig{Hosts: hosts})})
				}
				if a.set["output"] && a.out.format == formatJSON {
					err = writeJSON(a.stdout, harJSON(reports))
				} else {
					printHARReports(a.stdout, reports)
				}
				if err != nil {
					return err
				}
				for _, r := range reports {
					if r.report.ViolationCount() > 0 {
						return errViolations
					}
				}
				return nil
			}
		},
	}
}

type harFileReport struct {
	File   string
	report *conformance.HARReport
}

func printHARReports(w io.Writer, reports []harFileReport) {
	for _, r := range reports {
		for _, f := range r.report.Findings {
			for _, e := range f.Violations {
				fmt.Fprintf(w, "%s: entry %d: %s %s: %s\n", r.File, f.Entry, f.Method, f.Path, strings.TrimPrefix(e.Error(), "conformance: "))
			}
			for _, e := range f.Notes {
				fmt.Fprintf(w, "%s: entry %d: %s %s: note: %s\n", r.File, f.Entry, f.Method, f.Path, strings.TrimPrefix(e.Error(), "conformance: "))
			}
		}
	}
	for _, r := range reports {
		rep := r.report
		entries := 0
		for _, f := range rep.Findings {
			if len(f.Violations) > 0 {
				entries++
			}
		}
		fmt.Fprintf(w, "%s: %d entries, %d checked, %d skipped", r.File, rep.Entries, rep.Checked, rep.SkippedCount())
		if len(rep.Skipped) > 0 {
			var hosts []string
			for _, h := range slices.Sorted(maps.Keys(rep.Skipped)) {
				hosts = append(hosts, fmt.Sprintf("%s %d", h, rep.Skipped[h]))
			}
			fmt.Fprintf(w, " (%s)", strings.Join(hosts, ", "))
		}
		fmt.Fprintf(w, ": %d violations in %d entries\n", rep.ViolationCount(), entries)
		byOp := rep.ByOperation()
		for _, op := range slices.Sorted(maps.Keys(byOp)) {
			name := op
			if name == "" {
				name = "(no operation)"
			}
			fmt.Fprintf(w, "  %-24s %d violations\n", name, byOp[op])
		}
	}
}

// harJSON is the -o json form of the reports.
func harJSON(reports []harFileReport) any {
	type finding struct {
		Entry      int                  `json:"entry"`
		Method     string               `json:"method"`
		Path       string               `json:"path"`
		Violations []*conformance.Error `json:"violations"`
		Notes      []*conformance.Error `json:"notes,omitempty"`
	}
	type file struct {
		File        string         `json:"file"`
		Entries     int            `json:"entries"`
		Checked     int            `json:"checked"`
		Skipped     map[string]int `json:"skipped"`
		Violations  int            `json:"violations"`
		ByOperation map[string]int `json:"by_operation"`
		Findings    []finding      `json:"findings"`
	}
	out := struct {
		Files      []file `json:"files"`
		Violations int    `json:"violations"`
	}{Files: []file{}}
	for _, r := range reports {
		f := file{File: r.File, Entries: r.report.Entries, Checked: r.report.Checked, Skipped: r.report.Skipped,
			Violations: r.report.ViolationCount(), ByOperation: r.report.ByOperation(), Findings: []finding{}}
		for _, x := range r.report.Findings {
			vs := x.Violations
			if vs == nil {
				vs = []*conformance.Error{}
			}
			f.Findings = append(f.Findings, finding{Entry: x.Entry, Method: x.Method, Path: x.Path, Violations: vs, Notes: x.Notes})
		}
		out.Violations += f.Violations
		out.Files = append(out.Files, f)
	}
	return out
}

func conformanceRunCommand() *command {
	return &command{
		name: "run", nargs: 0, noAPI: true,
		usage:   "[--base-url URL] [--sandbox-room ROOM_ID] [--read-only] [--seed N] [-o json]",
		summary: "check any server (the fake, a mock, Chatwork itself) against the spec",
		examples: `chatwork conformance run --base-url http://127.0.0.1:9000/v2
chatwork conformance run --sandbox-room 123 --seed 7`,
		details: `Sends, for each operation of the spec, requests built from its examples and from values
generated from its schemas, in stateful sequences that follow the spec's links (create a room,
post in it, read, edit and delete the message, ..., delete the room), and negative requests the
spec refuses (a required field missing, a wrong type, an ID of 0, a flag of true, a body field in
the query), which the server must refuse with 400. Every answer is checked: no 5xx, a declared
status, headers and body that match the spec, positive requests accepted.

The server is --base-url (or $` + envBaseURL + `) with the token of --token-file or $` + envToken + `:
  chatwork fake &                       # prints the URL and the token to export
  chatwork conformance run
Against api.chatwork.com only the read-only operations run, unless --sandbox-room names a room
made for the purpose: the message operations then run there, on messages the run posts and
deletes. Elsewhere every operation runs (--read-only to restrict it); whatever the run creates, it
deletes.

Prints a table per operation, then each failure with a curl command that reproduces it (the token
as $` + envToken + `). --seed changes the generated values; the same seed sends the same requests.
Exit code 0 when every check passed, 1 otherwise. -o json prints the whole report.`,
		setup: func(fs *flag.FlagSet) runFunc {
			sandbox := fs.Int64("sandbox-room", 0, "let writes run in this `ROOM_ID` only (for the real API)")
			readOnly := fs.Bool("read-only", false, "send reads only")
			seed := fs.Int64("seed", 1, "seed of the generated values")
			return func(ctx context.Context, a *app, _ []string) error {
				cr, err := a.credentials()
				if err != nil {
					return err
				}
				base, err := a.checkedBaseURL(cr.baseURL, cr.urlSource)
				if err != nil {
					return err
				}
				if base == "" {
					base = api.DefaultBaseURL
				}
				token := cr.token
				if *sandbox < 0 {
					return usagef("--sandbox-room must be a room ID")
				}
				u, _ := url.Parse(base)
				cfg := conformance.RunConfig{BaseURL: base, Token: token, Seed: *seed, SandboxRoom: *sandbox, ReadOnly: *readOnly}
				if strings.EqualFold(u.Hostname(), "api.chatwork.com") && *sandbox == 0 {
					cfg.ReadOnly = true
				}
				v, err := conformance.New()
				if err != nil {
					return err
				}
				rep, err := v.Run(ctx, cfg)
				if err != nil {
					return err
				}
				if a.set["output"] && a.out.format == formatJSON {
					err = writeJSON(a.stdout, rep)
				} else {
					err = printRunReport(a.stdout, rep, cfg)
				}
				if err != nil {
					return err
				}
				if _, failed, _ := rep.Counts(); failed > 0 {
					return errViolations
				}
				return nil
			}
		},
	}
}

func printRunReport(w io.Writer, rep *conformance.RunReport, cfg conformance.RunConfig) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "OPERATION\tCHECKS\tPASSED\tFAILED\tNOTE")
	for _, o := range rep.Operations {
		passed := 0
		for _, c := range o.Checks {
			if c.Passed() {
				passed++
			}
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\n", o.ID, len(o.Checks), passed, len(o.Checks)-passed, o.Skipped)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	followed := 0
	for _, l := range rep.Links {
		if l.Followed {
			followed++
		}
	}
	checks, failed, skipped := rep.Counts()
	mode := "every operation"
	switch {
	case cfg.ReadOnly:
		mode = "read-only"
	case cfg.SandboxRoom != 0:
		mode = fmt.Sprintf("writes in room %d only", cfg.SandboxRoom)
	}
	fmt.Fprintf(w, "\n%d checks, %d failed; %d operations skipped; %d of %d links followed; seed %d, %s\n",
		checks, failed, skipped, followed, len(rep.Links), rep.Seed, mode)
	for _, l := range rep.Links {
		if !l.Followed {
			fmt.Fprintf(w, "link %s.%s not followed: %s\n", l.From, l.Name, l.Why)
		}
	}
	for _, o := range rep.Operations {
		for _, c := range o.Checks {
			if c.Passed() {
				continue
			}
			fmt.Fprintf(w, "\nFAIL %s, %s (%s): %s %s -> %d\n", c.Operation, c.Kind, c.Via, c.Method, c.URL, c.Status)
			for _, f := range c.Failures {
				fmt.Fprintf(w, "  %s\n", f)
			}
			fmt.Fprintf(w, "  %s\n", c.Curl)
		}
	}
	return nil
}
