package notation

import (
	"strconv"
	"strings"
	"time"
)

// To returns a mention tag, "[To:{accountID}]".
func To(accountID int64) string {
	return "[To:" + strconv.FormatInt(accountID, 10) + "]"
}

// ToName returns a mention tag followed by a space and the name, as the
// Chatwork client writes it: "[To:123] Taro".
func ToName(accountID int64, name string) string {
	if name == "" {
		return To(accountID)
	}
	return To(accountID) + " " + name
}

// Reply returns a reply tag, "[rp aid={accountID} to={roomID}-{messageID}]",
// which mentions accountID and links to the message messageID in roomID.
// messageID should be the string of digits the API returns.
func Reply(accountID, roomID int64, messageID string) string {
	return "[rp aid=" + strconv.FormatInt(accountID, 10) +
		" to=" + strconv.FormatInt(roomID, 10) + "-" + messageID + "]"
}

// Quote returns a quote block of text written by accountID:
// "[qt][qtmeta aid={accountID} time={unix}]{text}[/qt]". If at is the zero
// time, the time attribute is left out: "[qt][qtmeta aid={accountID}]{text}[/qt]".
func Quote(accountID int64, at time.Time, text string) string {
	meta := "[qtmeta aid=" + strconv.FormatInt(accountID, 10)
	if !at.IsZero() {
		meta += " time=" + strconv.FormatInt(at.Unix(), 10)
	}
	return "[qt]" + meta + "]" + text + "[/qt]"
}

// Info returns an information box, "[info]{body}[/info]", or, when title is
// not empty, "[info][title]{title}[/title]{body}[/info]".
func Info(title, body string) string {
	if title == "" {
		return "[info]" + body + "[/info]"
	}
	return "[info]" + Title(title) + body + "[/info]"
}

// Title returns "[title]{s}[/title]". It is normally used inside an
// information box; see [Info].
func Title(s string) string { return "[title]" + s + "[/title]" }

// Code returns a code block, "[code]{s}[/code]", whose contents Chatwork
// shows literally. s must not contain "[/code]".
func Code(s string) string { return "[code]" + s + "[/code]" }

// HR returns a horizontal rule, "[hr]".
func HR() string { return "[hr]" }

// ToAll returns "[toall]", a mention of every member of the room.
func ToAll() string { return "[toall]" }

// Picon returns the profile icon of an account, "[picon:{accountID}]".
func Picon(accountID int64) string {
	return "[picon:" + strconv.FormatInt(accountID, 10) + "]"
}

// PiconName returns the profile icon and name of an account,
// "[piconname:{accountID}]".
func PiconName(accountID int64) string {
	return "[piconname:" + strconv.FormatInt(accountID, 10) + "]"
}

// Builder assembles a message body. The zero value is ready to use; its
// methods return the Builder so calls can be chained:
//
//	notation.NewBuilder().To(123, "Taro").Text("hello").String()
//
// Mentions ([Builder.To], [Builder.Reply], [Builder.ToAll]) each end their
// line, so the text that follows starts on a new line, the layout the
// Chatwork client produces. All other methods write exactly the tag
// returned by the function of the same name and add no line breaks.
type Builder struct {
	b strings.Builder
}

// NewBuilder returns an empty Builder.
func NewBuilder() *Builder { return new(Builder) }

// To writes a mention of accountID, followed by " name" when name is not
// empty, and a line break.
func (b *Builder) To(accountID int64, name string) *Builder {
	b.b.WriteString(ToName(accountID, name))
	b.b.WriteByte('\n')
	return b
}

// Reply writes a reply to the message messageID in roomID posted by
// accountID, followed by " name" when name is not empty, and a line break.
func (b *Builder) Reply(accountID, roomID int64, messageID, name string) *Builder {
	b.b.WriteString(Reply(accountID, roomID, messageID))
	if name != "" {
		b.b.WriteByte(' ')
		b.b.WriteString(name)
	}
	b.b.WriteByte('\n')
	return b
}

// ToAll writes "[toall]" and a line break.
func (b *Builder) ToAll() *Builder {
	b.b.WriteString(ToAll())
	b.b.WriteByte('\n')
	return b
}

// Text writes s unchanged.
func (b *Builder) Text(s string) *Builder {
	b.b.WriteString(s)
	return b
}

// Line writes s and a line break.
func (b *Builder) Line(s string) *Builder {
	b.b.WriteString(s)
	b.b.WriteByte('\n')
	return b
}

// Quote writes a quote block; see [Quote].
func (b *Builder) Quote(accountID int64, at time.Time, text string) *Builder {
	b.b.WriteString(Quote(accountID, at, text))
	return b
}

// Info writes an information box; see [Info].
func (b *Builder) Info(title, body string) *Builder {
	b.b.WriteString(Info(title, body))
	return b
}

// Title writes "[title]{s}[/title]".
func (b *Builder) Title(s string) *Builder {
	b.b.WriteString(Title(s))
	return b
}

// Code writes a code block; see [Code].
func (b *Builder) Code(s string) *Builder {
	b.b.WriteString(Code(s))
	return b
}

// HR writes a horizontal rule, "[hr]".
func (b *Builder) HR() *Builder {
	b.b.WriteString(HR())
	return b
}

// Picon writes "[picon:{accountID}]".
func (b *Builder) Picon(accountID int64) *Builder {
	b.b.WriteString(Picon(accountID))
	return b
}

// PiconName writes "[piconname:{accountID}]".
func (b *Builder) PiconName(accountID int64) *Builder {
	b.b.WriteString(PiconName(accountID))
	return b
}

// Len returns the number of bytes written so far.
func (b *Builder) Len() int { return b.b.Len() }

// String returns the message body built so far.
func (b *Builder) String() string { return b.b.String() }
