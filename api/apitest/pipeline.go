package apitest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/chatwork-go/chatwork/gen"
)

const (
	basePath     = "/v2"
	downloadPath = "/_download/"
	// maxFileSize is Chatwork's upload limit, 5 MB.
	maxFileSize = 5 * 1024 * 1024
	// maxBody bounds what the server reads of any request body: an upload of
	// the largest file plus room for its multipart framing.
	maxBody = maxFileSize + 1024*1024
)

// An operation is one of the 32 operations of the API.
type operation struct {
	id      string
	method  string
	pattern string // relative to /v2, in ServeMux syntax
	// roomPost marks the operations that share the per-room posting limit.
	roomPost bool
	// query lists the declared query parameters; the others are ignored.
	query []string
	// required lists the required body fields, in the order in which a
	// missing one is reported; optional the other declared body fields.
	// Fields the operation does not declare are ignored.
	required, optional []string
}

// operations lists the API's operations as openapi.yaml declares them.
// TestRoutesMatchSpec checks the list against the conformance validator.
var operations = []operation{
	{"getMe", http.MethodGet, "/me", false, nil, nil, nil},
	{"getMyStatus", http.MethodGet, "/my/status", false, nil, nil, nil},
	{"listMyTasks", http.MethodGet, "/my/tasks", false, []string{"assigned_by_account_id", "status"}, nil, nil},
	{"listContacts", http.MethodGet, "/contacts", false, nil, nil, nil},
	{"listRooms", http.MethodGet, "/rooms", false, nil, nil, nil},
	{"createRoom", http.MethodPost, "/rooms", false, nil, []string{"name", "members_admin_ids"}, []string{"description", "icon_preset", "members_member_ids", "members_readonly_ids", "link", "link_code", "link_need_acceptance"}},
	{"getRoom", http.MethodGet, "/rooms/{room_id}", false, nil, nil, nil},
	{"updateRoom", http.MethodPut, "/rooms/{room_id}", false, nil, nil, []string{"name", "description", "icon_preset"}},
	{"deleteRoom", http.MethodDelete, "/rooms/{room_id}", false, nil, []string{"action_type"}, nil},
	{"listRoomMembers", http.MethodGet, "/rooms/{room_id}/members", false, nil, nil, nil},
	{"updateRoomMembers", http.MethodPut, "/rooms/{room_id}/members", false, nil, []string{"members_admin_ids"}, []string{"members_member_ids", "members_readonly_ids"}},
	{"listMessages", http.MethodGet, "/rooms/{room_id}/messages", false, []string{"force"}, nil, nil},
	{"postMessage", http.MethodPost, "/rooms/{room_id}/messages", true, nil, []string{"body"}, []string{"self_unread"}},
	{"markMessagesRead", http.MethodPut, "/rooms/{room_id}/messages/read", false, nil, nil, []string{"message_id"}},
	{"markMessagesUnread", http.MethodPut, "/rooms/{room_id}/messages/unread", false, nil, []string{"message_id"}, nil},
	{"getMessage", http.MethodGet, "/rooms/{room_id}/messages/{message_id}", false, nil, nil, nil},
	{"updateMessage", http.MethodPut, "/rooms/{room_id}/messages/{message_id}", false, nil, []string{"body"}, nil},
	{"deleteMessage", http.MethodDelete, "/rooms/{room_id}/messages/{message_id}", false, nil, nil, nil},
	{"listRoomTasks", http.MethodGet, "/rooms/{room_id}/tasks", false, []string{"account_id", "assigned_by_account_id", "status"}, nil, nil},
	{"createRoomTasks", http.MethodPost, "/rooms/{room_id}/tasks", true, nil, []string{"body", "to_ids"}, []string{"limit", "limit_type"}},
	{"getRoomTask", http.MethodGet, "/rooms/{room_id}/tasks/{task_id}", false, nil, nil, nil},
	{"updateTaskStatus", http.MethodPut, "/rooms/{room_id}/tasks/{task_id}/status", false, nil, []string{"body"}, nil},
	{"listFiles", http.MethodGet, "/rooms/{room_id}/files", false, []string{"account_id"}, nil, nil},
	{"uploadFile", http.MethodPost, "/rooms/{room_id}/files", false, nil, []string{"file"}, []string{"message"}},
	{"getFile", http.MethodGet, "/rooms/{room_id}/files/{file_id}", false, []string{"create_download_url"}, nil, nil},
	{"getInvitationLink", http.MethodGet, "/rooms/{room_id}/link", false, nil, nil, nil},
	{"createInvitationLink", http.MethodPost, "/rooms/{room_id}/link", false, nil, nil, []string{"code", "need_acceptance", "description"}},
	{"updateInvitationLink", http.MethodPut, "/rooms/{room_id}/link", false, nil, nil, []string{"code", "need_acceptance", "description"}},
	{"deleteInvitationLink", http.MethodDelete, "/rooms/{room_id}/link", false, nil, nil, nil},
	{"listIncomingRequests", http.MethodGet, "/incoming_requests", false, nil, nil, nil},
	{"acceptIncomingRequest", http.MethodPut, "/incoming_requests/{request_id}", false, nil, nil, nil},
	{"rejectIncomingRequest", http.MethodDelete, "/incoming_requests/{request_id}", false, nil, nil, nil},
}

// newRoutes builds a ServeMux that only classifies requests: the pattern it
// matches names the operation.
func newRoutes() (map[string]*operation, *http.ServeMux) {
	byPattern := map[string]*operation{}
	mux := http.NewServeMux()
	for i := range operations {
		op := &operations[i]
		p := op.method + " " + basePath + op.pattern
		byPattern[p] = op
		mux.Handle(p, http.NotFoundHandler())
	}
	return byPattern, mux
}

// route returns the operation of the request, or nil.
func (s *Server) route(r *http.Request) *operation {
	if r.URL.Path != path.Clean(r.URL.Path) {
		return nil
	}
	_, pattern := s.routeMux.Handler(r)
	op := s.routes[pattern]
	if op != nil && strings.HasSuffix(op.pattern, "{message_id}") {
		// GET /rooms/1/messages/unread is not getMessage: the path exists
		// for another method only.
		if last := path.Base(r.URL.Path); last == "read" || last == "unread" {
			return nil
		}
	}
	return op
}

// reqInfo travels in the request context from the pipeline to the
// handlers.
type reqInfo struct {
	op      *operation
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

// ServeHTTP implements http.Handler. It answers API requests under /v2 and
// downloads under /_download/. Every API request goes through, in order:
// authentication (401), routing (400 Invalid Endpoint or HTTP method),
// validation against openapi.yaml (400), the global and per-room rate
// limits (429), injected faults, and finally the operation.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, downloadPath) {
		s.serveDownload(w, r)
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
	acct, bearer, reason := s.authenticate(r)
	if reason != "" {
		s.limits.anonymous(now).setHeaders(w.Header())
		if bearer {
			w.Header().Set("Www-Authenticate", `Bearer error="invalid_token", error_description="The access token is invalid"`)
		}
		refuse(w, info, http.StatusUnauthorized, reason, "Invalid API token")
		return
	}
	info.account, rec.AccountID = acct, acct

	// 2. Routing.
	op := s.route(r)
	if op == nil {
		s.limits.peek(acct, now).setHeaders(w.Header())
		refuse(w, info, http.StatusBadRequest, "no operation has this method and path", "Invalid Endpoint or HTTP method")
		return
	}
	info.op, rec.OperationID = op, op.id

	raw, err := readBody(r)
	if err != nil {
		s.limits.peek(acct, now).setHeaders(w.Header())
		refuse(w, info, http.StatusBadRequest, "", msgFileTooLarge)
		return
	}
	// action_type of DELETE /rooms/{room_id} belongs in the body, but old
	// clients send it in the query string, and Chatwork has accepted both.
	if op.id == "deleteRoom" && len(raw) == 0 && r.URL.Query().Has("action_type") {
		raw = []byte(url.Values{"action_type": {r.URL.Query().Get("action_type")}}.Encode())
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	info.body = parseBody(r.Header.Get("Content-Type"), raw)
	rec.Form = info.body.recorded()
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
		// The exact message of the global 429 is not documented
		// (unverified); Chatwork documents only the status.
		refuse(w, info, http.StatusTooManyRequests, "", "Rate limit exceeded.")
		return
	}
	if op.roomPost && !s.limits.takeRoom(roomIDFromPath(r.URL.Path), now) {
		refuse(w, info, http.StatusTooManyRequests, "", "Rate limit for message posting per room exceeded.")
		return
	}

	// 5. Faults.
	f, faulted := s.takeFault(op.id)
	if faulted && f.Delay > 0 {
		if !sleep(r.Context(), f.Delay) {
			info.dropped = true // the client has gone
			return
		}
	}
	if faulted && f.Status != 0 {
		msg := f.Message
		if msg == "" {
			msg = http.StatusText(f.Status)
		}
		refuse(w, info, f.Status, "injected fault: "+msg, msg)
		return
	}

	// 6. The operation.
	ctx := context.WithValue(r.Context(), ctxKey{}, info)
	if faulted && f.DropAfterProcessing {
		discard := &discardWriter{h: http.Header{}}
		s.api.ServeHTTP(discard, r.WithContext(ctx))
		info.dropped = true
		drop(w.ResponseWriter)
		return
	}
	s.api.ServeHTTP(w, r.WithContext(ctx))
}

// roomIDFromPath reads the room ID of /v2/rooms/{room_id}/...
func roomIDFromPath(p string) int64 {
	rest := strings.TrimPrefix(p, basePath+"/rooms/")
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		rest = rest[:i]
	}
	id, _ := strconv.ParseInt(rest, 10, 64)
	return id
}

// authenticate finds the account of the request's token: an API token in
// X-ChatWorkToken, or an OAuth access token (registered with
// AddBearerToken) in Authorization: Bearer. bearer reports that a bearer
// token was presented. When the request is refused, reason says why; it
// never contains the token.
func (s *Server) authenticate(r *http.Request) (acct int64, bearer bool, reason string) {
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
	acct, known := s.st.tokens[tok]
	oauth := s.st.oauth[tok]
	switch {
	case !known:
		return 0, bearer, "unknown or revoked token"
	case bearer && !oauth:
		return 0, bearer, "an API token sent as Authorization: Bearer; send it in the X-ChatWorkToken header (Bearer is for OAuth access tokens)"
	case !bearer && oauth:
		return 0, bearer, "an OAuth access token sent as X-ChatWorkToken; send it as Authorization: Bearer"
	}
	return acct, bearer, ""
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

// sleep waits d, or until ctx is done; it reports whether d elapsed. It
// uses a timer, so a synctest bubble's fake clock drives it.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
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

// serveDownload serves the download URLs of getFile. They need no token
// and expire 30 seconds after they were made.
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
