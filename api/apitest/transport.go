package apitest

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
)

// Transport returns an http.RoundTripper that serves requests in memory:
// it calls the server's handler directly, with no network I/O, so it works
// inside testing/synctest bubbles. It serves every request whatever its
// host, so a client configured with the real base URL
// (https://api.chatwork.com/v2) reaches the fake too. A fault with
// DropAfterProcessing makes RoundTrip return [ErrConnectionDropped] after
// the request was processed.
func (s *Server) Transport() http.RoundTripper { return memTransport{s: s} }

type memTransport struct{ s *Server }

// memWriter collects an answer in memory.
type memWriter struct {
	header  http.Header
	status  int
	body    bytes.Buffer
	dropped bool
}

func (w *memWriter) Header() http.Header { return w.header }

func (w *memWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

func (w *memWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.body.Write(p)
}

func (w *memWriter) drop() { w.dropped = true }

// RoundTrip implements http.RoundTripper.
func (t memTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	if req.Body != nil {
		defer req.Body.Close()
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// The request as a server would see it.
	sreq := req.Clone(ctx)
	sreq.RequestURI = req.URL.RequestURI()
	sreq.RemoteAddr = "192.0.2.1:1234"
	sreq.Host = req.URL.Host
	sreq.GetBody = nil // servers never see it
	if sreq.Body == nil {
		sreq.Body = http.NoBody
	}
	if sreq.Proto == "" {
		sreq.Proto, sreq.ProtoMajor, sreq.ProtoMinor = "HTTP/1.1", 1, 1
	}
	w := &memWriter{header: http.Header{}}
	t.s.ServeHTTP(w, sreq)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if w.dropped {
		return nil, ErrConnectionDropped
	}
	if w.status == 0 {
		w.status = http.StatusOK
	}
	resp := &http.Response{
		Status:        strconv.Itoa(w.status) + " " + http.StatusText(w.status),
		StatusCode:    w.status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        w.header,
		Body:          io.NopCloser(bytes.NewReader(w.body.Bytes())),
		ContentLength: int64(w.body.Len()),
		Request:       req,
	}
	if req.Method == http.MethodHead {
		resp.Body = http.NoBody
	}
	return resp, nil
}
