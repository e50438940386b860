package notation

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body string
		want Message
	}{
		{
			name: "mention_to_me sample",
			body: "[To:1484814]What do you like to eat？",
			want: Message{
				Mentions:  []Mention{{Kind: MentionTo, AccountID: 1484814}},
				PlainText: "What do you like to eat？",
			},
		},
		{
			name: "reply from test vector A",
			body: "[rp aid=2739132 to=93207172-1007287785163345920] sue445\ntest",
			want: Message{
				Mentions: []Mention{{
					Kind: MentionReply, AccountID: 2739132, RoomID: 93207172, MessageID: "1007287785163345920",
				}},
				PlainText: "sue445\ntest",
			},
		},
		{
			name: "several mentions and toall",
			body: "[To:1] A\n[To:2] B\n[toall]\nhi",
			want: Message{
				Mentions:  []Mention{{Kind: MentionTo, AccountID: 1}, {Kind: MentionTo, AccountID: 2}},
				ToAll:     true,
				PlainText: "A\nB\n\nhi",
			},
		},
		{
			name: "info with title",
			body: "[info][title]T[/title]x[/info]",
			want: Message{PlainText: "T\nx"},
		},
		{
			name: "blocks start and end lines",
			body: "before[info]in[/info]after[hr]end",
			want: Message{PlainText: "before\nin\nafter\nend"},
		},
		{
			name: "file upload",
			body: "[info][title][dtext:file_uploaded][/title][download:1466244790]file.pdf (54 KB)[/download][/info]",
			want: Message{
				Files:     []File{{ID: 1466244790, Name: "file.pdf (54 KB)"}},
				PlainText: "file.pdf (54 KB)",
			},
		},
		{
			name: "preview and icons",
			body: "look [preview id=12 ht=150][picon:1][piconname:2][pname:3]here",
			want: Message{PlainText: "look here"},
		},
		{
			name: "system text",
			body: "[dtext:chatroom_member_is][piconname:123][dtext:chatroom_added]",
			want: Message{PlainText: ""},
		},
		{
			name: "code is literal",
			body: "run:[code]x := a[i]\n[To:9][info]y[/info]\n[/code]done",
			want: Message{PlainText: "run:\nx := a[i]\n[To:9][info]y[/info]\ndone"},
		},
		{
			name: "quote",
			body: "[qt][qtmeta aid=5 time=1498028125][To:7] hi\nthere[/qt]ok",
			want: Message{
				Quotes:    []Quotation{{AccountID: 5, Time: time.Unix(1498028125, 0).UTC(), Text: "hi\nthere"}},
				PlainText: "> hi\n> there\nok",
			},
		},
		{
			name: "nested quotes",
			body: "[qt][qtmeta aid=1]a[qt][qtmeta aid=2]b\n\nc[/qt][/qt][toall]",
			want: Message{
				ToAll:     true,
				Quotes:    []Quotation{{AccountID: 1, Text: "a\nb\n\nc"}},
				PlainText: "> a\n> b\n>\n> c",
			},
		},
		{
			name: "task",
			body: "[info][title][dtext:task_added][/title][task aid=11,12 st=open lt=1500000000]Write [To:3]the report[/task][/info]",
			want: Message{
				Mentions: []Mention{{Kind: MentionTo, AccountID: 3}},
				Tasks: []Task{{
					AssigneeIDs: []int64{11, 12}, Status: "open", LimitTime: time.Unix(1500000000, 0).UTC(), Text: "Write the report",
				}},
				PlainText: "Write the report",
			},
		},
		{
			name: "task without deadline",
			body: "[task aid=1 st=done lt=0]x[/task]",
			want: Message{Tasks: []Task{{AssigneeIDs: []int64{1}, Status: "done", Text: "x"}}, PlainText: "x"},
		},
		{
			name: "malformed tags stay literal",
			body: "[To:abc] [To:] [rp aid=1] [rp aid=1 to=2] [qtmeta time=1] [preview ht=1] [download]x [unknown] a [b] [To:99999999999999999999]",
			want: Message{PlainText: "[To:abc] [To:] [rp aid=1] [rp aid=1 to=2] [qtmeta time=1] [preview ht=1] [download]x [unknown] a [b] [To:99999999999999999999]"},
		},
		{
			name: "brackets around tags",
			body: "[[To:1]] [x[hr]",
			want: Message{Mentions: []Mention{{Kind: MentionTo, AccountID: 1}}, PlainText: "[] [x"},
		},
		{
			name: "unclosed and stray",
			body: "[/info][/qt]a[info][title]T[qt]q",
			want: Message{Quotes: []Quotation{{Text: "q"}}, PlainText: "a\nT\n> q"},
		},
		{
			name: "closing tag closes inner blocks",
			body: "[info][title]T[/info]x",
			want: Message{PlainText: "T\nx"},
		},
		{
			name: "unclosed code",
			body: "[code][To:1]",
			want: Message{PlainText: "[To:1]"},
		},
		{
			name: "empty",
			body: "",
			want: Message{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := Parse(tt.body)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Parse(%q)\n got  %+v\n want %+v", tt.body, got, tt.want)
			}
		})
	}
}

func TestMessageHelpers(t *testing.T) {
	t.Parallel()
	m := Parse("[To:1][rp aid=2 to=3-4][To:5][rp aid=6 to=7-8]")
	want := []Mention{
		{Kind: MentionReply, AccountID: 2, RoomID: 3, MessageID: "4"},
		{Kind: MentionReply, AccountID: 6, RoomID: 7, MessageID: "8"},
	}
	if got := m.Replies(); !reflect.DeepEqual(got, want) {
		t.Errorf("Replies() = %+v, want %+v", got, want)
	}
	for id, want := range map[int64]bool{1: true, 2: true, 5: true, 6: true, 3: false, 4: false, 9: false} {
		if got := m.MentionsAccount(id); got != want {
			t.Errorf("MentionsAccount(%d) = %v, want %v", id, got, want)
		}
	}
	if got := (MentionTo).String() + (MentionReply).String(); got != "ToReply" {
		t.Errorf("MentionKind.String: %q", got)
	}
}

// TestParseLinear runs inputs that would take quadratic time (or worse)
// in a naive parser. Each is 1 MiB; a quadratic parser would not finish.
func TestParseLinear(t *testing.T) {
	t.Parallel()
	const n = 1 << 20
	inputs := map[string]string{
		"open brackets":     strings.Repeat("[", n),
		"unterminated tags": strings.Repeat("[To:1", n/5),
		"unclosed code":     strings.Repeat("[code]", n/6),
		"nested quotes":     strings.Repeat("[qt]", n/8) + strings.Repeat("x\n", n/4) + strings.Repeat("[/info]", n/14),
		"nested tasks":      strings.Repeat("[task aid=1]", n/24) + strings.Repeat(" ", n/2) + strings.Repeat("[/task]", n/14),
		"stray closes":      strings.Repeat("[info]", n/12) + strings.Repeat("[/qt]", n/10),
		"long attrs":        strings.Repeat("[rp aid=1 to=2-3 "+strings.Repeat("k=v ", 100), n/400),
	}
	for name, in := range inputs {
		start := time.Now()
		m := Parse(in)
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%s: Parse took %v", name, d)
		}
		if strings.Contains(m.PlainText, "[qt]") || strings.Contains(m.PlainText, "[task") {
			t.Errorf("%s: tag syntax leaked into PlainText", name)
		}
	}
}
