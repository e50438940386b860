package conformance_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/chatwork-go/chatwork/conformance"
)

// testToken is a fake token; tests assert it never shows up in messages.
const testToken = "tok-0123456789abcdef-SECRET"

const formCT = "application/x-www-form-urlencoded"

var (
	validatorOnce sync.Once
	shared        *conformance.Validator
	sharedStrict  *conformance.Validator
	validatorErr  error
)

// validators returns the package's Validators, built once.
func validators(tb testing.TB) (plain, strict *conformance.Validator) {
	tb.Helper()
	validatorOnce.Do(func() {
		shared, validatorErr = conformance.New()
		if validatorErr == nil {
			sharedStrict, validatorErr = conformance.New(conformance.RejectUnknownProperties())
		}
	})
	if validatorErr != nil {
		tb.Fatalf("New: %v", validatorErr)
	}
	return shared, sharedStrict
}

func validator(tb testing.TB) *conformance.Validator {
	tb.Helper()
	v, _ := validators(tb)
	return v
}

// newRequest builds a request with the test token, and a Content-Type when
// ct is not empty.
func newRequest(method, target, ct, body string) *http.Request {
	var r *http.Request
	if body == "" {
		r = httptest.NewRequest(method, target, nil)
	} else {
		r = httptest.NewRequest(method, target, strings.NewReader(body))
	}
	if ct != "" {
		r.Header.Set("Content-Type", ct)
	}
	r.Header.Set("X-Chatworktoken", testToken)
	return r
}

// rateHeaders returns the headers of a normal JSON answer.
func rateHeaders() http.Header {
	return http.Header{
		"Content-Type":          {"application/json; charset=utf-8"},
		"X-Ratelimit-Limit":     {"300"},
		"X-Ratelimit-Remaining": {"299"},
		"X-Ratelimit-Reset":     {"1763779200"},
	}
}

// newResponse builds a response with rateHeaders, changed by edit
// ("" deletes a header).
func newResponse(status int, body string, edit map[string]string) *http.Response {
	h := rateHeaders()
	for k, v := range edit {
		if v == "" {
			h.Del(k)
		} else {
			h.Set(k, v)
		}
	}
	return &http.Response{StatusCode: status, Header: h, Body: http.NoBody, ContentLength: int64(len(body)),
		Request: nil, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1}
}

// violations returns the *Error values in err.
func violations(err error) []*conformance.Error {
	var out []*conformance.Error
	var walk func(error)
	walk = func(err error) {
		if err == nil {
			return
		}
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, x := range j.Unwrap() {
				walk(x)
			}
			return
		}
		if e, ok := err.(*conformance.Error); ok { //nolint:errorlint // walking the tree itself; errors.As would skip the joined siblings
			out = append(out, e)
			return
		}
		walk(errors.Unwrap(err))
	}
	walk(err)
	return out
}

// wantViolation fails unless err holds an *Error for operation op on field.
func wantViolation(t *testing.T, err error, op, field string) {
	t.Helper()
	if e := violationOn(t, err, op, field); e == nil {
		t.Fatal("unreachable: violationOn returned nil")
	}
}

// violationOn is wantViolation returning the *Error found.
func violationOn(t *testing.T, err error, op, field string) *conformance.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("no violation; want %s on %s", op, field)
	}
	vs := violations(err)
	if len(vs) == 0 {
		t.Fatalf("error %v holds no *conformance.Error", err)
	}
	for _, e := range vs {
		if e.OperationID == op && e.Field == field {
			if e.Reason == "" {
				t.Errorf("violation %v has no reason", e)
			}
			if !strings.Contains(e.Error(), field) {
				t.Errorf("message %q does not name the field %s", e.Error(), field)
			}
			return e
		}
	}
	var got []string
	for _, e := range vs {
		got = append(got, e.OperationID+" "+e.Field)
	}
	t.Fatalf("want a violation of %s on %s; got %q\n%v", op, field, got, err)
	return nil
}

func noSecret(t *testing.T, err error) {
	t.Helper()
	if err != nil && strings.Contains(err.Error(), testToken) {
		t.Errorf("error message leaks the token: %v", err)
	}
}
