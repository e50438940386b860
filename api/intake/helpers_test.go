package intake_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/chatwork-go/chatwork/api/intake"
)

// Webhook tokens: Base64 keys, as Chatwork shows them.
const (
	webhookToken = "iY/hmitgwCBlc5DnjAZ8pyRG1HF0zFflfmKmtCDg1wk="
	otherToken   = "A9ne+ygvdV0IZBaPFV2zC1e5Bk+IsI14BPwieRoBQNU="
)

func s64(n int64) string { return strconv.FormatInt(n, 10) }

// waitUntil polls cond until it holds; the deadline only bounds a hang.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitNonePending waits until the group has no entry pending. A handler's
// record of an entry comes before the consumer acknowledges it, so a test
// that saw the record waits for the acknowledgement; one that never comes
// fails the test at waitUntil's deadline, with what is still pending.
func waitNonePending(t *testing.T, s *intake.Stream, group string) {
	t.Helper()
	var pending []intake.Pending
	var err error
	deadline := time.Now().Add(30 * time.Second)
	for {
		if pending, err = s.Pending(t.Context(), group, 10); err == nil && len(pending) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("entries of %s still pending: %+v, %v", group, pending, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
