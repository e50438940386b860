package apitest

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// A Server is an in-memory Chatwork API v2. Create one with [NewServer] in
// tests or [Start] elsewhere. All its methods are safe for concurrent use.
type Server struct {
	cfg           config
	ts            *httptest.Server // nil with WithoutListener
	root          string           // URL without /v2
	router        *router
	validator     requestValidator // nil with WithoutValidation
	limits        *limiter
	webhookClient *http.Client
	control       http.Handler // the control API under /_fake/
	initial       Seed         // the state Reset goes back to

	mu    sync.Mutex // guards st
	st    *state
	meID  int64
	token string

	offset atomic.Int64 // what SetClock and AdvanceClock add to cfg.now, in nanoseconds

	faultMu sync.Mutex
	faults  []*faultState

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
// ends. Without [WithSeed], the server has one account, the default "me"
// account whose token [Server.Token] returns, with its My Chat, and
// nothing else. NewServer stops the test with tb.Fatal if the server
// cannot start.
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
// program or the command chatwork fake. The caller must call
// [Server.Close]. Without [WithSeed], the server has one account, the
// default "me" account whose token [Server.Token] returns, with its My
// Chat, and nothing else.
func Start(opts ...Option) (*Server, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	s := &Server{cfg: cfg, limits: newLimiter(&cfg)}
	s.webhookClient = cfg.webhookClient
	if s.webhookClient == nil {
		s.webhookClient = &http.Client{Timeout: 10 * time.Second}
	}
	rt, err := newRouter(&handlers{s: s})
	if err != nil {
		return nil, fmt.Errorf("apitest: loading openapi.yaml: %w", err)
	}
	s.router = rt
	if cfg.validate {
		s.validator = rt.spec
	}
	if s.control, err = s.controlAPI(); err != nil {
		return nil, err
	}
	if s.cfg.adminToken == "" {
		s.cfg.adminToken = randomString(16)
	}

	var ln net.Listener
	s.root = "http://apitest.invalid"
	if cfg.listen {
		addr := cfg.listenAddr
		if addr == "" {
			addr = "127.0.0.1:0"
		}
		if ln, err = net.Listen("tcp", addr); err != nil {
			return nil, fmt.Errorf("apitest: %w", err)
		}
		s.root = "http://" + ln.Addr().String()
	}
	// The seed's link URLs name the server, so it is loaded once the
	// address is known.
	var seed Seed
	if cfg.seed != nil {
		seed = *cfg.seed
	}
	if len(seed.Accounts) == 0 {
		seed.Accounts = []Account{cfg.me}
	}
	st, err := loadSeed(seed, s.root, s.now().Unix())
	if err != nil {
		if ln != nil {
			_ = ln.Close()
		}
		return nil, fmt.Errorf("apitest: seed: %w", err)
	}
	s.setState(st)
	s.initial = s.Seed()

	if ln != nil {
		ts := httptest.NewUnstartedServer(s)
		if cfg.httpServer != nil {
			cfg.httpServer(ts.Config)
		}
		_ = ts.Listener.Close()
		ts.Listener = ln
		ts.Start()
		s.ts = ts
	}
	return s, nil
}

// setState installs st, whose first account is the default one.
func (s *Server) setState(st *state) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st = st
	s.meID, s.token = st.first, st.accounts[st.first].Token
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

// URL returns the base URL of the API, ending in /v2, such as
// http://127.0.0.1:40123/v2. With [WithoutListener] it is
// http://apitest.invalid/v2, which only [Server.Client] can reach.
func (s *Server) URL() string { return s.root + basePath }

// Token returns the API token of the default account.
func (s *Server) Token() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.token
}

// Me returns the default account: the first account of the seed, or the
// one of [WithDefaultAccount].
func (s *Server) Me() Account {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.accounts[s.meID].Account
}

// AdminToken returns the token of the control API (see [WithAdminToken]).
func (s *Server) AdminToken() string { return s.cfg.adminToken }

// Handler returns the server as an http.Handler. It serves paths that
// start with /v2, the download URLs of files and the control API under
// /_fake/; mount it at the root.
func (s *Server) Handler() http.Handler { return s }

// Client returns an HTTP client that reaches the server in memory, without
// any network I/O, through [Server.Transport].
func (s *Server) Client() *http.Client { return &http.Client{Transport: s.Transport()} }

// must returns v, or panics with err: the Go methods of the fake are test
// helpers, and a seeding mistake is a bug in the test.
func must[T any](method string, v T, err error) T {
	if err != nil {
		panic(fmt.Sprintf("apitest: %s: %v", method, err))
	}
	return v
}

// locked runs f with the state locked, then sends the webhook events it
// returned.
func locked[T any](s *Server, f func(st *state, now int64) (T, []event, error)) (T, error) {
	s.mu.Lock()
	v, events, err := f(s.st, s.now().Unix())
	s.mu.Unlock()
	if err == nil {
		s.dispatch(events)
	}
	return v, err
}

// read runs f with the state locked.
func read[T any](s *Server, f func(st *state) T) T {
	s.mu.Lock()
	defer s.mu.Unlock()
	return f(s.st)
}

// AddAccount adds an account, with its My Chat, and returns it with its
// ID, token and RoomID filled in. It panics if an ID or the token is
// already taken.
func (s *Server) AddAccount(a Account) Account {
	v, err := s.addAccount(a)
	return must("AddAccount", v, err)
}

func (s *Server) addAccount(a Account) (Account, error) {
	return locked(s, func(st *state, now int64) (Account, []event, error) {
		a, err := st.addAccount(a, now)
		return a, nil, err
	})
}

// UpdateAccount replaces the profile of the account a.AccountID with a's;
// its token and My Chat stay. It returns the account and panics if it does
// not exist.
func (s *Server) UpdateAccount(a Account) Account {
	v, err := s.updateAccount(a)
	return must("UpdateAccount", v, err)
}

func (s *Server) updateAccount(a Account) (Account, error) {
	return locked(s, func(st *state, _ int64) (Account, []event, error) {
		a, err := st.updateAccount(a)
		return a, nil, err
	})
}

// Account returns the account with the given ID.
func (s *Server) Account(id int64) (Account, bool) {
	return read2(s, func(st *state) (Account, bool) {
		if a := st.accounts[id]; a != nil {
			return a.Account, true
		}
		return Account{}, false
	})
}

// read2 is read for functions with a second result.
func read2[T any](s *Server, f func(st *state) (T, bool)) (T, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return f(s.st)
}

// Accounts returns every account, in ascending ID order.
func (s *Server) Accounts() []Account {
	return read(s, func(st *state) []Account {
		out := make([]Account, 0, len(st.accounts))
		for _, id := range sortedKeys(st.accounts) {
			out = append(out, st.accounts[id].Account)
		}
		return out
	})
}

// AddToken registers another token of an account and returns it, with a
// random Token when it had none: a second API token, to play another
// program on the same account (the tokens of an account share everything:
// the rate-limit budget, the read cursor of GET messages, the read state),
// or an OAuth access token. It panics if the account does not exist or the
// token is taken.
func (s *Server) AddToken(t Token) Token {
	v, err := s.addToken(t)
	return must("AddToken", v, err)
}

func (s *Server) addToken(t Token) (Token, error) {
	return locked(s, func(st *state, _ int64) (Token, []event, error) {
		t, err := st.addToken(t)
		return t, nil, err
	})
}

// Tokens returns the tokens added by AddToken (or a seed) and not revoked,
// by account then token; the accounts' own tokens are in [Account].
func (s *Server) Tokens() []Token { return read(s, (*state).tokenList) }

// RevokeToken makes a token of AddToken invalid: requests with it get 401
// (an OAuth token gets Chatwork's 401 with an empty body). It panics if
// the token is unknown or is an account's own token.
func (s *Server) RevokeToken(token string) { must("RevokeToken", struct{}{}, s.revokeToken(token)) }

func (s *Server) revokeToken(token string) error {
	_, err := locked(s, func(st *state, _ int64) (struct{}, []event, error) {
		return struct{}{}, nil, st.revokeToken(token)
	})
	return err
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

// AddContact makes two accounts contacts of each other, with a direct
// chat, and returns the contact with its RoomID filled in. Adding an
// existing contact returns it. It panics if an account does not exist.
func (s *Server) AddContact(c Contact) Contact {
	v, err := s.addContact(c)
	return must("AddContact", v, err)
}

func (s *Server) addContact(c Contact) (Contact, error) {
	return locked(s, func(st *state, now int64) (Contact, []event, error) {
		c, err := st.addContact(c, now)
		return c, nil, err
	})
}

// Contacts returns every pair of contacts once, the lower account ID
// first, in ascending order.
func (s *Server) Contacts() []Contact { return read(s, (*state).contactList) }

// AddRoom creates a group chat and returns it with its ID (and its link's
// code and URL) filled in. r.AdminIDs must name at least one account, and
// every listed account must exist; contact relations are not checked. A
// non-nil r.Link creates an invitation link. It panics on invalid input.
func (s *Server) AddRoom(r Room) Room {
	v, err := s.addRoom(r)
	return must("AddRoom", v, err)
}

func (s *Server) addRoom(r Room) (Room, error) {
	return locked(s, func(st *state, now int64) (Room, []event, error) {
		rm, err := st.addRoom(r, s.root, now)
		if err != nil {
			return r, nil, err
		}
		return rm.fixture(), nil, nil
	})
}

// UpdateRoom replaces the name, description, icon, members and link of the
// group chat r.RoomID with r's, as PUT rooms, PUT members and the link
// operations would; members left out leave the room with their tasks and
// files. It returns the room and panics on invalid input.
func (s *Server) UpdateRoom(r Room) Room {
	v, err := s.updateRoom(r)
	return must("UpdateRoom", v, err)
}

func (s *Server) updateRoom(r Room) (Room, error) {
	return locked(s, func(st *state, now int64) (Room, []event, error) {
		rm, err := st.changeRoom(r, s.root, now)
		if err != nil {
			return r, nil, err
		}
		return rm.fixture(), nil, nil
	})
}

// Room returns the room with the given ID.
func (s *Server) Room(roomID int64) (Room, bool) {
	return read2(s, func(st *state) (Room, bool) {
		if r := st.rooms[roomID]; r != nil {
			return r.fixture(), true
		}
		return Room{}, false
	})
}

// Rooms returns every room, My Chats and direct chats included, in
// ascending ID order.
func (s *Server) Rooms() []Room {
	return read(s, func(st *state) []Room {
		out := make([]Room, 0, len(st.rooms))
		for _, id := range sortedKeys(st.rooms) {
			out = append(out, st.rooms[id].fixture())
		}
		return out
	})
}

// AddMessage posts a message as POST /rooms/{room_id}/messages would
// (webhooks included, the author's read position moved), but without
// permission or rate-limit checks, and returns it with its ID and times
// filled in. A given MessageID or SendTime is kept. It panics if the room
// does not exist or the author is not a member of it.
func (s *Server) AddMessage(m Message) Message {
	v, err := s.addMessage(m)
	return must("AddMessage", v, err)
}

func (s *Server) addMessage(m Message) (Message, error) {
	return locked(s, func(st *state, now int64) (Message, []event, error) {
		msg, events, err := st.addMessage(m, now)
		if err != nil {
			return m, nil, err
		}
		return msg.fixture(), events, nil
	})
}

// UpdateMessage replaces the body of the message m.MessageID, as
// PUT /rooms/{room_id}/messages/{message_id} would (message_updated
// webhooks included), and returns it; its update time is m.UpdateTime, or
// the fake's clock. It panics if the message does not exist.
func (s *Server) UpdateMessage(m Message) Message {
	v, err := s.updateMessage(m)
	return must("UpdateMessage", v, err)
}

func (s *Server) updateMessage(m Message) (Message, error) {
	return locked(s, func(st *state, now int64) (Message, []event, error) {
		msg, events, err := st.changeMessage(m, now)
		if err != nil {
			return m, nil, err
		}
		return msg.fixture(), events, nil
	})
}

// Messages returns the messages of a room, oldest first, or of every room
// when roomID is 0, by room then age. It moves no read cursor.
func (s *Server) Messages(roomID int64) []Message {
	return read(s, func(st *state) []Message {
		var out []Message
		for _, id := range sortedKeys(st.rooms) {
			if roomID == 0 || id == roomID {
				for _, m := range st.rooms[id].messages {
					out = append(out, m.fixture())
				}
			}
		}
		return out
	})
}

// AddTask creates a task as POST /rooms/{room_id}/tasks would for one
// assignee, with its task message unless t.MessageID names one, and
// returns it with its ID and message ID filled in. It panics if the room
// does not exist or an account is not a member of it.
func (s *Server) AddTask(t Task) Task {
	v, err := s.addTask(t)
	return must("AddTask", v, err)
}

func (s *Server) addTask(t Task) (Task, error) {
	return locked(s, func(st *state, now int64) (Task, []event, error) {
		tk, events, err := st.addTask(t, now)
		if err != nil {
			return t, nil, err
		}
		return tk.fixture(), events, nil
	})
}

// UpdateTask replaces the body, deadline, limit type and status of the
// task t.TaskID with t's, and returns it; its room, accounts and message
// stay. It panics if the task does not exist.
func (s *Server) UpdateTask(t Task) Task {
	v, err := s.updateTask(t)
	return must("UpdateTask", v, err)
}

func (s *Server) updateTask(t Task) (Task, error) {
	return locked(s, func(st *state, _ int64) (Task, []event, error) {
		tk, err := st.changeTask(t)
		if err != nil {
			return t, nil, err
		}
		return tk.fixture(), nil, nil
	})
}

// Tasks returns the tasks of a room, open and done, or of every room when
// roomID is 0, in ascending ID order.
func (s *Server) Tasks(roomID int64) []Task {
	return read(s, func(st *state) []Task {
		var out []Task
		for _, id := range sortedKeys(st.tasks) {
			if t := st.tasks[id]; roomID == 0 || t.roomID == roomID {
				out = append(out, t.fixture())
			}
		}
		return out
	})
}

// AddFile stores a file as POST /rooms/{room_id}/files would, with its
// upload message unless f.MessageID names one, and returns it with its ID,
// size and message ID filled in. A file given by its Size only gets
// content made by the fake. It panics if the room does not exist, the
// uploader is not a member of it, or the file is over 5 MB.
func (s *Server) AddFile(f File) File {
	v, err := s.addFile(f)
	return must("AddFile", v, err)
}

func (s *Server) addFile(f File) (File, error) {
	return locked(s, func(st *state, now int64) (File, []event, error) {
		fl, events, err := st.addFileFixture(f, now)
		if err != nil {
			return f, nil, err
		}
		return fl.fixture(), events, nil
	})
}

// UpdateFile changes the name and content type of the file f.FileID, and
// its content when f has one (or a Size), and returns it. It panics if
// the file does not exist.
func (s *Server) UpdateFile(f File) File {
	v, err := s.updateFile(f)
	return must("UpdateFile", v, err)
}

func (s *Server) updateFile(f File) (File, error) {
	return locked(s, func(st *state, _ int64) (File, []event, error) {
		fl, err := st.changeFile(f)
		if err != nil {
			return f, nil, err
		}
		return fl.fixture(), nil, nil
	})
}

// File returns the file with the given ID, content included.
func (s *Server) File(fileID int64) (File, bool) {
	return read2(s, func(st *state) (File, bool) {
		if f := st.files[fileID]; f != nil {
			return f.fixture(), true
		}
		return File{}, false
	})
}

// Files returns the files of a room, content included, or of every room
// when roomID is 0, in ascending ID order.
func (s *Server) Files(roomID int64) []File {
	return read(s, func(st *state) []File {
		var out []File
		for _, id := range sortedKeys(st.files) {
			if f := st.files[id]; roomID == 0 || f.roomID == roomID {
				out = append(out, f.fixture())
			}
		}
		return out
	})
}

// AddIncomingRequest records a contact request from q.AccountID to
// q.ToAccountID and returns it with its ID filled in. It panics if an
// account does not exist.
func (s *Server) AddIncomingRequest(q IncomingRequest) IncomingRequest {
	v, err := s.addIncomingRequest(q)
	return must("AddIncomingRequest", v, err)
}

func (s *Server) addIncomingRequest(q IncomingRequest) (IncomingRequest, error) {
	return locked(s, func(st *state, _ int64) (IncomingRequest, []event, error) {
		q, err := st.addRequest(q)
		return q, nil, err
	})
}

// IncomingRequests returns the contact requests not yet answered, in
// ascending ID order.
func (s *Server) IncomingRequests() []IncomingRequest {
	return read(s, func(st *state) []IncomingRequest {
		out := make([]IncomingRequest, 0, len(st.requests))
		for _, id := range sortedKeys(st.requests) {
			out = append(out, st.requests[id].fixture())
		}
		return out
	})
}

// AddWebhook registers a webhook setting and returns it with its ID and
// token filled in. It panics if the token is not Base64, the URL is not an
// absolute http(s) URL or an event type is unknown.
func (s *Server) AddWebhook(h Webhook) Webhook {
	v, err := s.addWebhook(h)
	return must("AddWebhook", v, err)
}

func (s *Server) addWebhook(h Webhook) (Webhook, error) {
	return locked(s, func(st *state, _ int64) (Webhook, []event, error) {
		h, err := st.addWebhook(h)
		return h, nil, err
	})
}

// Webhooks returns the webhook settings, in the order they were added.
func (s *Server) Webhooks() []Webhook {
	return read(s, func(st *state) []Webhook {
		out := make([]Webhook, len(st.webhooks))
		for i, h := range st.webhooks {
			out[i] = *h
			out[i].Events = append([]string(nil), h.Events...)
		}
		return out
	})
}

// DeliverWebhook sends one event to one webhook now, signed, and returns
// the delivery once the receiver has answered (it is recorded in
// [Server.WebhookDeliveries] too). It panics if the webhook does not exist
// or the event cannot be made.
func (s *Server) DeliverWebhook(e WebhookEvent) WebhookDelivery {
	v, err := s.deliverWebhook(e)
	return must("DeliverWebhook", v, err)
}

func (s *Server) deliverWebhook(e WebhookEvent) (WebhookDelivery, error) {
	ev, err := locked(s, func(st *state, now int64) (event, []event, error) {
		ev, err := st.webhookEvent(e, now)
		return ev, nil, err
	})
	if err != nil {
		return WebhookDelivery{}, err
	}
	return s.deliver(ev), nil
}

// WebhookDeliveries returns the deliveries made so far, in the order they
// finished. Call [Server.FlushWebhooks] first to wait for the ones still
// in flight.
func (s *Server) WebhookDeliveries() []WebhookDelivery {
	s.hookMu.Lock()
	defer s.hookMu.Unlock()
	return append([]WebhookDelivery(nil), s.deliveries...)
}

// FlushWebhooks waits until every webhook delivery started so far has
// finished.
func (s *Server) FlushWebhooks() { s.hookWG.Wait() }

// PostCount returns how many messages and tasks were accepted for the room
// through the API (status 200 from the operations under the per-room
// limit, postMessage and createRoomTasks), as recorded by
// [Server.Requests].
func (s *Server) PostCount(roomID int64) int {
	n := 0
	for _, r := range s.Requests() {
		if op, ok := s.router.ops[r.OperationID]; ok && op.RoomPostLimit &&
			r.Status == http.StatusOK && r.PathParams["room_id"] == strconv.FormatInt(roomID, 10) {
			n++
		}
	}
	return n
}

// Reset puts the server back as it started: the state of its seed (the
// same IDs and tokens), full rate-limit budgets, no faults, no recorded
// requests or webhook deliveries, and its own clock.
func (s *Server) Reset() {
	s.offset.Store(0)
	st, err := loadSeed(s.initial, s.root, s.now().Unix())
	if err != nil {
		panic("apitest: Reset: " + err.Error()) // the seed loaded before
	}
	s.setState(st)
	s.limits.reset()
	s.ClearFaults()
	s.ClearRequests()
	s.hookMu.Lock()
	s.deliveries = nil
	s.hookMu.Unlock()
}
