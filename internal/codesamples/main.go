// Command codesamples writes the code samples of openapi.yaml: for every
// operation, an x-codeSamples list with a curl command, a TypeScript fetch
// call and a Go program using package api, all made from one source, the
// spec's own examples (the path and query parameters' and the request
// body's). The rendered reference shows them beside each operation.
//
// It is run by `go generate` from the module root (see generate.go), first,
// since the other generators read openapi.yaml:
//
//	go run ./internal/codesamples [-in openapi.yaml -out openapi.yaml]
//
// It rewrites only the x-codeSamples block of each operation (and the
// comment line above it), in place, before the operation's responses; the
// rest of the file stays as written. check-generate fails when the samples
// are stale, and this package's tests run every curl and TypeScript sample
// against `chatwork fake` and compile every Go sample.
package main

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/chatwork-go/chatwork/internal/genfile"
)

func main() {
	genfile.Main("codesamples", "openapi.yaml", "openapi.yaml", rewrite)
}

// rewrite returns src with every operation's x-codeSamples written afresh
// from its examples.
func rewrite(src []byte) ([]byte, error) {
	doc, err := openapi3.NewLoader().LoadFromData(src)
	if err != nil {
		return nil, err
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, err
	}
	samples := map[string][]sample{}
	for _, p := range doc.Paths.InMatchingOrder() {
		item := doc.Paths.Value(p)
		for method, op := range item.Operations() {
			c, err := newCall(p, method, item, op)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", op.OperationID, err)
			}
			goSrc, err := c.goProgram()
			if err != nil {
				return nil, fmt.Errorf("%s: %w", op.OperationID, err)
			}
			samples[op.OperationID] = []sample{
				{"Shell", "curl", c.curl()},
				{"TypeScript", "fetch", c.typescript()},
				{"Go", "api", goSrc},
			}
		}
	}
	out, err := insert(string(src), samples)
	return []byte(out), err
}

// A sample is one entry of x-codeSamples.
type sample struct{ lang, label, source string }

// Lines of openapi.yaml that the rewrite looks for: an operation's ID, the
// start of its responses, and the block it writes.
var (
	operationIDLine = regexp.MustCompile(`^      operationId: (\w+)$`)
	methodLine      = regexp.MustCompile(`^    (get|put|post|delete|patch|head|options):$`)
	samplesComment  = "      # x-codeSamples: written by go generate (internal/codesamples) from the examples; edit those."
)

// insert replaces or adds the x-codeSamples block of each operation of
// samples, just before its responses.
func insert(src string, samples map[string][]sample) (string, error) {
	lines := strings.Split(src, "\n")
	out := make([]string, 0, len(lines)+len(samples)*60)
	done := map[string]bool{}
	current := ""
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if methodLine.MatchString(l) || (l != "" && !strings.HasPrefix(l, "   ")) {
			current = "" // another operation, or the end of paths
		}
		if m := operationIDLine.FindStringSubmatch(l); m != nil {
			current = m[1]
		}
		if _, ok := samples[current]; !ok {
			out = append(out, l)
			continue
		}
		switch l {
		case samplesComment:
			continue
		case "      x-codeSamples:":
			for i+1 < len(lines) && (lines[i+1] == "" || strings.HasPrefix(lines[i+1], "        ")) {
				i++
			}
			continue
		case "      responses:":
			if done[current] {
				return "", fmt.Errorf("operation %s has two responses blocks", current)
			}
			out = append(out, samplesComment, "      x-codeSamples:")
			for _, s := range samples[current] {
				out = append(out, "        - lang: "+s.lang, "          label: "+s.label, "          source: |")
				for _, sl := range strings.Split(strings.TrimRight(s.source, "\n"), "\n") {
					if strings.TrimSpace(sl) == "" {
						out = append(out, "")
						continue
					}
					out = append(out, "            "+strings.TrimRight(sl, " \t"))
				}
			}
			done[current] = true
		}
		out = append(out, l)
	}
	for id := range samples {
		if !done[id] {
			return "", fmt.Errorf("operation %s: no line %q to put the samples before", id, "      responses:")
		}
	}
	return strings.Join(out, "\n"), nil
}
