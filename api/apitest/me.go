package apitest

import (
	"net/http"

	"github.com/chatwork-go/chatwork/gen"
)

// GetMe implements GET /me.
func (h *handlers) GetMe(w http.ResponseWriter, r *http.Request) {
	h.do(w, r, func(c *call) (any, error) { return c.st.me(c.st.accounts[c.acct]), nil })
}

// GetMyStatus implements GET /my/status: the counts of every room the
// account is in, added up.
func (h *handlers) GetMyStatus(w http.ResponseWriter, r *http.Request) {
	h.do(w, r, func(c *call) (any, error) {
		var out gen.MyStatus
		for _, rm := range c.st.rooms {
			if _, member := rm.roles[c.acct]; !member {
				continue
			}
			n := c.st.roomCounts(rm, c.acct)
			out.UnreadNum += n.unread
			out.MentionNum += n.mention
			out.MytaskNum += n.mytask
			out.UnreadRoomNum += min(n.unread, 1)
			out.MentionRoomNum += min(n.mention, 1)
			out.MytaskRoomNum += min(n.mytask, 1)
		}
		return out, nil
	})
}

// ListContacts implements GET /contacts.
func (h *handlers) ListContacts(w http.ResponseWriter, r *http.Request) {
	h.do(w, r, func(c *call) (any, error) { return list(c.st.contacts(c.acct)), nil })
}
