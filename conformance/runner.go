package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/chatwork-go/chatwork/internal/schemarand"
)

// RunConfig configures Validator.Run.
type RunConfig struct {
	// BaseURL is the API's base URL, such as https://api.chatwork.com/v2 or
	// the URL that `chatwork fake` prints.
	BaseURL string
	// Token is sent in X-ChatWorkToken. It appears in no report: curl
	// commands name $CHATWORK_API_TOKEN instead.
	Token string
	// Client sends the requests (http.DefaultClient when nil).
	Client *http.Client
	// Seed seeds the generated values: the same seed sends the same
	// requests to a server in the same state.
	Seed int64
	// ReadOnly runs the GET operations only.
	ReadOnly bool
	// SandboxRoom, when not 0, confines writes to this room: the
	// operations on messages run there, on messages the run posts (and
	// deletes at the end), and other writes are skipped. Use it against
	// the real API with a room made for the purpose.
	SandboxRoom int64
	// Progress, when set, is called after each check.
	Progress func(RunCheck)
}

// RunReport is the result of Validator.Run.
type RunReport struct {
	Seed int64
	// Operations has one entry per operation of the spec, in the order of
	// Validator.OperationIDs.
	Operations []OperationResult
	// Links lists every link of the spec and whether the run followed it.
	Links []LinkResult
}

// OperationResult gathers the checks of one operation.
type OperationResult struct {
	ID      string
	Checks  []RunCheck
	Skipped string // why the operation was not run; empty when it was
}

// LinkResult is one link of the spec ("createRoom.getRoom": from the answers
// of createRoom to getRoom) and whether the run followed it.
type LinkResult struct {
	From, Name, To string
	Followed       bool
	Why            string // why it was not followed
}

// RunCheck is one request of a run and what was checked on its answer.
type RunCheck struct {
	Operation string
	// Kind is "positive" for a request the spec accepts, or "negative:"
	// and the mutation for one it refuses ("negative: ID 0 in room_id").
	Kind string
	// Via tells where the request's IDs came from: "link createRoom.getRoom",
	// or "values seen in earlier answers".
	Via      string
	Method   string
	URL      string // without credentials
	Status   int    // 0 when no answer came
	Failures []string
	// Curl reproduces the request, with the token as $CHATWORK_API_TOKEN.
	Curl string
}

// Passed reports whether the check found nothing wrong.
func (c RunCheck) Passed() bool { return len(c.Failures) == 0 }

// Counts returns the numbers of checks, of failed checks, and of
// operations skipped.
func (r *RunReport) Counts() (checks, failed, skipped int) {
	for _, o := range r.Operations {
		if o.Skipped != "" {
			skipped++
		}
		for _, c := range o.Checks {
			checks++
			if !c.Passed() {
				failed++
			}
		}
	}
	return checks, failed, skipped
}

// Run checks a server against the spec, in the manner of spec-driven
// testers: for each operation it sends requests built from the spec's
// examples and from values generated from the schemas, in stateful
// sequences that follow the spec's links (create a room, post in it, read,
// edit and delete the message, ..., delete the room); for each operation
// it also sends negative requests that the spec refuses (a required field
// missing, a wrong type, an ID of 0, a flag of true, a body field in the
// query), each of which the server must refuse with 400. Every answer is
// checked: no 5xx, a declared status, headers and body that match the
// spec, positive requests accepted (2xx), negative ones refused.
//
// The walk starts from the operations that need no ID, reads before
// writes; each link is followed once, writes run before the deletes that
// end a sequence. Operations no link reaches take their IDs from earlier
// answers (a room_id seen in listRooms). Anything it creates it deletes:
// rooms with action_type=delete, messages in the sandbox room.
//
// Run returns an error only for a configuration it cannot use, or when ctx
// ends; what the server does wrong is in the report.
func (v *Validator) Run(ctx context.Context, cfg RunConfig) (*RunReport, error) {
	base, err := url.Parse(strings.TrimSuffix(cfg.BaseURL, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("conformance: the base URL must be an absolute http or https URL, not %q", cfg.BaseURL)
	}
	if cfg.Token == "" {
		return nil, errors.New("conformance: no token")
	}
	if cfg.Client == nil {
		cfg.Client = http.DefaultClient
	}
	r := &runner{
		v: v, cfg: cfg, base: base, gen: newValueGen(cfg.Seed),
		results:  map[string]*OperationResult{},
		followed: map[string]bool{},
		negDone:  map[string]bool{},
		known:    map[string]string{},
		fromList: map[string]bool{},
	}
	for _, op := range v.spec.ops {
		r.results[op.id] = &OperationResult{ID: op.id}
	}
	if cfg.SandboxRoom != 0 {
		r.known["room_id"] = strconv.FormatInt(cfg.SandboxRoom, 10)
	}
	err = r.run(ctx)
	rep := &RunReport{Seed: cfg.Seed}
	for _, op := range v.spec.ops {
		res := r.results[op.id]
		if len(res.Checks) == 0 && res.Skipped == "" {
			res.Skipped = "no value for its parameters was found"
		}
		if len(res.Checks) > 0 {
			res.Skipped = ""
		}
		rep.Operations = append(rep.Operations, *res)
	}
	for _, l := range v.links() {
		lr := LinkResult{From: l.from.id, Name: l.name, To: l.to.id, Followed: r.followed[l.key()]}
		if !lr.Followed {
			lr.Why = r.linkWhy[l.key()]
			if lr.Why == "" {
				lr.Why = "its source " + l.from.id + " did not run"
			}
		}
		rep.Links = append(rep.Links, lr)
	}
	return rep, err
}

type runner struct {
	v    *Validator
	cfg  RunConfig
	base *url.URL
	gen  *valueGen

	results  map[string]*OperationResult
	followed map[string]bool
	linkWhy  map[string]string
	negDone  map[string]bool
	known    map[string]string // IDs seen in answers, by name
	fromList map[string]bool   // known values taken from a list's first item
	deferred []step            // deletes put off to the end of a sequence
	created  []cleanup
}

// cleanup is a delete the run owes the server.
type cleanup struct {
	op     *operation
	params map[string]string
	fields map[string]string
	done   bool
}

// A link is one link of the spec, resolved.
type link struct {
	from   *operation
	name   string
	to     *operation
	params map[string]string // parameter name → runtime expression
}

func (l link) key() string { return l.from.id + "." + l.name }

// links returns the links of every operation's responses, in the order of
// the operations and of the link names.
func (v *Validator) links() []link {
	var out []link
	for _, op := range v.spec.ops {
		seen := map[string]bool{}
		for _, code := range op.route.Operation.Responses.Keys() {
			ref := op.route.Operation.Responses.Value(code)
			if ref == nil || ref.Value == nil {
				continue
			}
			for _, name := range slices.Sorted(maps.Keys(ref.Value.Links)) {
				l := ref.Value.Links[name]
				if l == nil || l.Value == nil || seen[name] {
					continue
				}
				to := v.spec.byID[l.Value.OperationID]
				if to == nil {
					continue // the spec's tests reject such a link
				}
				seen[name] = true
				params := map[string]string{}
				for k, expr := range l.Value.Parameters {
					if s, ok := expr.(string); ok {
						params[strings.TrimPrefix(k, "path.")] = s
					}
				}
				out = append(out, link{from: op, name: name, to: to, params: params})
			}
		}
	}
	return out
}

// linksFrom returns the links of op, reads first, deletes last.
func (r *runner) linksFrom(op *operation) []link {
	var out []link
	for _, l := range r.v.links() {
		if l.from == op {
			out = append(out, l)
		}
	}
	slices.SortStableFunc(out, func(a, b link) int { return methodRank(a.to.method) - methodRank(b.to.method) })
	return out
}

func methodRank(m string) int {
	switch m {
	case http.MethodGet:
		return 0
	case http.MethodPost:
		return 1
	case http.MethodDelete:
		return 3
	}
	return 2
}

// allowed says whether the run may call op, and why not.
func (r *runner) allowed(op *operation, viaLink bool) string {
	switch {
	case op.method == http.MethodGet:
		return ""
	case r.cfg.ReadOnly:
		return "read-only run: writes are not sent"
	case r.cfg.SandboxRoom != 0:
		// In the sandbox only message operations, on messages the run
		// posted, are sent: everything else would change the account or
		// leave something behind (tasks and files cannot be deleted).
		if !strings.HasPrefix(op.template.path, "/rooms/{room_id}/messages") {
			return "sandbox run: only message operations are sent"
		}
		if strings.Contains(op.template.path, "{message_id}") && !viaLink {
			return "sandbox run: only the messages the run posted are changed"
		}
	}
	return ""
}

func (r *runner) run(ctx context.Context) error {
	r.linkWhy = map[string]string{}
	// Roots: the operations that need no path parameter, reads first.
	var roots []*operation
	for _, op := range r.v.spec.ops {
		if !hasPathParams(op) {
			roots = append(roots, op)
		}
	}
	slices.SortStableFunc(roots, func(a, b *operation) int { return methodRank(a.method) - methodRank(b.method) })
	for _, op := range roots {
		if _, err := r.walk(ctx, op, nil, "no IDs needed", 0); err != nil {
			return err
		}
		if err := r.runDeferred(ctx); err != nil {
			return err
		}
	}
	// Operations no link reached take their IDs from earlier answers:
	// reads, then writes, then deletes, the deepest first.
	rest := slices.Clone(r.v.spec.ops)
	slices.SortStableFunc(rest, func(a, b *operation) int {
		if d := methodRank(a.method) - methodRank(b.method); d != 0 || a.method != http.MethodDelete {
			return d
		}
		return len(b.template.segs) - len(a.template.segs)
	})
	for _, op := range rest {
		if len(r.results[op.id].Checks) > 0 {
			continue
		}
		params, ok := r.fromKnown(op)
		if !ok {
			continue
		}
		if _, err := r.walk(ctx, op, params, "values seen in earlier answers", 0); err != nil {
			return err
		}
		if err := r.runDeferred(ctx); err != nil {
			return err
		}
	}
	return r.cleanup(ctx)
}

func hasPathParams(op *operation) bool {
	return slices.ContainsFunc(op.template.params, func(p string) bool { return p != "" })
}

// fromKnown fills op's path parameters from IDs seen so far.
func (r *runner) fromKnown(op *operation) (map[string]string, bool) {
	params := map[string]string{}
	for _, name := range op.template.params {
		if name == "" {
			continue
		}
		v, ok := r.known[name]
		if !ok {
			return nil, false
		}
		params[name] = v
	}
	return params, true
}

// runDeferred runs the deletes that the walk put off, in the order it met
// them: the innermost things first, the room last.
func (r *runner) runDeferred(ctx context.Context) error {
	for len(r.deferred) > 0 {
		d := r.deferred[0]
		r.deferred = r.deferred[1:]
		if _, err := r.walk(ctx, d.op, d.params, d.via, 0); err != nil {
			return err
		}
	}
	return nil
}

// A step is an operation to run with its path parameters.
type step struct {
	op     *operation
	params map[string]string
	via    string
}

// walk runs op with the given path parameters, then follows its links:
// reads, then writes (a write refused is tried again once after its
// siblings, which may have made it possible: marking read what another
// step marked unread), while deletes wait until the whole sequence is
// done. It reports whether op's request was accepted.
func (r *runner) walk(ctx context.Context, op *operation, params map[string]string, via string, depth int) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	viaLink := strings.HasPrefix(via, "link ")
	if why := r.allowed(op, viaLink); why != "" {
		if len(r.results[op.id].Checks) == 0 {
			r.results[op.id].Skipped = why
		}
		return false, nil
	}
	if r.cfg.SandboxRoom != 0 && params != nil && params["room_id"] != "" {
		params["room_id"] = strconv.FormatInt(r.cfg.SandboxRoom, 10)
	}
	req := r.build(op, params)
	if !r.negDone[op.id] {
		r.negDone[op.id] = true
		r.negatives(ctx, op, req, via)
	}
	res := r.send(ctx, op, req, "positive", via)
	if res == nil || res.status < 200 || res.status > 299 {
		return false, nil
	}
	r.remember(op, req, res)
	if depth > 8 {
		return true, nil
	}
	var retry []step
	for i, l := range r.linksFrom(op) {
		if r.followed[l.key()] {
			continue
		}
		if i > 0 && op.method == http.MethodGet {
			// An earlier link may have changed what the list holds (an
			// accepted request is gone): ask again.
			if fresh := r.do(ctx, req); fresh != nil && fresh.status >= 200 && fresh.status < 300 {
				res = fresh
			}
		}
		lp, why := resolveLink(l, req, res)
		if why != "" {
			r.linkWhy[l.key()] = why
			continue
		}
		if why := r.allowed(l.to, true); why != "" {
			r.linkWhy[l.key()] = why
			continue
		}
		r.followed[l.key()] = true
		if l.to.method == http.MethodDelete {
			r.deferred = append(r.deferred, step{l.to, lp, "link " + l.key()})
			continue
		}
		n := len(r.results[l.to.id].Checks)
		ok, err := r.walk(ctx, l.to, lp, "link "+l.key(), depth+1)
		if err != nil {
			return false, err
		}
		if c := r.results[l.to.id].Checks; !ok && len(c) > n && c[len(c)-1].Kind == "positive" && c[len(c)-1].Status >= 400 && c[len(c)-1].Status < 500 {
			// Refused for the state it found: drop that check, try again.
			r.results[l.to.id].Checks = c[:len(c)-1]
			retry = append(retry, step{l.to, lp, "link " + l.key() + ", after its siblings"})
		}
	}
	for _, s := range retry {
		if _, err := r.walk(ctx, s.op, s.params, s.via, depth+1); err != nil {
			return false, err
		}
	}
	return true, nil
}

// resolveLink evaluates the runtime expressions of l against the request
// and the answer of its source.
func resolveLink(l link, req *runRequest, res *runResponse) (map[string]string, string) {
	out := map[string]string{}
	for name, expr := range l.params {
		v, ok := evalExpr(expr, req, res)
		if !ok {
			return nil, fmt.Sprintf("%s: %s gives nothing in the answer (status %d)", name, expr, res.status)
		}
		out[name] = v
	}
	return out, ""
}

// evalExpr evaluates an OpenAPI runtime expression: $request.path.NAME,
// $request.query.NAME, $request.body#/POINTER, $response.body#/POINTER,
// $response.header.NAME, or a constant.
func evalExpr(expr string, req *runRequest, res *runResponse) (string, bool) {
	switch {
	case strings.HasPrefix(expr, "$request.path."):
		v, ok := req.path[strings.TrimPrefix(expr, "$request.path.")]
		return v, ok
	case strings.HasPrefix(expr, "$request.query."):
		v := req.query.Get(strings.TrimPrefix(expr, "$request.query."))
		return v, v != ""
	case strings.HasPrefix(expr, "$request.body#/"):
		v, ok := req.fields[strings.TrimPrefix(expr, "$request.body#/")]
		return v, ok
	case strings.HasPrefix(expr, "$response.header."):
		v := res.header.Get(strings.TrimPrefix(expr, "$response.header."))
		return v, v != ""
	case strings.HasPrefix(expr, "$response.body#"):
		var doc any
		if err := json.Unmarshal(res.body, &doc); err != nil {
			return "", false
		}
		return pointer(doc, strings.TrimPrefix(expr, "$response.body#"))
	case strings.HasPrefix(expr, "$"):
		return "", false
	}
	return expr, true
}

// pointer follows a JSON pointer and renders a scalar as a form value.
func pointer(doc any, ptr string) (string, bool) {
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		if ptr == "" {
			break
		}
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch x := doc.(type) {
		case map[string]any:
			doc = x[tok]
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(x) {
				return "", false
			}
			doc = x[i]
		default:
			return "", false
		}
	}
	switch x := doc.(type) {
	case string:
		return x, x != ""
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	}
	return "", false
}

// remember stores the IDs of an answer (its top-level fields, and those of
// the first item of a list), and the deletes the run owes.
func (r *runner) remember(op *operation, req *runRequest, res *runResponse) {
	var doc any
	if json.Unmarshal(res.body, &doc) == nil {
		obj, _ := doc.(map[string]any)
		list, isList := doc.([]any)
		if isList && len(list) > 0 {
			obj, _ = list[0].(map[string]any)
		}
		for k, v := range obj {
			if !strings.HasSuffix(k, "_id") {
				continue
			}
			// What the run creates wins over what it reads; what a PUT
			// or DELETE answers is about an existing thing.
			// A single object (getMe) says more than a list's first item.
			s, ok := pointer(v, "")
			if !ok {
				continue
			}
			_, seen := r.known[k]
			switch {
			case op.method == http.MethodPost,
				op.method == http.MethodGet && (!seen || (r.fromList[k] && !isList)):
				r.known[k], r.fromList[k] = s, isList
			}
		}
	}
	// Chatwork's creations and the deletes that undo them.
	switch op.id {
	case "createRoom":
		if id, ok := evalExpr("$response.body#/room_id", req, res); ok {
			r.owe("deleteRoom", map[string]string{"room_id": id}, map[string]string{"action_type": "delete"})
		}
	case "postMessage":
		if id, ok := evalExpr("$response.body#/message_id", req, res); ok && r.cfg.SandboxRoom != 0 {
			r.owe("deleteMessage", map[string]string{"room_id": req.path["room_id"], "message_id": id}, nil)
		}
	case "deleteRoom", "deleteMessage":
		for k, v := range req.path {
			if r.known[k] == v && k != "room_id" || (op.id == "deleteRoom" && r.known[k] == v) {
				delete(r.known, k)
			}
		}
		for i := range r.created {
			c := &r.created[i]
			if c.op == op && maps.Equal(c.params, req.path) {
				c.done = true
			}
		}
	}
}

func (r *runner) owe(id string, params, fields map[string]string) {
	if op := r.v.spec.byID[id]; op != nil {
		r.created = append(r.created, cleanup{op: op, params: params, fields: fields})
	}
}

// cleanup deletes what the run created and did not delete itself.
func (r *runner) cleanup(ctx context.Context) error {
	for i := len(r.created) - 1; i >= 0; i-- {
		c := r.created[i]
		if c.done {
			continue
		}
		req := r.build(c.op, c.params)
		for k, v := range c.fields {
			req.fields[k] = v
		}
		r.send(ctx, c.op, req, "positive", "cleanup of what the run created")
	}
	return ctx.Err()
}

// A runRequest is a request before it is sent: its parts, so that
// negative variants can change one of them.
type runRequest struct {
	op        *operation
	path      map[string]string
	query     url.Values
	fields    map[string]string // form fields or text parts
	order     []string          // field order
	file      []byte            // the file part of an upload
	multipart bool
}

func (q *runRequest) clone() *runRequest {
	c := *q
	c.path = maps.Clone(q.path)
	c.query = url.Values{}
	for k, v := range q.query {
		c.query[k] = slices.Clone(v)
	}
	c.fields = maps.Clone(q.fields)
	c.order = slices.Clone(q.order)
	return &c
}

// build makes the positive request of op.
func (r *runner) build(op *operation, params map[string]string) *runRequest {
	q := &runRequest{op: op, path: map[string]string{}, query: url.Values{}, fields: map[string]string{}}
	for _, name := range op.template.params {
		if name == "" {
			continue
		}
		if v, ok := params[name]; ok {
			q.path[name] = v
		} else {
			q.path[name] = r.valueFor(name, paramSchema(op, name), nil, true)
		}
	}
	for _, p := range opParams(op) {
		if p.In != openapi3.ParameterInQuery {
			continue
		}
		var s *openapi3.Schema
		if p.Schema != nil {
			s = p.Schema.Value
		}
		// Optional query parameters of reads are drawn too: they are safe.
		if p.Required || op.method == http.MethodGet || r.known[p.Name] != "" {
			q.query.Set(p.Name, r.valueFor(p.Name, s, p.Example, true))
		}
	}
	body := bodySchema(op, "application/x-www-form-urlencoded")
	if body == nil {
		body = bodySchema(op, "multipart/form-data")
		q.multipart = body != nil
	}
	if body == nil {
		return q
	}
	example := bodyExample(op)
	for _, name := range slices.Sorted(maps.Keys(body.Properties)) {
		ps := body.Properties[name].Value
		required := slices.Contains(body.Required, name)
		_, linked := params[name]
		ex, hasEx := example[name]
		if !required && !hasEx && !linked && !(strings.HasSuffix(name, "_id") && r.known[name] != "") {
			continue
		}
		if !required && !linked && strings.HasSuffix(name, "_ids") {
			// The run knows one person, the account itself, who may be
			// listed once: an example's other lists are left out.
			continue
		}
		if ps != nil && ps.Format == "binary" {
			q.file = r.gen.bytes(64 + r.gen.rng.IntN(512))
			continue
		}
		var v string
		switch {
		case linked:
			v = params[name]
		case hasEx:
			v = r.valueFor(name, ps, ex, false)
		default:
			v = r.valueFor(name, ps, nil, false)
		}
		q.fields[name] = v
		q.order = append(q.order, name)
	}
	if op.id == "deleteRoom" {
		q.fields["action_type"] = "delete" // the run deletes what it made, never just leaves it
	}
	return q
}

// valueFor chooses a value: an ID seen in an earlier answer, the example,
// or a generated one. ID lists take the account's own ID: the only IDs of
// people the run knows.
func (r *runner) valueFor(name string, s *openapi3.Schema, example any, id bool) string {
	if v, ok := r.known[name]; ok && (id || strings.HasSuffix(name, "_id")) {
		return v
	}
	if strings.HasSuffix(name, "_ids") {
		if v, ok := r.known["account_id"]; ok {
			return v
		}
	}
	if example != nil {
		return scalarString(example)
	}
	if s != nil && s.Example != nil {
		return scalarString(s.Example)
	}
	return r.gen.value(s)
}

func opParams(op *operation) []*openapi3.Parameter {
	var out []*openapi3.Parameter
	for _, ps := range []openapi3.Parameters{op.route.PathItem.Parameters, op.route.Operation.Parameters} {
		for _, p := range ps {
			if p.Value != nil {
				out = append(out, p.Value)
			}
		}
	}
	return out
}

func paramSchema(op *operation, name string) *openapi3.Schema {
	for _, p := range opParams(op) {
		if p.Name == name && p.Schema != nil {
			return p.Schema.Value
		}
	}
	return nil
}

// bodyExample returns the example of op's request body, as fields.
func bodyExample(op *operation) map[string]any {
	rb := op.route.Operation.RequestBody
	if rb == nil || rb.Value == nil {
		return nil
	}
	for _, mt := range rb.Value.Content {
		if m, ok := mt.Example.(map[string]any); ok {
			return m
		}
		for _, ex := range mt.Examples {
			if ex != nil && ex.Value != nil {
				if m, ok := ex.Value.Value.(map[string]any); ok {
					return m
				}
			}
		}
	}
	return nil
}

// httpRequest renders q.
func (r *runner) httpRequest(ctx context.Context, q *runRequest) (*http.Request, []byte) {
	segs := slices.Clone(q.op.template.segs)
	for i, name := range q.op.template.params {
		if name != "" {
			segs[i] = url.PathEscape(q.path[name])
		}
	}
	u := *r.base
	u.RawPath = ""
	u.Path = strings.TrimSuffix(r.base.Path, "/") + "/" + strings.Join(segs, "/")
	u.RawQuery = q.query.Encode()
	var body []byte
	ct := ""
	switch {
	case q.multipart:
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		_ = mw.SetBoundary("conformance-run-boundary")
		if q.file != nil {
			h := textproto.MIMEHeader{}
			h.Set("Content-Disposition", `form-data; name="file"; filename="conformance.bin"`)
			h.Set("Content-Type", "application/octet-stream")
			w, _ := mw.CreatePart(h)
			_, _ = w.Write(q.file)
		}
		for _, k := range q.order {
			if v, ok := q.fields[k]; ok {
				_ = mw.WriteField(k, v)
			}
		}
		_ = mw.Close()
		body, ct = b.Bytes(), mw.FormDataContentType()
	case len(q.fields) > 0:
		var parts []string
		for _, k := range q.order {
			if v, ok := q.fields[k]; ok {
				parts = append(parts, url.QueryEscape(k)+"="+url.QueryEscape(v))
			}
		}
		for _, k := range slices.Sorted(maps.Keys(q.fields)) {
			if !slices.Contains(q.order, k) {
				parts = append(parts, url.QueryEscape(k)+"="+url.QueryEscape(q.fields[k]))
			}
		}
		body, ct = []byte(strings.Join(parts, "&")), "application/x-www-form-urlencoded"
	}
	req, _ := http.NewRequestWithContext(ctx, q.op.method, u.String(), bytes.NewReader(body))
	if body == nil {
		req.Body, req.GetBody, req.ContentLength = http.NoBody, nil, 0
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	req.Header.Set("X-ChatWorkToken", r.cfg.Token)
	req.Header.Set("User-Agent", "chatwork-conformance-run")
	return req, body
}

type runResponse struct {
	status int
	header http.Header
	body   []byte
	err    error
}

// do sends q, waiting once for a 429 to clear.
func (r *runner) do(ctx context.Context, q *runRequest) *runResponse {
	for attempt := 0; ; attempt++ {
		req, _ := r.httpRequest(ctx, q)
		resp, err := r.cfg.Client.Do(req)
		if err != nil {
			return &runResponse{err: err}
		}
		body, err := io.ReadAll(io.LimitReader(resp.Body, DefaultMaxBodySize))
		resp.Body.Close()
		out := &runResponse{status: resp.StatusCode, header: resp.Header, body: body, err: err}
		if resp.StatusCode != http.StatusTooManyRequests || attempt > 0 {
			return out
		}
		wait := 10 * time.Second
		if reset, err := strconv.ParseInt(resp.Header.Get("X-Ratelimit-Reset"), 10, 64); err == nil {
			wait = min(max(time.Until(time.Unix(reset, 0))+time.Second, time.Second), 5*time.Minute)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return out
		case <-t.C:
		}
	}
}

// send sends q and checks its answer.
func (r *runner) send(ctx context.Context, op *operation, q *runRequest, kind, via string) *runResponse {
	req, body := r.httpRequest(ctx, q)
	c := RunCheck{Operation: op.id, Kind: kind, Via: via, Method: req.Method, URL: redactedURL(req.URL), Curl: curl(req, body)}
	positive := kind == "positive"
	if positive {
		// The runner's own request must conform, or the check means nothing.
		if _, err := r.v.validateRequest(req, body); err != nil {
			for _, e := range violations(err) {
				c.Failures = append(c.Failures, "the run built a request the spec refuses: "+strings.TrimPrefix(e.Error(), "conformance: "))
			}
		}
	}
	res := r.do(ctx, q)
	c.Status = res.status
	switch {
	case res.err != nil && res.status == 0:
		c.Failures = append(c.Failures, "no answer: "+res.err.Error())
	default:
		if res.status >= 500 {
			c.Failures = append(c.Failures, fmt.Sprintf("server error %d", res.status))
		}
		for _, e := range violations(r.v.validateResponse(op, req, res.status, res.header, res.body)) {
			c.Failures = append(c.Failures, "answer: "+strings.TrimPrefix(e.Error(), "conformance: "))
		}
		switch {
		case positive && (res.status < 200 || res.status > 299):
			c.Failures = append(c.Failures, fmt.Sprintf("a request the spec accepts was refused: %d %s", res.status, excerpt(res.body)))
		case !positive && res.status != http.StatusBadRequest:
			c.Failures = append(c.Failures, fmt.Sprintf("a request the spec refuses got %d, not 400", res.status))
		}
	}
	r.results[op.id].Checks = append(r.results[op.id].Checks, c)
	if r.cfg.Progress != nil {
		r.cfg.Progress(c)
	}
	return res
}

func excerpt(b []byte) string {
	return truncate(strings.Join(strings.Fields(string(b)), " "))
}

func redactedURL(u *url.URL) string {
	c := *u
	c.User = nil
	return c.String()
}

// negatives sends the variants of q that the spec refuses, one mutation
// each. A mutation the validator does not refuse is not sent: the spec
// decides what a negative request is.
func (r *runner) negatives(ctx context.Context, op *operation, q *runRequest, via string) {
	type mutation struct {
		name string
		edit func(*runRequest)
	}
	var ms []mutation
	body := bodySchema(op, "application/x-www-form-urlencoded")
	if body == nil {
		body = bodySchema(op, "multipart/form-data")
	}
	if body != nil && len(body.Required) > 0 {
		f := body.Required[0]
		ms = append(ms, mutation{"required field " + f + " missing", func(c *runRequest) {
			delete(c.fields, f)
			if f == "file" {
				c.file = nil
			}
		}})
		if f != "file" && (op.method == http.MethodPost || op.method == http.MethodPut) {
			ms = append(ms, mutation{"body field " + f + " in the query", func(c *runRequest) {
				c.query.Set(f, c.fields[f])
				delete(c.fields, f)
			}})
		}
	}
	for _, p := range opParams(op) {
		if p.In == openapi3.ParameterInQuery && p.Required {
			name := p.Name
			ms = append(ms, mutation{"required parameter " + name + " missing", func(c *runRequest) { c.query.Del(name) }})
			break
		}
	}
	// An ID of 0 in each path parameter (room_id, message_id, task_id,
	// ...) and each ID field of the body; a wrong type in the first path
	// parameter, which stands for them all.
	for _, name := range op.template.params {
		if name != "" {
			ms = append(ms, mutation{"ID 0 in " + name, func(c *runRequest) { c.path[name] = "0" }})
		}
	}
	if body != nil {
		for _, name := range slices.Sorted(maps.Keys(body.Properties)) {
			if strings.HasSuffix(name, "_id") {
				ms = append(ms, mutation{"ID 0 in body field " + name, func(c *runRequest) {
					if _, ok := c.fields[name]; !ok {
						c.order = append(c.order, name)
					}
					c.fields[name] = "0"
				}})
			}
		}
	}
	if name := firstPathParam(op); name != "" {
		ms = append(ms, mutation{"wrong type: " + name + " not a number", func(c *runRequest) { c.path[name] = "abc" }})
	}
	if name, in := firstFlag(op); name != "" {
		ms = append(ms, mutation{"flag " + name + " sent as true", func(c *runRequest) {
			if in == "query" {
				c.query.Set(name, "true")
			} else {
				c.fields[name] = "true"
				if !slices.Contains(c.order, name) {
					c.order = append(c.order, name)
				}
			}
		}})
	}
	for _, m := range ms {
		c := q.clone()
		m.edit(c)
		req, body := r.httpRequest(ctx, c)
		if _, err := r.v.validateRequest(req, body); err == nil || onlyNotes(err) {
			continue // the spec accepts it: not a negative request
		}
		r.send(ctx, op, c, "negative: "+m.name, via)
	}
}

func firstPathParam(op *operation) string {
	for _, name := range op.template.params {
		if name != "" {
			return name
		}
	}
	return ""
}

// firstFlag finds a 0/1 flag of op: a query parameter or a form field.
func firstFlag(op *operation) (name, in string) {
	for _, p := range opParams(op) {
		if p.In == openapi3.ParameterInQuery && p.Schema != nil && isFlag(p.Schema.Value) {
			return p.Name, "query"
		}
	}
	if body := bodySchema(op, "application/x-www-form-urlencoded"); body != nil {
		for _, name := range slices.Sorted(maps.Keys(body.Properties)) {
			if isFlag(body.Properties[name].Value) {
				return name, "body"
			}
		}
	}
	return "", ""
}

func isFlag(s *openapi3.Schema) bool {
	if s == nil {
		return false
	}
	s = schemarand.Flatten(s) // a described field is an allOf of its schema
	return s.Type.Is(openapi3.TypeInteger) && len(s.Enum) == 2
}

// curl renders req as a curl command, with the token as an environment
// variable and the body byte for byte.
func curl(req *http.Request, body []byte) string {
	var b strings.Builder
	b.WriteString("curl -sS -X ")
	b.WriteString(req.Method)
	b.WriteString(" " + shellQuote(req.URL.String()))
	b.WriteString(` -H "X-ChatWorkToken: $CHATWORK_API_TOKEN"`)
	if ct := req.Header.Get("Content-Type"); ct != "" {
		b.WriteString(" -H " + shellQuote("Content-Type: "+ct))
	}
	if len(body) > 0 {
		b.WriteString(" --data-binary " + shellQuote(string(body)))
	}
	return b.String()
}

// shellQuote quotes s for a POSIX shell; bytes that are not printable
// ASCII use bash's $'...' quoting.
func shellQuote(s string) string {
	plain := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			plain = false
			break
		}
	}
	if plain {
		return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
	}
	var b strings.Builder
	b.WriteString("$'")
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\'' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c >= 0x20 && c < 0x7f:
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, `\x%02x`, c)
		}
	}
	b.WriteByte('\'')
	return b.String()
}
