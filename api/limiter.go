package api

import (
	"time"

	"github.com/chatwork-go/chatwork/internal/budgets"
)

// What the Chatwork API itself allows, used to judge what its headers say.
const (
	apiWindow      = budgets.AccountWindow // the account's window
	resetSlack     = time.Minute           // a reset up to apiWindow+resetSlack ahead is believed
	maxHeaderLimit = 1 << 20               // a larger x-ratelimit-limit is clamped to this
)
