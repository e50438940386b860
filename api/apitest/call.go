package apitest

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/chatwork-go/chatwork/api/wire"
	"github.com/chatwork-go/chatwork/gen"
	"github.com/chatwork-go/chatwork/internal/limits"
)

// The fake's layout: the request pipeline (pipeline.go) authenticates,
// routes, parses the body once (body.go) and validates (validate.go); the
// handlers, one file per resource (rooms, messages, tasks, files, links,
// contacts in me.go, requests), return errors that do, below, turns into
// the API's answers; every change of the state goes through the state
// layer (state.go), and views.go renders the state as the API shows it.

// maxList is the most items a list operation returns; Chatwork has no
// pagination.
const maxList = limits.ListItems

// Error messages. Chatwork documents only a few of its messages ("Invalid
// API token", "Invalid Endpoint or HTTP method", "Parameter 'X' is
// required", the per-room 429); the others are this fake's own wording.
const (
	msgNotFound       = "Resource not found"
	msgNotAdmin       = "You don't have permission to edit this room"
	msgReadonly       = "You don't have permission to post in this room"
	msgNotOwnMessage  = "You can only edit or delete your own messages"
	msgGroupOnly      = "This operation is only available for group chats"
	msgTaskPermission = "Only the assignee or the assigner can change the status of this task"
)

// An apiError is an operation's refusal: the status and the message of
// Chatwork's error answer.
type apiError struct {
	status int
	msg    string
	reason string // for the request log, when msg does not say it all
}

func (e *apiError) Error() string { return e.msg }

func badRequest(format string, args ...any) error {
	return &apiError{status: http.StatusBadRequest, msg: fmt.Sprintf(format, args...)}
}

func required(name string) error { return badRequest("Parameter '%s' is required", name) }

func invalid(name string) error { return badRequest("Invalid value for '%s'", name) }

var (
	errNotFound    = &apiError{status: http.StatusNotFound, msg: msgNotFound}
	errGroupOnly   = &apiError{status: http.StatusBadRequest, msg: msgGroupOnly}
	errNotAdmin    = &apiError{status: http.StatusForbidden, msg: msgNotAdmin}
	errReadonly    = &apiError{status: http.StatusForbidden, msg: msgReadonly}
	errNotOwnMsg   = &apiError{status: http.StatusForbidden, msg: msgNotOwnMessage}
	errTaskForbids = &apiError{status: http.StatusForbidden, msg: msgTaskPermission}
)

// handlers implements the generated server interface over the fake's
// state, one file per resource.
type handlers struct{ s *Server }

var _ gen.ServerInterface = (*handlers)(nil)

// A call is one operation being processed, with the state locked.
type call struct {
	s      *Server
	st     *state
	acct   int64
	now    int64
	body   *body
	form   url.Values
	events []event // webhook events to send once the state is unlocked
}

// An operation's result: the value answered with 200, or nil for
// 204 No Content; or an error, answered by [answerError].
type opFunc func(c *call) (any, error)

// do runs op with the state locked, sends the webhook events it caused and
// writes its answer. This, with answerError, is the one place where
// operations' results become HTTP answers.
func (h *handlers) do(w http.ResponseWriter, r *http.Request, op opFunc) {
	info := infoOf(r)
	if info == nil { // not reached through Server.ServeHTTP
		writeError(w, http.StatusInternalServerError, "Internal error")
		return
	}
	c := &call{s: h.s, acct: info.account, body: info.body, form: info.body.form}
	h.s.mu.Lock()
	c.st = h.s.st
	c.now = h.s.now().Unix()
	v, err := op(c)
	h.s.mu.Unlock()
	if err != nil {
		answerError(w, r, err) // a refused operation changed nothing
		return
	}
	h.s.dispatch(c.events)
	if v == nil {
		writeNoContent(w)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// answerError answers err: an *apiError with its status and message,
// anything else with 500.
func answerError(w http.ResponseWriter, r *http.Request, err error) {
	var ae *apiError
	if !errors.As(err, &ae) {
		ae = &apiError{status: http.StatusInternalServerError, msg: "Internal error"}
	}
	info := infoOf(r)
	if info == nil {
		info = &reqInfo{}
	}
	refuse(w, info, ae.status, ae.reason, ae.msg)
}

// paramError answers a path or query parameter that the generated router
// could not bind. With validation on, such requests are refused earlier.
func paramError(w http.ResponseWriter, r *http.Request, err error) {
	var inv *gen.InvalidParamFormatError
	var req *gen.RequiredParamError
	switch {
	case errors.As(err, &req):
		err = required(req.ParamName)
	case errors.As(err, &inv):
		err = invalid(inv.ParamName)
	default:
		err = invalid("parameter")
	}
	answerError(w, r, err)
}

// list answers a list: 204 No Content when it is empty, as Chatwork does.
func list[T any](items []T) any {
	if len(items) == 0 {
		return nil
	}
	return items
}

// required returns a form field that must be present and non-empty.
func (c *call) required(name string) (string, error) {
	v := c.form.Get(name)
	if v == "" {
		return "", required(name)
	}
	return v, nil
}

// flag reads an optional 0/1 form field.
func (c *call) flag(name string, def bool) (bool, error) {
	if !c.form.Has(name) {
		return def, nil
	}
	var f wire.Flag
	if err := f.UnmarshalText([]byte(c.form.Get(name))); err != nil {
		return false, invalid(name)
	}
	return bool(f), nil
}

// ids reads an optional comma-joined ID list.
func (c *call) ids(name string) ([]int64, error) {
	ids, err := wire.IDs(c.form.Get(name)).Int64s()
	if err != nil {
		return nil, invalid(name)
	}
	return ids, nil
}

// room returns a room the account belongs to, or 404: rooms the account
// is not a member of are invisible to it.
func (c *call) room(id int64) (*room, error) {
	r := c.st.rooms[id]
	if r == nil {
		return nil, errNotFound
	}
	if _, member := r.roles[c.acct]; !member {
		return nil, errNotFound
	}
	return r, nil
}

// adminRoom returns a group chat that the account administers.
func (c *call) adminRoom(id int64) (*room, error) {
	r, err := c.room(id)
	switch {
	case err != nil:
		return nil, err
	case r.typ != RoomTypeGroup:
		return nil, errGroupOnly
	case r.roles[c.acct] != gen.RoleAdmin:
		return nil, errNotAdmin
	}
	return r, nil
}

// writableRoom returns a room the account may post in.
func (c *call) writableRoom(id int64) (*room, error) {
	r, err := c.room(id)
	if err == nil && r.roles[c.acct] == gen.RoleReadonly {
		return nil, errReadonly
	}
	return r, err
}

// post returns what a message or a task needs: a room the account may
// post in, and the body form field.
func (c *call) post(roomID int64) (*room, string, error) {
	rm, err := c.writableRoom(roomID)
	if err != nil {
		return nil, "", err
	}
	body, err := c.required("body")
	return rm, body, err
}

func messageID(s string) (int64, bool) {
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil && id > 0
}
