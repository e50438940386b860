package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"path/filepath"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/chatwork-go/chatwork/api/wire"
	"github.com/chatwork-go/chatwork/gen"
)

// FilesService covers the files of a chat.
type FilesService service

// ListFilesOptions filters Files.List.
type ListFilesOptions struct {
	UploaderID int64 // only files uploaded by this account (account_id)
}

// List returns the chat's files, at most 100 (there is no pagination), without
// download URLs. No files gives an empty slice. opt may be nil.
//
// GET /rooms/{room_id}/files
func (s *FilesService) List(ctx context.Context, roomID int64, opt *ListFilesOptions) ([]File, *Response, error) {
	if err := checkID("room_id", roomID); err != nil {
		return nil, nil, err
	}
	var params gen.ListFilesParams
	if opt != nil {
		var err error
		if params.AccountID, err = optionalID("account_id", opt.UploaderID); err != nil {
			return nil, nil, err
		}
	}
	return list[File](ctx, clientOf(s), func(raw *gen.RawClient) (*http.Response, error) { return raw.ListFiles(ctx, roomID, &params) })
}

// Get returns a file's details, without a download URL.
//
// GET /rooms/{room_id}/files/{file_id}
func (s *FilesService) Get(ctx context.Context, roomID, fileID int64) (*File, *Response, error) {
	return s.get(ctx, roomID, fileID, false)
}

// GetWithDownloadURL returns a file's details with a download URL in
// DownloadURL. The URL is valid for 30 seconds: fetch it at once, or use
// Download.
//
// GET /rooms/{room_id}/files/{file_id}?create_download_url=1
func (s *FilesService) GetWithDownloadURL(ctx context.Context, roomID, fileID int64) (*File, *Response, error) {
	return s.get(ctx, roomID, fileID, true)
}

func (s *FilesService) get(ctx context.Context, roomID, fileID int64, withURL bool) (*File, *Response, error) {
	if err := checkID("room_id", roomID); err != nil {
		return nil, nil, err
	}
	if err := checkID("file_id", fileID); err != nil {
		return nil, nil, err
	}
	var params gen.GetFileParams
	if withURL {
		params.CreateDownloadURL = wire.FlagOf(true)
	}
	var out File
	r, err := clientOf(s).call(ctx, func(raw *gen.RawClient) (*http.Response, error) { return raw.GetFile(ctx, roomID, fileID, &params) }, &out, expectResult,
		func() string {
			if withURL && (out.DownloadURL == nil || *out.DownloadURL == "") {
				return "download_url is missing although create_download_url=1 asked for it"
			}
			return missing(&out)
		})
	if err != nil {
		return nil, r, err
	}
	return &out, r, nil
}

// Download fetches a file into w: it asks for a download URL and fetches
// it at once, within the URL's 30 seconds. The token is not sent to the
// download URL's host. It returns the file's details and the Response of
// the API call; at most MaxUploadSize bytes, or the file's declared size if
// larger, are copied.
//
// GET /rooms/{room_id}/files/{file_id}?create_download_url=1, then the URL
func (s *FilesService) Download(ctx context.Context, roomID, fileID int64, w io.Writer) (*File, *Response, error) {
	if w == nil || isNilValue(w) {
		return nil, nil, invalid("w", "is nil: the file needs a writer")
	}
	f, r, err := s.GetWithDownloadURL(ctx, roomID, fileID)
	if err != nil {
		return nil, r, err
	}
	f, err = s.fetch(ctx, f, w)
	return f, r, err
}

func (s *FilesService) fetch(ctx context.Context, f *File, w io.Writer) (*File, error) {
	fileID := f.FileID
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *f.DownloadURL, nil)
	if err != nil {
		return nil, fmt.Errorf("chatwork: download URL of file %d: %w", fileID, err)
	}
	resp, err := s.c.dl.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("chatwork: downloading file %d: %w", fileID, stripURL(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("chatwork: downloading file %d: %s", fileID, resp.Status)
	}
	limit := max(f.Filesize, MaxUploadSize)
	n, err := io.Copy(w, io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("chatwork: downloading file %d: %w", fileID, err)
	}
	if n > limit {
		return nil, fmt.Errorf("chatwork: downloading file %d: more than %d bytes", fileID, limit)
	}
	return f, nil
}

// UploadFileParams describes a file to upload.
type UploadFileParams struct {
	Name        string    // the file name shown in the chat; required
	Content     io.Reader // the file's content, at most MaxUploadSize (5 MB)
	ContentType string    // optional; by default from Name's extension, else sniffed
	Message     string    // optional text posted with the file
}

// Upload uploads a file to the chat, posting it as a message, and returns
// the file's ID. Content is read into memory first, so a file over 5 MB is
// refused before anything is sent and the request can be retried safely.
// The file name travels as a browser sends it, in UTF-8 (報告書 2026.pdf
// arrives as it is), except that `"`, CR and LF are sent, and shown in the
// chat, as %22, %0D and %0A.
//
// POST /rooms/{room_id}/files
func (s *FilesService) Upload(ctx context.Context, roomID int64, p UploadFileParams) (int64, *Response, error) {
	if err := checkID("room_id", roomID); err != nil {
		return 0, nil, err
	}
	if strings.TrimSpace(p.Name) == "" {
		return 0, nil, invalid("file", "needs a file name")
	}
	if strings.ContainsRune(p.Name, 0) {
		return 0, nil, invalid("file", "the file name contains a NUL byte")
	}
	if !utf8.ValidString(p.Name) {
		return 0, nil, invalid("file", "the file name is not valid UTF-8")
	}
	if isNil(p.Content) {
		return 0, nil, invalid("file", "has no content")
	}
	if p.Message != "" {
		if err := checkText("message", p.Message, 0, MaxMessageLength); err != nil {
			return 0, nil, err
		}
	}
	data, err := io.ReadAll(io.LimitReader(p.Content, MaxUploadSize+1))
	if err != nil {
		return 0, nil, fmt.Errorf("chatwork: reading file %q: %w", p.Name, err)
	}
	if len(data) > MaxUploadSize {
		return 0, nil, invalid("file", "is larger than %d bytes (5 MB)", MaxUploadSize)
	}
	ct := p.ContentType
	if ct == "" {
		ct = contentType(p.Name, data)
	}
	if _, _, err := mime.ParseMediaType(ct); err != nil {
		return 0, nil, invalid("file", "content type %q: %v", ct, err)
	}

	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	h := make(textproto.MIMEHeader)
	h.Set("Content-Disposition", fileDisposition(filepath.Base(p.Name)))
	h.Set("Content-Type", ct)
	part, err := mw.CreatePart(h)
	if err == nil {
		_, err = part.Write(data)
	}
	if err == nil && p.Message != "" {
		err = mw.WriteField("message", p.Message)
	}
	if err == nil {
		err = mw.Close()
	}
	if err != nil {
		return 0, nil, fmt.Errorf("chatwork: building upload: %w", err)
	}
	body := buf.Bytes()
	out, r, err := one[gen.FileIDResult](ctx, clientOf(s), func(raw *gen.RawClient) (*http.Response, error) {
		// A *bytes.Reader lets the request be replayed after a 429.
		return raw.UploadFileWithBody(ctx, roomID, mw.FormDataContentType(), bytes.NewReader(body))
	})
	if err != nil {
		return 0, r, err
	}
	return out.FileID, r, nil
}

// fileNameEscaper percent-encodes what cannot stand in a quoted file name,
// as the WHATWG HTML standard's multipart/form-data encoding does.
var fileNameEscaper = strings.NewReplacer(`"`, "%22", "\r", "%0D", "\n", "%0A")

// fileDisposition returns the Content-Disposition of the upload's file part
// as browsers write it: form-data; name="file"; filename="報告書 2026.pdf",
// the name in raw UTF-8 between quotes, with only `"`, CR and LF
// percent-encoded. Never filename*=utf-8”, which mime.FormatMediaType
// writes for a non-ASCII name: RFC 7578 section 4.2 forbids it in
// multipart/form-data, and PHP-style parsers, such as Chatwork's, read no
// file from a part that carries only that.
func fileDisposition(name string) string {
	return `form-data; name="file"; filename="` + fileNameEscaper.Replace(name) + `"`
}

// contentType guesses a file's type from its name, else from its content.
func contentType(name string, data []byte) string {
	if ct := mime.TypeByExtension(strings.ToLower(filepath.Ext(name))); ct != "" {
		return ct
	}
	return http.DetectContentType(data)
}

// stripURL drops the URL from a *url.Error: a download URL carries a
// short-lived credential in its query.
func stripURL(err error) error {
	var ue interface{ Unwrap() error }
	if errors.As(err, &ue) {
		if inner := ue.Unwrap(); inner != nil {
			return inner
		}
	}
	return err
}

// isNil reports whether r is nil or a nil pointer (or map, func, ...) in an
// interface, which would panic when read.
func isNil(r io.Reader) bool { return r == nil || isNilValue(r) }

// isNilValue reports whether a non-nil interface holds a nil pointer, map,
// slice, func, channel or interface.
func isNilValue(x any) bool {
	switch v := reflect.ValueOf(x); v.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Func, reflect.Chan, reflect.Interface:
		return v.IsNil()
	}
	return false
}
