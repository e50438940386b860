// Package notation builds and parses Chatwork message notation, the tag
// markup found in message bodies, task bodies and room descriptions, such
// as [To:123], [rp aid=123 to=456-789] and [info][title]…[/title]…[/info].
//
// # Building
//
// Small functions return single tags ([To], [Reply], [Quote], [Info], …),
// and a [Builder] chains them into a whole message:
//
//	body := notation.NewBuilder().To(123, "Taro").Text("The build is green.").String()
//	// "[To:123] Taro\nThe build is green."
//
// Chatwork has no escape syntax, so text that itself looks like a tag is
// sent as is and will be interpreted by Chatwork.
//
// # Parsing
//
// [Parse] reads a received body and reports its mentions, reply targets,
// [toall] flag, quotes, tasks and file links, together with a plain-text
// rendering without tag syntax. Parse accepts any input: malformed or
// unknown tags are kept as literal text, unclosed blocks end at the end of
// the body, and the work done is linear in the length of the body.
//
// IDs follow the Chatwork API: account and room IDs are int64, message IDs
// are strings of digits because they exceed 2^53.
//
// Message notation is plain text: this package owns building and parsing
// it and imports no other package of this module, neither the API client
// nor the generated types (enforced by internal/checks TestImportRules).
package notation
