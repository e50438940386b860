package conformance_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

// TestOperationsDescribeTheSpec checks the operation descriptions against
// the validator's own routing and against what Chatwork documents: the
// per-room posting limit covers message posts and task creations, and
// nothing else.
func TestOperationsDescribeTheSpec(t *testing.T) {
	v := validator(t)
	ops := v.Operations()
	var ids, roomPosts []string
	for _, op := range ops {
		ids = append(ids, op.ID)
		if op.RoomPostLimit {
			roomPosts = append(roomPosts, op.ID)
		}
		// Every described operation is the one its method and path route to.
		p := op.Path
		for _, name := range []string{"{room_id}", "{message_id}", "{task_id}", "{file_id}", "{request_id}"} {
			p = strings.ReplaceAll(p, name, "1")
		}
		req, _ := http.NewRequest(op.Method, "https://api.chatwork.com/v2"+p, nil)
		if got, err := v.Operation(req); err != nil || got != op.ID {
			t.Errorf("%s %s routes to %q (%v), want %s", op.Method, op.Path, got, err, op.ID)
		}
		if info, ok := v.OperationInfo(op.ID); !ok || info.Path != op.Path || info.Method != op.Method {
			t.Errorf("OperationInfo(%q) = %+v, %v", op.ID, info, ok)
		}
		for _, f := range op.Required {
			if slices.Contains(op.Optional, f) {
				t.Errorf("%s: %s is both required and optional", op.ID, f)
			}
		}
	}
	if !slices.Equal(ids, v.OperationIDs()) || len(ids) != 32 {
		t.Errorf("Operations lists %v; OperationIDs %v", ids, v.OperationIDs())
	}
	slices.Sort(roomPosts)
	if !slices.Equal(roomPosts, []string{"createRoomTasks", "postMessage"}) {
		t.Errorf("operations under the per-room limit: %v, want createRoomTasks and postMessage", roomPosts)
	}
	if info, _ := v.OperationInfo("createRoom"); !slices.Equal(info.Required, []string{"name", "members_admin_ids"}) {
		t.Errorf("createRoom requires %v, want name and members_admin_ids in that order", info.Required)
	}
	if info, _ := v.OperationInfo("listRoomTasks"); !slices.Equal(info.Query, []string{"account_id", "assigned_by_account_id", "status"}) {
		t.Errorf("listRoomTasks query %v", info.Query)
	}
	if _, ok := v.OperationInfo("sendFax"); ok {
		t.Error("OperationInfo found an operation the spec does not have")
	}
	// The copies are the caller's.
	ops[0].Query = append(ops[0].Query, "x")
	if again := v.Operations(); slices.Contains(again[0].Query, "x") {
		t.Error("Operations returned shared slices")
	}
}
