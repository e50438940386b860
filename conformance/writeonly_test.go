package conformance_test

import (
	"bytes"
	"testing"

	chatwork "github.com/chatwork-go/chatwork"
)

// TestNoWriteOnly guards the validator's response options: response bodies
// are visited without openapi3.VisitAsResponse, which only makes a
// difference for writeOnly properties. Declaring one means adding that
// option back in New.
func TestNoWriteOnly(t *testing.T) {
	if bytes.Contains(chatwork.OpenAPI, []byte("writeOnly")) {
		t.Fatal("openapi.yaml declares a writeOnly property: add openapi3.VisitAsResponse() to responseOpts in New")
	}
}
