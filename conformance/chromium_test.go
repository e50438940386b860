package conformance_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chatwork-go/chatwork/api/apitest"
	"github.com/chatwork-go/chatwork/conformance"
	"github.com/chatwork-go/chatwork/conformance/har"
	"github.com/chatwork-go/chatwork/internal/cdp"
)

// chromiumHangGuard stops a browser that never answers; it bounds a hang,
// it is not a speed check.
const chromiumHangGuard = 3 * time.Minute

// TestCheckHARFromChromium has headless Chromium load a page that calls
// the fake from JavaScript, as another team's web client would, records
// the exchanges from the DevTools protocol into a HAR file, and checks it:
// the page's own GET is skipped, the conforming calls pass, and the call
// that sends a POST parameter in the query is caught.
func TestCheckHARFromChromium(t *testing.T) {
	t.Parallel()
	browser := cdp.Find()
	if browser == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium is not installed (apt-get install chromium); CI must run this test")
		}
		t.Skip("chromium is not installed")
	}
	srv := apitest.NewServer(t)
	room := srv.AddRoom(apitest.Room{Name: "browser", AdminIDs: []int64{srv.Me().AccountID}}).RoomID
	page := fmt.Sprintf(`<!doctype html><title>calling</title><script>
const h = {"X-ChatWorkToken": %q};
(async () => {
  await fetch("/v2/me", {headers: h});
  await fetch("/v2/rooms/%d/messages", {method: "POST", headers: h, body: new URLSearchParams({body: "from the browser"})});
  await fetch("/v2/rooms/%d/messages?body=lost", {method: "POST", headers: h});
  document.title = "done";
})();
</script>`, srv.Token(), room, room)
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(page))
	})
	mux.Handle("/v2/", srv.Handler())
	site := httptest.NewServer(mux)
	t.Cleanup(site.Close)

	ctx, cancel := context.WithTimeout(t.Context(), chromiumHangGuard)
	defer cancel()
	b, err := cdp.Start(ctx, browser)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	entries := record(ctx, t, b, site.URL+"/", 3)

	path := filepath.Join(t.TempDir(), "chromium.har")
	w, err := har.Create(path, har.Creator{Name: "chromium via the DevTools protocol", Version: "1"})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if err := w.Add(e); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	h, err := har.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rep := validator(t).CheckHAR(h, conformance.HARConfig{})
	if rep.Checked != 3 || rep.SkippedCount() != rep.Entries-3 || rep.Skipped[strings.TrimPrefix(site.URL, "http://")] < 1 {
		t.Errorf("%d entries, %d checked, skipped %v; want the 3 API calls checked, the page skipped", rep.Entries, rep.Checked, rep.Skipped)
	}
	if len(rep.Findings) != 1 || rep.Findings[0].Method != http.MethodPost || !strings.HasSuffix(rep.Findings[0].Path, "/messages") {
		t.Fatalf("findings %+v; want the POST with the query only", rep.Findings)
	}
	var got []string
	for _, v := range rep.Findings[0].Violations {
		got = append(got, v.Field)
	}
	if strings.Join(got, " ") != "query.body body" {
		t.Errorf("violations on %v; want query.body and the missing body", got)
	}
}

type cdpHeaders map[string]string

func (h cdpHeaders) har() []har.NameValue {
	out := []har.NameValue{}
	for k, v := range h {
		for line := range strings.SplitSeq(v, "\n") {
			out = append(out, har.NameValue{Name: k, Value: line})
		}
	}
	return out
}

// record opens url in a new page of b and turns the exchanges into HAR
// entries once n calls under /v2 have finished loading, in the order they
// were sent, as the DevTools front end does when it saves a HAR file.
func record(ctx context.Context, t *testing.T, b *cdp.Browser, url string, n int) []har.Entry {
	t.Helper()
	s, err := b.Open(ctx, url, "Network")
	if err != nil {
		t.Fatal(err)
	}
	call := func(method string, params any) json.RawMessage {
		raw, err := b.Call(ctx, s, method, params)
		if err != nil {
			return nil // as the DevTools front end, record what can be had
		}
		return raw
	}

	type exchange struct {
		order    int
		req      har.Request
		resp     har.Response
		finished bool
	}
	byID := map[string]*exchange{}
	finished := 0
	for finished < n {
		// finished counts the calls under /v2 only.
		var ev cdp.Event
		select {
		case e, ok := <-b.Events():
			if !ok {
				t.Fatal("chromium closed the pipe")
			}
			ev = e
		case <-ctx.Done():
			t.Fatalf("only %d of %d exchanges finished", finished, n)
		}
		var params struct {
			RequestID string `json:"requestId"`
			Request   struct {
				URL, Method string
				Headers     cdpHeaders
				PostData    string
				HasPostData bool
			}
			Response struct {
				Status     int
				StatusText string
				Headers    cdpHeaders
				MimeType   string
				Protocol   string
			}
		}
		if err := json.Unmarshal(ev.Params, &params); err != nil {
			continue
		}
		switch ev.Method {
		case "Network.requestWillBeSent":
			r := params.Request
			if !strings.HasPrefix(r.URL, "http") {
				continue // data: URLs are not exchanges
			}
			x := &exchange{order: len(byID), req: har.Request{Method: r.Method, URL: r.URL, HTTPVersion: "HTTP/1.1",
				Cookies: []har.Cookie{}, Headers: r.Headers.har(), QueryString: []har.NameValue{}, HeadersSize: -1, BodySize: int64(len(r.PostData))}}
			if r.HasPostData {
				data := r.PostData
				if data == "" {
					var pd struct{ PostData string }
					_ = json.Unmarshal(call("Network.getRequestPostData", map[string]any{"requestId": params.RequestID}), &pd)
					data = pd.PostData
				}
				x.req.PostData = &har.PostData{MimeType: r.Headers["Content-Type"], Text: data}
				x.req.BodySize = int64(len(data))
			}
			byID[params.RequestID] = x
		case "Network.responseReceived":
			if x := byID[params.RequestID]; x != nil {
				r := params.Response
				x.resp = har.Response{Status: r.Status, StatusText: r.StatusText, HTTPVersion: strings.ToUpper(r.Protocol),
					Cookies: []har.Cookie{}, Headers: r.Headers.har(), HeadersSize: -1, Content: har.Content{MimeType: r.MimeType}}
			}
		case "Network.loadingFinished":
			x := byID[params.RequestID]
			if x == nil || x.finished {
				continue
			}
			x.finished = true
			if strings.Contains(x.req.URL, "/v2/") {
				finished++
			}
			var body struct {
				Body          string
				Base64Encoded bool
			}
			if raw := call("Network.getResponseBody", map[string]any{"requestId": params.RequestID}); raw != nil {
				_ = json.Unmarshal(raw, &body)
			}
			if body.Base64Encoded {
				b, err := base64.StdEncoding.DecodeString(body.Body)
				if err != nil {
					t.Fatal(err)
				}
				x.resp.Content.Text, x.resp.Content.Encoding = base64.StdEncoding.EncodeToString(b), "base64"
				x.resp.Content.Size = int64(len(b))
			} else {
				x.resp.Content.Text, x.resp.Content.Size = body.Body, int64(len(body.Body))
			}
			x.resp.BodySize = x.resp.Content.Size
		}
	}
	var out []har.Entry
	for order := range len(byID) {
		for _, x := range byID {
			if x.order == order && x.finished {
				out = append(out, har.Entry{StartedDateTime: time.Now().UTC().Format(time.RFC3339), Request: x.req, Response: x.resp,
					Timings: har.Timings{Send: -1, Wait: -1, Receive: -1}, Comment: "entry " + strconv.Itoa(order)})
			}
		}
	}
	return out
}
