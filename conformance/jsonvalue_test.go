package conformance

import (
	"encoding/json"
	"reflect"
	"testing"
)

// FuzzDecodeJSONValue checks that decodeJSONValue agrees with
// encoding/json on every input: same value, or both an error.
func FuzzDecodeJSONValue(f *testing.F) {
	for _, s := range []string{
		`{"message_id":"1928374655918273645","account":{"account_id":1484814,"name":"Taro"},"n":-1.5e3,"ok":true,"x":null}`,
		`[1, 2.5, "a\"b", "\u00e9\ud83d\ude00", [], {}, [[]], false]`,
		`  "trailing space"  `, `{"a":1,"a":2}`, `{} x`, `[1,]`, `1e400`, `"\/"`, `-0`, `"日本語"`, `{"a" : [ 1 , { "b" : null } ] }`,
	} {
		f.Add([]byte(s))
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
