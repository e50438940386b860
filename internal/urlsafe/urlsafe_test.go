package urlsafe

import "testing"

func TestPlainHTTPAllowed(t *testing.T) {
	t.Parallel()
	for _, host := range []string{"127.0.0.1", "127.1.2.3", "::1", "localhost", "LOCALHOST", "localhost.", "fake.invalid", "invalid"} {
		if !PlainHTTPAllowed(host) {
			t.Errorf("%s: refused, want allowed", host)
		}
	}
	for _, host := range []string{"10.0.0.1", "chatwork.example.com", "localhost.example.com", "api.localhost", "invalid.example.com", "0.0.0.0", "::", ""} {
		if PlainHTTPAllowed(host) {
			t.Errorf("%s: allowed, want refused", host)
		}
	}
}

func TestRedact(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"https://u:pw@h/v2":         "https://xxxxx@h/v2",
		"https://h/v2":              "https://h/v2",
		"https://h/v2?token=pw#f":   "https://h/v2?xxxxx",
		"u:pw@h/v2":                 "xxxxx@h/v2",
		"https://u:p/w@h/v2":        "https://xxxxx@h/v2",
		"http://u:pw@[::1/v2":       "http://xxxxx@[::1/v2",
		"https://h/v2#pw":           "https://h/v2#xxxxx",
		"https://u:pw@h/v2?q=a@b":   "https://xxxxx@h/v2?xxxxx",
		"https://h/v2/@user/x?pw=1": "https://xxxxx@user/x?xxxxx",
		"http://me:s3cret%zz@host/": "http://xxxxx@host/",
	}
	for in, want := range cases {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}
