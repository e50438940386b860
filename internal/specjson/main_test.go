package main

import (
	"strings"
	"testing"
)

func TestConvert(t *testing.T) {
	t.Parallel()
	src := `
zeta: 1
alpha:
  id: 1928374655918273645
  hex: 0x1F
  ratio: 1.50
  quoted: "1928374655918273645"
  flag: true
  none: null
  html: "<a & b>"
  empty_map: {}
  empty_list: []
  list: [b, a]
`
	want := `{
  "zeta": 1,
  "alpha": {
    "id": 1928374655918273645,
    "hex": 31,
    "ratio": 1.5,
    "quoted": "1928374655918273645",
    "flag": true,
    "none": null,
    "html": "<a & b>",
    "empty_map": {},
    "empty_list": [],
    "list": [
      "b",
      "a"
    ]
  }
}
`
	got, err := convert([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("convert:\n%s\nwant:\n%s", got, want)
	}
}

func TestConvertRejects(t *testing.T) {
	t.Parallel()
	for name, src := range map[string]string{
		"duplicate key": "a: 1\na: 2\n",
		"infinity":      "a: .inf\n",
		"two documents": "a: 1\n---\nb: 2\n",
	} {
		if _, err := convert([]byte(src)); err == nil {
			t.Errorf("%s: no error", name)
		} else if strings.Contains(err.Error(), "internal error") {
			t.Errorf("%s: %v", name, err)
		}
	}
}
