package apitest

import (
	"fmt"
	"net/http"

	"github.com/chatwork-go/chatwork/gen"
	"github.com/chatwork-go/chatwork/internal/limits"
)

// ListFiles implements GET /rooms/{room_id}/files.
func (h *handlers) ListFiles(w http.ResponseWriter, r *http.Request, roomID gen.RoomID, params gen.ListFilesParams) {
	h.do(w, r, func(c *call) (any, error) {
		if _, err := c.room(roomID); err != nil {
			return nil, err
		}
		return list(c.st.roomFiles(roomID, params.AccountID, maxList)), nil
	})
}

// UploadFile implements POST /rooms/{room_id}/files. The file (at most
// 5 MB) is kept in memory and posted as a message.
func (h *handlers) UploadFile(w http.ResponseWriter, r *http.Request, roomID gen.RoomID) {
	h.do(w, r, func(c *call) (any, error) {
		rm, err := c.writableRoom(roomID)
		if err != nil {
			return nil, err
		}
		if c.body.problem != "" {
			return nil, badRequest("%s", c.body.problem)
		}
		u := c.body.upload
		if u == nil && c.body.starOnly {
			// RFC 7578 forbids filename* in form data; PHP reads such a
			// part as a text field, and the upload arrives without a file.
			return nil, &apiError{status: http.StatusBadRequest, msg: "Parameter 'file' is required",
				reason: `the file part has only filename*= (RFC 2231), which PHP servers such as Chatwork's do not read as a file: send filename="…" in raw UTF-8, as browsers and curl do (RFC 7578)`}
		}
		if u == nil {
			return nil, required("file")
		}
		id, events := c.st.addFile(rm, c.acct, u, c.form.Get("message"), c.now)
		c.events = events
		return gen.FileIDResult{FileID: id}, nil
	})
}

// uploadBody is the body of the message an upload posts: Chatwork's file
// box, then the message text on the next line. The size is in KB, rounded
// up.
func uploadBody(fileID int64, name string, size int, message string) string {
	b := fmt.Sprintf("[info][title][dtext:file_uploaded][/title][download:%d]%s (%d KB)[/download][/info]",
		fileID, name, (size+1023)/1024)
	if message != "" {
		b += "\n" + message
	}
	return b
}

// GetFile implements GET /rooms/{room_id}/files/{file_id}. With
// create_download_url=1 the answer carries a download URL served by the
// fake itself, with a random token, valid for 30 seconds.
func (h *handlers) GetFile(w http.ResponseWriter, r *http.Request, roomID gen.RoomID, fileID gen.FileID, params gen.GetFileParams) {
	h.do(w, r, func(c *call) (any, error) {
		if _, err := c.room(roomID); err != nil {
			return nil, err
		}
		f := c.st.files[fileID]
		if f == nil || f.roomID != roomID {
			return nil, errNotFound
		}
		out := c.st.apiFile(f)
		if params.CreateDownloadURL != nil && bool(*params.CreateDownloadURL) {
			u := c.s.root + downloadPath + c.st.newDownload(f, c.s.now().Add(limits.DownloadURLLifetime), c.s.now())
			out.DownloadURL = &u
		}
		return out, nil
	})
}
