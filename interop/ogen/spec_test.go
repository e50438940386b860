package interop_test

import (
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/go-faster/yaml"
)

// operation is one operation of openapi.yaml: its ID, method and path.
type operation struct {
	id, method, template string
	match                *regexp.Regexp
	literals             int
}

var httpMethods = []string{"get", "put", "post", "delete", "patch", "head", "options", "trace"}

// readOperations reads every operation under paths from openapi.yaml (the
// webhooks are not calls a client makes), so that a new operation fails
// the check until the test calls it.
func readOperations(t *testing.T) []operation {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "openapi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]any `yaml:"paths"`
	}
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("openapi.yaml: %v", err)
	}
	var ops []operation
	seen := map[string]bool{}
	for template, item := range doc.Paths {
		for _, method := range httpMethods {
			op, ok := item[method].(map[string]any)
			if !ok {
				continue
			}
			id, _ := op["operationId"].(string)
			if id == "" || seen[id] {
				t.Fatalf("%s %s: operationId %q is missing or not unique", strings.ToUpper(method), template, id)
			}
			seen[id] = true
			segments := strings.Split(template, "/")
			literals := 0
			for i, s := range segments {
				if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
					segments[i] = "[^/]+"
				} else {
					segments[i] = regexp.QuoteMeta(s)
					literals++
				}
			}
			ops = append(ops, operation{
				id: id, method: strings.ToUpper(method), template: template,
				match:    regexp.MustCompile("^" + strings.Join(segments, "/") + "$"),
				literals: literals,
			})
		}
	}
	return ops
}

// operationOf is the operation a request went to: of the matching
// templates, the one with the most literal segments (/messages/read over
// /messages/{message_id}).
func operationOf(ops []operation, method, path string) (operation, bool) {
	var best operation
	found := false
	for _, op := range ops {
		if op.method == method && op.match.MatchString(path) && (!found || op.literals > best.literals) {
			best, found = op, true
		}
	}
	return best, found
}

// recorder is the generated client's transport: it notes, from what went
// over the wire, each operation that answered 2xx.
type recorder struct {
	ops      []operation
	basePath string
	paused   atomic.Bool

	mu        sync.Mutex
	succeeded map[string]bool
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil || resp.StatusCode/100 != 2 || r.paused.Load() {
		return resp, err
	}
	if path, ok := strings.CutPrefix(req.URL.Path, r.basePath); ok {
		if op, ok := operationOf(r.ops, req.Method, path); ok {
			r.mu.Lock()
			r.succeeded[op.id] = true
			r.mu.Unlock()
		}
	}
	return resp, nil
}

// missing lists the operations that never answered 2xx.
func (r *recorder) missing() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, op := range r.ops {
		if !r.succeeded[op.id] {
			out = append(out, op.id+" ("+op.method+" "+op.template+")")
		}
	}
	return out
}

func TestOperationOf(t *testing.T) {
	ops := readOperations(t)
	for _, c := range []struct{ method, path, want string }{
		{"GET", "/me", "getMe"},
		{"PUT", "/rooms/12/messages/read", "markMessagesRead"},
		{"PUT", "/rooms/12/messages/1234567890123456789", "updateMessage"},
		{"DELETE", "/incoming_requests/7", "rejectIncomingRequest"},
	} {
		if op, _ := operationOf(ops, c.method, c.path); op.id != c.want {
			t.Errorf("%s %s: %q, want %q", c.method, c.path, op.id, c.want)
		}
	}
	if _, ok := operationOf(ops, "GET", "/rooms/12/nothing"); ok {
		t.Error("an unknown path matched an operation")
	}
}
