package apitest_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/chatwork-go/chatwork/api/apitest"
	"github.com/chatwork-go/chatwork/gen"
	"github.com/chatwork-go/chatwork/internal/limits"
)

func TestTasks(t *testing.T) {
	w := newWorld(t)
	path := roomPath(w.room, "/tasks")
	// One task per assignee; every assignee must be a member.
	carol := w.s.AddAccount(apitest.Account{Name: "Carol"})
	r := w.cme.send(http.MethodPost, path, url.Values{"body": {"x"}, "to_ids": {ids(w.alice.AccountID, carol.AccountID)}})
	if r.status != http.StatusBadRequest || len(w.s.Tasks(w.room)) != 0 {
		t.Fatalf("non-member assignee: %d %s", r.status, r.body)
	}
	var res gen.TaskIDsResult
	w.calice.must(200, http.MethodPost, path, url.Values{
		"body":   {"review"},
		"to_ids": {ids(w.me.AccountID, w.bob.AccountID)},
		"limit":  {"1900000000"},
	}).decode(t, &res)
	if len(res.TaskIDs) != 2 {
		t.Fatalf("task_ids = %v", res.TaskIDs)
	}
	var task gen.RoomTask
	w.cme.get(roomPath(w.room, fmt.Sprintf("/tasks/%d", res.TaskIDs[0])), &task)
	if task.Assignee.AccountID != w.me.AccountID || task.AssignedByAccount.AccountID != w.alice.AccountID || task.Body != "review" ||
		task.LimitTime.Seconds() != 1900000000 || task.LimitType != gen.TaskLimitTypeTime || task.Status != gen.TaskStatusOpen {
		t.Fatalf("task = %+v", task)
	}
	// The task message exists.
	var m gen.Message
	w.cme.get(roomPath(w.room, "/messages/"+task.MessageID), &m)
	if !strings.Contains(m.Body, "review") || !strings.HasPrefix(m.Body, "[task aid=") {
		t.Fatalf("task message = %q", m.Body)
	}

	var tasks []gen.RoomTask
	w.cme.get(path+fmt.Sprintf("?account_id=%d", w.bob.AccountID), &tasks)
	if len(tasks) != 1 || tasks[0].Assignee.AccountID != w.bob.AccountID {
		t.Fatalf("bob's tasks = %+v", tasks)
	}
	var mine []gen.MyTask
	w.cme.get("/my/tasks", &mine)
	if len(mine) != 1 || mine[0].Room.RoomID != w.room || mine[0].Room.Name != "Project" || mine[0].AssignedByAccount.Name != "Alice" {
		t.Fatalf("my tasks = %+v", mine)
	}
	var d gen.RoomDetail
	w.cme.get(roomPath(w.room, ""), &d)
	if d.TaskNum != 2 || d.MytaskNum != 1 {
		t.Fatalf("room task counts: %d %d", d.TaskNum, d.MytaskNum)
	}

	// Status: only the assignee or the assigner.
	status := roomPath(w.room, fmt.Sprintf("/tasks/%d/status", res.TaskIDs[1]))
	wantError(t, w.cme.send(http.MethodPut, status, url.Values{"body": {"done"}}), http.StatusForbidden, "Only the assignee or the assigner can change the status of this task")
	var tid gen.TaskIDResult
	w.cbob.must(200, http.MethodPut, status, url.Values{"body": {"done"}}).decode(t, &tid)
	if tid.TaskID != res.TaskIDs[1] {
		t.Fatalf("status returned %d", tid.TaskID)
	}
	w.cme.get(path+"?status=done", &tasks)
	if len(tasks) != 1 || tasks[0].TaskID != res.TaskIDs[1] {
		t.Fatalf("done tasks = %+v", tasks)
	}
	w.calice.must(200, http.MethodPut, roomPath(w.room, fmt.Sprintf("/tasks/%d/status", res.TaskIDs[0])), url.Values{"body": {"done"}})
	w.cme.must(http.StatusNoContent, http.MethodGet, path, nil)
	w.cme.must(http.StatusNoContent, http.MethodGet, "/my/tasks", nil)
	w.cme.get("/my/tasks?status=done", &mine)
	if len(mine) != 1 {
		t.Fatalf("my done tasks = %+v", mine)
	}
	var st gen.MyStatus
	w.cme.get("/my/status", &st)
	if st.MytaskNum != 0 || st.MytaskRoomNum != 0 {
		t.Fatalf("status = %+v", st)
	}
	wantError(t, w.cme.send(http.MethodGet, roomPath(w.room, "/tasks/999"), nil), http.StatusNotFound, "Resource not found")
}

func TestUploadAndDownload(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t)
		data := bytes.Repeat([]byte("x"), 2500)
		ct, body := multipartBody(t, "notes.txt", data, "see attached")
		r := w.calice.sendRaw(http.MethodPost, roomPath(w.room, "/files"), ct, body)
		if r.status != http.StatusOK {
			t.Fatalf("upload: %d %s", r.status, r.body)
		}
		var res gen.FileIDResult
		r.decode(t, &res)

		var f gen.File
		w.cme.get(roomPath(w.room, fmt.Sprintf("/files/%d", res.FileID)), &f)
		if f.Filename != "notes.txt" || f.Filesize != 2500 || f.Uploader.AccountID != w.alice.AccountID || f.DownloadURL != nil || f.UploadTime.Seconds() != time.Now().Unix() {
			t.Fatalf("file = %+v", f)
		}
		// The upload posted a message.
		var m gen.Message
		w.cme.get(roomPath(w.room, "/messages/"+f.MessageID), &m)
		want := fmt.Sprintf("[info][title][dtext:file_uploaded][/title][download:%d]notes.txt (3 KB)[/download][/info]\nsee attached", res.FileID)
		if m.Body != want {
			t.Fatalf("upload message = %q, want %q", m.Body, want)
		}

		var files []gen.File
		w.cme.get(roomPath(w.room, "/files")+fmt.Sprintf("?account_id=%d", w.alice.AccountID), &files)
		if len(files) != 1 || files[0].FileID != res.FileID {
			t.Fatalf("files = %+v", files)
		}
		w.cme.must(http.StatusNoContent, http.MethodGet, roomPath(w.room, "/files")+fmt.Sprintf("?account_id=%d", w.me.AccountID), nil)

		// A download URL, served by the fake, valid for the spec's lifetime.
		w.cme.get(roomPath(w.room, fmt.Sprintf("/files/%d?create_download_url=1", res.FileID)), &f)
		if f.DownloadURL == nil || !strings.Contains(*f.DownloadURL, "/_download/") {
			t.Fatalf("download_url = %v", f.DownloadURL)
		}
		hc := w.s.Client()
		get := func() (int, []byte) {
			resp, err := hc.Get(*f.DownloadURL)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, b
		}
		if code, b := get(); code != 200 || !bytes.Equal(b, data) {
			t.Fatalf("download: %d, %d bytes", code, len(b))
		}
		time.Sleep(limits.DownloadURLLifetime - time.Second)
		if code, _ := get(); code != 200 {
			t.Fatalf("download after %v: %d", limits.DownloadURLLifetime-time.Second, code)
		}
		time.Sleep(time.Second)
		if code, _ := get(); code != http.StatusNotFound {
			t.Fatalf("download after %v: %d", limits.DownloadURLLifetime, code)
		}
		// Guessed tokens get nothing.
		resp, err := hc.Get(w.s.URL()[:len(w.s.URL())-3] + "/_download/0000")
		if err != nil || resp.StatusCode != http.StatusNotFound {
			t.Fatalf("guessed token: %v %v", resp, err)
		}
		resp.Body.Close()
	})
}

func TestUploadLimits(t *testing.T) {
	w := newWorld(t)
	path := roomPath(w.room, "/files")
	ct, body := multipartBody(t, "max.bin", make([]byte, 5*1024*1024), "")
	if r := w.cme.sendRaw(http.MethodPost, path, ct, body); r.status != http.StatusOK {
		t.Fatalf("5 MB upload: %d %s", r.status, r.body)
	}
	ct, body = multipartBody(t, "big.bin", make([]byte, 5*1024*1024+1), "")
	wantError(t, w.cme.sendRaw(http.MethodPost, path, ct, body), http.StatusBadRequest, "File size too large. The maximum is 5 MB")
	ct, body = multipartBody(t, "", nil, "no file")
	wantError(t, w.cme.sendRaw(http.MethodPost, path, ct, body), http.StatusBadRequest, "Parameter 'file' is required")
	if n := len(w.s.Files(w.room)); n != 1 {
		t.Fatalf("%d files stored", n)
	}
	if f := w.s.Files(w.room)[0]; len(f.Content) != 5*1024*1024 || f.Size != len(f.Content) {
		t.Fatalf("Files: %d bytes, size %d", len(f.Content), f.Size)
	}
}
