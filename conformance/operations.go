package conformance

import (
	"maps"
	"slices"

	"github.com/getkin/kin-openapi/openapi3"
)

// An OperationInfo describes one operation of openapi.yaml as a client or a
// server sees it on the wire. It is the module's one list of operations:
// the fake server of api/apitest routes by it, and the tests of the other
// packages compare their own tables (the api methods, the CLI commands)
// with it.
type OperationInfo struct {
	// ID is the operationId, such as "postMessage".
	ID string
	// Method is the HTTP method, such as "POST".
	Method string
	// Path is the path template relative to the base path /v2, such as
	// "/rooms/{room_id}/messages".
	Path string
	// Query lists the declared query parameters, sorted.
	Query []string
	// Required lists the required fields (or multipart parts) of the
	// request body, in the order in which the spec lists them.
	Required []string
	// Optional lists the other declared fields of the request body,
	// sorted.
	Optional []string
	// RoomPostLimit reports that the operation counts against the per-room
	// limit that message posts and task creations share
	// (x-chatwork-room-post-limit in the spec).
	RoomPostLimit bool
}

// roomPostLimitExtension marks, in openapi.yaml, the operations that share
// the per-room posting limit.
const roomPostLimitExtension = "x-chatwork-room-post-limit"

// Operations describes every operation of the spec, in path order (the
// order of [Validator.OperationIDs]). The slices are fresh copies: the
// caller may change them.
func (v *Validator) Operations() []OperationInfo {
	out := make([]OperationInfo, 0, len(v.spec.ops))
	for _, op := range v.spec.ops {
		out = append(out, op.info.clone())
	}
	return out
}

// OperationIDs returns the operationId of every operation of the spec, in
// path order.
func (v *Validator) OperationIDs() []string {
	ids := make([]string, 0, len(v.spec.ops))
	for _, op := range v.spec.ops {
		ids = append(ids, op.id)
	}
	return ids
}

// DeclaredStatuses returns the statuses declared for an operation, sorted,
// without ranges ("5XX") and the default response. It returns nil for an
// unknown operation.
func (v *Validator) DeclaredStatuses(operationID string) []int {
	op := v.spec.byID[operationID]
	if op == nil {
		return nil
	}
	return slices.Sorted(maps.Keys(op.responses))
}

// OperationInfo describes the operation with the given operationId; ok is
// false for an unknown one.
func (v *Validator) OperationInfo(operationID string) (info OperationInfo, ok bool) {
	op := v.spec.byID[operationID]
	if op == nil {
		return OperationInfo{}, false
	}
	return op.info.clone(), true
}

func (i OperationInfo) clone() OperationInfo {
	i.Query = slices.Clone(i.Query)
	i.Required = slices.Clone(i.Required)
	i.Optional = slices.Clone(i.Optional)
	return i
}

// newOperationInfo describes o, an operation of the path template t.
func newOperationInfo(t *pathTemplate, method string, o *openapi3.Operation, query map[string]bool) OperationInfo {
	info := OperationInfo{
		ID:     o.OperationID,
		Method: method,
		Path:   t.path,
		Query:  slices.Sorted(maps.Keys(query)),
	}
	info.RoomPostLimit, _ = o.Extensions[roomPostLimitExtension].(bool)
	if rb := o.RequestBody; rb != nil && rb.Value != nil {
		for _, mt := range []string{"application/x-www-form-urlencoded", "multipart/form-data"} {
			m := rb.Value.Content.Get(mt)
			if m == nil || m.Schema == nil || m.Schema.Value == nil {
				continue
			}
			s := m.Schema.Value
			info.Required = slices.Clone(s.Required)
			for _, name := range slices.Sorted(maps.Keys(s.Properties)) {
				if !slices.Contains(s.Required, name) {
					info.Optional = append(info.Optional, name)
				}
			}
			break
		}
	}
	return info
}
