// Package apitest is an in-memory fake of the Chatwork API v2 for tests, in
// the spirit of net/http/httptest.
//
// The fake implements all 32 operations of openapi.yaml with Chatwork's
// behaviour: the per-account read cursor of GET messages, 204 No Content
// for empty lists, roles and permissions, one task per assignee, the
// invitation-link lifecycle, contact requests, uploads with download URLs
// that expire after 30 seconds, read and unread state with the counts of
// /my/status and of every room, rate limits with their headers, and signed
// webhooks. Every request is validated against openapi.yaml (through
// package conformance) before it is processed, so a client that sends
// something the real API would refuse is refused here too.
//
// # Using it in tests
//
//	func TestPost(t *testing.T) {
//		srv := apitest.NewServer(t) // closed when the test ends
//		room := srv.AddRoom(apitest.Room{Name: "dev", AdminIDs: []int64{srv.Me().AccountID}})
//
//		// Point the code under test at srv.URL() with srv.Token(), then:
//		msgs := srv.Messages(room.RoomID)
//		...
//	}
//
// NewServer listens on a loopback port, so any HTTP client reaches it at
// [Server.URL] with the token of [Server.Token]. [Server.Client] reaches
// the same server in memory, without any network I/O; with
// [WithoutListener] no port is opened at all, which is what tests inside a
// testing/synctest bubble need (create the server inside the bubble: the
// fake reads time.Now on every use, so the bubble's fake clock drives rate
// limits, download URLs and fault delays).
//
// # Seeding and inspecting
//
// A new server has one account, the default "me" account, with its My
// Chat, and nothing else; [WithSeed] starts it from a whole [Seed]
// instead, which [Server.Reset] goes back to. The fixtures have one shape:
// AddX(X) X adds one (IDs left zero are chosen, IDs given are kept) and
// returns it filled in, Xs() []X lists them, UpdateX(X) X changes one:
// [Server.AddAccount], [Server.AddToken], [Server.AddContact],
// [Server.AddRoom], [Server.AddMessage], [Server.AddTask],
// [Server.AddFile], [Server.AddIncomingRequest] and [Server.AddWebhook],
// with [Server.Accounts], [Server.Rooms], [Server.Messages] and the other
// lists. These Go methods are test helpers: they panic on invalid input.
// [Server.Requests] records every request with its operation ID, status,
// form fields, file parts and, for a refusal, its reason.
//
// # Seed files
//
// A [Seed] is also a file, JSON or YAML, whose shape seed.schema.json
// describes (a JSON Schema generated from control.yaml, shipped beside
// this package): [ReadSeed] reads one and reports each mistake with its
// path and line ("seed.yaml:14: rooms[0].admin_ids[1]: unknown account
// 9"), and [Server.Seed] gives the state to write back. The command
// chatwork fake takes one with --seed and writes one with --print-seed.
//
// # The control API, for tests in any language
//
// Everything the Go methods above do is also an HTTP API under /_fake/ on
// the same server, described by its own OpenAPI document, control.yaml,
// shipped beside this package: seed (GET /_fake/seed, POST /_fake/reset),
// add and change accounts, tokens, contacts, rooms, messages, tasks, files
// and contact requests (POST /_fake/rooms, PUT /_fake/rooms/{room_id},
// ...), read and clear the recorded requests (GET /_fake/requests?
// operation_id=postMessage), inject and clear faults, set or advance the
// clock, and register webhooks and deliver events (POST
// /_fake/webhooks/deliveries). Each operation runs the same code as the Go
// method of the same name; a test of this package compares the two on
// every operation. Requests need the admin token ([Server.AdminToken],
// [WithAdminToken]) in Authorization: Bearer, or get 403.
//
// # Request pipeline
//
// Each request to /v2 goes through, in order:
//
//  1. authentication: an API token in X-ChatWorkToken, or an OAuth access
//     token ([Token] with OAuth set) in Authorization: Bearer; otherwise
//     401 {"errors":["Invalid API token"]}. A refused bearer token (unknown,
//     revoked, expired, or an API token sent as Bearer) gets Chatwork's 401
//     with an empty body and WWW-Authenticate: Bearer
//     error="invalid_token", error_description="The access token expired"
//     (or "… is invalid");
//  2. routing: an unknown path or method gives
//     400 {"errors":["Invalid Endpoint or HTTP method"]};
//  3. validation against openapi.yaml: 400 with short messages such as
//     "Parameter 'body' is required" or "Invalid value for 'force'",
//     followed by the reason where the short message would hide it.
//     Query parameters, form fields and multipart parts that an operation
//     does not declare are ignored, as Chatwork ignores them (all query
//     parameters of POST and PUT since 2025-07-03; the file_name part that
//     some clients add to uploads); ignored fields are listed in
//     [RecordedRequest].Ignored. A declared field sent twice is refused
//     ("members_admin_ids: repeated key; send one comma-joined value such
//     as 1,2,3"): Chatwork reads one value, and lists are comma-joined.
//     action_type of DELETE /rooms/{room_id} is read from the form body or,
//     when the body is empty, from the query string;
//  4. rate limits (see below);
//  5. injected faults ([Server.InjectFault]): a delay, a status with a
//     Chatwork error body or a body of its own, a 429 of either budget, or a
//     connection dropped before or after the request was processed, for
//     the next N matching requests or a fraction of them;
//  6. the operation itself.
//
// Requests refused in steps 1 to 3 do not spend rate-limit budget. Every
// refused request is recorded with the reason of its refusal
// ([RecordedRequest].Reason), and [WithRequestObserver] sees each request
// as it is answered.
//
// Every answer, errors included, carries x-ratelimit-limit,
// x-ratelimit-remaining and x-ratelimit-reset; JSON answers have the
// Content-Type application/json; charset=utf-8.
//
// # Rate limits
//
// Each account has a global budget, 300 requests per 5 minutes by default
// ([WithRateLimit]), in a fixed window that starts with the first request
// after the previous window ended; x-ratelimit-reset is the window's start
// plus its length, rounded up to a second. Over budget the answer is
// 429 {"errors":["Rate limit exceeded."]}; Chatwork does not document this
// message. Every token of an account ([Server.AddToken]) shares the
// budget, and [Server.SpendRateLimit] spends it as another program would.
//
// On top of that, POST /rooms/{room_id}/messages and
// POST /rooms/{room_id}/tasks share a budget per room, 10 per 10 seconds by
// default ([WithRoomPostLimit]), counted in a sliding window: a post is
// refused when the room already accepted the limit in the last window
// length. The answer is
// 429 {"errors":["Rate limit for message posting per room exceeded."]}. A
// request refused by the room's budget has spent one unit of the global
// budget. A refused request stores nothing. [WithoutRateLimits] switches
// both off.
//
// # Behaviour where Chatwork's documentation is silent
//
//   - Rooms an account is not a member of answer 404 "Resource not found",
//     as if they did not exist. Administrator-only operations answer 403
//     to other members; readonly members get 403 when they post messages,
//     create tasks or upload files. Operations meant for group chats answer
//     400 for My Chat and direct chats.
//   - GET messages without force (or force=0) returns the messages after the
//     account's cursor, the oldest 100 of them when there are more, and
//     moves the cursor past the last one returned; the cursor belongs to
//     the account, so all its tokens share it. Edited messages are not
//     returned again. force=1 returns the latest 100 and leaves the cursor
//     alone.
//   - Read state is a per-account position in each room. Posting with
//     self_unread=0 (the default) moves the author's position to the new
//     message. PUT messages/read without message_id marks everything read;
//     marking read what is read, or unread what is unread, gives 400.
//     Unread mentions are unread messages from others that contain
//     [To:ID], [rp aid=ID ...] or [toall].
//   - Creating tasks posts one task message, [task aid=IDS st=open
//     lt=LIMIT]BODY[/task], that every new task points at. Without
//     limit_type the type is "time" with a limit and "none" without. Only
//     the assignee or the assigner may change a task's status.
//   - Uploading posts the message
//     [info][title][dtext:file_uploaded][/title][download:FILE_ID]NAME (N KB)[/download][/info]
//     followed by a new line and the message text, if any; N is rounded up.
//     Download URLs are URL()'s host plus /_download/ and a random token.
//   - Leaving a room, or being removed from it by PUT members, deletes the
//     tasks assigned to the account there and the files it uploaded there.
//     A room left by its last member is deleted.
//   - PUT link changes only the fields sent. DELETE link on a room without
//     a link gives 400, like PUT.
//   - Webhooks: message_created and message_updated for the webhook's
//     room; mention_to_me, on creation only, for [To:ID] and [rp aid=ID]
//     of the webhook's account, never for its own messages. Deliveries are
//     made once, without retries, in the background (see
//     [Server.FlushWebhooks] and [WithSyncWebhooks]).
//
// # What it depends on
//
// The fake owns the simulated Chatwork: its state, handlers, rate limits,
// faults and webhooks. It takes its list of operations and its routing from
// package conformance's description of openapi.yaml: a request is matched
// to its operation once, then dispatched on the operation ID to the
// wrapper that package gen generates for it, which binds the parameters
// and calls the fake's handler. It validates with package conformance,
// answers and sends webhooks with gen's types, takes the rate limits and
// the bounds of values generated from openapi.yaml (internal/budgets,
// internal/limits), and it
// never imports package api (nor the CLI), so the client it is meant to
// test cannot shape it (enforced by internal/checks TestImportRules).
package apitest
