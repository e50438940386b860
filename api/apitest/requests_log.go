package apitest

import "time"

// A RecordedRequest is one request the server answered, as returned by
// [Server.Requests] and by the control API.
type RecordedRequest struct {
	Time   time.Time `json:"time"`
	Method string    `json:"method"`
	// Path is the URL path, such as /v2/rooms/200000001/messages.
	Path string `json:"path"`
	// PathParams holds the path parameters of the operation, such as
	// room_id.
	PathParams map[string]string `json:"path_params,omitempty"`
	// Query is the parsed query string.
	Query map[string][]string `json:"query,omitempty"`
	// Form holds the fields of a form body, or the text parts of a
	// multipart body.
	Form map[string][]string `json:"form,omitempty"`
	// Files lists the file parts of a multipart body, in order.
	Files []FilePart `json:"files,omitempty"`
	// Ignored lists, sorted, the fields and parts that the operation does
	// not declare, such as the file_name part that some clients add to
	// uploads. Chatwork ignores them, and so does the fake; a test can
	// look here for a misspelled optional field.
	Ignored []string `json:"ignored,omitempty"`
	// OperationID is the spec's operationId, such as "postMessage"; empty
	// for an unknown endpoint or a download.
	OperationID string `json:"operation_id,omitempty"`
	// AccountID is the authenticated account; 0 when authentication failed.
	AccountID int64 `json:"account_id,omitempty"`
	// Status is the HTTP status of the answer; 0 when the connection was
	// dropped by a fault before an answer was written.
	Status int `json:"status"`
	// Dropped reports that a fault dropped the connection.
	Dropped bool `json:"dropped,omitempty"`
	// Reason says why a request was refused (Status 400 or more): the
	// validator's violations, such as
	// "body.members_admin_ids: value "1&2": repeated key; send one
	// comma-joined value such as 1,2,3", or the error messages of the
	// answer. It never contains a token. Empty for accepted requests.
	Reason string `json:"reason,omitempty"`
}

// A FilePart is a file part of a multipart body, as the server read it.
type FilePart struct {
	// Name is the part's form name, such as "file".
	Name string `json:"name"`
	// FileName is the filename parameter of its Content-Disposition, as
	// a PHP server reads it: the plain filename="…", never filename*=.
	FileName string `json:"file_name"`
	// FileNameStar is the decoded filename*= parameter (RFC 2231), which
	// PHP servers ignore; empty when the part has none.
	FileNameStar string `json:"file_name_star,omitempty"`
	ContentType  string `json:"content_type,omitempty"`
	// Size is the part's length in bytes.
	Size int `json:"size"`
}

// Requests returns the requests answered so far, oldest first (at most the
// 10000 most recent, see [WithRequestLogSize]).
func (s *Server) Requests() []RecordedRequest {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	out := make([]RecordedRequest, 0, len(s.log))
	out = append(out, s.log[s.logStart:]...)
	return append(out, s.log[:s.logStart]...)
}

// ClearRequests forgets the requests recorded so far.
func (s *Server) ClearRequests() {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	s.log, s.logStart = nil, 0
}

func (s *Server) record(r RecordedRequest) {
	if s.cfg.observer != nil {
		s.cfg.observer(r)
	}
	s.logMu.Lock()
	defer s.logMu.Unlock()
	n := s.cfg.requestLogSize
	switch {
	case n == 0:
	case n > 0 && len(s.log) == n:
		s.log[s.logStart] = r
		s.logStart = (s.logStart + 1) % n
	default:
		s.log = append(s.log, r)
	}
}
