package conformance

import "testing"

// FailTest makes the transport report every violation with t.Errorf, one
// call per *Error, and let the call through, so that a test sees every
// problem of a run and not only the first. It is a convenience for tests;
// programs use ReportTo or LogTo.
func FailTest(t testing.TB) TransportOption {
	return ReportTo(func(err error) {
		t.Helper()
		for _, e := range violations(err) {
			t.Errorf("%v", e)
		}
	})
}
