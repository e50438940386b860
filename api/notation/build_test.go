package notation

import (
	"testing"
	"time"
)

func TestTags(t *testing.T) {
	t.Parallel()
	at := time.Unix(1498028125, 0)
	tests := []struct {
		name, got, want string
	}{
		{"To", To(123), "[To:123]"},
		{"ToName", ToName(123, "山田さん"), "[To:123] 山田さん"},
		{"ToName empty", ToName(123, ""), "[To:123]"},
		// From test vector A in the facts file.
		{"Reply", Reply(2739132, 93207172, "1007287785163345920"), "[rp aid=2739132 to=93207172-1007287785163345920]"},
		{"Quote", Quote(1484814, at, "hello"), "[qt][qtmeta aid=1484814 time=1498028125]hello[/qt]"},
		{"Quote without time", Quote(1484814, time.Time{}, "hello"), "[qt][qtmeta aid=1484814]hello[/qt]"},
		{"Info", Info("", "body"), "[info]body[/info]"},
		{"Info with title", Info("T", "body"), "[info][title]T[/title]body[/info]"},
		{"Title", Title("T"), "[title]T[/title]"},
		{"Code", Code("a := [1]int{}\n"), "[code]a := [1]int{}\n[/code]"},
		{"HR", HR(), "[hr]"},
		{"ToAll", ToAll(), "[toall]"},
		{"Picon", Picon(42), "[picon:42]"},
		{"PiconName", PiconName(42), "[piconname:42]"},
		{"max int64", To(9223372036854775807), "[To:9223372036854775807]"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}

func TestBuilder(t *testing.T) {
	t.Parallel()
	got := NewBuilder().To(123, "Taro").Text("hello").String()
	if want := "[To:123] Taro\nhello"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}

	var b Builder // the zero value is usable
	b.To(1, "").To(2, "B").ToAll().
		Reply(3, 400, "1928374655918273645", "C").
		Line("line").
		Quote(5, time.Unix(60, 0), "q").
		Info("T", "i").Title("t").Code("c").HR().Picon(6).PiconName(7).
		Text("end")
	want := "[To:1]\n[To:2] B\n[toall]\n" +
		"[rp aid=3 to=400-1928374655918273645] C\n" +
		"line\n" +
		"[qt][qtmeta aid=5 time=60]q[/qt]" +
		"[info][title]T[/title]i[/info][title]t[/title][code]c[/code][hr][picon:6][piconname:7]" +
		"end"
	if b.String() != want {
		t.Errorf("got  %q\nwant %q", b.String(), want)
	}
	if b.Len() != len(want) {
		t.Errorf("Len() = %d, want %d", b.Len(), len(want))
	}
	if got := NewBuilder().Reply(1, 2, "3", "").String(); got != "[rp aid=1 to=2-3]\n" {
		t.Errorf("Reply without name: got %q", got)
	}
}
