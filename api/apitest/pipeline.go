package apitest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/chatwork-go/chatwork/conformance"
	"github.com/chatwork-go/chatwork/gen"
	"github.com/chatwork-go/chatwork/internal/limits"
	"github.com/chatwork-go/chatwork/internal/wait"
)

const (
	basePath     = "/v2"
	downloadPath = "/_download/"
	// controlPath is the prefix of the control API, which Chatwork's API
	// never uses.
	controlPath = "/_fake/"
	// maxFileSize is Chatwork's upload limit, 5 MB.
	maxFileSize = limits.UploadBytes
	// maxBody bounds what the server reads of any request body: an upload of
	// the largest file plus room for its multipart framing.
	maxBody = maxFileSize + 1024*1024
)

// A router finds the operation of a request with the validator's matcher,
// the one reading of the spec's paths, and dispatches it on the operation
// ID to the wrapper that package gen generates for it, which binds the
// parameters and calls the handler.
type router struct {
	spec     *conformance.Validator
	ops      map[string]*conformance.OperationInfo // by operation ID
	handlers map[string]http.HandlerFunc           // by operation ID
}

func newRouter(si gen.ServerInterface) (*router, error) {
	v, err := conformance.New()
	if err != nil {
		return nil, err
	}
	// gen registers each wrapper under the pattern "METHOD /v2/path"; the
	// patterns are collected, never served.
	wrappers := patterns{}
	gen.HandlerWithOptions(si, gen.StdHTTPServerOptions{BaseURL: basePath, BaseRouter: wrappers, ErrorHandlerFunc: paramError})
	rt := &router{spec: v, ops: map[string]*conformance.OperationInfo{}, handlers: map[string]http.HandlerFunc{}}
	for _, info := range v.Operations() {
		h := wrappers[info.Method+" "+basePath+info.Path]
		if h == nil {
			return nil, fmt.Errorf("package gen has no handler for %s %s (%s): regenerate it", info.Method, info.Path, info.ID)
		}
		rt.ops[info.ID], rt.handlers[info.ID] = &info, h
	}
	if len(wrappers) != len(rt.ops) {
		return nil, fmt.Errorf("package gen has %d handlers for the %d operations of openapi.yaml: regenerate it", len(wrappers), len(rt.ops))
	}
	return rt, nil
}

// patterns collects the handlers gen registers, by pattern.
type patterns map[string]http.HandlerFunc

func (p patterns) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	p[pattern] = h
}

func (p patterns) ServeHTTP(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }

// route returns the operation of the request and its path parameters, or
// nil: the path must be clean and start with /v2/.
func (s *Server) route(r *http.Request) (*conformance.OperationInfo, map[string]string) {
	if r.URL.Path != path.Clean(r.URL.Path) || !strings.HasPrefix(r.URL.Path, basePath+"/") {
		return nil, nil
	}
	// Match segment by segment as net/http's ServeMux does: on the escaped
	// path (an escaped slash stays inside its segment), and HEAD as GET
	// (the validator, when on, still refuses HEAD: the spec declares none).
	g, u := *r, *r.URL
	u.Path, u.RawPath = r.URL.EscapedPath(), ""
	g.URL = &u
	if g.Method == http.MethodHead {
		g.Method = http.MethodGet
	}
	id, err := s.router.spec.Operation(&g)
	if err != nil {
		return nil, nil
	}
	op := s.router.ops[id]
	return op, pathParams(op.Path, strings.TrimPrefix(u.Path, basePath))
}

// pathParams reads the parameters of a path that matched the template
// tmpl, such as /rooms/{room_id}/messages: segment by segment, unescaped.
func pathParams(tmpl, p string) map[string]string {
	out := map[string]string{}
	ts, ps := strings.Split(tmpl, "/"), strings.Split(p, "/")
	for i, seg := range ts {
		if i < len(ps) && strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			v, err := url.PathUnescape(ps[i])
			if err != nil {
				v = ps[i]
			}
			out[seg[1:len(seg)-1]] = v
		}
	}
	return out
}

// reqInfo travels in the request context from the pipeline to the
// handlers.
type reqInfo struct {
	op      *conformance.OperationInfo
	account int64
	body    *body
	// reason says why the request was refused, for the request log.
	reason  string
	dropped bool
}

type ctxKey struct{}

func infoOf(r *http.Request) *reqInfo {
	i, _ := r.Context().Value(ctxKey{}).(*reqInfo)
	return i
}

// statusWriter remembers the status written through it.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(p)
}

// ServeHTTP implements http.Handler. It answers API requests under /v2,
// downloads under /_download/ and the control API under /_fake/. Every API
// request goes through, in order:
// authentication (401), routing (400 Invalid Endpoint or HTTP method),
// validation against openapi.yaml (400), the global and per-room rate
// limits (429), injected faults, and finally the operation.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case strings.HasPrefix(r.URL.Path, downloadPath):
		s.serveDownload(w, r)
		return
	case strings.HasPrefix(r.URL.Path, controlPath):
		s.control.ServeHTTP(w, r)
		return
	}
	sw := &statusWriter{ResponseWriter: w}
	info := &reqInfo{}
	rec := RecordedRequest{Time: s.now(), Method: r.Method, Path: r.URL.Path, Query: r.URL.Query()}
	s.serveAPI(sw, r, info, &rec)
	rec.Status = sw.status
	rec.Dropped = info.dropped
	if info.dropped {
		rec.Status = 0
	}
	if rec.Status >= http.StatusBadRequest {
		rec.Reason = info.reason
	}
	s.record(rec)
}

// refuse answers with Chatwork's error body; reason, when not empty, is
// recorded instead of the messages as the reason of the refusal.
func refuse(w http.ResponseWriter, info *reqInfo, status int, reason string, msgs ...string) {
	if reason == "" {
		reason = strings.Join(msgs, "; ")
	}
	info.reason = reason
	writeError(w, status, msgs...)
}

func (s *Server) serveAPI(w *statusWriter, r *http.Request, info *reqInfo, rec *RecordedRequest) {
	now := s.now()
	// 1. Authentication.
	acct, bearer, reason := s.authenticate(r, now)
	switch {
	case reason != "" && bearer:
		// An OAuth access token refused: Chatwork answers with no body,
		// the reason in WWW-Authenticate only.
		desc := "The access token is invalid"
		if reason == reasonExpired {
			desc = "The access token expired"
		}
		w.Header().Set("Www-Authenticate", `Bearer error="invalid_token", error_description="`+desc+`"`)
		info.reason = reason
		w.WriteHeader(http.StatusUnauthorized)
		return
	case reason != "":
		s.limits.anonymous(now).setHeaders(w.Header())
		refuse(w, info, http.StatusUnauthorized, reason, "Invalid API token")
		return
	}
	info.account, rec.AccountID = acct, acct

	// 2. Routing.
	op, params := s.route(r)
	if op == nil {
		s.limits.peek(acct, now).setHeaders(w.Header())
		refuse(w, info, http.StatusBadRequest, "no operation has this method and path", "Invalid Endpoint or HTTP method")
		return
	}
	info.op, rec.OperationID, rec.PathParams = op, op.ID, params

	raw, err := readBody(r)
	if err != nil {
		s.limits.peek(acct, now).setHeaders(w.Header())
		refuse(w, info, http.StatusBadRequest, "", msgFileTooLarge)
		return
	}
	// action_type of DELETE /rooms/{room_id} belongs in the body, but old
	// clients send it in the query string, and Chatwork has accepted both.
	if op.ID == "deleteRoom" && len(raw) == 0 && r.URL.Query().Has("action_type") {
		raw = []byte(url.Values{"action_type": {r.URL.Query().Get("action_type")}}.Encode())
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	info.body = parseBody(r.Header.Get("Content-Type"), raw)
	rec.Form, rec.Files = info.body.recorded(), info.body.files
	rec.Ignored = info.body.ignored(op)
	r.Body = io.NopCloser(bytes.NewReader(raw))
	r.GetBody = nil
	r.ContentLength = int64(len(raw))

	// 3. Validation.
	if s.validator != nil {
		if msgs, reason := s.validate(r, op, info.body); len(msgs) > 0 {
			s.limits.peek(acct, now).setHeaders(w.Header())
			refuse(w, info, http.StatusBadRequest, reason, msgs...)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(raw))
	}

	// 4. Rate limits. A per-room refusal still spends global budget.
	rt, ok := s.limits.take(acct, now)
	rt.setHeaders(w.Header())
	if !ok {
		refuse(w, info, http.StatusTooManyRequests, "", msgRateLimited)
		return
	}
	if op.RoomPostLimit {
		roomID, _ := strconv.ParseInt(params["room_id"], 10, 64)
		if !s.limits.takeRoom(roomID, now) {
			refuse(w, info, http.StatusTooManyRequests, "", msgRoomRateLimited)
			return
		}
	}

	// 5. Faults.
	f, faulted := s.takeFault(op.ID)
	if faulted && f.Delay > 0 {
		if wait.Sleep(r.Context(), f.Delay) != nil {
			info.dropped = true // the client has gone
			return
		}
	}
	switch {
	case faulted && f.DropBeforeProcessing:
		info.dropped = true
		drop(w.ResponseWriter)
		return
	case faulted && (f.Status != 0 || f.RateLimit != ""):
		faultAnswer(w, info, f, rt)
		return
	}

	// 6. The operation, dispatched on its ID.
	r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, info))
	for k, v := range params {
		r.SetPathValue(k, v)
	}
	handler := s.router.handlers[op.ID]
	if faulted && f.DropAfterProcessing {
		handler(&discardWriter{h: http.Header{}}, r)
		info.dropped = true
		drop(w.ResponseWriter)
		return
	}
	handler(w, r)
}

// reasonExpired is the reason of a refused OAuth token past its expiry.
const reasonExpired = "the OAuth access token expired"

// authenticate finds the account of the request's token: an API token in
// X-ChatWorkToken, or an OAuth access token in Authorization: Bearer.
// bearer reports that a bearer token was presented. When the request is
// refused, reason says why; it never contains the token.
func (s *Server) authenticate(r *http.Request, now time.Time) (acct int64, bearer bool, reason string) {
	tok := r.Header.Get("X-ChatWorkToken")
	if tok == "" {
		if a := r.Header.Get("Authorization"); len(a) > 7 && strings.EqualFold(a[:7], "bearer ") {
			tok, bearer = strings.TrimSpace(a[7:]), true
		}
	}
	if tok == "" {
		return 0, bearer, "no X-ChatWorkToken header and no Authorization: Bearer token"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.st.tokens[tok]
	switch {
	case c == nil:
		return 0, bearer, "unknown or revoked token"
	case bearer && !c.oauth:
		return 0, bearer, "an API token sent as Authorization: Bearer; send it in the X-ChatWorkToken header (Bearer is for OAuth access tokens)"
	case !bearer && c.oauth:
		return 0, bearer, "an OAuth access token sent as X-ChatWorkToken; send it as Authorization: Bearer"
	case !c.expires.IsZero() && !now.Before(c.expires):
		return 0, bearer, reasonExpired
	}
	return c.account, bearer, ""
}

var errBodyTooLarge = errors.New("request body too large")

func readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxBody {
		return nil, errBodyTooLarge
	}
	return b, nil
}

// dropper is implemented by the in-memory transport's response writer.
type dropper interface{ drop() }

// drop ends the exchange without an answer.
func drop(w http.ResponseWriter) {
	if d, ok := w.(dropper); ok {
		d.drop()
		return
	}
	if hj, ok := w.(http.Hijacker); ok {
		conn, _, err := hj.Hijack()
		if err == nil {
			_ = conn.Close()
			return
		}
	}
	// Neither: abort the handler, which net/http turns into a closed
	// connection.
	panic(http.ErrAbortHandler)
}

type discardWriter struct{ h http.Header }

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (d *discardWriter) WriteHeader(int)             {}

// jsonContentType is the Content-Type of every JSON answer.
const jsonContentType = "application/json; charset=utf-8"

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "Internal error")
		return
	}
	w.Header().Set("Content-Type", jsonContentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func writeNoContent(w http.ResponseWriter) {
	w.WriteHeader(http.StatusNoContent)
}

// writeError answers with Chatwork's error body {"errors": [...]}.
func writeError(w http.ResponseWriter, status int, msgs ...string) {
	writeJSON(w, status, gen.ErrorBody{Errors: msgs})
}

// serveDownload serves the download URLs of getFile. A download URL needs
// no token and expires 30 seconds after it was made.
func (s *Server) serveDownload(w http.ResponseWriter, r *http.Request) {
	tok := strings.TrimPrefix(r.URL.Path, downloadPath)
	s.mu.Lock()
	f := s.st.download(tok, s.now())
	s.mu.Unlock()
	if (r.Method != http.MethodGet && r.Method != http.MethodHead) || f == nil {
		http.NotFound(w, r)
		return
	}
	ct := f.contentType
	if ct == "" {
		ct = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Length", strconv.Itoa(len(f.data)))
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": f.name}))
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(f.data)
}
