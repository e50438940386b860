package apitest

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chatwork-go/chatwork/gen"
)

// A Server is an in-memory Chatwork API v2. Create one with [NewServer] in
// tests or [Start] elsewhere. All its methods are safe for concurrent use.
type Server struct {
	cfg           config
	ts            *httptest.Server // nil with WithoutListener
	root          string           // URL without /v2
	api           http.Handler     // the generated router over handlers
	router        *router
	validator     requestValidator // nil with WithoutValidation
	limits        *limiter
	webhookClient *http.Client

	mu    sync.Mutex // guards st
	st    *state
	meID  int64
	token string

	faultMu sync.Mutex
	faults  []*Fault

	logMu    sync.Mutex
	log      []RecordedRequest // a ring once full
	logStart int               // index of the oldest entry

	hookMu     sync.Mutex
	deliveries []WebhookDelivery
	hookWG     sync.WaitGroup

	closeOnce sync.Once
}

// NewServer starts a fake Chatwork for the test tb, listening on a loopback
// port (unless [WithoutListener] is given), and closes it when the test
// ends. The server has one account, the default "me" account whose token
// [Server.Token] returns, with its My Chat, and nothing else. NewServer
// stops the test with tb.Fatal if the server cannot start.
func NewServer(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	s, err := Start(opts...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(s.Close)
	return s
}

// Start starts a fake Chatwork outside a test, for example for a demo
// program. The caller must call [Server.Close]. The server has one account,
// the default "me" account whose token [Server.Token] returns, with its My
// Chat, and nothing else.
func Start(opts ...Option) (*Server, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	s := &Server{cfg: cfg, st: newState(), limits: newLimiter(&cfg)}
	s.webhookClient = cfg.webhookClient
	if s.webhookClient == nil {
		s.webhookClient = &http.Client{Timeout: 10 * time.Second}
	}
	rt, err := newRouter()
	if err != nil {
		return nil, fmt.Errorf("apitest: loading openapi.yaml: %w", err)
	}
	s.router = rt
	if cfg.validate {
		s.validator = rt.spec
	}
	s.api = gen.HandlerWithOptions(&handlers{s: s}, gen.StdHTTPServerOptions{
		BaseURL:          basePath,
		ErrorHandlerFunc: paramError,
	})
	me, err := s.st.addAccount(cfg.me, s.now().Unix())
	if err != nil {
		return nil, err
	}
	s.meID, s.token = me.ID, me.Token

	s.root = "http://apitest.invalid"
	if cfg.listen {
		ts := httptest.NewUnstartedServer(s)
		if cfg.listenAddr != "" {
			l, err := net.Listen("tcp", cfg.listenAddr)
			if err != nil {
				return nil, fmt.Errorf("apitest: %w", err)
			}
			_ = ts.Listener.Close()
			ts.Listener = l
		}
		ts.Start()
		s.ts = ts
		s.root = ts.URL
	}
	return s, nil
}

// Close shuts the listener down, waiting for requests in flight, and waits
// for webhook deliveries in flight. It may be called more than once.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		if s.ts != nil {
			s.ts.Close()
		}
		s.hookWG.Wait()
	})
}

func (s *Server) now() time.Time { return s.cfg.now() }

// URL returns the base URL of the API, ending in /v2, such as
// http://127.0.0.1:40123/v2. With [WithoutListener] it is
// http://apitest.invalid/v2, which only [Server.Client] can reach.
func (s *Server) URL() string { return s.root + basePath }

// Token returns the API token of the default account.
func (s *Server) Token() string { return s.token }

// Me returns the default account.
func (s *Server) Me() Account {
	a, _ := s.Account(s.meID)
	return a
}

// Handler returns the server as an http.Handler. It serves paths that
// start with /v2 and the download URLs of files; mount it at the root.
func (s *Server) Handler() http.Handler { return s }

// Client returns an HTTP client that reaches the server in memory, without
// any network I/O, through [Server.Transport].
func (s *Server) Client() *http.Client { return &http.Client{Transport: s.Transport()} }

// AddAccount adds an account, with its own My Chat, and returns it with
// its ID, token and RoomID filled in. It panics if the ID or token is
// already taken.
func (s *Server) AddAccount(a Account) Account {
	s.mu.Lock()
	defer s.mu.Unlock()
	out, err := s.st.addAccount(a, s.now().Unix())
	if err != nil {
		panic(err)
	}
	return out
}

// Account returns the account with the given ID.
func (s *Server) Account(id int64) (Account, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.st.accounts[id]
	if a == nil {
		return Account{}, false
	}
	return a.Account, true
}

// AddToken registers another API token for the account and returns it. The
// tokens of one account share everything: the rate-limit budget, the read
// cursor of GET messages, the read state. Use it to play a second program
// that uses the same account. It panics if the account does not exist.
func (s *Server) AddToken(accountID int64) string {
	tok := randomString(16)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.st.accounts[accountID] == nil {
		panic(fmt.Sprintf("apitest: AddToken: unknown account %d", accountID))
	}
	s.st.addToken(accountID, tok, false)
	return tok
}

// AddBearerToken registers an OAuth access token of the account, accepted
// in an Authorization: Bearer header only; API tokens are accepted in
// X-ChatWorkToken only, as Chatwork does. It panics if the account does not
// exist or the token is already in use.
func (s *Server) AddBearerToken(accountID int64, token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.st.accounts[accountID] == nil {
		panic(fmt.Sprintf("apitest: AddBearerToken: unknown account %d", accountID))
	}
	if _, dup := s.st.tokens[token]; dup || token == "" {
		panic("apitest: AddBearerToken: token is empty or already in use")
	}
	s.st.addToken(accountID, token, true)
}

// RevokeToken makes a token (API or bearer) invalid: requests with it get
// 401.
func (s *Server) RevokeToken(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.revokeToken(token)
}

// SpendRateLimit spends n requests of the account's global budget, as
// another program using the same account would.
func (s *Server) SpendRateLimit(accountID int64, n int) {
	s.limits.spend(accountID, n, s.now())
}

// RateLimit returns what the x-ratelimit-* headers would report to the
// account now: the limit, the requests left and when the window resets.
func (s *Server) RateLimit(accountID int64) (limit, remaining int, reset time.Time) {
	r := s.limits.peek(accountID, s.now())
	return r.limit, r.remaining, r.reset
}

// AddContact makes accounts a and b contacts of each other, with a direct
// chat, and returns the direct chat's ID. Adding an existing contact
// returns the existing chat. It panics if an account does not exist.
func (s *Server) AddContact(a, b int64) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, err := s.st.addContact(a, b, s.now().Unix())
	if err != nil {
		panic(err)
	}
	return id
}

// AddRoom creates a group chat and returns its ID. r.Admins must name at
// least one account, and every listed account must exist; contact
// relations are not checked. A non-nil r.Link creates an invitation link.
// It panics on invalid input.
func (s *Server) AddRoom(r Room) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.Type != "" && r.Type != RoomTypeGroup {
		panic("apitest: AddRoom creates group chats only; use AddContact for direct chats")
	}
	if len(r.Admins) == 0 {
		panic("apitest: AddRoom: a group chat needs at least one admin")
	}
	roles, err := s.st.roleMap(r.Admins, r.Members, r.Readonly)
	if err != nil {
		panic(err)
	}
	rm, err := s.st.createRoom(r, roles, s.root, s.now().Unix())
	if err != nil {
		panic(err)
	}
	return rm.id
}

// Room returns a snapshot of the room: its type, name, members by role and
// invitation link.
func (s *Server) Room(roomID int64) (Room, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.st.rooms[roomID]
	if r == nil {
		return Room{}, false
	}
	return r.snapshot(), true
}

// Rooms returns the IDs of all rooms, in ascending order.
func (s *Server) Rooms() []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return sortedKeys(s.st.rooms)
}

// AddMessage posts a message to the room as account from, exactly as
// POST /rooms/{room_id}/messages would (webhooks included, the author's read
// position moved), but without permission or rate-limit checks. It returns
// the message ID. It panics if the room or the account does not exist.
func (s *Server) AddMessage(roomID, from int64, body string) string {
	s.mu.Lock()
	r := s.st.rooms[roomID]
	if r == nil || s.st.accounts[from] == nil {
		s.mu.Unlock()
		panic(fmt.Sprintf("apitest: AddMessage: unknown room %d or account %d", roomID, from))
	}
	m, events := s.st.postMessage(r, from, body, false, s.now().Unix())
	s.mu.Unlock()
	s.dispatch(events)
	return strconv.FormatInt(m.id, 10)
}

// Messages returns the room's messages, oldest first. It does not move any
// read cursor.
func (s *Server) Messages(roomID int64) []gen.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.st.rooms[roomID]
	if r == nil {
		return nil
	}
	out := make([]gen.Message, len(r.messages))
	for i, m := range r.messages {
		out[i] = m.api(s.st)
	}
	return out
}

// AddTask creates a task as POST /rooms/{room_id}/tasks would for one
// assignee, with its task message, and returns it with its ID and message
// ID filled in. It panics if the room or an account does not exist.
func (s *Server) AddTask(t Task) Task {
	s.mu.Lock()
	r := s.st.rooms[t.RoomID]
	if r == nil || s.st.accounts[t.AccountID] == nil || s.st.accounts[t.AssignedByAccountID] == nil {
		s.mu.Unlock()
		panic(fmt.Sprintf("apitest: AddTask: unknown room %d or account", t.RoomID))
	}
	if t.Status == "" {
		t.Status = gen.TaskStatusOpen
	}
	now := s.now().Unix()
	ids, events := s.st.createTasks(r, t.AssignedByAccountID, []int64{t.AccountID}, t.Body, t.LimitTime, t.LimitType, now)
	tk := s.st.tasks[ids[0]]
	s.st.setTaskStatus(tk, t.Status)
	t.ID = tk.id
	t.LimitType = tk.limitType
	t.MessageID = strconv.FormatInt(tk.messageID, 10)
	s.mu.Unlock()
	s.dispatch(events)
	return t
}

// Tasks returns every task of the room, open and done, in ascending ID
// order.
func (s *Server) Tasks(roomID int64) []gen.RoomTask {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []gen.RoomTask
	for _, t := range s.st.findTasks(taskFilter{room: &roomID}, 0) {
		out = append(out, s.st.apiTask(t))
	}
	return out
}

// Files returns the files of the room, in ascending ID order.
func (s *Server) Files(roomID int64) []gen.File {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.roomFiles(roomID, nil, 0)
}

// FileContent returns the bytes of an uploaded file.
func (s *Server) FileContent(fileID int64) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.st.files[fileID]
	if f == nil {
		return nil, false
	}
	return slices.Clone(f.data), true
}

// AddIncomingRequest records a contact request from account from to
// account to and returns its request ID. It panics if an account does not
// exist.
func (s *Server) AddIncomingRequest(from, to int64, message string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.st.accounts[from] == nil || s.st.accounts[to] == nil || from == to {
		panic(fmt.Sprintf("apitest: AddIncomingRequest: invalid accounts %d -> %d", from, to))
	}
	return s.st.addRequest(from, to, message)
}

// Contacts returns the contacts of the account, in ascending ID order.
func (s *Server) Contacts(accountID int64) []gen.Contact {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.contacts(accountID)
}

// A RecordedRequest is one request the server answered, as returned by
// [Server.Requests].
type RecordedRequest struct {
	Time   time.Time
	Method string
	// Path is the URL path, such as /v2/rooms/200000001/messages.
	Path string
	// Query is the parsed query string.
	Query map[string][]string
	// Form holds the fields of a form body. For an upload it holds the text
	// parts, and the file part's file name under "file".
	Form map[string][]string
	// Ignored lists, sorted, the fields of Form that the operation does not
	// declare, such as the file_name part that some clients add to
	// uploads. Chatwork ignores them, and so does the fake; a test can
	// look here for a misspelled optional field.
	Ignored []string
	// OperationID is the spec's operationId, such as "postMessage"; empty
	// for an unknown endpoint or a download.
	OperationID string
	// AccountID is the authenticated account; 0 when authentication failed.
	AccountID int64
	// Status is the HTTP status of the answer; 0 when the connection was
	// dropped by a fault before an answer was written.
	Status int
	// Dropped reports that a fault dropped the connection.
	Dropped bool
	// Reason says why a request was refused (Status 400 or more): the
	// validator's violations, such as
	// "body.members_admin_ids: value "1&2": repeated key; send one
	// comma-joined value such as 1,2,3", or the error messages of the
	// answer. It never contains a token. Empty for accepted requests.
	Reason string
}

// Requests returns the requests answered so far, oldest first (at most the
// 10000 most recent, see [WithRequestLogSize]).
func (s *Server) Requests() []RecordedRequest {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	out := make([]RecordedRequest, 0, len(s.log))
	out = append(out, s.log[s.logStart:]...)
	return append(out, s.log[:s.logStart]...)
}

// PostCount returns how many messages and tasks were accepted for the room
// through the API (status 200 from postMessage or createRoomTasks, the
// operations under the per-room limit), as recorded by [Server.Requests].
func (s *Server) PostCount(roomID int64) int {
	prefix := basePath + "/rooms/" + strconv.FormatInt(roomID, 10) + "/"
	n := 0
	for _, r := range s.Requests() {
		if op := s.router.ops[r.OperationID]; op != nil && op.roomPost &&
			r.Status == http.StatusOK && strings.HasPrefix(r.Path, prefix) {
			n++
		}
	}
	return n
}

func (s *Server) record(r RecordedRequest) {
	if s.cfg.observer != nil {
		s.cfg.observer(r)
	}
	s.logMu.Lock()
	defer s.logMu.Unlock()
	n := s.cfg.requestLogSize
	switch {
	case n == 0:
	case n > 0 && len(s.log) == n:
		s.log[s.logStart] = r
		s.logStart = (s.logStart + 1) % n
	default:
		s.log = append(s.log, r)
	}
}

// ErrConnectionDropped is the error that [Server.Transport] returns for a
// request that a fault with DropAfterProcessing dropped: the server
// processed the request, but no answer arrives.
var ErrConnectionDropped = errors.New("apitest: connection dropped after the request was processed")

// A Fault changes how the server answers matching requests. See
// [Server.InjectFault].
type Fault struct {
	// OperationID selects the operation, such as "postMessage"; empty
	// matches every operation.
	OperationID string
	// Times is how many requests the fault applies to; 0 means forever.
	Times int
	// Status, when not 0, answers with this status and a Chatwork error
	// body without processing the request, for example 503.
	Status int
	// Message is the error message of a Status answer; by default the
	// status text, such as "Service Unavailable".
	Message string
	// Delay holds the request this long before it is processed (or
	// answered with Status). The wait ends early, without processing, when
	// the request's context is done. Inside a synctest bubble the delay
	// uses the bubble's fake clock.
	Delay time.Duration
	// DropAfterProcessing processes and stores the request normally, then
	// drops the connection without an answer: over TCP the connection is
	// closed, and the in-memory transport returns ErrConnectionDropped.
	DropAfterProcessing bool
}

// InjectFault adds a fault. Faults apply after authentication, validation
// and the rate limit, so a faulted request has spent its budget. When
// several faults match a request, the one injected first applies.
func (s *Server) InjectFault(f Fault) {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	fc := f
	s.faults = append(s.faults, &fc)
}

// ClearFaults removes every fault.
func (s *Server) ClearFaults() {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	s.faults = nil
}

// takeFault returns the fault that applies to the operation, counting it
// down.
func (s *Server) takeFault(opID string) (Fault, bool) {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	for i, f := range s.faults {
		if f.OperationID != "" && f.OperationID != opID {
			continue
		}
		out := *f
		if f.Times > 0 {
			f.Times--
			if f.Times == 0 {
				s.faults = slices.Delete(s.faults, i, i+1)
			}
		}
		return out, true
	}
	return Fault{}, false
}
