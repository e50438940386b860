package conformance

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// invalidJSON are documents that encoding/json rejects, and so must
// decodeJSONValue, which checks the syntax itself.
var invalidJSON = []string{
	// Empty documents and trailing garbage.
	``, ` `, "\n\t\r ", `{} x`, `{}}`, `[]]`, `1 2`, `"a" "b"`, `true false`, `nullx`, `{},`, `1,`, "\"a\"\x00",
	// Bad literals.
	`t`, `tru`, `truE`, `True`, `f`, `fals`, `falsy`, `n`, `nul`, `nil`, `NULL`, `undefined`, `NaN`, `Infinity`, `-Infinity`,
	// Numbers.
	`-`, `+1`, `01`, `-01`, `00`, `1.`, `.5`, `-.5`, `1.e3`, `1e`, `1e+`, `1E-`, `1ee3`, `1.5.2`, `0x10`, `0x1p3`, `1_000`,
	`--1`, `1-`, `1e400`, `-1e400`, `[01]`, `{"a":01}`, `[1.]`, `[-]`,
	// Strings: unterminated, control characters, bad escapes.
	`"`, `"abc`, `"\"`, `"\`, `"a\\\"`, "\"\x00\"", "\"a\nb\"", "\"\t\"", "\"\x1f\"", "\"\x7f\x01\"", `"\x41"`,
	`"\a"`, `"\'"`, `"\U0041"`, `"\u"`, `"\u12"`, `"\u12G4"`, `"\uzzzz"`, "\"\\\x01\"", `'single'`, "\"\xff\x01\"",
	// Arrays.
	`[`, `]`, `[1`, `[1,`, `[1,]`, `[,1]`, `[,]`, `[1 2]`, `[1;2]`, `[1,,2]`, `[}`, `["a":1]`,
	// Objects.
	`{`, `}`, `{"a"`, `{"a":`, `{"a":1`, `{"a":1,`, `{"a":1,}`, `{,}`, `{"a" 1}`, `{"a"=1}`, `{"a"::1}`, `{a:1}`,
	`{'a':1}`, `{1:1}`, `{null:1}`, `{"a":1 "b":2}`, `{"a":1;"b":2}`, `{"a"}`, `{"a":}`, `{]`, `{"a":1]`, `["a"}`,
	`{"\x":1}`, "{\"a\x00\":1}",
	// Other leading bytes.
	"\ufeff{}", `/* */ {}`, `// x`, `<`, "\x00", "\xff",
	// Nesting beyond encoding/json's limit.
	strings.Repeat("[", maxJSONDepth+1) + strings.Repeat("]", maxJSONDepth+1),
	strings.Repeat(`{"a":`, maxJSONDepth+1) + "1" + strings.Repeat("}", maxJSONDepth+1),
	strings.Repeat(`[{"a":`, maxJSONDepth/2) + "[1]" + strings.Repeat("}]", maxJSONDepth/2),
	strings.Repeat("[", 1_000_000),
}

func TestDecodeJSONValueInvalid(t *testing.T) {
	t.Parallel()
	for _, s := range invalidJSON {
		if v, err := decodeJSONValue([]byte(s)); err == nil {
			t.Errorf("%.40q: got %#v, want an error", s, v)
		}
		var v any
		if json.Unmarshal([]byte(s), &v) == nil {
			t.Errorf("%.40q: encoding/json accepts it; the table is wrong", s)
		}
	}
}

// TestDecodeJSONValueValid checks documents near the edges of the
// grammar that must decode as with encoding/json.
func TestDecodeJSONValueValid(t *testing.T) {
	t.Parallel()
	for _, s := range []string{
		`0`, `-0`, `0.5`, `-0.0e0`, `1E+2`, `1e-2`, `123456789012345678901234567890`, `1e308`, `5e-324`, `1e-400`,
		`true`, `false`, `null`, ` [ ] `, "\t{ }\r\n", `[[[]]]`, `{"":{"":[null]}}`, `{"a":1,"a":2,"b":{"a":3},"a":4}`,
		`""`, `"\"\\\/\b\f\n\r\t"`, `"\u0000\u001f\u00e9\uFFFF"`, `"\ud83d\ude00"`, `"\ud83d"`, `"\ude00\ud83d"`,
		`"\ud83dx"`, `"\ud83d\u0041"`, `"\ud83d\ud83d\ude00"`, "\"\xff\"", "\"a\xc3\"", "\"\xed\xa0\x80\"", "\"\x7f\"",
		"{\"\xff\":\"\xfe\"}", `{"\u00e9":"é"}`, "\"日本語\"",
		strings.Repeat("[", maxJSONDepth) + strings.Repeat("]", maxJSONDepth),
		strings.Repeat(`{"a":`, maxJSONDepth) + "1" + strings.Repeat("}", maxJSONDepth),
	} {
		got, err := decodeJSONValue([]byte(s))
		var want any
		if wantErr := json.Unmarshal([]byte(s), &want); wantErr != nil {
			t.Fatalf("%.40q: encoding/json: %v; the table is wrong", s, wantErr)
		}
		if err != nil {
			t.Errorf("%.40q: %v", s, err)
		} else if !reflect.DeepEqual(got, want) {
			t.Errorf("%.40q: got %#v, encoding/json %#v", s, got, want)
		}
	}
}

// TestDecodeJSONValueErrorMessage checks that syntax errors are still
// described by encoding/json.
func TestDecodeJSONValueErrorMessage(t *testing.T) {
	t.Parallel()
	_, err := decodeJSONValue([]byte(`{"a":1,}`))
	var se *json.SyntaxError
	if !errors.As(err, &se) || se.Offset != 8 {
		t.Errorf("got %v, want a *json.SyntaxError at offset 8", err)
	}
}

// FuzzDecodeJSONValue checks that decodeJSONValue agrees with
// encoding/json on every input: same value, or both an error.
func FuzzDecodeJSONValue(f *testing.F) {
	for _, s := range []string{
		`{"message_id":"1928374655918273645","account":{"account_id":1484814,"name":"Taro"},"n":-1.5e3,"ok":true,"x":null}`,
		`[1, 2.5, "a\"b", "\u00e9\ud83d\ude00", [], {}, [[]], false]`,
		`  "trailing space"  `, `{"a":1,"a":2}`, `{} x`, `[1,]`, `1e400`, `"\/"`, `-0`, `"日本語"`, `{"a" : [ 1 , { "b" : null } ] }`,
		`01`, `1.`, `-`, `tru`, `nul`, `[1 2]`, `{"a" 1}`, `"\ud83d"`, `"\x"`, "\"a\x01\"", "\"\\\"", `{"a":1,}`,
	} {
		f.Add([]byte(s))
	}
	// The nesting limit is left to the table tests: inputs of its size
	// make the fuzzer spend its time minimizing.
	for _, s := range invalidJSON {
		if len(s) < 100 {
			f.Add([]byte(s))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, gotErr := decodeJSONValue(data)
		var want any
		wantErr := json.Unmarshal(data, &want)
		if (gotErr != nil) != (wantErr != nil) {
			t.Fatalf("%q: error %v, encoding/json %v", data, gotErr, wantErr)
		}
		if gotErr == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: got %#v, encoding/json %#v", data, got, want)
		}
	})
}
