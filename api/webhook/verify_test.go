package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// Published test vectors (chatwork-api.md, section 7).
const (
	tokenA = "iY/hmitgwCBlc5DnjAZ8pyRG1HF0zFflfmKmtCDg1wk="
	bodyA  = `{"webhook_setting_id":"581","webhook_event_type":"mention_to_me","webhook_event_time":1516629767,"webhook_event":{"from_account_id":2861671,"to_account_id":2739132,"room_id":93207172,"message_id":"1007287971738591232","body":"[rp aid=2739132 to=93207172-1007287785163345920] sue445\ntest","send_time":1516629766,"update_time":0}}`
	sigA   = "NTIUzbXiwLvM7C/MT3Kd75Lw1w2N5tyWtcEieKiqhY0="
	// sigARawKey is what keying HMAC with the undecoded token gives.
	sigARawKey = "lUU9XJPoNaDUJr1erAQ86S3N16WU3p7EAXtMlO6bwt8="

	tokenB = "A9ne+ygvdV0IZBaPFV2zC1e5Bk+IsI14BPwieRoBQNU="
	bodyB  = `{"webhook_setting_id":"246","webhook_event_type":"message_created","webhook_event_time":1511238729,"webhook_event":{"message_id":"984676321621704704","room_id":36818150,"account_id":1484814,"body":"test","send_time":1511238729,"update_time":0}}`
	sigB   = "G7Gtrh5Ee6d8erOVXhWPtUrkNJqqIT5vwLU50KhyLQk="
)

func TestVectors(t *testing.T) {
	t.Parallel()
	for _, v := range []struct{ name, token, body, sig string }{
		{"A", tokenA, bodyA, sigA},
		{"B", tokenB, bodyB, sigB},
	} {
		if strings.HasSuffix(v.body, "\n") || !strings.Contains(bodyA, `\n`) {
			t.Fatal("test vector body altered")
		}
		if err := Verify([]byte(v.body), v.sig, v.token); err != nil {
			t.Errorf("vector %s: Verify = %v", v.name, err)
		}
		got, err := Sign([]byte(v.body), v.token)
		if err != nil || got != v.sig {
			t.Errorf("vector %s: Sign = %q, %v; want %q", v.name, got, err, v.sig)
		}
	}
}

func TestVerifyRejectsRawTokenKey(t *testing.T) {
	t.Parallel()
	// The classic mistake: keying HMAC with the token string itself.
	m := hmac.New(sha256.New, []byte(tokenA))
	m.Write([]byte(bodyA))
	wrong := base64.StdEncoding.EncodeToString(m.Sum(nil))
	if wrong != sigARawKey {
		t.Fatalf("raw-key signature = %q, want the documented %q", wrong, sigARawKey)
	}
	if err := Verify([]byte(bodyA), wrong, tokenA); !errors.Is(err, ErrBadSignature) {
		t.Errorf("Verify with raw-key signature = %v, want ErrBadSignature", err)
	}
}

func TestVerifyRejectsChangedBody(t *testing.T) {
	t.Parallel()
	for i := range len(bodyA) {
		b := []byte(bodyA)
		b[i] ^= 1
		if err := Verify(b, sigA, tokenA); !errors.Is(err, ErrBadSignature) {
			t.Fatalf("byte %d changed: Verify = %v, want ErrBadSignature", i, err)
		}
	}
	for _, b := range []string{bodyA + "\n", bodyA[:len(bodyA)-1], ""} {
		if err := Verify([]byte(b), sigA, tokenA); !errors.Is(err, ErrBadSignature) {
			t.Errorf("Verify(%.20q…) = %v, want ErrBadSignature", b, err)
		}
	}
}

func TestVerifyErrors(t *testing.T) {
	t.Parallel()
	body := []byte(bodyA)
	tests := []struct {
		name   string
		sig    string
		tokens []string
		want   error
	}{
		{"several tokens, match last", sigA, []string{tokenB, tokenA}, nil},
		{"several tokens, match first", sigA, []string{tokenA, tokenB}, nil},
		{"wrong token", sigA, []string{tokenB}, ErrBadSignature},
		{"no signature", "", []string{tokenA}, ErrNoSignature},
		{"no token", sigA, nil, ErrNoToken},
		{"malformed token", sigA, []string{"not base64!"}, ErrMalformedToken},
		{"empty token", sigA, []string{""}, ErrMalformedToken},
		{"malformed among good", sigA, []string{tokenA, "%%%"}, ErrMalformedToken},
		{"signature not base64", "!!!!", []string{tokenA}, ErrBadSignature},
		{"signature truncated", sigA[:20], []string{tokenA}, ErrBadSignature},
		{"signature as hex", "5202BF4B02772F", []string{tokenA}, ErrBadSignature},
		{"signature with padding bits changed", sigA[:len(sigA)-2] + "1=", []string{tokenA}, ErrBadSignature},
		{"surrounding space tolerated", " " + sigA + "\n", []string{" " + tokenA + "\n"}, nil},
	}
	for _, tt := range tests {
		err := Verify(body, tt.sig, tt.tokens...)
		if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
			t.Errorf("%s: Verify = %v, want %v", tt.name, err, tt.want)
		}
		if err != nil {
			msg := err.Error()
			for _, secret := range append([]string{sigA, sigB}, tt.tokens...) {
				if secret != "" && strings.Contains(msg, strings.TrimSpace(secret)) {
					t.Errorf("%s: error %q reveals %q", tt.name, msg, secret)
				}
			}
		}
	}
	if _, err := Sign(body, "***"); !errors.Is(err, ErrMalformedToken) {
		t.Errorf("Sign with malformed token: %v", err)
	}
}

// bodyWithPlus returns a body whose signature under tokenB contains '+'.
func bodyWithPlus(t *testing.T) ([]byte, string) {
	t.Helper()
	for i := 0; ; i++ {
		body := []byte(strings.Replace(bodyB, `"body":"test"`, `"body":"test `+strconv.Itoa(i)+`"`, 1))
		sig, err := Sign(body, tokenB)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(sig, "+") {
			return body, sig
		}
	}
}

func TestVerifyPlusAsSpace(t *testing.T) {
	t.Parallel()
	body, sig := bodyWithPlus(t)
	if err := Verify(body, sig, tokenB); err != nil {
		t.Fatalf("Verify = %v", err)
	}
	// What r.URL.Query().Get returns for an unescaped '+'.
	if err := Verify(body, strings.ReplaceAll(sig, "+", " "), tokenB); err != nil {
		t.Errorf("Verify with '+' decoded as space = %v", err)
	}
}

func TestRequestSignature(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, target, header, want string
	}{
		{"header", "/hook", "a+b/c=", "a+b/c="},
		{"header wins", "/hook?chatwork_webhook_signature=query", "header", "header"},
		{"query keeps plus", "/hook?x=1&chatwork_webhook_signature=a+b/c%3D&y=2", "", "a+b/c="},
		{"query escaped plus", "/hook?chatwork_webhook_signature=a%2Bb%2Fc%3d", "", "a+b/c="},
		{"query escaped key", "/hook?chatwork%5Fwebhook%5Fsignature=abc", "", "abc"},
		{"bad escape kept raw", "/hook?chatwork_webhook_signature=a%zz", "", "a%zz"},
		{"none", "/hook?other=1", "", ""},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("POST", tt.target, nil)
		if tt.header != "" {
			r.Header.Set("x-chatworkwebhooksignature", tt.header) // the case Chatwork sends
		}
		if got := RequestSignature(r); got != tt.want {
			t.Errorf("%s: RequestSignature = %q, want %q", tt.name, got, tt.want)
		}
	}
}
