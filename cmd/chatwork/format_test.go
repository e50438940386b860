package main

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chatwork-go/chatwork/api/apitest"
)

// TestTemplateHelpers runs --template with each of gh's helpers on real
// results: aligned rows, joined and plucked lists, formatted times,
// truncation, plain text of notation, and colour only at a terminal.
func TestTemplateHelpers(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	sent := time.Date(2030, 1, 2, 3, 4, 5, 0, time.Local)
	w.s.AddMessage(apitest.Message{RoomID: w.room, AccountID: w.bob.AccountID, Body: "[info][title]Build[/title]green[/info]", SendTime: sent})
	room := s64(w.room)
	for _, tc := range []struct {
		args []string
		want string // a regular expression for the whole output
	}{
		{[]string{"members", "list", room, "--template", `{{range .}}{{tablerow .account_id .role .name}}{{end}}`},
			`^` + s64(w.me.AccountID) + ` +admin +` + w.me.Name + `\n` + s64(w.bob.AccountID) + ` +member +Bob Suzuki\n$`},
		{[]string{"members", "list", room, "--template", `{{join ", " (pluck "name" .)}}`}, `^` + w.me.Name + `, Bob Suzuki$`},
		{[]string{"messages", "list", room, "--template", `{{range .}}{{timefmt "2006-01-02 15:04" .send_time}}{{end}}`}, `^2030-01-02 03:04$`},
		{[]string{"messages", "list", room, "--template", `{{range .}}{{timeago .send_time}}{{end}}`}, `^in \d+ (year|month|day)s?$`},
		{[]string{"messages", "list", room, "--template", `{{range .}}{{plain .body | truncate 8}}{{end}}`}, `^Build g…$`},
		{[]string{"rooms", "get", room, "--template", `{{color "green" .name}}`}, `^Team$`},
	} {
		r := w.run(t, tc.args...).must(t, exitOK)
		if !regexp.MustCompile(tc.want).MatchString(r.out) {
			t.Errorf("%s: %q does not match %q", strings.Join(tc.args[3:], " "), r.out, tc.want)
		}
	}
	r := cli{env: w.env, tty: true}.run(t, "rooms", "get", room, "--template", `{{color "green" .name}}`).must(t, exitOK)
	if r.out != "\x1b[32mTeam\x1b[0m" {
		t.Errorf("color at a terminal: %q", r.out)
	}
	w.run(t, "rooms", "get", room, "--template", `{{color "mauve" .name}}`).must(t, exitError)
}
