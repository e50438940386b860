package api_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/textproto"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"golang.org/x/oauth2"

	"github.com/chatwork-go/chatwork/api"
)

// scripted is a RoundTripper that answers every request with what the
// fuzzer made up: the first attempt gets status1, later ones status2, all
// with the same headers and body, whose reading fails after cut bytes when
// cut is within it. A negative cut leaves Response.Request unset, as a
// sloppy RoundTripper of a caller may.
type scripted struct {
	status1, status2 int
	header           http.Header
	body             []byte
	cut              int
	n                atomic.Int32
}

func (s *scripted) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_, _ = io.Copy(io.Discard, req.Body)
		req.Body.Close()
	}
	status := s.status1
	if s.n.Add(1) > 1 {
		status = s.status2
	}
	var body io.Reader = bytes.NewReader(s.body)
	if s.cut > 0 && s.cut < len(s.body) {
		body = io.MultiReader(bytes.NewReader(s.body[:s.cut]), errorAfter{io.ErrUnexpectedEOF})
	}
	resp := &http.Response{
		StatusCode:    status,
		Status:        strconv.Itoa(status) + " " + http.StatusText(status),
		Header:        s.header.Clone(),
		Body:          io.NopCloser(body),
		ContentLength: int64(len(s.body)),
		Request:       req,
	}
	if s.cut < 0 {
		resp.Request = nil
	}
	return resp, nil
}

type errorAfter struct{ err error }

func (e errorAfter) Read([]byte) (int, error) { return 0, e.err }

// fuzzHeader reads "Key: value" lines.
func fuzzHeader(s string) http.Header {
	h := http.Header{}
	for line := range strings.SplitSeq(s, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok || k == "" {
			continue
		}
		h.Add(textproto.CanonicalMIMEHeaderKey(strings.TrimSpace(k)), strings.TrimSpace(v))
	}
	return h
}

// fuzzCalls are the operations the fuzzer drives: reads, writes that must
// never be sent twice, lists, deletes, and a download that follows the
// answer's download_url through the same transport.
var fuzzCalls = []func(ctx context.Context, c *api.Client) error{
	func(ctx context.Context, c *api.Client) error { _, _, err := c.Me.Get(ctx); return err },
	func(ctx context.Context, c *api.Client) error {
		_, _, err := c.Messages.Post(ctx, 7, "hello", nil)
		return err
	},
	func(ctx context.Context, c *api.Client) error {
		_, _, err := c.Tasks.Create(ctx, 7, api.CreateTaskParams{Body: "t", AssigneeIDs: []int64{1, 2}})
		return err
	},
	func(ctx context.Context, c *api.Client) error { _, _, err := c.Messages.ListLatest(ctx, 7); return err },
	func(ctx context.Context, c *api.Client) error { _, err := c.Rooms.Leave(ctx, 7); return err },
	func(ctx context.Context, c *api.Client) error { _, err := c.Links.Delete(ctx, 7); return err },
	func(ctx context.Context, c *api.Client) error {
		_, _, err := c.Files.Download(ctx, 7, 9, io.Discard)
		return err
	},
	func(ctx context.Context, c *api.Client) error {
		_, _, err := c.Files.Upload(ctx, 7, api.UploadFileParams{Name: "a.txt", Content: strings.NewReader("data")})
		return err
	},
}

// fuzzBound is the longest two calls may take, in synctest's virtual time:
// each at most the maximum rate-limit wait the client is given (1 minute)
// plus 3 retries with backoff of at most 8 s, with room to spare.
const fuzzBound = 5 * time.Minute

// FuzzTransportStack drives the whole client (authentication, pacing,
// retries, redirect policy, decoding, the download fetch) with arbitrary
// statuses, headers and bodies from a fake RoundTripper. Every call must
// return, without a panic, within fuzzBound of virtual time, allocating a
// bounded amount of memory, and a 2xx it accepts must not be taken from a
// non-answer.
func FuzzTransportStack(f *testing.F) {
	now := strconv.FormatInt(time.Date(2000, 1, 1, 0, 5, 0, 0, time.UTC).Unix(), 10)
	rate := "X-Ratelimit-Limit: 300\nX-Ratelimit-Remaining: 299\nX-Ratelimit-Reset: " + now
	f.Add(200, 200, rate, []byte(`{"account_id":1}`), 0, uint8(0))
	f.Add(200, 200, rate, []byte(`{"message_id":"1928374655918273645"}`), 0, uint8(1))
	f.Add(200, 200, rate, []byte(`{"task_ids":[1,2]}`), 0, uint8(2))
	f.Add(204, 204, rate, []byte(nil), 0, uint8(3))
	f.Add(204, 204, "", []byte(nil), 0, uint8(4))
	f.Add(200, 200, rate, []byte(`{"public":false}`), 0, uint8(5))
	f.Add(200, 200, rate, []byte(`{"file_id":9,"download_url":"https://dl.example.com/f?sig=1","filesize":4}`), 0, uint8(6))
	f.Add(200, 200, rate, []byte(`{"file_id":9}`), 0, uint8(7))
	f.Add(429, 200, rate, []byte(`{"errors":["Rate limit for message posting per room exceeded."]}`), 0, uint8(1))
	f.Add(503, 200, rate, []byte(`{"errors":["down"]}`), 0, uint8(3))
	f.Add(503, 503, "", []byte(`oops`), 0, uint8(1))
	f.Add(200, 200, rate, []byte(`{"account_id":1,"name":"`+strings.Repeat("x", 100)+`"}`), 20, uint8(0))
	f.Add(302, 302, "Location: https://elsewhere.example.com/v2/me", []byte(nil), 0, uint8(0))
	f.Add(307, 307, "Location: /v2/me", []byte(nil), 0, uint8(1))
	f.Add(401, 401, `Www-Authenticate: Bearer error="invalid_token", error_description="expired`, []byte(nil), 0, uint8(8))
	f.Add(200, 200, rate+"\nDate: Sat, 01 Jan 2000 00:00:00 GMT", []byte("null"), 0, uint8(2))
	f.Add(999, -1, "X-Ratelimit-Reset: -5\nX-Ratelimit-Limit: x", []byte("{"), 1, uint8(3))
	f.Add(404, 404, rate, []byte(`{"errors":["Not found"]}`), -1, uint8(0))
	f.Add(200, 200, rate, []byte(`{}`), -1, uint8(1))

	f.Fuzz(func(t *testing.T, status1, status2 int, headers string, body []byte, cut int, op uint8) {
		if status1 < 100 || status1 > 999 || status2 < 100 || status2 > 999 {
			return // net/http never returns such a status
		}
		synctest.Test(t, func(t *testing.T) {
			rt := &scripted{status1: status1, status2: status2, header: fuzzHeader(headers), body: body, cut: cut}
			opts := []api.Option{
				api.WithBaseURL("https://api.chatwork.com/v2"),
				api.WithHTTPClient(&http.Client{Transport: rt}),
				api.WithMaxRateLimitWait(time.Minute),
			}
			var c *api.Client
			var err error
			if op&8 != 0 {
				c, err = api.NewOAuthClient(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "fuzz-token"}), opts...)
			} else {
				c, err = api.NewClient("fuzz-token", opts...)
			}
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()

			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			start := time.Now()
			done := make(chan error, 1)
			// Two calls: the second meets the pacing state the first left.
			go func() {
				first := fuzzCalls[int(op)%len(fuzzCalls)](ctx, c)
				second := fuzzCalls[int(op>>4)%len(fuzzCalls)](ctx, c)
				done <- errors.Join(first, second)
			}()
			timer := time.NewTimer(fuzzBound)
			defer timer.Stop()
			select {
			case err = <-done:
			case <-timer.C:
				cancel()
				t.Fatalf("the call did not return within %v of virtual time (then: %v)", fuzzBound, <-done)
			}
			runtime.ReadMemStats(&after)
			if grew := after.TotalAlloc - before.TotalAlloc; grew > 256<<20 {
				t.Errorf("the call allocated %d MiB", grew>>20)
			}
			if took := time.Since(start); took > fuzzBound {
				t.Errorf("the call took %v", took)
			}
			if err == nil && (status1 < 200 || status1 > 299) && (status2 < 200 || status2 > 299) {
				t.Errorf("statuses %d, %d: no error", status1, status2)
			}
			if needsResult := op%8 == 0 || op%8 == 1 || op%8 == 2 || op%8 == 7; err == nil && needsResult && len(bytes.TrimSpace(body)) < 2 {
				t.Errorf("op %d succeeded on a body of %q", op%8, body)
			}
			if err != nil && strings.Contains(err.Error(), "fuzz-token") {
				t.Errorf("the error leaks the token: %v", err)
			}
			var ue *api.UnexpectedResponseError
			if errors.As(err, &ue) && strings.Contains(ue.Body, "fuzz-token") {
				t.Errorf("the error's body leaks the token")
			}
		})
	})
}
