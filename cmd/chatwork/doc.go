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
// Every operation of the API has a command, grouped by resource, with
// kebab-case flags as in gh and kubectl, one word for one thing everywhere:
// --to for assignees and mentions (account IDs, or @names looked up among
// your contacts and the room's members), --due for a task's deadline, --by
// for who assigned or uploaded. The API's own spelling (--self_unread 1) is
// accepted as a hidden alias; renamed flags and commands (--to-ids,
// --limit, tasks status) stay one release as hidden aliases that print a
// deprecation note. "chatwork help" lists the commands with their
// endpoints; -h on a command shows its flags and examples. gh's aliases
// work: ls, view, rm.
//
//	me                                    GET /me
//	status                                GET /my/status
//	contacts                              GET /contacts
//	tasks    mine|list|get|create|done|reopen
//	rooms    list|create|get|update|delete
//	members  list|replace
//	messages list|post|get|update|delete|read|unread|watch
//	files    list|get|upload|download
//	links    get|create|update|delete
//	requests list|accept|reject
//	auth     login|status|logout
//	api      METHOD PATH                  any operation, validated against the spec
//
// For example:
//
//	chatwork rooms create --name Ops --members-admin-ids 1,2 --members-member-ids 3 --icon-preset meeting
//	chatwork messages ls 123
//	chatwork tasks create 123 --body 'Review the PR' --to @anna --due 2030-01-31
//	chatwork files download 123 789 -O report.pdf
//
// Reads never change anything on the server: "messages list" shows the
// latest 100 messages (force=1); only "messages list --new" reads what the
// account has not fetched yet, and its help says that it moves the read
// cursor for every program using the account. Destructive commands (rooms
// delete, messages delete, members replace, links delete, requests reject)
// ask at a terminal for the object's name, refuse without --yes in a
// script, and say what they did in one line on stderr.
//
// Switches of the API's 0/1 kind (--self-unread) stand alone or take the
// API's value (--self-unread 1, --self-unread=0); any other value is
// refused by name (invalid value "2" for --self-unread: want 0 or 1).
// Durations are written 30s, 5m or 1h30m. A task deadline (--due) is a date (2030-01-31: the end of
// that day in Japan Standard Time, as Chatwork's documents write date
// deadlines, whatever the machine's time zone), an RFC 3339 time or Unix
// seconds. A mistyped command or flag is answered with the names meant
// ("Did you mean this?").
//
// # Output
//
// stdout carries the command's result and nothing else; notes, warnings,
// logs and errors go to stderr. The result is the API's answer, printed as
// gh prints: a table at a terminal (cut to its width, coloured unless
// NO_COLOR is set), tab-separated values without a header in a pipe; -o
// json (the API's field names; message IDs stay strings) or -o yaml;
// --json FIELDS for some fields only (--json alone lists them at a
// terminal), --jq EXPRESSION (gojq) and --template TEMPLATE (Go templates
// with gh's helpers: join, pluck, tablerow, timefmt, timeago, truncate,
// color). Commands whose operation answers nothing (204) print nothing. Tools whose result is data print the data as it is:
// files download the file's bytes (or, with -O PATH, the file's details),
// webhook listen one JSON line per event, webhook sign the signature,
// completion the script; demo and fake print text for people.
//
// Besides the API commands there are tools:
//
//	send ROOM_ID TEXT|-     post a notification: --to ID, --reply MESSAGE_ID, --info-title T, --file PATH
//	completion SHELL        print a completion script for bash, zsh or fish
//	webhook listen          serve a verified webhook endpoint, printing each event as a JSON line
//	webhook sign            print the signature of a body, for testing receivers with curl
//	events                  the durable stream of events in Redis (webhook listen --redis-url,
//	                        events poll): consume --exec CMD, tail, pending, dead, replay, stats
//	fake                    run a fake Chatwork API on loopback and print how to use it
//	demo                    a guided tour against an in-process fake
//
// # Configuration
//
// "chatwork auth login" checks an API token with GET /me and keeps it, with
// the base URL, in a profile of $XDG_CONFIG_HOME/chatwork/config.yml
// (~/.config/chatwork/config.yml, mode 0600); "auth status" says which
// account it is and where the token came from, "auth logout" removes it.
// There is no OS keyring: it would need a new dependency. Each setting
// comes from the first of: its flag (--token-file, --base-url, or
// --profile NAME naming a profile that has it), its environment variable
// (CHATWORK_API_TOKEN, CHATWORK_BASE_URL), the profile CHATWORK_PROFILE
// names, else the profile "default". The token is never printed. A token
// file may start with a UTF-8 byte-order mark and end its lines with CRLF;
// as ssh does, the command warns when group or others may read it or the
// configuration. A plain http:// base URL is refused for hosts other than
// loopback unless --insecure-http is given. The longest
// wait for a rate limit (429) to clear comes from --max-wait or
// CHATWORK_MAX_WAIT (5 minutes by default; 0 fails at once). Global flags
// are accepted before or after the command; --version prints the version.
//
// The webhook commands read the webhook tokens (one per webhook setting)
// from --webhook-token-file PATH or CHATWORK_WEBHOOK_TOKEN, never from the
// API token's flag. webhook listen closes slow and idle connections within
// seconds and, on request, refuses events older than --max-age (or dated
// more than a minute ahead) and ignores replays (--replay-guard N). With
// --redis-url (or CHATWORK_REDIS_URL) it adds each event to a Redis stream
// instead of printing it, deduplicated across replicas and polls (package
// api/intake), for "events consume" to hand to a command at least once.
//
// # Exit codes
//
//	0  success
//	1  other errors: network, files, interrupted
//	2  usage error: bad flags or arguments, no token, or input the client refuses before sending
//	3  API error: the API answered with an error status, printed with its messages on stderr
//	4  rate limited: a 429 that did not clear within --max-wait
//
// # Layout
//
// The command owns only the command line: the command table (one command
// per operation, checked against conformance's operation list by
// TestEveryOperationHasACommand), flags, output and the demo. It calls the
// API through package api, serves the fake of package api/apitest, and
// takes webhook verification from api/webhook and markup from
// api/notation; no package imports it.
package main
