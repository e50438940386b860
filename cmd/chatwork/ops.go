package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/chatwork-go/chatwork/api"
)

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
		setup: noFlags(call(func(ctx context.Context, a *app, _ []int64) (*api.Me, *api.Response, error) {
			return a.c.Me.Get(ctx)
		})),
	}
}

func statusCommand() *command {
	return &command{
		usage: "", summary: "show your unread, mention and task counts", endpoint: "GET /my/status",
		setup: noFlags(call(func(ctx context.Context, a *app, _ []int64) (*api.MyStatus, *api.Response, error) {
			return a.c.Me.Status(ctx)
		})),
	}
}

func contactsCommand() *command {
	return &command{
		usage: "", summary: "list your contacts", endpoint: "GET /contacts",
		setup: noFlags(call(func(ctx context.Context, a *app, _ []int64) ([]api.Contact, *api.Response, error) {
			return a.c.Contacts.List(ctx)
		})),
	}
}

func tasksGroup() *group {
	return &group{name: "tasks", summary: "your tasks and the tasks of a room", cmds: []*command{
		{
			name: "mine", usage: "[--assigned-by-account-id ID] [--status open|done]",
			summary: "list the tasks assigned to you (at most 100)", endpoint: "GET /my/tasks",
			setup: func(fs *flag.FlagSet) runFunc {
				by := fs.Int64("assigned-by-account-id", 0, "only tasks assigned by this `account_id`")
				status := fs.String("status", "", "open (the API's default) or done")
				return call(func(ctx context.Context, a *app, _ []int64) ([]api.MyTask, *api.Response, error) {
					if err := oneOf("status", api.TaskStatus(*status), taskStatuses...); err != nil {
						return nil, nil, err
					}
					return a.c.Me.Tasks(ctx, &api.ListMyTasksOptions{AssignedByAccountID: *by, Status: api.TaskStatus(*status)})
				})
			},
		},
		{
			name: "list", args: []string{"ROOM_ID"}, nargs: 1,
			usage:   "ROOM_ID [--account-id ID] [--assigned-by-account-id ID] [--status open|done]",
			summary: "list a room's tasks (at most 100)", endpoint: "GET /rooms/{room_id}/tasks",
			setup: func(fs *flag.FlagSet) runFunc {
				to := fs.Int64("account-id", 0, "only tasks assigned to this `account_id`")
				by := fs.Int64("assigned-by-account-id", 0, "only tasks assigned by this `account_id`")
				status := fs.String("status", "", "open (the API's default) or done")
				return call(func(ctx context.Context, a *app, ids []int64) ([]api.RoomTask, *api.Response, error) {
					if err := oneOf("status", api.TaskStatus(*status), taskStatuses...); err != nil {
						return nil, nil, err
					}
					return a.c.Tasks.List(ctx, ids[0], &api.ListTasksOptions{AssigneeID: *to, AssignedByAccountID: *by, Status: api.TaskStatus(*status)})
				})
			},
		},
		{
			name: "get", args: []string{"ROOM_ID", "TASK_ID"}, nargs: 2, usage: "ROOM_ID TASK_ID",
			summary: "show a task", endpoint: "GET /rooms/{room_id}/tasks/{task_id}",
			setup: noFlags(call(func(ctx context.Context, a *app, ids []int64) (*api.RoomTask, *api.Response, error) {
				return a.c.Tasks.Get(ctx, ids[0], ids[1])
			})),
		},
		{
			name: "create", args: []string{"ROOM_ID"}, nargs: 1,
			usage:   "ROOM_ID --body TEXT --to-ids ID[,ID...] [--limit DATE|RFC3339|UNIX] [--limit-type none|date|time]",
			summary: "create a task for each assignee", endpoint: "POST /rooms/{room_id}/tasks",
			details: `One task is created per account in --to-ids; the IDs of the new tasks are printed.
Task creations and message posts share the room's limit of 10 per 10 seconds.

--limit 2030-01-31 sets a date deadline (limit_type date) at the end of that day in Japan Standard
Time (2030-01-31T23:59:59+09:00), as Chatwork's documents write date deadlines: the day is the same
for every user of a Japanese account, whatever the time zone of the machine that runs chatwork.
An RFC 3339 time or Unix seconds set a time deadline (limit_type time), unless --limit-type date.`,
			setup: func(fs *flag.FlagSet) runFunc {
				body := fs.String("body", "", "the task's `text` (required)")
				to := idsVar(fs, "to-ids", "the assignees' account `IDs`, comma-separated (required)")
				var limit limitFlag
				fs.Var(&limit, "limit", "the deadline: a date such as 2030-01-31 (the day in JST), RFC 3339 such as 2030-01-31T18:00:00+09:00, or Unix seconds")
				limitType := fs.String("limit-type", "", "how the deadline is read: none, date or time (default: date for a date, else time)")
				return call(func(ctx context.Context, a *app, ids []int64) (taskIDsResult, *api.Response, error) {
					if err := oneOf("limit-type", api.TaskLimitType(*limitType), limitTypes...); err != nil {
						return taskIDsResult{}, nil, err
					}
					if lt := api.TaskLimitType(*limitType); lt != "" && lt != api.TaskLimitTypeNone && limit.t.IsZero() {
						return taskIDsResult{}, nil, usagef("--limit-type %s needs --limit", *limitType)
					}
					lt := api.TaskLimitType(*limitType)
					if limit.dateOnly {
						switch lt {
						case "":
							lt = api.TaskLimitTypeDate
						case api.TaskLimitTypeTime:
							return taskIDsResult{}, nil, usagef("--limit %s is a date: give a time too (2030-01-31T18:00:00+09:00) for --limit-type time", limit.String())
						}
					}
					taskIDs, r, err := a.c.Tasks.Create(ctx, ids[0], api.CreateTaskParams{
						Body: *body, AssigneeIDs: *to, LimitTime: limit.t, LimitType: lt,
					})
					return taskIDsResult{TaskIDs: taskIDs}, r, err
				})
			},
		},
		{
			name: "status", args: []string{"ROOM_ID", "TASK_ID"}, nargs: 2, usage: "ROOM_ID TASK_ID --body open|done",
			summary: "complete or reopen a task", endpoint: "PUT /rooms/{room_id}/tasks/{task_id}/status",
			details: "The API names the new status 'body': --body done completes the task, --body open reopens it.",
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

func roomsGroup() *group {
	return &group{name: "rooms", summary: "your chats", cmds: []*command{
		{
			name: "list", usage: "", summary: "list your chats, My Chat included", endpoint: "GET /rooms",
			setup: noFlags(call(func(ctx context.Context, a *app, _ []int64) ([]api.Room, *api.Response, error) {
				return a.c.Rooms.List(ctx)
			})),
		},
		{
			name: "create",
			usage: "--name NAME --members-admin-ids ID[,ID...] [--members-member-ids IDS] [--members-readonly-ids IDS]\n" +
				"         [--description TEXT] [--icon-preset ICON] [--link] [--link-code CODE] [--link-need-acceptance=0|1]",
			summary: "create a group chat", endpoint: "POST /rooms",
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
			name: "get", args: []string{"ROOM_ID"}, nargs: 1, usage: "ROOM_ID",
			summary: "show a chat with its description", endpoint: "GET /rooms/{room_id}",
			setup: noFlags(call(func(ctx context.Context, a *app, ids []int64) (*api.RoomDetail, *api.Response, error) {
				return a.c.Rooms.Get(ctx, ids[0])
			})),
		},
		{
			name: "update", args: []string{"ROOM_ID"}, nargs: 1,
			usage:   "ROOM_ID [--name NAME] [--description TEXT] [--icon-preset ICON]",
			summary: "change a chat's name, description or icon", endpoint: "PUT /rooms/{room_id}",
			details: "Only the flags given are changed; --description '' clears the description.",
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
			name: "delete", args: []string{"ROOM_ID"}, nargs: 1, usage: "ROOM_ID --action-type leave|delete",
			summary: "leave a group chat, or delete it for everyone", endpoint: "DELETE /rooms/{room_id}",
			details: `--action-type leave leaves the chat: your tasks and the files you uploaded in it are deleted.
--action-type delete deletes the chat for everyone, with its messages, tasks and files; it cannot be undone.
Nothing is printed on success.`,
			setup: func(fs *flag.FlagSet) runFunc {
				action := fs.String("action-type", "", "leave or delete (required)")
				return func(ctx context.Context, a *app, args []string) error {
					ids, err := parseIDs(a.cmd, args)
					if err != nil {
						return err
					}
					switch *action {
					case actionLeave:
						_, err = a.c.Rooms.Leave(ctx, ids[0])
					case actionDelete:
						_, err = a.c.Rooms.Delete(ctx, ids[0])
					case "":
						return usagef("--action-type leave|delete is required")
					default:
						return usagef("--action-type must be leave or delete, not %q", *action)
					}
					return err
				}
			},
		},
	}}
}

func membersGroup() *group {
	return &group{name: "members", summary: "the members of a chat", cmds: []*command{
		{
			name: "list", args: []string{"ROOM_ID"}, nargs: 1, usage: "ROOM_ID",
			summary: "list a chat's members and their roles", endpoint: "GET /rooms/{room_id}/members",
			setup: noFlags(call(func(ctx context.Context, a *app, ids []int64) ([]api.Member, *api.Response, error) {
				return a.c.Members.List(ctx, ids[0])
			})),
		},
		{
			name: "replace", args: []string{"ROOM_ID"}, nargs: 1,
			usage:   "ROOM_ID --members-admin-ids ID[,ID...] [--members-member-ids IDS] [--members-readonly-ids IDS]",
			summary: "replace a chat's whole membership", endpoint: "PUT /rooms/{room_id}/members",
			details: "Anyone not listed is removed from the chat. The new membership is printed.",
			setup: func(fs *flag.FlagSet) runFunc {
				admins := idsVar(fs, "members-admin-ids", "administrators' account `IDs`, comma-separated (at least one)")
				members := idsVar(fs, "members-member-ids", "members' account `IDs`, comma-separated")
				readonly := idsVar(fs, "members-readonly-ids", "read-only members' account `IDs`, comma-separated")
				return call(func(ctx context.Context, a *app, ids []int64) (*api.MembersResult, *api.Response, error) {
					return a.c.Members.Replace(ctx, ids[0], api.ReplaceMembersParams{AdminIDs: *admins, MemberIDs: *members, ReadonlyIDs: *readonly})
				})
			},
		},
	}}
}

func messagesGroup() *group {
	return &group{name: "messages", summary: "the messages of a chat and your read position", cmds: []*command{
		{
			name: "list", args: []string{"ROOM_ID"}, nargs: 1, usage: "ROOM_ID [--force]",
			summary: "list new messages, or the latest 100 with --force 1", endpoint: "GET /rooms/{room_id}/messages",
			details: `Without --force (or with --force 0) only the messages you have not fetched yet are listed,
and the server moves your cursor past them: a second call lists only what arrived in between.
--force 1 lists the latest 100 messages and moves nothing.`,
			setup: func(fs *flag.FlagSet) runFunc {
				force := flag01Var(fs, "force", "1 lists the latest 100 messages instead of the new ones")
				return call(func(ctx context.Context, a *app, ids []int64) ([]api.Message, *api.Response, error) {
					list := a.c.Messages.ListNew
					if force.on {
						list = a.c.Messages.ListLatest
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
			name: "get", args: []string{"ROOM_ID", "MESSAGE_ID"}, nargs: 2, usage: "ROOM_ID MESSAGE_ID",
			summary: "show a message", endpoint: "GET /rooms/{room_id}/messages/{message_id}",
			setup: noFlags(roomCall(func(ctx context.Context, a *app, room int64, msg string) (*api.Message, *api.Response, error) {
				return a.c.Messages.Get(ctx, room, msg)
			})),
		},
		{
			name: "update", args: []string{"ROOM_ID", "MESSAGE_ID"}, nargs: 2, usage: "ROOM_ID MESSAGE_ID --body TEXT",
			summary: "edit one of your messages", endpoint: "PUT /rooms/{room_id}/messages/{message_id}",
			setup: func(fs *flag.FlagSet) runFunc {
				body := fs.String("body", "", "the new `text` (required)")
				return roomCall(func(ctx context.Context, a *app, room int64, msg string) (messageIDResult, *api.Response, error) {
					r, err := a.c.Messages.Update(ctx, room, msg, *body)
					return messageIDResult{MessageID: msg}, r, err
				})
			},
		},
		{
			name: "delete", args: []string{"ROOM_ID", "MESSAGE_ID"}, nargs: 2, usage: "ROOM_ID MESSAGE_ID",
			summary: "delete one of your messages", endpoint: "DELETE /rooms/{room_id}/messages/{message_id}",
			setup: noFlags(roomCall(func(ctx context.Context, a *app, room int64, msg string) (messageIDResult, *api.Response, error) {
				r, err := a.c.Messages.Delete(ctx, room, msg)
				return messageIDResult{MessageID: msg}, r, err
			})),
		},
		{
			name: "read", args: []string{"ROOM_ID"}, nargs: 1, usage: "ROOM_ID [--message-id ID]",
			summary: "mark messages read up to a message", endpoint: "PUT /rooms/{room_id}/messages/read",
			details: "The chat's remaining unread and mention counts are printed. The API answers 400 when the messages are already read.",
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
			name: "list", args: []string{"ROOM_ID"}, nargs: 1, usage: "ROOM_ID [--account-id ID]",
			summary: "list a chat's files (at most 100)", endpoint: "GET /rooms/{room_id}/files",
			setup: func(fs *flag.FlagSet) runFunc {
				by := fs.Int64("account-id", 0, "only files uploaded by this `account_id`")
				return call(func(ctx context.Context, a *app, ids []int64) ([]api.File, *api.Response, error) {
					return a.c.Files.List(ctx, ids[0], &api.ListFilesOptions{UploaderID: *by})
				})
			},
		},
		{
			name: "get", args: []string{"ROOM_ID", "FILE_ID"}, nargs: 2, usage: "ROOM_ID FILE_ID [--create-download-url]",
			summary: "show a file, with a download URL on request", endpoint: "GET /rooms/{room_id}/files/{file_id}",
			details: "The download URL is valid for 30 seconds; 'chatwork files download' fetches it for you.",
			setup: func(fs *flag.FlagSet) runFunc {
				dl := flag01Var(fs, "create-download-url", "1 adds a download URL valid for 30 seconds")
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
to PATH (complete or not at all) and its details are printed, as -o json or -o table says.`,
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
func uploadFile(ctx context.Context, c *api.Client, room int64, path, message string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	id, _, err := c.Files.Upload(ctx, room, api.UploadFileParams{Name: filepath.Base(path), Content: f, Message: message})
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
			setup: noFlags(call(func(ctx context.Context, a *app, ids []int64) (any, *api.Response, error) {
				return linkOf(a.c.Links.Get(ctx, ids[0]))
			})),
		},
		{
			name: "create", args: []string{"ROOM_ID"}, nargs: 1,
			usage:   "ROOM_ID [--code CODE] [--need-acceptance=0|1] [--description TEXT]",
			summary: "create a chat's invitation link", endpoint: "POST /rooms/{room_id}/link",
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
			details: "Chatwork does not document whether fields left out keep their values: give every field you care about.",
			setup: func(fs *flag.FlagSet) runFunc {
				params := linkFlags(fs)
				return call(func(ctx context.Context, a *app, ids []int64) (any, *api.Response, error) {
					return linkOf(a.c.Links.Update(ctx, ids[0], params()))
				})
			},
		},
		{
			name: "delete", args: []string{"ROOM_ID"}, nargs: 1, usage: "ROOM_ID",
			summary: "delete a chat's invitation link", endpoint: "DELETE /rooms/{room_id}/link",
			setup: noFlags(call(func(ctx context.Context, a *app, ids []int64) (any, *api.Response, error) {
				r, err := a.c.Links.Delete(ctx, ids[0])
				return noLink{}, r, err
			})),
		},
	}}
}

func requestsGroup() *group {
	return &group{name: "requests", summary: "contact requests sent to you", cmds: []*command{
		{
			name: "list", usage: "", summary: "list pending contact requests (at most 100)", endpoint: "GET /incoming_requests",
			setup: noFlags(call(func(ctx context.Context, a *app, _ []int64) ([]api.IncomingRequest, *api.Response, error) {
				return a.c.IncomingRequests.List(ctx)
			})),
		},
		{
			name: "accept", args: []string{"REQUEST_ID"}, nargs: 1, usage: "REQUEST_ID",
			summary: "accept a contact request; prints the new contact", endpoint: "PUT /incoming_requests/{request_id}",
			setup: noFlags(call(func(ctx context.Context, a *app, ids []int64) (*api.Contact, *api.Response, error) {
				return a.c.IncomingRequests.Accept(ctx, ids[0])
			})),
		},
		{
			name: "reject", args: []string{"REQUEST_ID"}, nargs: 1, usage: "REQUEST_ID",
			summary: "decline a contact request", endpoint: "DELETE /incoming_requests/{request_id}",
			details: "Nothing is printed on success.",
			setup: noFlags(func(ctx context.Context, a *app, args []string) error {
				ids, err := parseIDs(a.cmd, args)
				if err != nil {
					return err
				}
				_, err = a.c.IncomingRequests.Reject(ctx, ids[0])
				return err
			}),
		},
	}}
}
