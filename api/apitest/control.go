package apitest

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
)

// The control API: control.yaml's operations over HTTP, under /_fake/,
// each running the Go method of the same name. A request carries the admin
// token as Authorization: Bearer; its JSON body is checked against the
// operation's schema, then decoded strictly into the method's argument.

// maxControlBody bounds a control request: a file of 5 MB in Base64, with
// room to spare.
const maxControlBody = 16 << 20

// A controlFunc runs one control operation: the status and the value to
// answer with (nil for none), or an error, answered with 400.
type controlFunc func(s *Server, r *http.Request, body []byte) (int, any, error)

// controlOps are the control operations, by operation ID.
var controlOps = map[string]controlFunc{
	"seed": func(s *Server, _ *http.Request, _ []byte) (int, any, error) { return http.StatusOK, s.Seed(), nil },
	"reset": func(s *Server, _ *http.Request, _ []byte) (int, any, error) {
		s.Reset()
		return http.StatusNoContent, nil, nil
	},

	"accounts":      listAll((*Server).Accounts),
	"addAccount":    add((*Server).addAccount),
	"updateAccount": update((*Server).updateAccount, "account_id", func(a *Account) *int64 { return &a.AccountID }),
	"tokens":        listAll((*Server).Tokens),
	"addToken":      add((*Server).addToken),
	"revokeToken": func(s *Server, _ *http.Request, body []byte) (int, any, error) {
		var t struct {
			Token string `json:"token"`
		}
		if err := decode(body, &t); err != nil {
			return 0, nil, err
		}
		return http.StatusNoContent, nil, s.revokeToken(t.Token)
	},
	"contacts":           listAll((*Server).Contacts),
	"addContact":         add((*Server).addContact),
	"incomingRequests":   listAll((*Server).IncomingRequests),
	"addIncomingRequest": add((*Server).addIncomingRequest),

	"rooms":      listAll((*Server).Rooms),
	"addRoom":    add((*Server).addRoom),
	"updateRoom": update((*Server).updateRoom, "room_id", func(r *Room) *int64 { return &r.RoomID }),
	"messages":   listRoom((*Server).Messages),
	"addMessage": add((*Server).addMessage),
	"updateMessage": func(s *Server, r *http.Request, body []byte) (int, any, error) {
		var m Message
		if err := decode(body, &m); err != nil {
			return 0, nil, err
		}
		id := r.PathValue("message_id")
		if m.MessageID != "" && m.MessageID != id {
			return 0, nil, fmt.Errorf("message_id %s in the body, %s in the path", m.MessageID, id)
		}
		m.MessageID = id
		out, err := s.updateMessage(m)
		return http.StatusOK, out, err
	},
	"tasks":      listRoom((*Server).Tasks),
	"addTask":    add((*Server).addTask),
	"updateTask": update((*Server).updateTask, "task_id", func(t *Task) *int64 { return &t.TaskID }),
	"files":      listRoom((*Server).Files),
	"addFile":    add((*Server).addFile),
	"updateFile": update((*Server).updateFile, "file_id", func(f *File) *int64 { return &f.FileID }),

	"requests": func(s *Server, r *http.Request, _ []byte) (int, any, error) {
		op := r.URL.Query().Get("operation_id")
		out := []RecordedRequest{}
		for _, rec := range s.Requests() {
			if op == "" || rec.OperationID == op {
				out = append(out, rec)
			}
		}
		return http.StatusOK, out, nil
	},
	"clearRequests": func(s *Server, _ *http.Request, _ []byte) (int, any, error) {
		s.ClearRequests()
		return http.StatusNoContent, nil, nil
	},
	"faults": listAll((*Server).Faults),
	"injectFault": func(s *Server, _ *http.Request, body []byte) (int, any, error) {
		var f Fault
		if err := decode(body, &f); err != nil {
			return 0, nil, err
		}
		return http.StatusNoContent, nil, s.injectFault(f)
	},
	"clearFaults": func(s *Server, _ *http.Request, _ []byte) (int, any, error) {
		s.ClearFaults()
		return http.StatusNoContent, nil, nil
	},

	"now": func(s *Server, _ *http.Request, _ []byte) (int, any, error) {
		return http.StatusOK, clock{s.Now()}, nil
	},
	"setClock": func(s *Server, _ *http.Request, body []byte) (int, any, error) {
		var c clock
		if err := decode(body, &c); err != nil {
			return 0, nil, err
		}
		return http.StatusOK, clock{s.SetClock(c.Now)}, nil
	},
	"advanceClock": func(s *Server, _ *http.Request, body []byte) (int, any, error) {
		var a struct {
			Seconds float64 `json:"seconds"`
		}
		if err := decode(body, &a); err != nil {
			return 0, nil, err
		}
		return http.StatusOK, clock{s.AdvanceClock(time.Duration(a.Seconds * float64(time.Second)))}, nil
	},

	"webhooks":   listAll((*Server).Webhooks),
	"addWebhook": add((*Server).addWebhook),
	"webhookDeliveries": func(s *Server, _ *http.Request, _ []byte) (int, any, error) {
		s.FlushWebhooks()
		return http.StatusOK, nonNil(s.WebhookDeliveries()), nil
	},
	"deliverWebhook": func(s *Server, _ *http.Request, body []byte) (int, any, error) {
		var e WebhookEvent
		if err := decode(body, &e); err != nil {
			return 0, nil, err
		}
		d, err := s.deliverWebhook(e)
		return http.StatusOK, d, err
	},
}

// clock is the body of the clock operations.
type clock struct {
	Now time.Time `json:"now"`
}

// nonNil makes an empty list answer [] rather than null.
func nonNil[T any](items []T) []T {
	if items == nil {
		return []T{}
	}
	return items
}

func listAll[T any](f func(*Server) []T) controlFunc {
	return func(s *Server, _ *http.Request, _ []byte) (int, any, error) {
		return http.StatusOK, nonNil(f(s)), nil
	}
}

// listRoom lists the items of the room of the query's room_id, or of
// every room.
func listRoom[T any](f func(*Server, int64) []T) controlFunc {
	return func(s *Server, r *http.Request, _ []byte) (int, any, error) {
		var room int64
		if v := r.URL.Query().Get("room_id"); v != "" {
			id, err := strconv.ParseInt(v, 10, 64)
			if err != nil || id < 1 {
				return 0, nil, fmt.Errorf("invalid room_id %q", v)
			}
			room = id
		}
		return http.StatusOK, nonNil(f(s, room)), nil
	}
}

func add[T any](f func(*Server, T) (T, error)) controlFunc {
	return func(s *Server, _ *http.Request, body []byte) (int, any, error) {
		var v T
		if err := decode(body, &v); err != nil {
			return 0, nil, err
		}
		out, err := f(s, v)
		return http.StatusCreated, out, err
	}
}

// update changes the item named by the path parameter param; id points
// at the item's ID field.
func update[T any](f func(*Server, T) (T, error), param string, id func(*T) *int64) controlFunc {
	return func(s *Server, r *http.Request, body []byte) (int, any, error) {
		var v T
		if err := decode(body, &v); err != nil {
			return 0, nil, err
		}
		want, err := strconv.ParseInt(r.PathValue(param), 10, 64)
		if err != nil {
			return 0, nil, fmt.Errorf("invalid %s %q", param, r.PathValue(param))
		}
		if p := id(&v); *p == 0 {
			*p = want
		} else if *p != want {
			return 0, nil, fmt.Errorf("%s %d in the body, %d in the path", param, *p, want)
		}
		out, err := f(s, v)
		return http.StatusOK, out, err
	}
}

// decode reads a JSON body into v, refusing unknown fields and trailing
// data.
func decode(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("reading the JSON body: %w", err)
	}
	if dec.More() {
		return errors.New("reading the JSON body: data after the JSON value")
	}
	return nil
}

// controlAPI routes control.yaml's paths, under /_fake, to controlOps.
func (s *Server) controlAPI() (http.Handler, error) {
	doc, err := controlSpec()
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			f := controlOps[op.OperationID]
			if f == nil {
				return nil, fmt.Errorf("apitest: control.yaml's operation %s has no implementation", op.OperationID)
			}
			mux.Handle(method+" "+strings.TrimSuffix(controlPath, "/")+path, s.controlHandler(op, f))
		}
	}
	mux.HandleFunc(controlPath, func(w http.ResponseWriter, r *http.Request) {
		if !s.isAdmin(r) {
			forbidden(w)
			return
		}
		writeError(w, http.StatusNotFound, "no operation of the control API has this method and path (see control.yaml)")
	})
	return mux, nil
}

// isAdmin reports whether the request carries the admin token.
func (s *Server) isAdmin(r *http.Request) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && subtle.ConstantTimeCompare([]byte(strings.TrimSpace(tok)), []byte(s.cfg.adminToken)) == 1
}

func forbidden(w http.ResponseWriter) {
	writeError(w, http.StatusForbidden, "the control API needs the fake's admin token in Authorization: Bearer (chatwork fake prints it at start; --admin-token sets it)")
}

// controlHandler serves one operation: the admin token, the body against
// the operation's schema, then f.
func (s *Server) controlHandler(op *openapi3.Operation, f controlFunc) http.Handler {
	var schema *openapi3.Schema
	if rb := op.RequestBody; rb != nil && rb.Value != nil {
		if mt := rb.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil {
			schema = mt.Schema.Value
		}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.isAdmin(r) {
			forbidden(w)
			return
		}
		var body []byte
		if schema != nil {
			b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxControlBody))
			if err != nil {
				writeError(w, http.StatusBadRequest, "reading the body: "+err.Error())
				return
			}
			var v any
			if err := json.Unmarshal(b, &v); err != nil {
				writeError(w, http.StatusBadRequest, "the body is not JSON: "+err.Error())
				return
			}
			if vs := checkSchema(schema, v); len(vs) > 0 {
				msgs := make([]string, len(vs))
				for i, x := range vs {
					msgs[i] = x.String()
				}
				writeError(w, http.StatusBadRequest, msgs...)
				return
			}
			body = b
		}
		status, v, err := f(s, r, body)
		switch {
		case err != nil:
			writeError(w, http.StatusBadRequest, err.Error())
		case v == nil:
			w.WriteHeader(status)
		default:
			writeJSON(w, status, v)
		}
	})
}

func (v schemaViolation) String() string {
	if len(v.pointer) == 0 {
		return v.reason
	}
	return pathString(v.pointer) + ": " + v.reason
}
