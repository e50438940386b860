// Command chatwork is a command-line client for the Chatwork API v2, built
// on package api.
//
// New users should start with the demo, which runs a short scenario against
// a fake Chatwork started in the same process, without a token:
//
//	chatwork demo
//
// # Usage
//
//	chatwork [global flags] COMMAND [SUBCOMMAND] [flags] [arguments]
//	chatwork help [COMMAND [SUBCOMMAND]]
//
// Every operation of the API has a command, grouped by resource, with flags
// named like the API's parameters ("chatwork help" lists them all with
// their endpoints, and -h on a command shows its flags):
//
//	me                                    GET /me
//	status                                GET /my/status
//	contacts                              GET /contacts
//	tasks    mine|list|get|create|status  GET /my/tasks, /rooms/{room_id}/tasks...
//	rooms    list|create|get|update|delete
//	members  list|replace
//	messages list|post|get|update|delete|read|unread
//	files    list|get|upload|download
//	links    get|create|update|delete
//	requests list|accept|reject
//
// For example:
//
//	chatwork rooms create --name Ops --members_admin_ids 1,2 --members_member_ids 3 --icon_preset meeting
//	chatwork messages list 123 --force 1 --output table
//	chatwork tasks create 123 --body 'Review the PR' --to_ids 456 --limit 2030-01-31T18:00:00+09:00
//	chatwork files download 123 789 -o report.pdf
//
// Results are printed as indented JSON with the API's field names (message
// IDs stay strings), or as a table with --output table. Commands whose
// operation answers 204 No Content print nothing.
//
// Besides the API commands there are tools:
//
//	send ROOM_ID TEXT|-     post a notification: --to ID, --reply MESSAGE_ID, --info-title T, --file PATH
//	webhook listen          serve a verified webhook endpoint, printing each event as a JSON line
//	webhook sign            print the signature of a body, for testing receivers with curl
//	fake                    run a fake Chatwork API on loopback and print how to use it
//	demo                    a guided tour against an in-process fake
//
// # Configuration
//
// The token comes from --token-file PATH (its first line) or the
// CHATWORK_API_TOKEN environment variable; it is never printed. The base URL
// comes from --base-url or CHATWORK_BASE_URL, and the longest wait for a
// rate limit (429) to clear from --max-wait or CHATWORK_MAX_WAIT (5 minutes
// by default; 0 fails at once). Global flags are accepted before or after
// the command.
//
// # Exit codes
//
//	0  success
//	1  other errors: network, files, interrupted
//	2  usage error: bad flags or arguments, no token, or input the client refuses before sending
//	3  API error: the API answered with an error status, printed with its messages on stderr
//	4  rate limited: a 429 that did not clear within --max-wait
package main
