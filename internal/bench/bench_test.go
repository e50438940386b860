package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/oapi-codegen/runtime"

	"github.com/chatwork-go/chatwork/api"
	"github.com/chatwork-go/chatwork/api/wire"
	"github.com/chatwork-go/chatwork/gen"
)

// The benchmarks compare package api with Baseline, call for call, against
// the same loopback server. Most are one benchmark with the sub-benchmarks
// client=api and client=baseline; the Interleaved ones alternate the two
// clients' calls within one benchmark (see interleave). internal/benchtable
// turns them into ratios.

// postBody is the message both clients post: one line of plain text.
const postBody = "Deploy of v2.4.1 to production finished at 14:05. No errors in the logs so far."

// loopback starts NewHandler on a real TCP loopback port and returns its
// base URL, /v2 included.
func loopback(tb testing.TB) string {
	tb.Helper()
	srv := httptest.NewServer(NewHandler())
	tb.Cleanup(srv.Close)
	return srv.URL + "/v2"
}

// newAPIClient returns a package api client as a user would configure it:
// defaults everywhere (pacing on, retries on, the default User-Agent and
// discarding logger), except a budget as large as the one the server
// reports (RateLimit per RateWindow for the account and for the room's
// posts), so pacing never holds a call back. It sends through tr, or
// through a transport with the settings Baseline gets when tr is nil.
func newAPIClient(tb testing.TB, base string, tr http.RoundTripper) *api.Client {
	tb.Helper()
	if tr == nil {
		t := NewTransport()
		tb.Cleanup(t.CloseIdleConnections)
		tr = t
	}
	c, err := api.NewClient(Token,
		api.WithBaseURL(base),
		api.WithHTTPClient(&http.Client{Transport: tr}),
		api.WithRateLimit(RateLimit, RateWindow),
		api.WithRoomPostLimit(RateLimit, RateWindow),
	)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// newBaseline returns a Baseline that sends through tr, or through a
// transport of its own with NewTransport's settings when tr is nil.
func newBaseline(tb testing.TB, base string, tr http.RoundTripper) *Baseline {
	tb.Helper()
	if tr == nil {
		t := NewTransport()
		tb.Cleanup(t.CloseIdleConnections)
		tr = t
	}
	return &Baseline{HTTP: &http.Client{Transport: tr}, BaseURL: base, Token: Token}
}

// measure makes one call outside the measurement, which connects and sets
// the client up, then measures call in b.Loop. Besides the usual figures
// it reports cpu-ns/op, the CPU time of the whole process (client, server
// and GC) per call. For a paced client (api) it fails if the calls came
// near the budget, where pacing could have slowed them down.
func measure(b *testing.B, paced bool, call func() error) {
	b.Helper()
	if err := call(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	cpu0, cpuOK := ProcessCPUTime()
	for b.Loop() {
		if err := call(); err != nil {
			b.Fatal(err)
		}
	}
	if cpu1, _ := ProcessCPUTime(); cpuOK {
		b.ReportMetric(float64(cpu1-cpu0)/float64(b.N), "cpu-ns/op")
	}
	if rate := float64(b.N) / b.Elapsed().Seconds(); paced && rate > MaxRate {
		b.Fatalf("%.0f calls a second: too close to the budget of %d per %v; raise RateLimit", rate, RateLimit, RateWindow)
	}
}

// postWith measures one message post by each client through the same
// kind of transport: tr, or a keep-alive transport of each client's own
// when tr is nil.
func postWith(b *testing.B, base string, tr http.RoundTripper) {
	ctx := b.Context()
	b.Run("client=api", func(b *testing.B) {
		c := newAPIClient(b, base, tr)
		measure(b, true, func() error {
			id, _, err := c.Messages.Post(ctx, RoomID, postBody, nil)
			return checkID(id, err)
		})
	})
	b.Run("client=baseline", func(b *testing.B) {
		c := newBaseline(b, base, tr)
		measure(b, false, func() error {
			return checkID(c.PostMessage(ctx, RoomID, postBody))
		})
	})
}

func checkID(id string, err error) error {
	if err == nil && id != PostedMessageID {
		err = fmt.Errorf("posted message ID %q, want %q", id, PostedMessageID)
	}
	return err
}

// BenchmarkPostMessage is one POST /rooms/{room_id}/messages over
// loopback TCP with keep-alive, the answer decoded.
func BenchmarkPostMessage(b *testing.B) {
	postWith(b, loopback(b), nil)
}

// BenchmarkPostMessageInMemory is BenchmarkPostMessage without a network
// or a server: both clients send through a RoundTripper that drains the
// request and answers with the canned post result, so the figures are
// each client's own CPU time and allocations per call.
func BenchmarkPostMessageInMemory(b *testing.B) {
	postWith(b, "http://chatwork.invalid/v2", cannedPost())
}

// cannedTransport answers every request with the same 200 and body. The
// header map is shared by all answers; neither client changes it.
type cannedTransport struct {
	header http.Header
	body   []byte
}

func cannedPost() cannedTransport {
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/v2/rooms/"+strconv.Itoa(RoomID)+"/messages", strings.NewReader("body=x"))
	req.Header.Set("X-ChatWorkToken", Token)
	NewHandler().ServeHTTP(rec, req)
	res := rec.Result()
	defer res.Body.Close()
	return cannedTransport{header: res.Header, body: rec.Body.Bytes()}
}

func (t cannedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_, _ = io.Copy(io.Discard, req.Body)
		req.Body.Close()
	}
	return &http.Response{
		Status: "200 OK", StatusCode: http.StatusOK, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: t.header, Body: io.NopCloser(bytes.NewReader(t.body)), ContentLength: int64(len(t.body)), Request: req,
	}, nil
}

// BenchmarkListMessages100 is one GET /rooms/{room_id}/messages?force=1
// answered with 100 messages (29 kB of JSON) over loopback TCP, decoded.
func BenchmarkListMessages100(b *testing.B) {
	base := loopback(b)
	ctx := b.Context()
	b.Run("client=api", func(b *testing.B) {
		c := newAPIClient(b, base, nil)
		measure(b, true, func() error {
			ms, _, err := c.Messages.ListLatest(ctx, RoomID)
			return checkLen(len(ms), err)
		})
	})
	b.Run("client=baseline", func(b *testing.B) {
		c := newBaseline(b, base, nil)
		measure(b, false, func() error {
			ms, err := c.ListMessages(ctx, RoomID)
			return checkLen(len(ms), err)
		})
	})
}

func checkLen(n int, err error) error {
	if err == nil && n != MessageCount {
		err = fmt.Errorf("listed %d messages, want %d", n, MessageCount)
	}
	return err
}

// maxSuccessBody is api's limit on a success body (api/client.go).
const maxSuccessBody = 64 << 20

// interleave measures two calls alternately, one of each per iteration,
// in alternating order, and reports each one's mean time per call
// (api-ns/call, baseline-ns/call) and the ratio of their total times
// (api/baseline). Alternating call by call exposes both clients to the
// same moments of the machine's load, so the ratio stays steady on a busy
// machine where the separate sub-benchmarks drift apart. ns/op, B/op and
// allocs/op of this benchmark are those of a pair of calls.
func interleave(b *testing.B, apiCall, baseCall func() error) {
	b.Helper()
	for _, call := range []func() error{apiCall, baseCall} {
		if err := call(); err != nil {
			b.Fatal(err)
		}
	}
	var tAPI, tBase time.Duration
	timed := func(call func() error, total *time.Duration) {
		start := time.Now()
		if err := call(); err != nil {
			b.Fatal(err)
		}
		*total += time.Since(start)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if i%2 == 0 {
			timed(apiCall, &tAPI)
			timed(baseCall, &tBase)
		} else {
			timed(baseCall, &tBase)
			timed(apiCall, &tAPI)
		}
		i++
	}
	b.ReportMetric(float64(tAPI)/float64(b.N), "api-ns/call")
	b.ReportMetric(float64(tBase)/float64(b.N), "baseline-ns/call")
	b.ReportMetric(float64(tAPI)/float64(tBase), "api/baseline")
}

// BenchmarkPostMessageInterleaved is BenchmarkPostMessage with the two
// clients' calls alternating; see interleave.
func BenchmarkPostMessageInterleaved(b *testing.B) {
	base := loopback(b)
	ctx := b.Context()
	ac, bc := newAPIClient(b, base, nil), newBaseline(b, base, nil)
	interleave(b,
		func() error {
			id, _, err := ac.Messages.Post(ctx, RoomID, postBody, nil)
			return checkID(id, err)
		},
		func() error { return checkID(bc.PostMessage(ctx, RoomID, postBody)) })
}

// BenchmarkListMessages100Interleaved is BenchmarkListMessages100 with
// the two clients' calls alternating; see interleave.
func BenchmarkListMessages100Interleaved(b *testing.B) {
	base := loopback(b)
	ctx := b.Context()
	ac, bc := newAPIClient(b, base, nil), newBaseline(b, base, nil)
	interleave(b,
		func() error {
			ms, _, err := ac.Messages.ListLatest(ctx, RoomID)
			return checkLen(len(ms), err)
		},
		func() error {
			ms, err := bc.ListMessages(ctx, RoomID)
			return checkLen(len(ms), err)
		})
}

// BenchmarkDecodeMessages100 decodes the 100-message page from memory.
// client=api does what api's Client.call does with a success body: read it
// whole (bounded), check it is not blank, json.Unmarshal it into
// []api.Message. client=baseline streams it through json.Decoder into
// []Message, as Baseline does.
func BenchmarkDecodeMessages100(b *testing.B) {
	data := MessagesJSON()
	b.Run("client=api", func(b *testing.B) {
		rd := bytes.NewReader(data)
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			rd.Reset(data)
			body, err := io.ReadAll(io.LimitReader(rd, maxSuccessBody+1))
			if err != nil || len(bytes.TrimSpace(body)) == 0 {
				b.Fatal("empty body", err)
			}
			out := []api.Message{}
			if err := json.Unmarshal(body, &out); err != nil || len(out) != MessageCount {
				b.Fatal(len(out), err)
			}
		}
	})
	b.Run("client=baseline", func(b *testing.B) {
		rd := bytes.NewReader(data)
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			rd.Reset(data)
			var out []Message
			if err := json.NewDecoder(rd).Decode(&out); err != nil || len(out) != MessageCount {
				b.Fatal(len(out), err)
			}
		}
	})
}

// createRoom holds every field of POST /rooms, the largest form body of
// the API: a name, a description with notation, an icon, 3 administrators,
// 12 members, 5 read-only members and an invitation link with its code and
// approval setting.
var createRoom = struct {
	name, description, icon, linkCode string
	admins, members, readonly         []int64
	link, needAcceptance              bool
}{
	name:        "Project Apollo: release 2.4 planning",
	description: "[info][title]Release 2.4[/title]Planning, status and hand-over for release 2.4.\nWeekly sync: Tuesdays 10:00 (JST).[/info]",
	icon:        "meeting",
	linkCode:    "apollo-release-24",
	admins:      []int64{1484814, 2739132, 2861671},
	members: []int64{3000001, 3000002, 3000003, 3000004, 3000005, 3000006,
		3000007, 3000008, 3000009, 3000010, 3000011, 3000012},
	readonly:       []int64{4000001, 4000002, 4000003, 4000004, 4000005},
	link:           true,
	needAcceptance: false,
}

// genCreateRoomBody builds the generated body as api's Rooms.Create does:
// ID lists joined with wire.JoinIDs, flags through wire.FlagOf.
func genCreateRoomBody() gen.CreateRoomFormdataRequestBody {
	p := createRoom
	icon := gen.IconPreset(p.icon)
	return gen.CreateRoomFormdataRequestBody{
		Name:               p.name,
		Description:        &p.description,
		IconPreset:         &icon,
		MembersAdminIDs:    wire.JoinIDs(p.admins...),
		MembersMemberIDs:   wire.JoinIDs(p.members...),
		MembersReadonlyIDs: wire.JoinIDs(p.readonly...),
		Link:               wire.FlagOf(p.link),
		LinkCode:           &p.linkCode,
		LinkNeedAcceptance: wire.FlagOf(p.needAcceptance),
	}
}

// baselineCreateRoomForm builds the same body by hand with url.Values.
func baselineCreateRoomForm() url.Values {
	p := createRoom
	join := func(ids []int64) string {
		var sb strings.Builder
		for i, id := range ids {
			if i > 0 {
				sb.WriteByte(',')
			}
			sb.WriteString(strconv.FormatInt(id, 10))
		}
		return sb.String()
	}
	flag := func(b bool) string {
		if b {
			return "1"
		}
		return "0"
	}
	return url.Values{
		"name":                 {p.name},
		"description":          {p.description},
		"icon_preset":          {p.icon},
		"members_admin_ids":    {join(p.admins)},
		"members_member_ids":   {join(p.members)},
		"members_readonly_ids": {join(p.readonly)},
		"link":                 {flag(p.link)},
		"link_code":            {p.linkCode},
		"link_need_acceptance": {flag(p.needAcceptance)},
	}
}

// BenchmarkCreateRoomForm encodes the createRoom form body with every
// field. client=api builds the generated body from plain values as
// api.RoomsService.Create does and encodes it as the generated client
// does, with runtime.MarshalForm and url.Values.Encode; client=baseline
// fills url.Values by hand and encodes it.
func BenchmarkCreateRoomForm(b *testing.B) {
	b.Run("client=api", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			form, err := runtime.MarshalForm(genCreateRoomBody(), nil)
			if err != nil {
				b.Fatal(err)
			}
			if s := form.Encode(); len(s) == 0 {
				b.Fatal("empty form")
			}
		}
	})
	b.Run("client=baseline", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if s := baselineCreateRoomForm().Encode(); len(s) == 0 {
				b.Fatal("empty form")
			}
		}
	})
}

// BenchmarkCreateRoomRequest builds the whole POST /rooms request with
// every field. client=api uses gen.NewCreateRoomRequestWithFormdataBody,
// the constructor api's Rooms.Create goes through; client=baseline uses
// url.Values and http.NewRequest.
func BenchmarkCreateRoomRequest(b *testing.B) {
	const server = "https://api.chatwork.com/v2"
	b.Run("client=api", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := gen.NewCreateRoomRequestWithFormdataBody(server, genCreateRoomBody()); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("client=baseline", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			req, err := http.NewRequest(http.MethodPost, server+"/rooms", strings.NewReader(baselineCreateRoomForm().Encode()))
			if err != nil {
				b.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	})
}

// TestClientsAgree checks that both clients of the per-call benchmarks get
// the same results from the loopback server, so the benchmarks compare
// like with like.
func TestClientsAgree(t *testing.T) {
	base := loopback(t)
	ctx := t.Context()
	ac, bc := newAPIClient(t, base, nil), newBaseline(t, base, nil)

	aid, resp, err := ac.Messages.Post(ctx, RoomID, postBody, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.RateLimit.Limit != RateLimit {
		t.Errorf("api saw x-ratelimit-limit %d, want %d", resp.RateLimit.Limit, RateLimit)
	}
	bid, err := bc.PostMessage(ctx, RoomID, postBody)
	if err != nil {
		t.Fatal(err)
	}
	if aid != PostedMessageID || bid != PostedMessageID {
		t.Errorf("posted IDs %q and %q, want %q", aid, bid, PostedMessageID)
	}

	am, _, err := ac.Messages.ListLatest(ctx, RoomID)
	if err != nil {
		t.Fatal(err)
	}
	bm, err := bc.ListMessages(ctx, RoomID)
	if err != nil {
		t.Fatal(err)
	}
	if len(am) != MessageCount || len(bm) != MessageCount {
		t.Fatalf("listed %d and %d messages, want %d", len(am), len(bm), MessageCount)
	}
	for i := range am {
		a, b := am[i], bm[i]
		got := Message{a.MessageID, Account{a.Account.AccountID, a.Account.Name, a.Account.AvatarImageURL}, a.Body, a.SendTime.Seconds(), a.UpdateTime.Seconds()}
		if got != b {
			t.Fatalf("message %d: api %+v, baseline %+v", i, got, b)
		}
	}

	bad := &Baseline{HTTP: bc.HTTP, BaseURL: base, Token: "wrong"}
	if _, err := bad.PostMessage(ctx, RoomID, postBody); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("wrong token: %v, want a 401 error", err)
	}
}

// TestCreateRoomFormsAgree checks that both form encodings of
// BenchmarkCreateRoomForm carry the same fields and values.
func TestCreateRoomFormsAgree(t *testing.T) {
	form, err := runtime.MarshalForm(genCreateRoomBody(), nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := url.ParseQuery(form.Encode())
	if err != nil {
		t.Fatal(err)
	}
	want := baselineCreateRoomForm()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("api form %v\nbaseline form %v", got, want)
	}
	req, err := gen.NewCreateRoomRequestWithFormdataBody("https://api.chatwork.com/v2", genCreateRoomBody())
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(req.Body)
	if got, _ := url.ParseQuery(string(body)); !reflect.DeepEqual(got, want) {
		t.Errorf("request body %s", body)
	}
}
