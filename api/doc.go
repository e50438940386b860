// Package api is a client for the Chatwork API v2.
//
// It wraps package gen, which is generated from openapi.yaml, with what the
// generated code cannot know: authentication, Chatwork's form encoding,
// pacing to the rate limits, safe retries, typed errors and input checks.
//
//	c, err := api.NewClient(os.Getenv("CHATWORK_API_TOKEN"))
//	if err != nil { ... }
//	id, _, err := c.Messages.Post(ctx, roomID, "Hello", nil)
//
// Every method takes a context first and returns its result, a *Response
// (status, headers, rate-limit state) and an error. IDs are int64, except
// message IDs, which are strings of digits: real ones have 19 digits and do
// not survive a float64. Lists that the API answers with 204 No Content come
// back as empty slices with a nil error.
//
// # Authentication
//
// NewClient takes an API token (from the Chatwork UI; it never expires) and
// sends it in the X-ChatWorkToken header. NewOAuthClient takes an
// oauth2.TokenSource and sends "Authorization: Bearer"; package api/oauth
// signs users in (the consent URL with PKCE, the code exchange, the
// scopes) and gives a source that refreshes the 15-minute access tokens
// before they expire. Every request carries exactly one of the
// two headers, and the token appears in no error and no log line, even when
// a server echoes it back.
//
// Credentials go only to the scheme and host of the base URL. A redirect to
// another scheme, host or port is not followed, whatever the redirect policy
// of an http.Client given with [WithHTTPClient] (net/http would re-send the
// X-ChatWorkToken header, and re-post a message on a 307 or 308): the call
// fails with a *[RedirectError] (errors.Is(err, ErrRedirect)). Redirects
// within the base URL's origin follow the http.Client's policy. Download
// URLs, on other hosts, are fetched without credentials. A plain http base
// URL is refused unless its host is loopback (127.0.0.0/8, ::1, localhost)
// or under .invalid, so that the token never crosses a network in clear;
// [WithInsecureHTTP] is the explicit opt-in for a trusted path.
//
// # Reading messages
//
// The API's message list is stateful by default: without force=1 it returns
// only what the account has not fetched yet and moves a cursor on the
// server, so a second reader (another program using the same token) sees
// nothing. This package never moves the cursor by surprise:
// [MessagesService.ListNew] is the stateful read ("what is new since my last
// read") and [MessagesService.ListLatest] reads the latest 100 and leaves
// the cursor alone. Neither pages: the API returns at most 100 messages.
//
// # Watching rooms
//
// [MessagesService.Watch] is for programs that cannot receive webhooks: a
// [Watcher] polls the latest 100 messages of each room (force=1, so the
// server's cursor never moves) and its Events iterator yields every new
// message once, oldest first in each room:
//
//	store, _ := api.OpenFileStore("marks.json")
//	w, _ := c.Messages.Watch(rooms, &api.WatchOptions{Store: store})
//	for ev, err := range w.Events(ctx) {
//		if err != nil { log.Print(err); continue } // a gap or a failed poll; the watch goes on
//		handle(ev.RoomID, ev.Message)
//	}
//
// The watcher keeps a mark per room, the newest message delivered (IDs
// compared as numbers). The mark advances in the [Store] when the loop body
// returns for a message and the loop goes on, not before: a crash while
// handling a message delivers it again after the restart, and nothing that
// arrived while the program was down is lost (at least once across
// restarts, exactly once within a process). A room without a mark starts
// when the watch starts, and that start is saved before the first poll, so
// that no message sent after it is skipped, even across a crash in the
// first seconds. [FileStore] writes its file atomically (temporary file,
// fsync, rename) and locks it against a second watcher. With
// [WatchOptions].Fleet, the Watchers of several processes share the rooms
// and one share of the budget (package api/intake does it over Redis).
//
// The API returns only the latest 100 messages. When a poll's 100 are all
// newer than the mark, more than 100 may have arrived since the previous
// poll and the older ones cannot be read any more: the watcher yields a
// *[GapError] with the room and the range of IDs that may be missing, then
// goes on.
//
// Polls go through the client, with its pacing and 429 handling, and are
// spaced so that they use at most a share of the account's budget (half by
// default, [WatchOptions].Share) in any window, across restarts too, leaving
// the rest for posts. A room that brings messages is polled more often, a
// quiet one less, between a floor and [WatchOptions].MaxInterval.
// [Watcher.Stats] reports the largest share used.
//
// With [WatchOptions].Updates an edited message (its update_time changed)
// is yielded again as an update, including edits made while the program
// was down. Deletions cannot be seen: a deleted message just stops being
// returned, and nothing in the API signals it; nor can edits of messages
// older than the latest 100.
//
// # Vocabulary
//
// Each concept has one Go name, whatever the API calls it in each place.
// Prose says "chat" where the API and Go say room.
//
//	concept          on the wire (openapi.yaml)            in this package
//	account ID       account_id                            AccountID
//	administrator    members_admin_ids, role admin         AdminIDs, RoleAdmin, MembersResult.Admin
//	assignee         to_ids; a task's account;             CreateTaskParams.AssigneeIDs; RoomTask.Assignee;
//	                 the task filter account_id            ListTasksOptions.AssigneeID
//	task's creator   assigned_by_account(_id)              AssignedByAccount, AssignedByAccountID
//	uploader         a file's account; filter account_id   File.Uploader, ListFilesOptions.UploaderID
//	deadline         limit (sent), limit_time (read)       LimitTime
//	deadline's kind  limit_type: none, date, time          TaskLimitType: TaskLimitTypeNone, ...Date, ...Time
//	a date's day     (Japan time; not stated by the API)   DeadlineZone()
//	task status      status; body of the status PUT        TaskStatus: TaskStatusOpen, TaskStatusDone
//	message ID       message_id, a string of digits        MessageID string
//
// The resources (Room, Message, RoomTask, ...) are the generated models of
// openapi.yaml, with the spec's field names, except where the wire's name
// is generic: a task's and a file's "account" are Assignee and Uploader
// (x-go-name in openapi.yaml), as the table says.
// Enumeration values are named as package gen names them, the type's name
// then the value (RoomTypeGroup, RoleAdmin, TaskStatusDone, IconPresetMeeting),
// and every value of the spec is exported here, so that no caller needs
// package gen. A call's input struct is named after the call, verb first:
// XxxParams when the call needs it, passed by value (CreateRoomParams,
// UpdateRoomParams, ReplaceMembersParams, CreateTaskParams, UploadFileParams;
// LinkParams serves both Links.Create and Links.Update), XxxOptions when
// every field is optional, passed as a pointer that may be nil
// (ListTasksOptions, ListMyTasksOptions, ListFilesOptions,
// PostMessageOptions, WatchOptions).
//
// # Rate limits
//
// Chatwork allows 300 requests per 5 minutes per account and, shared by
// message posts and task creation, 10 per 10 seconds per room, whatever
// the account; openapi.yaml states both (x-chatwork-rate-limits) and this
// package reads them from there. The client paces itself to both (sliding
// windows, so a burst goes out at once and the whole allowance is used) and
// follows the x-ratelimit-* headers of every response, so a busy program
// gets no 429 in normal operation. Set the budgets with [WithRateLimit] and
// [WithRoomPostLimit] (0 turns one off); [Client.RateLimit] and
// Response.RateLimit report the latest state. [MessagesService.Post] and
// [TasksService.Create] spend the budget of their room, and so does a
// request built by the caller and sent with [Client.Do] (or the generated
// client of [Client.Raw]) for one of the operations openapi.yaml marks
// x-chatwork-room-post-limit: the room its path names. A room's posts go
// in the order they came.
//
// One Limiter decides every wait of a call: before each attempt, and after
// a 429 (another program spent the budget), whose retry goes when the
// Limiter lets it: once the account's window has ended, or the room's
// window has passed. The in-memory limiter is the default; [WithLimiter]
// plugs in another, whose budgets then decide pacing and 429 waits alike
// (package pacing is what a Limiter needs; package redislimit shares the
// budgets of one token among several processes through Redis).
//
// No call waits longer in total than its allowance: the smaller of
// [WithMaxRateLimitWait] (6 minutes by default) and the time left before
// its context's deadline. A wait that would end later is not begun: the
// call returns a *[RateLimitError] at once, with the time the budget frees
// up (errors.Is(err, ErrRateLimited) matches it). Cancelling the context
// ends a wait at once.
//
// Headers are checked before they are believed: a limit below 1, a
// remaining count outside 0..limit, a reset further ahead than the API's
// 5-minute window plus a minute (an hour ahead, the year 2100), or anything
// that is not a number is ignored; a limit above 2²⁰ is clamped. Memory
// never depends on what a header says. The server's x-ratelimit-limit
// replaces the configured limit for a window of the API's 5 minutes. The
// reset is a time on the server's clock, which may be off from ours, so it
// is never taken for one of ours: a window ends, for the client, a window
// after the first answer that told of it, or sooner when the answers show
// how far the server's clock is off (package pacing says how); a clock off
// by any amount costs neither an outage nor a stream of 429s. A room's
// window is counted from when each post's answer arrived, since the server
// counts a post when it arrives, which can be well after it left.
//
// # Retries
//
// Posting a message or creating a task is not idempotent and Chatwork has no
// idempotency key, so a request is repeated only when the server certainly
// did not act on it:
//
//   - any request after a 429, which the server refused;
//   - a POST after a network error only when the connection was never made
//     (dial or DNS failure): a POST whose connection broke later, or that
//     met a 5xx, is returned as an error and never sent twice;
//   - GET, PUT and DELETE also after a 502, 503 or 504 or a network error,
//     up to 3 times with backoff 0.5 s·2ⁿ capped at 8 s, less up to a
//     quarter of jitter ([WithRetries]).
//
// Request bodies are kept in memory so that a retry sends the same bytes.
// No request is ever sent to another host than the base URL's, and a
// redirect is never a retry: see Authentication.
//
// A success status is not taken on trust. An operation that always returns
// a result (an ID, an object) fails with an *[UnexpectedResponseError]
// (errors.Is(err, ErrUnexpectedResponse)) when a 2xx carries none: a 204,
// an empty, null or {} body, a body that does not decode, or a result
// without its ID (message_id, room_id, file_id, task_ids, account_id, ...)
// or with a message_id that is not a string of digits. The error holds the
// status and at most 512 bytes of the body, credential removed. A list
// operation's 204 is the API's empty list and gives an empty slice; a null
// or non-array body is an error, but the items of a list are returned as
// sent, so that one odd item cannot make a whole room unreadable.
//
// # Errors
//
// Bad input is refused before anything is sent with an *[InputError] that
// names the parameter (errors.Is(err, ErrInvalidInput)): IDs that are not
// positive, message IDs that are not digits or are 0, empty or over-long
// bodies and names, text that is not valid UTF-8 or holds a NUL byte,
// missing administrators or assignees, unknown enum values, link codes
// outside [A-Za-z0-9_-]{1,50}, files over 5 MB, a nil context, and a nil
// service or a Client not made by NewClient (no panic).
//
// An answer outside 2xx is an *[APIError] with the status, the API's error
// messages, the response headers, the method and the path. errors.Is matches
// it against [ErrBadRequest], [ErrUnauthorized], [ErrForbidden],
// [ErrNotFound], [ErrRateLimited] and [ErrServer]. A rejected OAuth token's
// WWW-Authenticate details are in APIError.Auth, and the free plan's hidden
// history in APIError.MessageLimited (a 404 of Messages.Get for a message
// that exists but is hidden) and Response.MessageLimited.
//
// # Uploads
//
// [FilesService.Upload] reads the content into memory (at most 5 MB; larger
// is refused before sending), takes the content type from the file name,
// else sniffs it, and sends it as multipart/form-data. [FilesService.Download]
// asks for a download URL, which lives 30 seconds, and fetches it at once,
// without the token.
//
// # Testing your code
//
// Package apitest is an in-memory Chatwork that behaves like the real one:
// the read cursor, 204s, roles, rate limits, uploads and signed webhooks.
// Point the client at it with [WithBaseURL]:
//
//	srv := apitest.NewServer(t)
//	c, _ := api.NewClient(srv.Token(), api.WithBaseURL(srv.URL()))
//
// Package conformance validates every exchange against openapi.yaml; plug
// its Transport in with [WithHTTPClient] to hold your fakes and the real API
// to the spec. Package webhook verifies and decodes Chatwork's webhook
// requests, and package notation writes and reads message markup.
//
// # What this package exports
//
// A name is exported only when a program that calls Chatwork needs it: the
// client and its options, the services and their methods, the resources
// they return (aliases of the generated models), every value of their
// enumerations, the input structs of the calls, the limits checked before
// sending, the errors to match, and the interfaces a program may implement
// (Store, WatchFleet). What only one kind of program needs lives in a
// package of its own: package pacing for a Limiter's author, package oauth
// for a program that signs users in (the consent flow and its scopes).
// Nothing is exported for the CLI, the fake or the tests alone: they use
// the calls any program uses and keep their own helpers. A value callers
// read is a constant or the result of a function; the only exported
// variables are sentinel errors, so that no program can change a value for
// another. Each concept has one name (see Vocabulary), and an old name is
// not kept beside a new one. internal/checks TestExportedNames
// counts the exported names and holds this package to its number.
//
// # Dependencies
//
// This package owns the client: its services, errors, rate limiting,
// retries and message watching. It depends on package gen (the generated
// types and requests), package wire, package pacing (the Limiter
// interface and the in-memory limiter), the budgets and the bounds of
// values generated from the spec (internal/budgets, internal/limits) and
// two internal helpers (sleeping, and the base URL rules it shares with the
// CLI) only; it never imports apitest, conformance, the CLI or kin-openapi,
// so a program that uses the client links none of them (enforced by
// internal/checks TestImportRules).
package api
