package notation_test

import (
	"fmt"

	"github.com/chatwork-go/chatwork/api/notation"
)

func ExampleBuilder() {
	body := notation.NewBuilder().
		To(1484814, "Taro").
		Text("The deploy finished.").
		String()
	fmt.Printf("%q\n", body)
	// Output: "[To:1484814] Taro\nThe deploy finished."
}

func ExampleReply() {
	// Reply to message 1928374655918273645 that account 123456 posted in
	// room 567890123. Message IDs are strings: they exceed 2^53.
	fmt.Println(notation.Reply(123456, 567890123, "1928374655918273645") + " Thanks!")
	// Output: [rp aid=123456 to=567890123-1928374655918273645] Thanks!
}

func ExampleInfo() {
	fmt.Println(notation.Info("Build #42", "All tests passed."))
	// Output: [info][title]Build #42[/title]All tests passed.[/info]
}

func ExampleParse() {
	m := notation.Parse("[rp aid=2739132 to=93207172-1007287785163345920] sue445\n" +
		"[info][title]Status[/title]ok[/info]")
	for _, r := range m.Replies() {
		fmt.Println("reply to", r.AccountID, "in room", r.RoomID, "message", r.MessageID)
	}
	fmt.Printf("%q\n", m.PlainText)
	// Output:
	// reply to 2739132 in room 93207172 message 1007287785163345920
	// "sue445\nStatus\nok"
}
