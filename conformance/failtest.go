package conformance

// TestingT is the part of testing.TB that FailTest uses. *testing.T,
// *testing.B and *testing.F satisfy it; conformance does not import package
// testing, so programs that use it for production canaries do not link it.
type TestingT interface {
	Helper()
	Errorf(format string, args ...any)
}

// FailTest makes the transport report every violation with t.Errorf, one
// call per *Error, and let the call through, so that a test sees every
// problem of a run and not only the first. It is a convenience for tests;
// programs use ReportTo or LogTo.
func FailTest(t TestingT) TransportOption {
	return ReportTo(func(err error) {
		t.Helper()
		for _, e := range violations(err) {
			t.Errorf("%v", e)
		}
	})
}
