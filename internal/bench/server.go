package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"
)

// Fixture values shared by the server and the benchmarks.
const (
	// Token is the API token both clients send; the server checks it.
	Token = "bench-token-0123456789abcdef"
	// RoomID is the chat the benchmarks post to and list.
	RoomID = 36818150
	// PostedMessageID is the ID the server gives every posted message.
	PostedMessageID = "1928374655918273645"
	// RateLimit is the budget the server reports in x-ratelimit-limit, and
	// the one the api client is configured with, for the account and for
	// posts to a room alike: RateLimit requests per RateWindow, 500,000 a
	// second, so that pacing never holds a call back. A short window keeps
	// the client's sliding-window log small (it remembers RateLimit send
	// times); the real API's 300 per 5 minutes would stop a benchmark after
	// 300 calls.
	RateLimit = 10_000
	// RateWindow is the window of RateLimit.
	RateWindow = 20 * time.Millisecond
	// MaxRate is the highest rate of paced calls a benchmark may reach: it
	// fails above it rather than report figures that pacing may have
	// slowed down.
	MaxRate = 0.8 * RateLimit * float64(time.Second/RateWindow)
)

// MessageCount is the length of the canned message list: a full page.
const MessageCount = 100

// Message bodies cycled through the canned list: Chatwork notation, ASCII
// and Japanese text, short and long.
var messageBodies = []string{
	"[To:2739132]Sato Hanakoさん\n明日の定例会議の資料を共有します。ご確認ください。",
	"Deploy of v2.4.1 to production finished at 14:05. No errors in the logs so far.",
	"[rp aid=1484814 to=36818150-1928374655918273645]了解しました！",
	"[info][title]Weekly report[/title]- Tickets closed: 42\n- Tickets opened: 37\n- Incidents: 0[/info]",
	"OK",
	"[qt][qtmeta aid=2739132 time=1763778000]Could someone review PR #1287 today?[/qt]I'll take it.",
	"お疲れさまです。本日のリリース作業は予定どおり18時開始です。",
	"[task]Update the on-call rota for December[/task]",
}

// Messages returns the canned page of MessageCount messages, oldest first,
// with 19-digit message IDs as the real API sends them.
func Messages() []Message {
	out := make([]Message, MessageCount)
	for i := range out {
		out[i] = Message{
			MessageID: strconv.FormatInt(1928374655918273645+int64(i)*1000, 10),
			Account: Account{
				AccountID:      int64(1484814 + i%5),
				Name:           fmt.Sprintf("Member %d", i%5),
				AvatarImageURL: fmt.Sprintf("https://appdata.chatwork.com/avatar/%d/ico_%d.rsz.png", i%5, 1484814+i%5),
			},
			Body:       messageBodies[i%len(messageBodies)],
			SendTime:   1763770000 + int64(i)*60,
			UpdateTime: 0,
		}
	}
	return out
}

// MessagesJSON returns the JSON of Messages, the body of the list answer.
func MessagesJSON() []byte {
	b, err := json.Marshal(Messages())
	if err != nil {
		panic(err)
	}
	return b
}

// MeJSON is the body of GET /me: a profile with most fields empty.
const MeJSON = `{"account_id":1484814,"room_id":36818150,"name":"Taro Yamada","chatwork_id":"tarochatworkid","organization_id":101,"organization_name":"Example Inc.","department":"Engineering","title":"","url":"","introduction":"","mail":"","tel_organization":"","tel_extension":"","tel_mobile":"","skype":"","facebook":"","twitter":"","avatar_image_url":"https://appdata.chatwork.com/avatar/ico_default_blue.png","login_mail":"taro@example.com"}`

// NewHandler returns a minimal Chatwork stand-in for the per-call
// benchmarks. It answers three operations with canned bodies:
//
//	POST /v2/rooms/{room_id}/messages  {"message_id":"1928374655918273645"}
//	GET  /v2/rooms/{room_id}/messages  a page of 100 messages
//	GET  /v2/me                        MeJSON
//
// Every answer carries the x-ratelimit-* headers (limit RateLimit,
// remaining one less, a reset 5 minutes after the handler was made) and
// the JSON Content-Type. Requests
// without the token get 401. It does no validation and keeps no state, so
// that the server's own cost stays small next to the client's.
func NewHandler() http.Handler {
	reset := strconv.FormatInt(time.Now().Add(5*time.Minute).Unix(), 10)
	header := http.Header{
		"Content-Type":          {"application/json; charset=utf-8"},
		"X-Ratelimit-Limit":     {strconv.Itoa(RateLimit)},
		"X-Ratelimit-Remaining": {strconv.Itoa(RateLimit - 1)},
		"X-Ratelimit-Reset":     {reset},
	}
	posted := []byte(`{"message_id":"` + PostedMessageID + `"}`)
	list := MessagesJSON()
	me := []byte(MeJSON)

	reply := func(w http.ResponseWriter, body []byte) {
		h := w.Header()
		for k, v := range header {
			h[k] = v // shared, read-only slices: no allocation per answer
		}
		h["Content-Length"] = []string{strconv.Itoa(len(body))}
		_, _ = w.Write(body)
	}
	authed := func(f func(http.ResponseWriter, *http.Request)) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			// Read the whole request, as a server does, so the connection
			// is reused.
			_, _ = io.Copy(io.Discard, r.Body)
			if r.Header.Get("X-ChatWorkToken") != Token {
				w.Header().Set("Content-Type", "application/json; charset=utf-8")
				w.WriteHeader(http.StatusUnauthorized)
				_, _ = io.WriteString(w, `{"errors":["Invalid API token"]}`)
				return
			}
			f(w, r)
		}
	}
	mux := http.NewServeMux()
	mux.Handle("POST /v2/rooms/{room_id}/messages", authed(func(w http.ResponseWriter, _ *http.Request) { reply(w, posted) }))
	mux.Handle("GET /v2/rooms/{room_id}/messages", authed(func(w http.ResponseWriter, _ *http.Request) { reply(w, list) }))
	mux.Handle("GET /v2/me", authed(func(w http.ResponseWriter, _ *http.Request) { reply(w, me) }))
	return mux
}

// NewTransport returns the *http.Transport settings both clients use in
// the per-call benchmarks: http.DefaultTransport's, without a proxy, with
// keep-alive and enough idle connections per host that no connection is
// closed between calls.
func NewTransport() *http.Transport {
	return &http.Transport{
		DialContext: (&net.Dialer{
			Timeout:   30 * time.Second,
			KeepAlive: 30 * time.Second,
		}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   100,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: 1 * time.Second,
	}
}
