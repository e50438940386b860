package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Baseline is the smallest reasonable hand-written Chatwork client: it
// builds form bodies with url.Values, sets X-ChatWorkToken, calls
// http.Client.Do and decodes the JSON answer with encoding/json into small
// structs. It has none of package api's checks, pacing, retries or
// rate-limit bookkeeping; it is what api's per-call cost is measured
// against.
type Baseline struct {
	HTTP    *http.Client
	BaseURL string // such as "https://api.chatwork.com/v2", without a trailing slash
	Token   string
}

// Account is an account inside a message.
type Account struct {
	AccountID      int64  `json:"account_id"`
	Name           string `json:"name"`
	AvatarImageURL string `json:"avatar_image_url"`
}

// Message is a message as GET /rooms/{room_id}/messages returns it.
type Message struct {
	MessageID  string  `json:"message_id"`
	Account    Account `json:"account"`
	Body       string  `json:"body"`
	SendTime   int64   `json:"send_time"`
	UpdateTime int64   `json:"update_time"`
}

// PostMessage posts body to the room and returns the new message's ID.
func (c *Baseline) PostMessage(ctx context.Context, roomID int64, body string) (string, error) {
	form := url.Values{"body": {body}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.roomURL(roomID, "/messages"), strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	var out struct {
		MessageID string `json:"message_id"`
	}
	if err := c.do(req, &out); err != nil {
		return "", err
	}
	return out.MessageID, nil
}

// ListMessages returns the latest messages of the room (force=1).
func (c *Baseline) ListMessages(ctx context.Context, roomID int64) ([]Message, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.roomURL(roomID, "/messages?force=1"), nil)
	if err != nil {
		return nil, err
	}
	var out []Message
	if err := c.do(req, &out); err != nil {
		return nil, err
	}
	return out, nil
}

func (c *Baseline) roomURL(roomID int64, rest string) string {
	return c.BaseURL + "/rooms/" + strconv.FormatInt(roomID, 10) + rest
}

// do sends req with the token and decodes a 200 answer into out; a 204
// leaves out untouched.
func (c *Baseline) do(req *http.Request, out any) error {
	req.Header.Set("X-ChatWorkToken", c.Token)
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
		err = json.NewDecoder(resp.Body).Decode(out)
	case http.StatusNoContent:
	default:
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		err = fmt.Errorf("%s %s: %s: %s", req.Method, req.URL.Path, resp.Status, msg)
	}
	// Read to the end so the connection goes back to the pool.
	_, _ = io.Copy(io.Discard, resp.Body)
	return err
}
