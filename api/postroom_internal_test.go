package api

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chatwork-go/chatwork/conformance"
)

// TestPostRoomFollowsTheSpec checks the client's choice of the requests
// that spend the per-room budget against the spec's one list
// (x-chatwork-room-post-limit, as package conformance describes it).
func TestPostRoomFollowsTheSpec(t *testing.T) {
	v, err := conformance.New()
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range v.Operations() {
		p := op.Path
		for _, name := range []string{"{room_id}", "{message_id}", "{task_id}", "{file_id}", "{request_id}"} {
			p = strings.ReplaceAll(p, name, "42")
		}
		req, _ := http.NewRequest(op.Method, DefaultBaseURL+p, nil)
		if got := postRoom(req) != 0; got != op.RoomPostLimit {
			t.Errorf("%s (%s %s): the client counts it against the per-room budget: %v; the spec: %v", op.ID, op.Method, op.Path, got, op.RoomPostLimit)
		}
	}
}
