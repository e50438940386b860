// A type-level check of the TypeScript types that openapi-typescript makes
// from openapi.yaml. `make typescript` writes ./chatwork.d.ts (not committed)
// and runs tsc over this file; nothing here is executed.
//
// It pins the wire rules a TypeScript user depends on: message_id is a string
// of digits everywhere, every other ID is a number, and the paths are the
// API's own.
import type { components, operations, paths } from "./chatwork";

type Schemas = components["schemas"];

// Exact type equality: true only when A and B are the same type.
type Equal<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Expect<T extends true> = T;

// message_id is a string, in every schema that carries one.
export type MessageIDIsString = Expect<Equal<Schemas["Message"]["message_id"], string>>;
export type MyTaskMessageIDIsString = Expect<Equal<Schemas["MyTask"]["message_id"], string>>;
export type RoomTaskMessageIDIsString = Expect<Equal<Schemas["RoomTask"]["message_id"], string>>;
export type FileMessageIDIsString = Expect<Equal<Schemas["RoomFile"]["message_id"], string>>;

// Every other ID is a number.
export type RoomIDIsNumber = Expect<Equal<Schemas["Room"]["room_id"], number>>;
export type AccountIDIsNumber = Expect<Equal<Schemas["AccountSummary"]["account_id"], number>>;
export type TaskIDIsNumber = Expect<Equal<Schemas["RoomTask"]["task_id"], number>>;
export type SendTimeIsNumber = Expect<Equal<Schemas["Message"]["send_time"], number>>;

// The messages path exists, takes a numeric room_id and lists Message values.
type MessagesPath = paths["/rooms/{room_id}/messages"];
export type MessagesRoomIDIsNumber = Expect<
  Equal<MessagesPath["parameters"]["path"]["room_id"], number>
>;
type ListMessages = NonNullable<MessagesPath["get"]>;
export type ListMessagesIsTheOperation = Expect<Equal<ListMessages, operations["listMessages"]>>;
type Listed = ListMessages["responses"][200]["content"]["application/json"];
export type ListMessagesReturnsMessages = Expect<Equal<Listed, Schemas["Message"][]>>;

// A single message is addressed by a string message_id in its path.
export type GetMessagePathIDIsString = Expect<
  Equal<paths["/rooms/{room_id}/messages/{message_id}"]["parameters"]["path"]["message_id"], string>
>;

// Values, as a user would write them.
export const message: Schemas["Message"] = {
  message_id: "1928374655918273645",
  account: { account_id: 123, name: "Bob", avatar_image_url: "https://example.com/ico_avatar.png" },
  body: "Hello Chatwork!",
  send_time: 1384242850,
  update_time: 0,
};

export function latestBody(messages: Listed): string | undefined {
  return messages.at(-1)?.body;
}

// A numeric message_id does not compile.
export const badMessage: Schemas["Message"] = {
  ...message,
  // @ts-expect-error message_id must be a string: 19-digit IDs do not survive a JavaScript number.
  message_id: 1928374655918273645,
};

// ID lists are one comma-joined string, which every generator sends as one
// form value: members_admin_ids=1,2 (an array would go out as repeated keys).
type CreateRoomForm = NonNullable<
  operations["createRoom"]["requestBody"]
>["content"]["application/x-www-form-urlencoded"];
export type AdminIDsIsString = Expect<Equal<CreateRoomForm["members_admin_ids"], string>>;
type CreateTasksForm = NonNullable<
  operations["createRoomTasks"]["requestBody"]
>["content"]["application/x-www-form-urlencoded"];
export type ToIDsIsString = Expect<Equal<CreateTasksForm["to_ids"], string>>;
export const newRoom: CreateRoomForm = { name: "Release", members_admin_ids: [123, 542].join(",") };

// Flags are the numbers 0 and 1, not booleans.
export type SelfUnreadIsZeroOrOne = Expect<
  Equal<
    NonNullable<
      NonNullable<operations["postMessage"]["requestBody"]>["content"]["application/x-www-form-urlencoded"]["self_unread"]
    >,
    0 | 1
  >
>;

// No schema shadows a global: a file of a chat is RoomFile, the DOM's File
// stays the DOM's File.
export type RoomFileHasAFileID = Expect<Equal<Schemas["RoomFile"]["file_id"], number>>;
// @ts-expect-error there is no schema named File.
export type NoFileSchema = Schemas["File"];
export const upload: File = new File(["hello"], "hello.txt", { type: "text/plain" });
