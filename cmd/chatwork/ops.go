package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/chatwork-go/chatwork/api"
	"github.com/chatwork-go/chatwork/internal/limits"
)

// downloadURLLifetime says in words how long a download URL works, as
// openapi.yaml states it.
var downloadURLLifetime = strconv.Itoa(int(limits.DownloadURLLifetime/time.Second)) + " seconds"

// call makes the run function of a command whose positional arguments
// are all IDs: it parses them, makes the command's one API call with f and
// prints what f returns. A command without arguments gets no IDs.
func call[T any](f func(ctx context.Context, a *app, ids []int64) (T, *api.Response, error)) runFunc {
	return func(ctx context.Context, a *app, args []string) error {
		ids, err := parseIDs(a.cmd, args)
		if err != nil {
			return err
		}
		return a.printResult(f(ctx, a, ids))
	}
}

// roomCall is call for the commands whose arguments are ROOM_ID and a
// string, such as a message ID or a path.
func roomCall[T any](f func(ctx context.Context, a *app, room int64, arg string) (T, *api.Response, error)) runFunc {
	return func(ctx context.Context, a *app, args []string) error {
		room, err := parseID("ROOM_ID", args[0])
		if err != nil {
			return err
		}
		return a.printResult(f(ctx, a, room, args[1]))
	}
}

// printResult prints the result of a call that succeeded.
func (a *app) printResult(v any, _ *api.Response, err error) error {
	if err != nil {
		return err
	}
	return a.print(v)
}

// noFlags is the setup of a command without flags of its own.
func noFlags(run runFunc) func(*flag.FlagSet) runFunc {
	return func(*flag.FlagSet) runFunc { return run }
}

func meCommand() *command {
	return &command{
		usage: "", summary: "show your profile", endpoint: "GET /me",
		examples: `chatwork me
chatwork me --jq .account_id`,
		setup: noFlags(call(func(ctx context.Context, a *app, _ []int64) (*api.Me, *api.Response, error) {
			return a.c.Me.Get(ctx)
		})),
	}
}

func statusCommand() *command {
	return &command{
		usage: "", summary: "show your unread, mention and task counts", endpoint: "GET /my/status",
		examples: `chatwork status
chatwork status --template '{{.unread_num}} unread, {{.mention_num}} mentions'`,
		setup: noFlags(call(func(ctx context.Context, a *app, _ []int64) (*api.MyStatus, *api.Response, error) {
			return a.c.Me.Status(ctx)
		})),
	}
}

func contactsCommand() *command {
	return &command{
		usage: "", summary: "list your contacts", endpoint: "GET /contacts",
		examples: `chatwork contacts
chatwork contacts --json account_id,name`,
		setup: noFlags(call(func(ctx context.Context, a *app, _ []int64) ([]api.Contact, *api.Response, error) {
			return a.c.Contacts.List(ctx)
		})),
	}
}

func tasksGroup() *group {
	return &group{name: "tasks", summary: "your tasks and the tasks of a room", cmds: []*command{
		{
			name: "mine", usage: "[--by ACCOUNT_ID|@NAME] [--status open|done]",
			summary: "list the tasks assigned to you (at most 100)", endpoint: "GET /my/tasks",
			renamed: map[string]string{"assigned-by-account-id": "by"},
			examples: `chatwork tasks mine
chatwork tasks mine --status done --by 456`,
			setup: func(fs *flag.FlagSet) runFunc {
				by := accountsVar(fs, "by", "only tasks assigned by this account: an ID or an @name (a contact)")
				status := fs.String("status", "", "open (the API's default) or done")
				return call(func(ctx context.Context, a *app, _ []int64) ([]api.MyTask, *api.Response, error) {
					if err := oneOf("status", api.TaskStatus(*status), taskStatuses...); err != nil {
						return nil, nil, err
					}
					byID, err := a.resolveAccount(ctx, 0, "--by", by)
					if err != nil {
						return nil, nil, err
					}
					return a.c.Me.Tasks(ctx, &api.ListMyTasksOptions{AssignedByAccountID: byID, Status: api.TaskStatus(*status)})
				})
			},
		},
		{
			name: "list", aliases: []string{"ls"}, args: []string{"ROOM_ID"}, nargs: 1,
			usage:   "ROOM_ID [--to ACCOUNT_ID|@NAME] [--by ACCOUNT_ID|@NAME] [--status open|done]",
			summary: "list a room's tasks (at most 100)", endpoint: "GET /rooms/{room_id}/tasks",
			renamed: map[string]string{"account-id": "to", "assigned-by-account-id": "by"},
			examples: `chatwork tasks list 123
chatwork tasks list 123 --to 456 --status done`,
			setup: func(fs *flag.FlagSet) runFunc {
				to := accountsVar(fs, "to", "only tasks assigned to this account: an ID or an @name (a contact or member)")
				by := accountsVar(fs, "by", "only tasks assigned by this account: an ID or an @name (a contact or member)")
				status := fs.String("status", "", "open (the API's default) or done")
				return call(func(ctx context.Context, a *app, ids []int64) ([]api.RoomTask, *api.Response, error) {
					if err := oneOf("status", api.TaskStatus(*status), taskStatuses...); err != nil {
						return nil, nil, err
					}
					toID, err := a.resolveAccount(ctx, ids[0], "--to", to)
					if err != nil {
						return nil, nil, err
					}
					byID, err := a.resolveAccount(ctx, ids[0], "--by", by)
					if err != nil {
						return nil, nil, err
					}
					return a.c.Tasks.List(ctx, ids[0], &api.ListTasksOptions{AssigneeID: toID, AssignedByAccountID: byID, Status: api.TaskStatus(*status)})
				})
			},
		},
		{
			name: "get", aliases: []string{"view"}, args: []string{"ROOM_ID", "TASK_ID"}, nargs: 2, usage: "ROOM_ID TASK_ID",
			summary: "show a task", endpoint: "GET /rooms/{room_id}/tasks/{task_id}",
			examples: `chatwork tasks get 123 789`,
			setup: noFlags(call(func(ctx context.Context, a *app, ids []int64) (*api.RoomTask, *api.Response, error) {
				return a.c.Tasks.Get(ctx, ids[0], ids[1])
			})),
		},
		{
			name: "create", args: []string{"ROOM_ID"}, nargs: 1,
			usage:   "ROOM_ID --body TEXT --to ACCOUNT_ID|@NAME... [--due DATE|RFC3339|UNIX] [--due-type none|date|time]",
			summary: "create a task for each assignee", endpoint: "POST /rooms/{room_id}/tasks",
			renamed: map[string]string{"to-ids": "to", "limit": "due", "limit-type": "due-type"},
			details: `One task is created per account of --to; the IDs of the new tasks are printed.
Task creations and message posts share the room's limit of 10 per 10 seconds.

--due 2030-01-31 sets a date deadline (limit_type date) at the end of that day in Japan Standard
Time (2030-01-31T23:59:59+09:00), as Chatwork's documents write date deadlines: the day is the same
for every user of a Japanese account, whatever the time zone of the machine that runs chatwork.
An RFC 3339 time or Unix seconds set a time deadline (limit_type time), unless --due-type date.`,
			examples: `chatwork tasks create 123 --body 'Review the PR' --to 456 --due 2030-01-31
chatwork tasks create 123 --body 'Ship it' --to @anna --to @bob --due 2030-01-31T18:00:00+09:00`,
			setup: func(fs *flag.FlagSet) runFunc {
				body := fs.String("body", "", "the task's `text` (required)")
				to := accountsVar(fs, "to", "the assignees: account IDs or @names (contacts, members of the room), comma-separated or repeated (required)")
				var deadline dueFlag
				fs.Var(&deadline, "due", "the deadline: a date such as 2030-01-31 (the day in JST), RFC 3339 such as 2030-01-31T18:00:00+09:00, or Unix seconds")
				dueType := fs.String("due-type", "", "how the deadline is read: none, date or time (default: date for a date, else time)")
				return call(func(ctx context.Context, a *app, ids []int64) (taskIDsResult, *api.Response, error) {
					if err := oneOf("due-type", api.TaskLimitType(*dueType), limitTypes...); err != nil {
						return taskIDsResult{}, nil, err
					}
					lt := api.TaskLimitType(*dueType)
					if lt != "" && lt != api.TaskLimitTypeNone && deadline.t.IsZero() {
						return taskIDsResult{}, nil, usagef("--due-type %s needs --due", *dueType)
					}
					if deadline.dateOnly {
						switch lt {
						case "":
							lt = api.TaskLimitTypeDate
						case api.TaskLimitTypeTime:
							return taskIDsResult{}, nil, usagef("--due %s is a date: give a time too (2030-01-31T18:00:00+09:00) for --due-type time", deadline.String())
						}
					}
					assignees, err := a.resolveAccounts(ctx, ids[0], "--to", to)
					if err != nil {
						return taskIDsResult{}, nil, err
					}
					taskIDs, r, err := a.c.Tasks.Create(ctx, ids[0], api.CreateTaskParams{
						Body: *body, AssigneeIDs: assignees, LimitTime: deadline.t, LimitType: lt,
					})
					return taskIDsResult{TaskIDs: taskIDs}, r, err
				})
			},
		},
		taskStatusCommand("done", api.TaskStatusDone, "complete a task", "chatwork tasks done 123 789"),
		taskStatusCommand("reopen", api.TaskStatusOpen, "reopen a completed task", "chatwork tasks reopen 123 789"),
		{
			name: "status", args: []string{"ROOM_ID", "TASK_ID"}, nargs: 2, usage: "ROOM_ID TASK_ID --body open|done",
			summary: "complete or reopen a task", endpoint: "PUT /rooms/{room_id}/tasks/{task_id}/status",
			hidden: true, deprecated: "use 'chatwork tasks done' or 'chatwork tasks reopen'",
			setup: func(fs *flag.FlagSet) runFunc {
				body := fs.String("body", "", "the new status: open or done (required)")
				return call(func(ctx context.Context, a *app, ids []int64) (taskIDResult, *api.Response, error) {
					if *body == "" {
						return taskIDResult{}, nil, usagef("--body open|done is required")
					}
					if err := oneOf("body", api.TaskStatus(*body), taskStatuses...); err != nil {
						return taskIDResult{}, nil, err
					}
					r, err := a.c.Tasks.SetStatus(ctx, ids[0], ids[1], api.TaskStatus(*body))
					return taskIDResult{TaskID: ids[1]}, r, err
				})
			},
		},
	}}
}

// taskStatusCommand is "tasks done" or "tasks reopen": PUT .../status with
// the status the command is named after.
func taskStatusCommand(name string, status api.TaskStatus, summary, example string) *command {
	return &command{
		name: name, args: []string{"ROOM_ID", "TASK_ID"}, nargs: 2, usage: "ROOM_ID TASK_ID",
		summary: summary, endpoint: "PUT /rooms/{room_id}/tasks/{task_id}/status",
		details:  "The task's ID is printed.",
		examples: example,
		setup: noFlags(call(func(ctx context.Context, a *app, ids []int64) (taskIDResult, *api.Response, error) {
			r, err := a.c.Tasks.SetStatus(ctx, ids[0], ids[1], status)
			return taskIDResult{TaskID: ids[1]}, r, err
		})),
	}
}

func roomsGroup() *group {
	return &group{name: "rooms", summary: "your chats", cmds: []*command{
		{
			name: "list", aliases: []string{"ls"}, usage: "", summary: "list your chats, My Chat included", endpoint: "GET /rooms",
			examples: `chatwork rooms list
chatwork rooms ls --json room_id,name --jq '.[] | select(.name | test("ops"; "i")) | .room_id'`,
			setup: noFlags(call(func(ctx context.Context, a *app, _ []int64) ([]api.Room, *api.Response, error) {
				return a.c.Rooms.List(ctx)
			})),
		},
		{
			name: "create",
			usage: "--name NAME --members-admin-ids ID[,ID...] [--members-member-ids IDS] [--members-readonly-ids IDS]\n" +
				"         [--description TEXT] [--icon-preset ICON] [--link] [--link-code CODE] [--link-need-acceptance=0|1]",
			summary: "create a group chat", endpoint: "POST /rooms",
			examples: `chatwork rooms create --name Ops --members-admin-ids 1 --members-member-ids 2,3 --icon-preset meeting`,
			details: "Members must be your contacts or members of your organization; include yourself in one of the lists.\n" +
				"Icons: " + joinValues(iconPresets, ", ") + ".",
			setup: func(fs *flag.FlagSet) runFunc {
				name := fs.String("name", "", "the chat's `name`, 1 to 255 characters (required)")
				desc := fs.String("description", "", "the chat's description (may contain notation)")
				icon := fs.String("icon-preset", "", "the chat's `icon`, such as meeting")
				admins := idsVar(fs, "members-admin-ids", "administrators' account `IDs`, comma-separated (at least one)")
				members := idsVar(fs, "members-member-ids", "members' account `IDs`, comma-separated")
				readonly := idsVar(fs, "members-readonly-ids", "read-only members' account `IDs`, comma-separated")
				link := flag01Var(fs, "link", "1 creates an invitation link")
				code := fs.String("link-code", "", "the invitation link's path, [A-Za-z0-9_-]{1,50}; random when left out")
				accept := flag01Var(fs, "link-need-acceptance", "1 (the API's default): joiners need an administrator's approval")
				return call(func(ctx context.Context, a *app, _ []int64) (roomIDResult, *api.Response, error) {
					if err := oneOf("icon-preset", api.IconPreset(*icon), iconPresets...); err != nil {
						return roomIDResult{}, nil, err
					}
					id, r, err := a.c.Rooms.Create(ctx, api.CreateRoomParams{
						Name: *name, Description: *desc, IconPreset: api.IconPreset(*icon),
						AdminIDs: *admins, MemberIDs: *members, ReadonlyIDs: *readonly,
						Link: link.on, LinkCode: *code, LinkNeedAcceptance: accept.ptr(),
					})
					return roomIDResult{RoomID: id}, r, err
				})
			},
		},
		{
			name: "get", aliases: []string{"view"}, args: []string{"ROOM_ID"}, nargs: 1, usage: "ROOM_ID",
			summary: "show a chat with its description", endpoint: "GET /rooms/{room_id}",
			examples: `chatwork rooms view 123
chatwork rooms get 123 --jq .description`,
			setup: noFlags(call(func(ctx context.Context, a *app, ids []int64) (*api.RoomDetail, *api.Response, error) {
				return a.c.Rooms.Get(ctx, ids[0])
			})),
		},
		{
			name: "update", args: []string{"ROOM_ID"}, nargs: 1,
			usage:   "ROOM_ID [--name NAME] [--description TEXT] [--icon-preset ICON]",
			summary: "change a chat's name, description or icon", endpoint: "PUT /rooms/{room_id}",
			details:  "Only the flags given are changed; --description '' clears the description.",
			examples: `chatwork rooms update 123 --name 'Ops (archived)' --icon-preset check`,
			setup: func(fs *flag.FlagSet) runFunc {
				name := fs.String("name", "", "the new `name`")
				desc := fs.String("description", "", "the new description")
				icon := fs.String("icon-preset", "", "the new `icon`, such as meeting")
				return call(func(ctx context.Context, a *app, ids []int64) (roomIDResult, *api.Response, error) {
					if err := oneOf("icon-preset", api.IconPreset(*icon), iconPresets...); err != nil {
						return roomIDResult{}, nil, err
					}
					p := api.UpdateRoomParams{Name: *name, IconPreset: api.IconPreset(*icon)}
					if isSet(fs, "description") {
						p.Description = desc
					}
					if p.Name == "" && p.Description == nil && p.IconPreset == "" {
						return roomIDResult{}, nil, usagef("nothing to change: give --name, --description or --icon-preset")
					}
					r, err := a.c.Rooms.Update(ctx, ids[0], p)
					return roomIDResult{RoomID: ids[0]}, r, err
				})
			},
		},
		{
			name: "delete", aliases: []string{"rm"}, args: []string{"ROOM_ID"}, nargs: 1, usage: "ROOM_ID --action-type leave|delete [--yes]",
			summary: "leave a group chat, or delete it for everyone", endpoint: "DELETE /rooms/{room_id}",
			details: `--action-type leave leaves the chat: your tasks and the files you uploaded in it are deleted.
--action-type delete deletes the chat for everyone, with its messages, tasks and files; it cannot be undone.
At a terminal you confirm by typing the chat's name; elsewhere --yes is required. One line on stderr
says what was done; nothing is printed on stdout.`,
			examples: `chatwork rooms delete 123 --action-type leave
chatwork rooms rm 123 --action-type delete --yes     # in a script`,
			setup: func(fs *flag.FlagSet) runFunc {
				action := fs.String("action-type", "", "leave or delete (required)")
				yes := yesVar(fs)
				return func(ctx context.Context, a *app, args []string) error {
					ids, err := parseIDs(a.cmd, args)
					if err != nil {
						return err
					}
					room := ids[0]
					var warning string
					switch *action {
					case actionLeave:
						warning = "You are leaving the chat %q (room %d): your tasks and the files you uploaded in it are deleted."
					case actionDelete:
						warning = "You are deleting the chat %q (room %d) for everyone, with its messages, tasks and files. This cannot be undone."
					case "":
						return usagef("--action-type leave|delete is required")
					default:
						return usagef("--action-type must be leave or delete, not %q", *action)
					}
					name := ""
					if !*yes {
						if !a.stdinTTY {
							return a.refuseWithoutYes()
						}
						d, _, err := a.c.Rooms.Get(ctx, room)
						if err != nil {
							return err
						}
						name = d.Name
						if err := a.confirm(fmt.Sprintf(warning, name, room), name); err != nil {
							return err
						}
					}
					if *action == actionLeave {
						if _, err := a.c.Rooms.Leave(ctx, room); err != nil {
							return err
						}
						a.done("Left room %d%s", room, quoted(name))
						return nil
					}
					if _, err := a.c.Rooms.Delete(ctx, room); err != nil {
						return err
					}
					a.done("Deleted room %d%s for everyone", room, quoted(name))
					return nil
				}
			},
		},
	}}
}

// quoted is " \"name\"" for a known name, else nothing.
func quoted(name string) string {
	if name == "" {
		return ""
	}
	return fmt.Sprintf(" %q", name)
}

func membersGroup() *group {
	return &group{name: "members", summary: "the members of a chat", cmds: []*command{
		{
			name: "list", aliases: []string{"ls"}, args: []string{"ROOM_ID"}, nargs: 1, usage: "ROOM_ID",
			summary: "list a chat's members and their roles", endpoint: "GET /rooms/{room_id}/members",
			examples: `chatwork members list 123
chatwork members ls 123 --jq '.[] | select(.role == "admin") | .name'`,
			setup: noFlags(call(func(ctx context.Context, a *app, ids []int64) ([]api.Member, *api.Response, error) {
				return a.c.Members.List(ctx, ids[0])
			})),
		},
		{
			name: "replace", args: []string{"ROOM_ID"}, nargs: 1,
			usage:   "ROOM_ID --members-admin-ids ID[,ID...] [--members-member-ids IDS] [--members-readonly-ids IDS] [--yes]",
			summary: "replace a chat's whole membership", endpoint: "PUT /rooms/{room_id}/members",
			details: `Anyone not listed is removed from the chat. At a terminal the command shows who would lose access
and you confirm by typing the chat's name; elsewhere --yes is required. The new membership is printed.`,
			examples: `chatwork members replace 123 --members-admin-ids 1 --members-member-ids 2,3
chatwork members replace 123 --members-admin-ids 1 --members-readonly-ids 4 --yes`,
			setup: func(fs *flag.FlagSet) runFunc {
				admins := idsVar(fs, "members-admin-ids", "administrators' account `IDs`, comma-separated (at least one)")
				members := idsVar(fs, "members-member-ids", "members' account `IDs`, comma-separated")
				readonly := idsVar(fs, "members-readonly-ids", "read-only members' account `IDs`, comma-separated")
				yes := yesVar(fs)
				return call(func(ctx context.Context, a *app, ids []int64) (*api.MembersResult, *api.Response, error) {
					room := ids[0]
					if !*yes {
						if err := a.confirmReplace(ctx, room, slices.Concat(*admins, *members, *readonly)); err != nil {
							return nil, nil, err
						}
					}
					res, r, err := a.c.Members.Replace(ctx, room, api.ReplaceMembersParams{AdminIDs: *admins, MemberIDs: *members, ReadonlyIDs: *readonly})
					if err == nil {
						a.done("Replaced the members of room %d: %d admin(s), %d member(s), %d read-only", room, len(res.Admin), len(res.Member), len(res.Readonly))
					}
					return res, r, err
				})
			},
		},
	}}
}

// confirmReplace shows who would lose access to room if only keep stayed,
// and asks for the room's name.
func (a *app) confirmReplace(ctx context.Context, room int64, keep []int64) error {
	if !a.stdinTTY {
		return a.refuseWithoutYes()
	}
	d, _, err := a.c.Rooms.Get(ctx, room)
	if err != nil {
		return err
	}
	current, _, err := a.c.Members.List(ctx, room)
	if err != nil {
		return err
	}
	var lose []string
	for _, m := range current {
		if !slices.Contains(keep, m.AccountID) {
			lose = append(lose, fmt.Sprintf("%s (account %d)", m.Name, m.AccountID))
		}
	}
	warning := fmt.Sprintf("You are replacing the members of %q (room %d): ", d.Name, room)
	if len(lose) == 0 {
		warning += "no one loses access."
	} else {
		warning += fmt.Sprintf("%d would lose access:\n    %s", len(lose), strings.Join(lose, "\n    "))
	}
	return a.confirm(warning, d.Name)
}

func messagesGroup() *group {
	return &group{name: "messages", summary: "the messages of a chat and your read position", cmds: []*command{
		{
			name: "list", aliases: []string{"ls"}, args: []string{"ROOM_ID"}, nargs: 1, usage: "ROOM_ID [--new]",
			summary: "list the latest 100 messages; --new lists those not fetched yet and moves the read cursor", endpoint: "GET /rooms/{room_id}/messages",
			details: `By default the latest 100 messages are listed (force=1) and nothing changes on the server.

--new lists only the messages this account has not fetched yet (force=0), and the server then
MOVES THE ACCOUNT'S READ CURSOR past them: this is shared by every program using the account's
token, so another script or bot that reads what is new will not see these messages again.
Use it only when this command is the account's one reader. 'chatwork messages watch' follows
new messages without moving anything.`,
			examples: `chatwork messages list 123
chatwork messages ls 123 --jq '.[] | select(.account.name == "Anna") | .body'
chatwork messages list 123 --new        # moves the read cursor for every program on the account`,
			setup: func(fs *flag.FlagSet) runFunc {
				onlyNew := fs.Bool("new", false, "list only what this account has not fetched yet; moves the account's read cursor for every program using it")
				var force flag01
				deprecatedFlag(fs, "force", &force, "the latest 100 are the default now; --new lists the new ones")
				return call(func(ctx context.Context, a *app, ids []int64) ([]api.Message, *api.Response, error) {
					list := a.c.Messages.ListLatest
					if *onlyNew || (force.set && !force.on) {
						list = a.c.Messages.ListNew
					}
					ms, r, err := list(ctx, ids[0])
					if err == nil && r != nil && r.MessageLimited {
						fmt.Fprintln(a.stderr, "chatwork: note: the free plan hides part of this chat's history")
					}
					return ms, r, err
				})
			},
		},
		{
			name: "post", args: []string{"ROOM_ID"}, nargs: 1, usage: "ROOM_ID --body TEXT [--self-unread]",
			summary: "post a message", endpoint: "POST /rooms/{room_id}/messages",
			details: "See also 'chatwork send' for mentions, replies, info boxes and text from stdin.",
			examples: `chatwork messages post 123 --body 'Deploy finished'
id=$(chatwork messages post 123 --body hi --jq .message_id)`,
			setup: func(fs *flag.FlagSet) runFunc {
				body := fs.String("body", "", "the message `text`, in Chatwork notation (required)")
				selfUnread := flag01Var(fs, "self-unread", "1 leaves the message unread for you")
				return call(func(ctx context.Context, a *app, ids []int64) (messageIDResult, *api.Response, error) {
					id, r, err := a.c.Messages.Post(ctx, ids[0], *body, &api.PostMessageOptions{SelfUnread: selfUnread.on})
					return messageIDResult{MessageID: id}, r, err
				})
			},
		},
		{
			name: "get", aliases: []string{"view"}, args: []string{"ROOM_ID", "MESSAGE_ID"}, nargs: 2, usage: "ROOM_ID MESSAGE_ID",
			summary: "show a message", endpoint: "GET /rooms/{room_id}/messages/{message_id}",
			examples: `chatwork messages view 123 1928374655918273645
chatwork messages get 123 1928374655918273645 --jq .body`,
			setup: noFlags(roomCall(func(ctx context.Context, a *app, room int64, msg string) (*api.Message, *api.Response, error) {
				return a.c.Messages.Get(ctx, room, msg)
			})),
		},
		{
			name: "update", args: []string{"ROOM_ID", "MESSAGE_ID"}, nargs: 2, usage: "ROOM_ID MESSAGE_ID --body TEXT",
			summary: "edit one of your messages", endpoint: "PUT /rooms/{room_id}/messages/{message_id}",
			examples: `chatwork messages update 123 1928374655918273645 --body 'Deploy finished (v1.2.3)'`,
			setup: func(fs *flag.FlagSet) runFunc {
				body := fs.String("body", "", "the new `text` (required)")
				return roomCall(func(ctx context.Context, a *app, room int64, msg string) (messageIDResult, *api.Response, error) {
					r, err := a.c.Messages.Update(ctx, room, msg, *body)
					return messageIDResult{MessageID: msg}, r, err
				})
			},
		},
		{
			name: "delete", aliases: []string{"rm"}, args: []string{"ROOM_ID", "MESSAGE_ID"}, nargs: 2, usage: "ROOM_ID MESSAGE_ID [--yes]",
			summary: "delete one of your messages", endpoint: "DELETE /rooms/{room_id}/messages/{message_id}",
			details: `At a terminal the message is shown and you confirm by typing its ID; elsewhere --yes is required.
One line on stderr says what was done; the message's ID is printed.`,
			examples: `chatwork messages delete 123 1928374655918273645
chatwork messages rm 123 1928374655918273645 --yes`,
			setup: func(fs *flag.FlagSet) runFunc {
				yes := yesVar(fs)
				return roomCall(func(ctx context.Context, a *app, room int64, msg string) (messageIDResult, *api.Response, error) {
					if !*yes {
						if !a.stdinTTY {
							return messageIDResult{}, nil, a.refuseWithoutYes()
						}
						m, _, err := a.c.Messages.Get(ctx, room, msg)
						if err != nil {
							return messageIDResult{}, nil, err
						}
						warning := fmt.Sprintf("You are deleting this message of %s in room %d: %q", m.Account.Name, room, summary(m.Body, 60))
						if err := a.confirm(warning, msg); err != nil {
							return messageIDResult{}, nil, err
						}
					}
					r, err := a.c.Messages.Delete(ctx, room, msg)
					if err == nil {
						a.done("Deleted message %s in room %d", msg, room)
					}
					return messageIDResult{MessageID: msg}, r, err
				})
			},
		},
		{
			name: "read", args: []string{"ROOM_ID"}, nargs: 1, usage: "ROOM_ID [--message-id ID]",
			summary: "mark messages read up to a message", endpoint: "PUT /rooms/{room_id}/messages/read",
			details: "The chat's remaining unread and mention counts are printed. The API answers 400 when the messages are already read.",
			examples: `chatwork messages read 123
chatwork messages read 123 --message-id 1928374655918273645`,
			setup: func(fs *flag.FlagSet) runFunc {
				msg := fs.String("message-id", "", "mark read up to and including this message (default: left to the API)")
				return call(func(ctx context.Context, a *app, ids []int64) (*api.ReadResult, *api.Response, error) {
					return a.c.Messages.MarkRead(ctx, ids[0], *msg)
				})
			},
		},
		{
			name: "unread", args: []string{"ROOM_ID"}, nargs: 1, usage: "ROOM_ID --message-id ID",
			summary: "mark messages unread from a message on", endpoint: "PUT /rooms/{room_id}/messages/unread",
			examples: `chatwork messages unread 123 --message-id 1928374655918273645`,
			setup: func(fs *flag.FlagSet) runFunc {
				msg := fs.String("message-id", "", "mark this message and every later one unread (required)")
				return call(func(ctx context.Context, a *app, ids []int64) (*api.ReadResult, *api.Response, error) {
					if *msg == "" {
						return nil, nil, usagef("--message-id is required")
					}
					return a.c.Messages.MarkUnread(ctx, ids[0], *msg)
				})
			},
		},
	}}
}

func filesGroup() *group {
	return &group{name: "files", summary: "the files of a chat", cmds: []*command{
		{
			name: "list", aliases: []string{"ls"}, args: []string{"ROOM_ID"}, nargs: 1, usage: "ROOM_ID [--by ACCOUNT_ID|@NAME]",
			summary: "list a chat's files (at most 100)", endpoint: "GET /rooms/{room_id}/files",
			renamed: map[string]string{"account-id": "by"},
			examples: `chatwork files list 123
chatwork files ls 123 --by 456 --json file_id,filename`,
			setup: func(fs *flag.FlagSet) runFunc {
				by := accountsVar(fs, "by", "only files uploaded by this account: an ID or an @name (a contact or member)")
				return call(func(ctx context.Context, a *app, ids []int64) ([]api.File, *api.Response, error) {
					byID, err := a.resolveAccount(ctx, ids[0], "--by", by)
					if err != nil {
						return nil, nil, err
					}
					return a.c.Files.List(ctx, ids[0], &api.ListFilesOptions{UploaderID: byID})
				})
			},
		},
		{
			name: "get", aliases: []string{"view"}, args: []string{"ROOM_ID", "FILE_ID"}, nargs: 2, usage: "ROOM_ID FILE_ID [--create-download-url]",
			examples: `chatwork files view 123 789
chatwork files get 123 789 --create-download-url --jq .download_url`,
			summary: "show a file, with a download URL on request", endpoint: "GET /rooms/{room_id}/files/{file_id}",
			details: "The download URL is valid for " + downloadURLLifetime + "; 'chatwork files download' fetches it for you.",
			setup: func(fs *flag.FlagSet) runFunc {
				dl := flag01Var(fs, "create-download-url", "1 adds a download URL valid for "+downloadURLLifetime)
				return call(func(ctx context.Context, a *app, ids []int64) (*api.File, *api.Response, error) {
					if dl.on {
						return a.c.Files.GetWithDownloadURL(ctx, ids[0], ids[1])
					}
					return a.c.Files.Get(ctx, ids[0], ids[1])
				})
			},
		},
		{
			name: "upload", args: []string{"ROOM_ID", "PATH"}, nargs: 2, usage: "ROOM_ID PATH [--message TEXT]",
			summary: "upload a file (at most 5 MB) as a message", endpoint: "POST /rooms/{room_id}/files",
			examples: `chatwork files upload 123 report.pdf --message 'The monthly report'`,
			setup: func(fs *flag.FlagSet) runFunc {
				msg := fs.String("message", "", "`text` posted with the file")
				return roomCall(func(ctx context.Context, a *app, room int64, path string) (fileIDResult, *api.Response, error) {
					id, err := uploadFile(ctx, a.c, room, path, *msg)
					return fileIDResult{FileID: id}, nil, err
				})
			},
		},
		{
			name: "download", args: []string{"ROOM_ID", "FILE_ID"}, nargs: 2, usage: "ROOM_ID FILE_ID [-O PATH]",
			summary: "download a file through its download URL", endpoint: "GET /rooms/{room_id}/files/{file_id}",
			details: `Without -O the file's bytes are written to stdout. With -O (--output-file) the file is written
to PATH (complete or not at all) and its details are printed.`,
			examples: `chatwork files download 123 789 > report.pdf
chatwork files download 123 789 -O report.pdf`,
			setup: func(fs *flag.FlagSet) runFunc {
				out := fs.String("output-file", "", "write the file to `PATH` instead of stdout")
				return func(ctx context.Context, a *app, args []string) error {
					ids, err := parseIDs(a.cmd, args)
					if err != nil {
						return err
					}
					if *out == "" {
						_, _, err := a.c.Files.Download(ctx, ids[0], ids[1], a.stdout)
						return err
					}
					f, err := downloadTo(ctx, a.c, ids[0], ids[1], *out)
					if err != nil {
						return err
					}
					return a.print(f)
				}
			},
		},
	}}
}

// uploadFile uploads the file at path to the room.
// The file may be a FIFO: reading it stops when ctx ends.
func uploadFile(ctx context.Context, c *api.Client, room int64, path, message string) (int64, error) {
	b, err := readFile(ctx, path, "the file", api.MaxUploadSize) // Upload refuses more
	if err != nil {
		return 0, err
	}
	id, _, err := c.Files.Upload(ctx, room, api.UploadFileParams{Name: filepath.Base(path), Content: bytes.NewReader(b), Message: message})
	return id, err
}

// downloadTo downloads a file into path through a temporary file in the
// same directory, so that a failed download leaves no partial file.
func downloadTo(ctx context.Context, c *api.Client, room, file int64, path string) (*api.File, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.part")
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp.Name()) // a no-op after the rename
	f, _, err := c.Files.Download(ctx, room, file, tmp)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return nil, err
	}
	return f, nil
}

// noLink is what the API answers for a chat without an invitation link:
// {"public": false} alone.
type noLink struct {
	Public bool `json:"public"`
}

// linkOf is the link a call returns, ready to print as the API answers it.
func linkOf(l *api.InvitationLink, r *api.Response, err error) (any, *api.Response, error) {
	if l == nil || !l.Public {
		return noLink{}, r, err
	}
	return l, r, err
}

func linksGroup() *group {
	linkFlags := func(fs *flag.FlagSet) func() api.LinkParams {
		code := fs.String("code", "", "the link's path, [A-Za-z0-9_-]{1,50}; random when left out")
		accept := flag01Var(fs, "need-acceptance", "1 (the API's default): joiners need an administrator's approval")
		desc := fs.String("description", "", "the `text` of the link's page")
		return func() api.LinkParams {
			return api.LinkParams{Code: *code, NeedAcceptance: accept.ptr(), Description: *desc}
		}
	}
	return &group{name: "links", summary: "the invitation link of a group chat", cmds: []*command{
		{
			name: "get", args: []string{"ROOM_ID"}, nargs: 1, usage: "ROOM_ID",
			summary: "show a chat's invitation link", endpoint: "GET /rooms/{room_id}/link",
			aliases:  []string{"view"},
			examples: `chatwork links get 123 --jq .url`,
			setup: noFlags(call(func(ctx context.Context, a *app, ids []int64) (any, *api.Response, error) {
				return linkOf(a.c.Links.Get(ctx, ids[0]))
			})),
		},
		{
			name: "create", args: []string{"ROOM_ID"}, nargs: 1,
			usage:   "ROOM_ID [--code CODE] [--need-acceptance=0|1] [--description TEXT]",
			summary: "create a chat's invitation link", endpoint: "POST /rooms/{room_id}/link",
			examples: `chatwork links create 123 --code team-ops --need-acceptance 0 --description 'Join the ops chat'`,
			setup: func(fs *flag.FlagSet) runFunc {
				params := linkFlags(fs)
				return call(func(ctx context.Context, a *app, ids []int64) (any, *api.Response, error) {
					return linkOf(a.c.Links.Create(ctx, ids[0], params()))
				})
			},
		},
		{
			name: "update", args: []string{"ROOM_ID"}, nargs: 1,
			usage:   "ROOM_ID [--code CODE] [--need-acceptance=0|1] [--description TEXT]",
			summary: "change a chat's invitation link", endpoint: "PUT /rooms/{room_id}/link",
			details:  "Chatwork does not document whether fields left out keep their values: give every field you care about.",
			examples: `chatwork links update 123 --code team-ops --need-acceptance 1`,
			setup: func(fs *flag.FlagSet) runFunc {
				params := linkFlags(fs)
				return call(func(ctx context.Context, a *app, ids []int64) (any, *api.Response, error) {
					return linkOf(a.c.Links.Update(ctx, ids[0], params()))
				})
			},
		},
		{
			name: "delete", aliases: []string{"rm"}, args: []string{"ROOM_ID"}, nargs: 1, usage: "ROOM_ID [--yes]",
			summary: "delete a chat's invitation link", endpoint: "DELETE /rooms/{room_id}/link",
			details: `Whoever has the link can no longer join with it. At a terminal you confirm by typing the chat's
name; elsewhere --yes is required. One line on stderr says what was done; {"public": false} is printed.`,
			examples: `chatwork links delete 123
chatwork links rm 123 --yes`,
			setup: func(fs *flag.FlagSet) runFunc {
				yes := yesVar(fs)
				return call(func(ctx context.Context, a *app, ids []int64) (any, *api.Response, error) {
					room := ids[0]
					if !*yes {
						if !a.stdinTTY {
							return nil, nil, a.refuseWithoutYes()
						}
						d, _, err := a.c.Rooms.Get(ctx, room)
						if err != nil {
							return nil, nil, err
						}
						l, _, err := a.c.Links.Get(ctx, room)
						if err != nil {
							return nil, nil, err
						}
						if l == nil || !l.Public {
							return nil, nil, fmt.Errorf("room %d %q has no invitation link: nothing to delete", room, d.Name)
						}
						warning := fmt.Sprintf("You are deleting the invitation link %s of %q (room %d).", l.URL, d.Name, room)
						if err := a.confirm(warning, d.Name); err != nil {
							return nil, nil, err
						}
					}
					r, err := a.c.Links.Delete(ctx, room)
					if err == nil {
						a.done("Deleted the invitation link of room %d", room)
					}
					return noLink{}, r, err
				})
			},
		},
	}}
}

func requestsGroup() *group {
	return &group{name: "requests", summary: "contact requests sent to you", cmds: []*command{
		{
			name: "list", aliases: []string{"ls"}, usage: "", summary: "list pending contact requests (at most 100)", endpoint: "GET /incoming_requests",
			examples: `chatwork requests list`,
			setup: noFlags(call(func(ctx context.Context, a *app, _ []int64) ([]api.IncomingRequest, *api.Response, error) {
				return a.c.IncomingRequests.List(ctx)
			})),
		},
		{
			name: "accept", args: []string{"REQUEST_ID"}, nargs: 1, usage: "REQUEST_ID",
			summary: "accept a contact request; prints the new contact", endpoint: "PUT /incoming_requests/{request_id}",
			examples: `chatwork requests accept 42`,
			setup: noFlags(call(func(ctx context.Context, a *app, ids []int64) (*api.Contact, *api.Response, error) {
				return a.c.IncomingRequests.Accept(ctx, ids[0])
			})),
		},
		{
			name: "reject", args: []string{"REQUEST_ID"}, nargs: 1, usage: "REQUEST_ID [--yes]",
			summary: "decline a contact request", endpoint: "DELETE /incoming_requests/{request_id}",
			details: `At a terminal you confirm by typing the requester's name; elsewhere --yes is required. One line
on stderr says what was done; nothing is printed on stdout.`,
			examples: `chatwork requests reject 42
chatwork requests reject 42 --yes`,
			setup: func(fs *flag.FlagSet) runFunc {
				yes := yesVar(fs)
				return func(ctx context.Context, a *app, args []string) error {
					ids, err := parseIDs(a.cmd, args)
					if err != nil {
						return err
					}
					name := ""
					if !*yes {
						if !a.stdinTTY {
							return a.refuseWithoutYes()
						}
						reqs, _, err := a.c.IncomingRequests.List(ctx)
						if err != nil {
							return err
						}
						i := slices.IndexFunc(reqs, func(r api.IncomingRequest) bool { return r.RequestID == ids[0] })
						if i < 0 {
							return fmt.Errorf("no pending contact request %d (chatwork requests list shows them)", ids[0])
						}
						name = reqs[i].Name
						if err := a.confirm(fmt.Sprintf("You are declining the contact request of %s (account %d).", name, reqs[i].AccountID), name); err != nil {
							return err
						}
					}
					if _, err := a.c.IncomingRequests.Reject(ctx, ids[0]); err != nil {
						return err
					}
					a.done("Declined contact request %d%s", ids[0], quoted(name))
					return nil
				}
			},
		},
	}}
}
