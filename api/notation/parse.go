package notation

import (
	"strconv"
	"strings"
	"time"
)

// MentionKind tells a [To:…] mention from a reply.
type MentionKind int

// Mention kinds.
const (
	MentionTo    MentionKind = iota + 1 // [To:{account_id}]
	MentionReply                        // [rp aid={account_id} to={room_id}-{message_id}]
)

// String returns "To" or "Reply".
func (k MentionKind) String() string {
	switch k {
	case MentionTo:
		return "To"
	case MentionReply:
		return "Reply"
	}
	return "MentionKind(" + strconv.Itoa(int(k)) + ")"
}

// Mention is a [To:…] or [rp …] tag found in a message.
type Mention struct {
	Kind      MentionKind
	AccountID int64  // the account mentioned
	RoomID    int64  // replies only: the room of the message replied to
	MessageID string // replies only: the message replied to
}

// Quotation is a [qt]…[/qt] block.
type Quotation struct {
	AccountID int64     // author of the quoted text, from [qtmeta aid=…]; 0 if absent
	Time      time.Time // from [qtmeta … time=…], in UTC; zero if absent
	Text      string    // the quoted text rendered as plain text, without "> " marks
}

// Task is a [task aid=… st=… lt=…]…[/task] block, as Chatwork writes into
// the body of a message that created a task.
type Task struct {
	AssigneeIDs []int64   // aid=1,2,3
	Status      string    // st, "open" or "done"; empty if absent
	LimitTime   time.Time // the deadline, lt, in UTC; zero if absent or lt=0 (no deadline)
	Text        string    // the task body rendered as plain text
}

// File is a [download:{file_id}]…[/download] link, as Chatwork writes into
// the body of an upload message.
type File struct {
	ID   int64
	Name string // the link text, usually "name (size)"
}

// Message is the result of [Parse].
type Message struct {
	// Mentions lists the [To:…] and [rp …] tags in order of appearance.
	// Tags inside [qt] quotes and [code] blocks are not included:
	// Chatwork does not notify anyone for them.
	Mentions []Mention
	// ToAll reports a [toall] tag outside quotes and code blocks.
	ToAll bool
	// Quotes lists the outermost [qt] blocks; nested quotes are part of
	// the text of the quote that contains them.
	Quotes []Quotation
	// Tasks lists the outermost [task] blocks.
	Tasks []Task
	// Files lists the outermost [download] links.
	Files []File
	// PlainText is the body without tag syntax; see [Parse].
	PlainText string
}

// Replies returns the reply mentions, [rp …], in order of appearance.
func (m Message) Replies() []Mention {
	var rs []Mention
	for _, x := range m.Mentions {
		if x.Kind == MentionReply {
			rs = append(rs, x)
		}
	}
	return rs
}

// MentionsAccount reports whether the message mentions accountID with
// [To:…] or replies to it with [rp …]. It does not look at [Message.ToAll].
func (m Message) MentionsAccount(accountID int64) bool {
	for _, x := range m.Mentions {
		if x.AccountID == accountID {
			return true
		}
	}
	return false
}

// Parse reads a message body written in Chatwork notation.
//
// Recognised tags are [To:…], [rp …], [toall], [qt], [qtmeta …], [info],
// [title], [code], [hr], [picon:…], [piconname:…], [pname:…], [dtext:…],
// [task …], [download:…] and [preview …], each with the syntax Chatwork
// uses and numeric IDs where it uses them. Anything else in brackets,
// including a known tag with a malformed value, is kept as literal text.
//
// PlainText renders the body as follows:
//   - mention, icon, [dtext:…] and [preview …] tags are removed; the text
//     around them, such as the name after [To:123], is kept, without the
//     space that follows a mention at the start of a line;
//   - [info], [title], [task], [code] and [qt] blocks start on a new line,
//     and the text after them starts on a new line; [hr] ends the line;
//   - [code] contents are kept literally: tags inside them are not read;
//   - every line of quoted text starts with "> ";
//   - the link text of [download:…] is kept;
//   - leading and trailing white space is trimmed.
//
// For example "[info][title]Deploy[/title]done[/info]" renders as
// "Deploy\ndone", and "[qt][qtmeta aid=1]hi[/qt]ok" as "> hi\nok".
//
// Closing tags without a matching opening tag are dropped; blocks left open
// end at the end of the body. Parse never fails and runs in time linear in
// the length of body.
func Parse(body string) Message {
	p := parser{}
	p.run(body)
	return p.msg
}

type tagKind uint8

const (
	tagNone tagKind = iota
	tagTo
	tagRP
	tagToAll
	tagHR
	tagIcon // picon, piconname, pname
	tagDText
	tagPreview
	tagQtMeta
	// Paired tags.
	tagQt
	tagInfo
	tagTitle
	tagCode
	tagTask
	tagDownload
	numTagKinds
)

type tag struct {
	kind    tagKind
	closing bool
	id      int64 // To, rp, qtmeta aid; download file ID
	room    int64 // rp
	msg     string
	ids     []int64 // task aid
	st      string  // task st
	unix    int64   // qtmeta time, task lt
}

// sink accumulates rendered text and knows whether it is at a line start.
type sink struct {
	b   strings.Builder
	mid bool // the last byte written is not a line break
}

func (s *sink) write(text string, quoted bool) {
	for text != "" {
		if quoted && !s.mid {
			if text[0] == '\n' {
				s.b.WriteByte('>')
			} else {
				s.b.WriteString("> ")
			}
		}
		i := strings.IndexByte(text, '\n')
		if i < 0 {
			s.b.WriteString(text)
			s.mid = true
			return
		}
		s.b.WriteString(text[:i+1])
		s.mid = false
		text = text[i+1:]
	}
}

func (s *sink) breakLine() {
	if s.mid {
		s.b.WriteByte('\n')
		s.mid = false
	}
}

func (s *sink) text() string { return strings.TrimSpace(s.b.String()) }

type parser struct {
	msg   Message
	out   sink
	stack []tagKind
	open  [numTagKinds]int
	// Captures of the text of the outermost quote, task and file link;
	// nil when none is open.
	capQuote, capTask, capFile *sink
}

func (p *parser) run(s string) {
	for i := 0; i < len(s); {
		j := strings.IndexByte(s[i:], '[')
		if j < 0 {
			p.text(s[i:])
			break
		}
		p.text(s[i : i+j])
		i += j
		end := tagEnd(s, i)
		if end < 0 {
			p.text("[")
			i++
			continue
		}
		t, ok := parseTag(s[i+1 : end])
		if !ok {
			p.text("[")
			i++
			continue
		}
		i = end + 1
		if t.kind == tagCode && !t.closing {
			// Code contents are literal up to the first [/code].
			content := s[i:]
			if k := strings.Index(content, "[/code]"); k >= 0 {
				content = content[:k]
				i += k + len("[/code]")
			} else {
				i = len(s)
			}
			p.breakLine()
			p.text(content)
			p.breakLine()
			continue
		}
		p.apply(&t)
		// A mention at the start of a line is usually followed by a space
		// and a name, "[To:123] Taro"; drop the space with the tag.
		if (t.kind == tagTo || t.kind == tagRP || t.kind == tagToAll) && !p.out.mid && i < len(s) && s[i] == ' ' {
			i++
		}
	}
	for len(p.stack) > 0 {
		p.pop()
	}
	p.msg.PlainText = p.out.text()
}

// tagEnd returns the index of the ']' closing the tag that starts at s[i],
// or -1 if another '[' or the end of s comes first. Stopping at '[' keeps
// Parse linear: no byte is scanned by more than one failed attempt.
func tagEnd(s string, i int) int {
	for k := i + 1; k < len(s); k++ {
		switch s[k] {
		case ']':
			return k
		case '[':
			return -1
		}
	}
	return -1
}

func (p *parser) text(s string) {
	if s == "" {
		return
	}
	p.out.write(s, p.open[tagQt] > 0)
	for _, c := range [...]*sink{p.capQuote, p.capTask, p.capFile} {
		if c != nil {
			c.write(s, false)
		}
	}
}

func (p *parser) breakLine() {
	p.out.breakLine()
	for _, c := range [...]*sink{p.capQuote, p.capTask, p.capFile} {
		if c != nil {
			c.breakLine()
		}
	}
}

func (p *parser) apply(t *tag) {
	quoted := p.open[tagQt] > 0
	switch t.kind {
	case tagTo:
		if !quoted {
			p.msg.Mentions = append(p.msg.Mentions, Mention{Kind: MentionTo, AccountID: t.id})
		}
		return
	case tagRP:
		if !quoted {
			p.msg.Mentions = append(p.msg.Mentions, Mention{Kind: MentionReply, AccountID: t.id, RoomID: t.room, MessageID: t.msg})
		}
		return
	case tagToAll:
		if !quoted {
			p.msg.ToAll = true
		}
		return
	case tagHR:
		p.breakLine()
		return
	case tagQtMeta:
		if p.open[tagQt] == 1 && p.capQuote != nil {
			q := &p.msg.Quotes[len(p.msg.Quotes)-1]
			if q.AccountID == 0 {
				q.AccountID = t.id
				q.Time = unixTime(t.unix)
			}
		}
		return
	case tagIcon, tagDText, tagPreview:
		return
	}
	if t.closing {
		if p.open[t.kind] == 0 {
			return // stray closing tag
		}
		for {
			if p.pop() == t.kind {
				return
			}
		}
	}
	// Opening a paired tag.
	switch t.kind {
	case tagQt:
		p.breakLine()
		if p.open[tagQt] == 0 {
			p.msg.Quotes = append(p.msg.Quotes, Quotation{})
			p.capQuote = new(sink)
		}
	case tagInfo, tagTitle:
		p.breakLine()
	case tagTask:
		p.breakLine()
		if p.open[tagTask] == 0 {
			p.msg.Tasks = append(p.msg.Tasks, Task{AssigneeIDs: t.ids, Status: t.st, LimitTime: unixTime(t.unix)})
			p.capTask = new(sink)
		}
	case tagDownload:
		if p.open[tagDownload] == 0 {
			p.msg.Files = append(p.msg.Files, File{ID: t.id})
			p.capFile = new(sink)
		}
	}
	p.open[t.kind]++
	p.stack = append(p.stack, t.kind)
}

// pop closes the innermost open block and returns its kind.
func (p *parser) pop() tagKind {
	k := p.stack[len(p.stack)-1]
	p.stack = p.stack[:len(p.stack)-1]
	p.open[k]--
	switch k {
	case tagQt:
		if p.open[tagQt] == 0 && p.capQuote != nil {
			p.msg.Quotes[len(p.msg.Quotes)-1].Text = p.capQuote.text()
			p.capQuote = nil
		}
		p.breakLine()
	case tagTask:
		if p.open[tagTask] == 0 && p.capTask != nil {
			p.msg.Tasks[len(p.msg.Tasks)-1].Text = p.capTask.text()
			p.capTask = nil
		}
		p.breakLine()
	case tagDownload:
		if p.open[tagDownload] == 0 && p.capFile != nil {
			p.msg.Files[len(p.msg.Files)-1].Name = p.capFile.text()
			p.capFile = nil
		}
	case tagInfo, tagTitle:
		p.breakLine()
	}
	return k
}

func unixTime(sec int64) time.Time {
	if sec <= 0 {
		return time.Time{}
	}
	return time.Unix(sec, 0).UTC()
}

// parseTag parses the text between '[' and ']'.
func parseTag(in string) (tag, bool) {
	if in == "" {
		return tag{}, false
	}
	if in[0] == '/' {
		k := pairedKind(in[1:])
		return tag{kind: k, closing: true}, k != tagNone
	}
	if name, val, ok := strings.Cut(in, ":"); ok {
		switch name {
		case "To", "picon", "piconname", "pname", "download":
			id, ok := parseID(val)
			if !ok {
				return tag{}, false
			}
			k := tagIcon
			switch name {
			case "To":
				k = tagTo
			case "download":
				k = tagDownload
			}
			return tag{kind: k, id: id}, true
		case "dtext":
			return tag{kind: tagDText}, isWord(val)
		}
		return tag{}, false
	}
	name, rest, hasAttrs := strings.Cut(in, " ")
	if !hasAttrs {
		switch name {
		case "toall":
			return tag{kind: tagToAll}, true
		case "hr":
			return tag{kind: tagHR}, true
		}
		k := pairedKind(name) // [download] needs an ID
		return tag{kind: k}, k != tagNone && k != tagDownload
	}
	var t tag
	switch name {
	case "rp":
		t.kind = tagRP
	case "qtmeta":
		t.kind = tagQtMeta
	case "preview":
		t.kind = tagPreview
	case "task":
		t.kind = tagTask
	default:
		return tag{}, false
	}
	var hasID, hasTo bool // hasID: aid for rp and qtmeta, id for preview
	for _, f := range strings.Split(rest, " ") {
		if f == "" {
			continue
		}
		key, val, ok := strings.Cut(f, "=")
		if !ok || key == "" {
			return tag{}, false
		}
		switch {
		case key == "aid" && t.kind == tagTask:
			t.ids = t.ids[:0]
			for _, s := range strings.Split(val, ",") {
				id, ok := parseID(s)
				if !ok {
					return tag{}, false
				}
				t.ids = append(t.ids, id)
			}
		case key == "aid" && t.kind != tagPreview, key == "id" && t.kind == tagPreview:
			if t.id, ok = parseID(val); !ok {
				return tag{}, false
			}
			hasID = true
		case key == "to" && t.kind == tagRP:
			room, msg, ok := strings.Cut(val, "-")
			if !ok || !isDigits(msg) {
				return tag{}, false
			}
			if t.room, ok = parseID(room); !ok {
				return tag{}, false
			}
			t.msg = msg
			hasTo = true
		case key == "time" && t.kind == tagQtMeta, key == "lt" && t.kind == tagTask, key == "ht" && t.kind == tagPreview:
			n, ok := parseID(val)
			if !ok {
				return tag{}, false
			}
			if key != "ht" {
				t.unix = n
			}
		case key == "st" && t.kind == tagTask:
			if !isWord(val) {
				return tag{}, false
			}
			t.st = val
		}
	}
	switch t.kind {
	case tagRP:
		return t, hasID && hasTo
	case tagQtMeta:
		return t, hasID
	case tagPreview:
		return t, hasID
	}
	return t, true
}

func pairedKind(name string) tagKind {
	switch name {
	case "qt":
		return tagQt
	case "info":
		return tagInfo
	case "title":
		return tagTitle
	case "code":
		return tagCode
	case "task":
		return tagTask
	case "download":
		return tagDownload
	}
	return tagNone
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isWord(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// parseID parses a non-negative decimal ID of int64 range.
func parseID(s string) (int64, bool) {
	if !isDigits(s) {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}
