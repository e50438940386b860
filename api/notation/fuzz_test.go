package notation

import (
	"hash/fnv"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzParse checks that Parse never panics, that text without brackets
// passes through, and that messages assembled by the Builder from fuzzed
// text parse back to the mentions that were built, with no tag syntax left
// in PlainText.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"",
		"[To:1484814]What do you like to eat？",
		"[rp aid=2739132 to=93207172-1007287785163345920] sue445\ntest",
		"[info][title]T[/title]x[/info]",
		"[qt][qtmeta aid=1 time=2]a[/qt]|b|c",
		"[code][To:1][/code][task aid=1,2 st=open lt=0]t[/task]",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		m := Parse(body)
		if !strings.Contains(body, "[") && m.PlainText != strings.TrimSpace(body) {
			t.Fatalf("text without tags changed: %q -> %q", body, m.PlainText)
		}
		if utf8.ValidString(body) && !utf8.ValidString(m.PlainText) {
			t.Fatalf("PlainText of valid UTF-8 input is not valid UTF-8: %q", m.PlainText)
		}
		if len(m.PlainText) > 2*len(body)+8 {
			t.Fatalf("PlainText grew from %d to %d bytes", len(body), len(m.PlainText))
		}

		built, want := buildFromScript(body)
		got := Parse(built)
		if !reflect.DeepEqual(got.Mentions, want.Mentions) || got.ToAll != want.ToAll {
			t.Fatalf("Parse(%q): mentions %+v toall %v, want %+v toall %v",
				built, got.Mentions, got.ToAll, want.Mentions, want.ToAll)
		}
		if len(got.Quotes) != len(want.Quotes) {
			t.Fatalf("Parse(%q): %d quotes, want %d", built, len(got.Quotes), len(want.Quotes))
		}
		for i := range want.Quotes {
			if got.Quotes[i].AccountID != want.Quotes[i].AccountID || !got.Quotes[i].Time.Equal(want.Quotes[i].Time) {
				t.Fatalf("Parse(%q): quote %d = %+v, want %+v", built, i, got.Quotes[i], want.Quotes[i])
			}
		}
		// The text pieces hold no brackets, so every bracket in the built
		// body belongs to a well-formed tag, and none may survive.
		if strings.ContainsAny(got.PlainText, "[]") {
			t.Fatalf("Parse(%q): tag syntax in PlainText %q", built, got.PlainText)
		}
	})
}

// buildFromScript reads s as a script of "|"-separated pieces, each
// choosing a Builder call by its first byte and supplying text with the
// brackets removed. It returns the body and the Message parts expected.
func buildFromScript(s string) (string, Message) {
	var want Message
	b := NewBuilder()
	pieces := strings.Split(s, "|")
	if len(pieces) > 64 {
		pieces = pieces[:64]
	}
	for _, piece := range pieces {
		op := byte(0)
		if piece != "" {
			op = piece[0]
		}
		text := strings.NewReplacer("[", "", "]", "").Replace(piece)
		h := fnv.New64a()
		h.Write([]byte(piece))
		n := h.Sum64()
		id := int64(n >> 1)           // any non-negative int64
		room := int64(n>>33) + 1      // a second, smaller ID
		msgID := "1" + text2digits(n) // a long digit string
		switch op % 11 {
		case 0:
			b.To(id, text)
			want.Mentions = append(want.Mentions, Mention{Kind: MentionTo, AccountID: id})
		case 1:
			b.Reply(id, room, msgID, text)
			want.Mentions = append(want.Mentions, Mention{Kind: MentionReply, AccountID: id, RoomID: room, MessageID: msgID})
		case 2:
			b.ToAll()
			want.ToAll = true
		case 3:
			b.Text(text)
		case 4:
			b.Info(text, text)
		case 5:
			b.Code(text)
		case 6:
			var at time.Time
			if n%2 == 0 {
				at = time.Unix(int64(n>>40)+1, 0).UTC()
			}
			// The quote hides a mention: it must not be reported.
			b.Quote(id, at, To(room)+text)
			want.Quotes = append(want.Quotes, Quotation{AccountID: id, Time: at})
		case 7:
			b.HR()
		case 8:
			b.Picon(id).PiconName(room)
		case 9:
			b.Title(text)
		case 10:
			b.Line(text)
		}
	}
	return b.String(), want
}

func text2digits(n uint64) string {
	var d [20]byte
	i := len(d)
	for {
		i--
		d[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(d[i:])
		}
	}
}
