package conformance

import "errors"

// TestingT is the part of testing.TB that FailTest uses. *testing.T,
// *testing.B and *testing.F satisfy it; conformance does not import package
// testing, so programs that use it for production canaries do not link it.
type TestingT interface {
	Helper()
	Errorf(format string, args ...any)
	Logf(format string, args ...any)
}

// FailTest makes the transport report every violation with t.Errorf, one
// call per *Error, and let the call through, so that a test sees every
// problem of a run and not only the first. Notes on bodies it did not
// validate (ErrNotValidated) go to t.Logf. It is a convenience for tests;
// programs use ReportTo or LogTo.
func FailTest(t TestingT) TransportOption {
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
