package main

import (
	"context"
	"flag"
	"fmt"
	"strings"

	"github.com/chatwork-go/chatwork/api"
	"github.com/chatwork-go/chatwork/api/notation"
)

func versionCommand() *command {
	return &command{
		usage: "", summary: "print the version", noAPI: true,
		examples: "chatwork version",
		setup: noFlags(func(_ context.Context, a *app, _ []string) error {
			printVersion(a.stdout)
			return nil
		}),
	}
}

func sendCommand() *command {
	return &command{
		args: []string{"ROOM_ID", "TEXT"}, nargs: -1,
		examples: `chatwork send 123 'Deploy finished' --to @anna
echo 'Build #42 failed' | chatwork send 123 - --to 456 --info-title CI
chatwork send 123 'The log' --file build.log`,
		usage:   "ROOM_ID TEXT|- [--to ACCOUNT_ID]... [--reply MESSAGE_ID] [--info-title TITLE] [--file PATH] [--self-unread]",
		summary: "post a message, with mentions, a reply, an info box or a file", endpoint: "POST /rooms/{room_id}/messages",
		details: `TEXT - reads the text from stdin (one trailing newline is dropped):
  echo 'Build #42 failed' | chatwork send 123 - --to 456 --info-title CI

The markup is built with package notation:
  --to ID|@NAME     starts the message with [To:ID]; repeat it or list IDs as 1,2; @anna is
                    looked up among your contacts and the room's members
  --reply ID        replies to message ID of the room: [rp aid=SENDER to=ROOM-ID] (the sender is looked up)
  --info-title T    wraps the text in [info][title]T[/title]...[/info]

With --file the file is uploaded (POST /rooms/{room_id}/files) and the text, which may then be
left out, becomes its message.

The new message's ID is printed (the file's with --file): alone in a pipe, so that a script can
write id=$(chatwork send 123 hi); -o json prints the API's {"message_id": "..."}.`,
		setup: func(fs *flag.FlagSet) runFunc {
			to := accountsVar(fs, "to", "mention these accounts at the start: IDs or @names (contacts, members of the room); repeatable")
			reply := fs.String("reply", "", "reply to the message with this `MESSAGE_ID`")
			title := fs.String("info-title", "", "wrap the text in an info box with this `TITLE`")
			file := fs.String("file", "", "upload the file at `PATH` with the text as its message")
			selfUnread := flag01Var(fs, "self-unread", "1 leaves the message unread for you (not with --file)")
			return func(ctx context.Context, a *app, args []string) error {
				if len(args) == 0 {
					return usagef("missing arguments: want ROOM_ID TEXT (or - to read stdin)")
				}
				if len(args) > 2 {
					return usagef("too many arguments: quote the text, as in chatwork send %s 'the text'", args[0])
				}
				room, err := parseID("ROOM_ID", args[0])
				if err != nil {
					return err
				}
				text := ""
				if len(args) == 2 {
					text = args[1]
				}
				if text == "-" {
					b, err := readStdin(ctx, a.stdin, "the text from stdin", 4*api.MaxMessageLength)
					if err != nil {
						return err
					}
					text = strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
					if text == "" && *file == "" {
						return usagef("stdin was empty: nothing to send")
					}
				}
				if text == "" && *file == "" {
					return usagef("missing TEXT: give the text, - to read stdin, or --file PATH")
				}
				if *file != "" && selfUnread.on {
					return usagef("--self-unread does not apply to --file uploads")
				}

				b := notation.NewBuilder()
				if *reply != "" {
					m, _, err := a.c.Messages.Get(ctx, room, *reply)
					if err != nil {
						return fmt.Errorf("looking up the message to reply to: %w", err)
					}
					b.Reply(m.Account.AccountID, room, *reply, m.Account.Name)
				}
				mentions, err := a.resolveAccounts(ctx, room, "--to", to)
				if err != nil {
					return err
				}
				for _, id := range mentions {
					b.To(id, "")
				}
				switch {
				case *title != "":
					b.Info(*title, text)
				default:
					b.Text(text)
				}
				body := strings.TrimRight(b.String(), "\n")

				if *file != "" {
					id, err := uploadFile(ctx, a.c, room, *file, body)
					if err != nil {
						return err
					}
					return a.print(fileIDResult{FileID: id})
				}
				id, _, err := a.c.Messages.Post(ctx, room, body, &api.PostMessageOptions{SelfUnread: selfUnread.on})
				if err != nil {
					return err
				}
				return a.print(messageIDResult{MessageID: id})
			}
		},
	}
}
