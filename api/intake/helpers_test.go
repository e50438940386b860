package intake_test

import (
	"strconv"
	"testing"
	"time"
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
