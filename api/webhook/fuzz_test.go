package webhook

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"testing"
)

func FuzzVerify(f *testing.F) {
	f.Add([]byte(bodyA), []byte("key"), sigA)
	f.Add([]byte(bodyB), []byte{0}, "G7Gt rh5E+")
	f.Add([]byte{}, []byte("k"), "")
	f.Fuzz(func(t *testing.T, body, key []byte, sig string) {
		if len(key) == 0 {
			key = []byte{0}
		}
		token := base64.StdEncoding.EncodeToString(key)
		good, err := Sign(body, token)
		if err != nil {
			t.Fatalf("Sign: %v", err)
		}
		if err := Verify(body, good, token); err != nil {
			t.Fatalf("Verify(body, Sign(body)) = %v", err)
		}
		if err := Verify(append(body[:len(body):len(body)], 0), good, token); !errors.Is(err, ErrBadSignature) {
			t.Fatalf("Verify of extended body = %v", err)
		}
		if len(body) > 0 {
			changed := bytes.Clone(body)
			changed[len(changed)/2] ^= 0x80
			if err := Verify(changed, good, token); !errors.Is(err, ErrBadSignature) {
				t.Fatalf("Verify of changed body = %v", err)
			}
		}

		// An arbitrary signature: no panic, a sentinel error, and success
		// only for an encoding of the right MAC.
		err = Verify(body, sig, token)
		switch {
		case err == nil:
			norm := strings.ReplaceAll(strings.TrimSpace(sig), " ", "+")
			dec, derr := base64.StdEncoding.DecodeString(norm)
			if derr != nil || base64.StdEncoding.EncodeToString(dec) != good {
				t.Fatalf("Verify accepted %q for body whose signature is %q", sig, good)
			}
		case errors.Is(err, ErrNoSignature), errors.Is(err, ErrBadSignature):
			if strings.Contains(err.Error(), good) || strings.Contains(err.Error(), token) {
				t.Fatalf("error %q reveals a secret", err)
			}
		default:
			t.Fatalf("Verify = %v", err)
		}
	})
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(bodyA))
	f.Add([]byte(bodyB))
	f.Add([]byte(`{"webhook_event_type":"x","webhook_event":[]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		e, err := Parse(body)
		if err == nil {
			if e.Type == "" {
				t.Fatal("event without type")
			}
			switch e.Type {
			case TypeMessageCreated, TypeMessageUpdated:
				if e.Message == nil || e.Mention != nil {
					t.Fatalf("%s: Message %v, Mention %v", e.Type, e.Message, e.Mention)
				}
			case TypeMentionToMe:
				if e.Mention == nil || e.Message != nil {
					t.Fatalf("%s: Message %v, Mention %v", e.Type, e.Message, e.Mention)
				}
			default:
				if e.Message != nil || e.Mention != nil {
					t.Fatalf("unknown type %q decoded", e.Type)
				}
			}
		}

		// The same body, signed, through the Handler.
		h, err := NewHandler([]string{tokenB})
		if err != nil {
			t.Fatal(err)
		}
		calls := 0
		count := func(_ context.Context, _ *Event) error { calls++; return nil }
		h.OnMessageCreated(count)
		h.OnMessageUpdated(count)
		h.OnMentionToMe(count)
		h.OnUnknown(count)
		w := serve(h, body, sign(t, body, tokenB))
		wantCode, wantCalls := http.StatusOK, 1
		if e == nil {
			wantCode, wantCalls = http.StatusBadRequest, 0
		}
		if len(body) > DefaultMaxBodySize {
			wantCode, wantCalls = http.StatusRequestEntityTooLarge, 0
		}
		if w.Code != wantCode || calls != wantCalls || w.Body.Len() != 0 {
			t.Fatalf("Handler: %d, %d calls, body %q; want %d, %d calls", w.Code, calls, w.Body, wantCode, wantCalls)
		}
	})
}
