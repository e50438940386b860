package api

import (
	"context"
	"net/http"

	"github.com/chatwork-go/chatwork/gen"
)

// MeService covers the account that owns the token: its profile, its counts
// and its tasks.
type MeService service

// Get returns the account's profile. Unset profile fields are empty strings.
//
// GET /me
func (s *MeService) Get(ctx context.Context) (*Me, *Response, error) {
	return one[Me](ctx, clientOf(s), func(raw *gen.RawClient) (*http.Response, error) { return raw.GetMe(ctx) })
}

// Status returns the account's unread, mention and task counts.
//
// GET /my/status
func (s *MeService) Status(ctx context.Context) (*MyStatus, *Response, error) {
	return one[MyStatus](ctx, clientOf(s), func(raw *gen.RawClient) (*http.Response, error) { return raw.GetMyStatus(ctx) })
}

// ListMyTasksOptions filters Me.Tasks. The zero value lists open tasks.
type ListMyTasksOptions struct {
	AssignedByAccountID int64      // only tasks assigned by this account (assigned_by_account_id)
	Status              TaskStatus // TaskStatusOpen (the API's default) or TaskStatusDone
}

// Tasks lists the tasks assigned to the account, at most 100 (there is no
// pagination). No tasks gives an empty slice. opt may be nil.
//
// GET /my/tasks
func (s *MeService) Tasks(ctx context.Context, opt *ListMyTasksOptions) ([]MyTask, *Response, error) {
	var params gen.ListMyTasksParams
	if opt != nil {
		var err error
		if params.AssignedByAccountID, err = optionalID("assigned_by_account_id", opt.AssignedByAccountID); err != nil {
			return nil, nil, err
		}
		if params.Status, err = optionalEnum("status", opt.Status); err != nil {
			return nil, nil, err
		}
	}
	return list[MyTask](ctx, clientOf(s), func(raw *gen.RawClient) (*http.Response, error) { return raw.ListMyTasks(ctx, &params) })
}

// ContactsService covers the account's contacts.
type ContactsService service

// List returns the account's contacts; none gives an empty slice.
//
// GET /contacts
func (s *ContactsService) List(ctx context.Context) ([]Contact, *Response, error) {
	return list[Contact](ctx, clientOf(s), func(raw *gen.RawClient) (*http.Response, error) { return raw.ListContacts(ctx) })
}

// IncomingRequestsService covers contact requests sent to the account.
type IncomingRequestsService service

// List returns the pending contact requests, at most 100; none gives an
// empty slice.
//
// GET /incoming_requests
func (s *IncomingRequestsService) List(ctx context.Context) ([]IncomingRequest, *Response, error) {
	return list[IncomingRequest](ctx, clientOf(s), func(raw *gen.RawClient) (*http.Response, error) { return raw.ListIncomingRequests(ctx) })
}

// Accept approves a contact request and returns the new contact.
//
// PUT /incoming_requests/{request_id}
func (s *IncomingRequestsService) Accept(ctx context.Context, requestID int64) (*Contact, *Response, error) {
	if err := checkID("request_id", requestID); err != nil {
		return nil, nil, err
	}
	return one[Contact](ctx, clientOf(s), func(raw *gen.RawClient) (*http.Response, error) { return raw.AcceptIncomingRequest(ctx, requestID) })
}

// Reject declines a contact request.
//
// DELETE /incoming_requests/{request_id}
func (s *IncomingRequestsService) Reject(ctx context.Context, requestID int64) (*Response, error) {
	if err := checkID("request_id", requestID); err != nil {
		return nil, err
	}
	return clientOf(s).call(ctx, func(raw *gen.RawClient) (*http.Response, error) { return raw.RejectIncomingRequest(ctx, requestID) }, nil, expectNothing, nil)
}
