package apitest

import (
	"errors"
	"slices"
	"strconv"
	"strings"
)

// A Seed is a whole state of the fake: what [WithSeed] starts from, what
// [Server.Seed] reports, what a seed file holds (in JSON or YAML, see
// [ReadSeed] and seed.schema.json) and what the command chatwork fake
// loads with --seed and writes with --print-seed. Items are loaded list by
// list, in the order of the fields, so that an item may refer to any item
// of an earlier list; IDs given are kept, the others are chosen.
//
// Read positions, the cursors of GET messages, rate-limit budgets and
// download URLs are not part of a seed: a loaded seed has every message
// read by its author only, fresh cursors and full budgets.
type Seed struct {
	// Accounts, the first of which is the default account ([Server.Me]).
	Accounts []Account `json:"accounts,omitempty"`
	// Tokens are the accounts' other tokens.
	Tokens   []Token   `json:"tokens,omitempty"`
	Contacts []Contact `json:"contacts,omitempty"`
	// Rooms are the group chats; My Chats come with the accounts and direct
	// chats with the contacts.
	Rooms            []Room            `json:"rooms,omitempty"`
	Messages         []Message         `json:"messages,omitempty"`
	Tasks            []Task            `json:"tasks,omitempty"`
	Files            []File            `json:"files,omitempty"`
	IncomingRequests []IncomingRequest `json:"incoming_requests,omitempty"`
	Webhooks         []Webhook         `json:"webhooks,omitempty"`
}

// A SeedError is a mistake in a seed: where it is and what is wrong.
type SeedError struct {
	// File is the name given to ReadSeed; empty for WithSeed.
	File string
	// Line is the line of the mistake in the file, 0 when unknown.
	Line int
	// Path is where the mistake is in the seed, such as
	// rooms[2].admin_ids[0]; empty for the seed as a whole.
	Path string
	// Reason says what is wrong.
	Reason string

	pointer []any // Path as JSON keys and indexes
}

func (e *SeedError) Error() string {
	var sb strings.Builder
	if e.File != "" {
		sb.WriteString(e.File)
		if e.Line > 0 {
			sb.WriteString(":" + strconv.Itoa(e.Line))
		}
		sb.WriteString(": ")
	}
	if e.Path != "" {
		sb.WriteString(e.Path + ": ")
	}
	sb.WriteString(e.Reason)
	return sb.String()
}

// seedError describes a mistake at the path of JSON keys and indexes.
func seedError(reason string, pointer ...any) *SeedError {
	return &SeedError{Path: pathString(pointer), Reason: reason, pointer: pointer}
}

// loadSeed builds the state that seed describes. It sends no webhooks.
func loadSeed(seed Seed, root string, now int64) (*state, error) {
	st := newState()
	if len(seed.Accounts) == 0 {
		return nil, seedError("a seed needs at least one account", "accounts")
	}
	type list struct {
		name string
		n    int
		add  func(i int) error
	}
	lists := []list{
		{"accounts", len(seed.Accounts), func(i int) error {
			a, err := st.addAccount(seed.Accounts[i], now)
			if i == 0 {
				st.first = a.AccountID
			}
			return err
		}},
		{"tokens", len(seed.Tokens), func(i int) error { _, err := st.addToken(seed.Tokens[i]); return err }},
		{"contacts", len(seed.Contacts), func(i int) error { _, err := st.addContact(seed.Contacts[i], now); return err }},
		{"rooms", len(seed.Rooms), func(i int) error { _, err := st.addRoom(seed.Rooms[i], root, now); return err }},
		{"messages", len(seed.Messages), func(i int) error { _, _, err := st.addMessage(seed.Messages[i], now); return err }},
		{"tasks", len(seed.Tasks), func(i int) error { _, _, err := st.addTask(seed.Tasks[i], now); return err }},
		{"files", len(seed.Files), func(i int) error { _, _, err := st.addFileFixture(seed.Files[i], now); return err }},
		{"incoming_requests", len(seed.IncomingRequests), func(i int) error { _, err := st.addRequest(seed.IncomingRequests[i]); return err }},
		{"webhooks", len(seed.Webhooks), func(i int) error { _, err := st.addWebhook(seed.Webhooks[i]); return err }},
	}
	for _, l := range lists {
		for i := range l.n {
			if err := l.add(i); err != nil {
				var fe *fieldError
				if errors.As(err, &fe) {
					return nil, seedError(fe.err.Error(), append([]any{l.name, i}, fe.field...)...)
				}
				return nil, seedError(err.Error(), l.name, i)
			}
		}
	}
	return st, nil
}

// Seed returns the server's state as a seed, the default account first:
// given to [WithSeed], it makes a server in the same state (read positions
// and cursors aside). The command chatwork fake prints it with
// --print-seed.
func (s *Server) Seed() Seed {
	return read(s, func(st *state) Seed {
		var out Seed
		ids := sortedKeys(st.accounts)
		if i := slices.Index(ids, st.first); i > 0 {
			ids = append(append([]int64{st.first}, ids[:i]...), ids[i+1:]...)
		}
		for _, id := range ids {
			out.Accounts = append(out.Accounts, st.accounts[id].Account)
		}
		out.Tokens = st.tokenList()
		out.Contacts = st.contactList()
		for _, id := range sortedKeys(st.rooms) {
			r := st.rooms[id]
			if r.typ == RoomTypeGroup {
				rf := r.fixture()
				if rf.Link != nil {
					rf.Link.URL = "" // the fake's own, not an input
				}
				out.Rooms = append(out.Rooms, rf)
			}
			for _, m := range r.messages {
				out.Messages = append(out.Messages, m.fixture())
			}
		}
		for _, id := range sortedKeys(st.tasks) {
			out.Tasks = append(out.Tasks, st.tasks[id].fixture())
		}
		for _, id := range sortedKeys(st.files) {
			out.Files = append(out.Files, st.files[id].fixture())
		}
		for _, id := range sortedKeys(st.requests) {
			out.IncomingRequests = append(out.IncomingRequests, st.requests[id].fixture())
		}
		for _, h := range st.webhooks {
			out.Webhooks = append(out.Webhooks, *h)
		}
		return out
	})
}
