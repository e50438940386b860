package conformance

import (
	"errors"
	"testing"
)

// FailTest makes the transport report every violation with t.Errorf, one
// call per *Error, and let the call through, so that a test sees every
// problem of a run and not only the first. Notes on bodies it did not
// validate (ErrNotValidated) go to t.Logf. It is a convenience for tests;
// programs use ReportTo or LogTo.
func FailTest(t testing.TB) TransportOption {
	return ReportTo(func(err error) {
		t.Helper()
		for _, e := range violations(err) {
			if errors.Is(e, ErrNotValidated) {
				t.Logf("%v", e)
				continue
			}
			t.Errorf("%v", e)
		}
	})
}
