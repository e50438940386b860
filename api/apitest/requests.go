package apitest

import (
	"net/http"

	"github.com/chatwork-go/chatwork/gen"
)

// ListIncomingRequests implements GET /incoming_requests.
func (h *handlers) ListIncomingRequests(w http.ResponseWriter, r *http.Request) {
	h.do(w, r, func(c *call) (any, error) {
		out := []gen.IncomingRequest{}
		for _, id := range sortedKeys(c.st.requests) {
			if q := c.st.requests[id]; q.to == c.acct {
				out = append(out, c.st.incomingRequest(q))
			}
			if len(out) == maxList {
				break
			}
		}
		return list(out), nil
	})
}

// AcceptIncomingRequest implements PUT /incoming_requests/{request_id}.
func (h *handlers) AcceptIncomingRequest(w http.ResponseWriter, r *http.Request, requestID gen.RequestID) {
	h.do(w, r, func(c *call) (any, error) {
		q, err := c.incomingRequest(requestID)
		if err != nil {
			return nil, err
		}
		roomID, err := c.st.acceptRequest(q, c.now)
		if err != nil {
			return nil, errNotFound
		}
		return c.st.contact(c.st.accounts[q.from], roomID), nil
	})
}

// RejectIncomingRequest implements DELETE /incoming_requests/{request_id}.
func (h *handlers) RejectIncomingRequest(w http.ResponseWriter, r *http.Request, requestID gen.RequestID) {
	h.do(w, r, func(c *call) (any, error) {
		q, err := c.incomingRequest(requestID)
		if err != nil {
			return nil, err
		}
		c.st.removeRequest(q)
		return nil, nil
	})
}

// incomingRequest returns a contact request made to the account, or 404.
func (c *call) incomingRequest(id int64) (*contactRequest, error) {
	q := c.st.requests[id]
	if q == nil || q.to != c.acct {
		return nil, errNotFound
	}
	return q, nil
}
