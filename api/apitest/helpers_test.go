package apitest_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chatwork-go/chatwork/api/apitest"
	"github.com/chatwork-go/chatwork/conformance"
)

// validator checks every response the tests read against openapi.yaml.
var validator = func() *conformance.Validator {
	v, err := conformance.New()
	if err != nil {
		panic(err)
	}
	return v
}()

// client sends plain net/http requests to a fake as one account.
type client struct {
	t     testing.TB
	hc    *http.Client
	base  string
	token string
}

// memClient talks to s in memory with the default account's token.
func memClient(t testing.TB, s *apitest.Server) *client {
	return &client{t: t, hc: s.Client(), base: s.URL(), token: s.Token()}
}

// as returns a copy of c that uses another token.
func (c *client) as(token string) *client {
	d := *c
	d.token = token
	return &d
}

// response is an answer, fully read.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r *response) errors() []string {
	var e struct{ Errors []string }
	_ = json.Unmarshal(r.body, &e)
	return e.Errors
}

func (r *response) decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decoding %s: %v", r.body, err)
	}
}

// send makes a request with an optional form body. Its response is
// checked against the spec.
func (c *client) send(method, path string, form url.Values) *response {
	c.t.Helper()
	var body io.Reader
	ct := ""
	if form != nil {
		body = strings.NewReader(form.Encode())
		ct = "application/x-www-form-urlencoded"
	}
	return c.sendRaw(method, path, ct, body)
}

func (c *client) sendRaw(method, path, contentType string, body io.Reader) *response {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if c.token != "" {
		req.Header.Set("X-ChatWorkToken", c.token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return c.do(req)
}

func (c *client) do(req *http.Request) *response {
	c.t.Helper()
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	if _, err := validator.Operation(req); err == nil {
		if err := validator.ValidateResponse(req, resp); err != nil {
			c.t.Errorf("%s %s: the fake's answer breaks the spec: %v", req.Method, req.URL.Path, err)
		}
	} else if !errors.Is(err, conformance.ErrUnknownOperation) {
		c.t.Errorf("routing %s %s: %v", req.Method, req.URL.Path, err)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return &response{status: resp.StatusCode, header: resp.Header, body: b}
}

// must sends a request and fails the test unless the status is want.
func (c *client) must(want int, method, path string, form url.Values) *response {
	c.t.Helper()
	r := c.send(method, path, form)
	if r.status != want {
		c.t.Fatalf("%s %s: status %d, want %d; body %s", method, path, r.status, want, r.body)
	}
	return r
}

// get decodes a 200 answer of GET path into v.
func (c *client) get(path string, v any) {
	c.t.Helper()
	c.must(http.StatusOK, http.MethodGet, path, nil).decode(c.t, v)
}

// post posts a message and returns its ID.
func (c *client) post(roomID int64, body string) string {
	c.t.Helper()
	var out struct {
		MessageID string `json:"message_id"`
	}
	c.must(http.StatusOK, http.MethodPost, fmt.Sprintf("/rooms/%d/messages", roomID), url.Values{"body": {body}}).decode(c.t, &out)
	return out.MessageID
}

// wantError checks the status and that the error list contains msg.
func wantError(t testing.TB, r *response, status int, msg string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
	for _, e := range r.errors() {
		if e == msg {
			return
		}
	}
	t.Fatalf("errors %q, want one %q", r.errors(), msg)
}

// multipartBody builds an upload body.
func multipartBody(t testing.TB, filename string, data []byte, message string) (string, *bytes.Buffer) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	if filename != "" {
		fw, err := mw.CreateFormFile("file", filename)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fw.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	if message != "" {
		if err := mw.WriteField("message", message); err != nil {
			t.Fatal(err)
		}
	}
	mw.Close()
	return mw.FormDataContentType(), &b
}

// world is a typical setup: the default account "me", two contacts
// alice and bob, and a group chat where me is admin, alice a member and
// bob readonly.
type world struct {
	s                 *apitest.Server
	me, alice, bob    apitest.Account
	room              int64
	cme, calice, cbob *client
}

func newWorld(t testing.TB, opts ...apitest.Option) *world {
	s := apitest.NewServer(t, append([]apitest.Option{apitest.WithoutListener()}, opts...)...)
	w := &world{s: s, me: s.Me()}
	w.alice = s.AddAccount(apitest.Account{Name: "Alice", ChatworkID: "alice"})
	w.bob = s.AddAccount(apitest.Account{Name: "Bob"})
	s.AddContact(apitest.Contact{AccountID: w.me.AccountID, OtherAccountID: w.alice.AccountID})
	s.AddContact(apitest.Contact{AccountID: w.me.AccountID, OtherAccountID: w.bob.AccountID})
	w.room = s.AddRoom(apitest.Room{
		Name:        "Project",
		AdminIDs:    []int64{w.me.AccountID},
		MemberIDs:   []int64{w.alice.AccountID},
		ReadonlyIDs: []int64{w.bob.AccountID},
	}).RoomID
	w.cme = memClient(t, s)
	w.calice = w.cme.as(w.alice.Token)
	w.cbob = w.cme.as(w.bob.Token)
	return w
}

func roomPath(id int64, rest string) string { return fmt.Sprintf("/rooms/%d%s", id, rest) }

func stringsReader(s string) io.Reader { return strings.NewReader(s) }
