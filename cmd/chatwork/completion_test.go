package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// envAsMain makes the test binary run the command instead of the tests, so
// that shells can call it as "chatwork".
const envAsMain = "CHATWORK_TEST_RUN_AS_MAIN"

// TestMain runs the command instead of the tests when the shell tests call
// this binary as chatwork (see chatworkOnPath).
func TestMain(m *testing.M) {
	if os.Getenv(envAsMain) == "1" {
		main() // exits; Ctrl-C and SIGTERM handled as in the built command
	}
	os.Exit(m.Run())
}

// chatworkOnPath puts a "chatwork" that runs this test binary as the command
// in a new directory, and returns the directory.
func chatworkOnPath(t *testing.T) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	shim := "#!/bin/sh\n" + envAsMain + "=1 exec '" + exe + "' \"$@\"\n"
	if err := os.WriteFile(filepath.Join(dir, "chatwork"), []byte(shim), 0o700); err != nil {
		t.Fatal(err)
	}
	return dir
}

// shell runs script with the named shell, chatwork on its PATH. A shell
// that is not installed fails the test under CI=true (.ci/run installs
// Debian's zsh and fish) and skips it elsewhere.
func shell(t *testing.T, name, script string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not installed; CI needs it (apt-get install %s)", name, name)
		}
		t.Skipf("%s is not installed", name)
	}
	cmd := exec.CommandContext(t.Context(), path, "-c", script)
	cmd.Env = append(os.Environ(), "PATH="+chatworkOnPath(t)+string(os.PathListSeparator)+os.Getenv("PATH"), "HOME="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", name, err, out)
	}
	return string(out)
}

// completionCases are lines typed so far and the candidates each shell
// must offer.
var completionCases = []struct {
	words []string // after "chatwork"; the last one is being typed
	want  []string
}{
	{[]string{"ro"}, []string{"rooms"}},
	{[]string{"me"}, []string{"me", "members", "messages"}},
	{[]string{"messages", "p"}, []string{"post"}},
	{[]string{"tasks", "create", "1", "--to"}, []string{"--to", "--token-file"}},
	{[]string{"-o", "table", "rooms", "l"}, []string{"list"}},
	{[]string{"rooms", "list", "--output", ""}, []string{"json", "table", "tsv", "yaml"}},
	{[]string{"completion", ""}, []string{"bash", "fish", "zsh"}},
}

// perCase runs one script for all completionCases in the named shell:
// setup once, then each case's lines, separated by a marker line; it
// returns each case's output lines.
func perCase(t *testing.T, name, setup string, caseScript func(words []string) string) [][]string {
	t.Helper()
	const marker = "--- next case ---"
	var b strings.Builder
	b.WriteString(setup + "\n")
	for _, tc := range completionCases {
		b.WriteString(caseScript(append([]string{"chatwork"}, tc.words...)) + "\n")
		b.WriteString("echo '" + marker + "'\n")
	}
	var out [][]string
	var cur []string
	for _, l := range lines(shell(t, name, b.String())) {
		if l == marker {
			out = append(out, cur)
			cur = nil
			continue
		}
		cur = append(cur, l)
	}
	if len(out) != len(completionCases) {
		t.Fatalf("%s: %d case outputs for %d cases", name, len(out), len(completionCases))
	}
	return out
}

// TestCompletionBash sources the bash script and runs its function on
// each line of completionCases, as bash does on Tab.
func TestCompletionBash(t *testing.T) {
	t.Parallel()
	got := perCase(t, "bash", `source <(chatwork completion bash) || exit 1
complete -p chatwork >/dev/null || exit 1`, func(words []string) string {
		return `COMP_WORDS=(` + shellQuote(words) + `); COMP_CWORD=` + itoa(len(words)-1) + `; COMPREPLY=()
_chatwork; printf '%s\n' "${COMPREPLY[@]}"`
	})
	for i, tc := range completionCases {
		if !reflect.DeepEqual(got[i], tc.want) {
			t.Errorf("bash %q: got %q, want %q", tc.words, got[i], tc.want)
		}
	}
}

// TestCompletionZsh loads the zsh script (checked with zsh -n) and runs its
// function on each line of completionCases; with nothing to offer it falls
// back to file names.
func TestCompletionZsh(t *testing.T) {
	t.Parallel()
	// compadd and compdef exist only inside zsh's completion system:
	// stand-ins print what the script hands them.
	setup := `chatwork completion zsh > "$HOME/_chatwork" && zsh -n "$HOME/_chatwork" || exit 1
compdef() { registered="$*" }
compadd() { print -rl -- ${(P)${@[-1]}} }
_files() { print -r -- FILES }
source "$HOME/_chatwork"
[[ $registered == "_chatwork chatwork" ]] || print "not registered: $registered"`
	got := perCase(t, "zsh", setup, func(words []string) string {
		return `words=(` + shellQuote(words) + `); CURRENT=` + itoa(len(words)) + `; _chatwork`
	})
	for i, tc := range completionCases {
		if !reflect.DeepEqual(got[i], tc.want) {
			t.Errorf("zsh %q: got %q, want %q", tc.words, got[i], tc.want)
		}
	}
	// Nothing to offer: file names.
	files := lines(shell(t, "zsh", setup+"\nwords=(chatwork files upload 1 ''); CURRENT=5; _chatwork"))
	if !reflect.DeepEqual(files, []string{"FILES"}) {
		t.Errorf("zsh file fallback: %q", files)
	}
}

// TestCompletionFish loads the fish script and asks fish's own completion
// engine (complete -C) for each line of completionCases.
func TestCompletionFish(t *testing.T) {
	t.Parallel()
	// complete -C runs fish's own completion engine on a command line.
	got := perCase(t, "fish", "chatwork completion fish | source", func(words []string) string {
		return "complete -C" + shellQuote([]string{strings.Join(words, " ")})
	})
	for i, tc := range completionCases {
		// fish also offers file names (with a description after a tab).
		var ours []string
		for _, l := range got[i] {
			c, _, _ := strings.Cut(l, "\t")
			ours = append(ours, c)
		}
		if !subset(tc.want, ours) {
			t.Errorf("fish %q: got %q, want %q among them", tc.words, ours, tc.want)
		}
	}
}

func shellQuote(words []string) string {
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
	}
	return strings.Join(q, " ")
}

func itoa(n int) string { return s64(int64(n)) }

func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}

func subset(want, got []string) bool {
	have := map[string]bool{}
	for _, g := range got {
		have[g] = true
	}
	for _, w := range want {
		if !have[w] {
			return false
		}
	}
	return true
}

// TestCompletionOfIDs completes room IDs (with the rooms' names) and
// account IDs (with people's names) from the account, through the cache:
// two completions within cacheTTL cost one fetch, an older cache is
// fetched again, and nothing in the cache is the token.
func TestCompletionOfIDs(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	cacheDir := t.TempDir()
	env := with(w.env, "XDG_CACHE_HOME", cacheDir)
	fetches := func() int {
		n := 0
		for _, r := range w.s.Requests() {
			if r.OperationID == "listRooms" {
				n++
			}
		}
		return n
	}

	r := cli{env: env}.run(t, "__complete", "rooms", "get", "").must(t, exitOK)
	if !strings.Contains(r.out, s64(w.room)+"\tTeam\n") || !strings.Contains(r.out, s64(w.me.RoomID)+"\t") {
		t.Errorf("room IDs:\n%s", r.out)
	}
	r = cli{env: env}.run(t, "__complete", "tasks", "create", s64(w.room), "--to", "").must(t, exitOK)
	if r.out != s64(w.bob.AccountID)+"\tBob Suzuki\n" {
		t.Errorf("account IDs: %q", r.out)
	}
	r = cli{env: env}.run(t, "__complete", "send", s64(w.room), "hi", "--to", "@b").must(t, exitOK)
	if r.out != "@bob\tBob Suzuki\n" {
		t.Errorf("@names: %q", r.out)
	}
	// The second argument of messages get is a message ID: no room IDs.
	if r := (cli{env: env}).run(t, "__complete", "messages", "get", s64(w.room), ""); r.out != "" {
		t.Errorf("MESSAGE_ID completed with %q", r.out)
	}
	if n := fetches(); n != 1 {
		t.Errorf("%d fetches for three completions within the TTL, want 1", n)
	}

	files, _ := filepath.Glob(filepath.Join(cacheDir, "chatwork", "ids-*.json"))
	if len(files) != 1 {
		t.Fatalf("cache files %v", files)
	}
	b, _ := os.ReadFile(files[0])
	if strings.Contains(string(b), w.s.Token()) {
		t.Error("the cache holds the token")
	}
	var c idCache
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	c.Fetched -= int64((cacheTTL + time.Minute) / time.Second)
	b, _ = json.Marshal(c)
	if err := os.WriteFile(files[0], b, 0o600); err != nil {
		t.Fatal(err)
	}
	cli{env: env}.run(t, "__complete", "rooms", "get", "2").must(t, exitOK)
	if n := fetches(); n != 2 {
		t.Errorf("%d fetches after the cache expired, want 2", n)
	}

	// Without a token, nothing: no error in the shell.
	if r := (cli{env: map[string]string{"XDG_CACHE_HOME": cacheDir}}).run(t, "__complete", "rooms", "get", ""); r.out != "" || r.errout != "" || r.code != exitOK {
		t.Errorf("no token: %d %q %q", r.code, r.out, r.errout)
	}
}

// TestCompletionDescriptions completes a room ID in zsh and fish, which
// show the room's name beside it, and in bash, which offers the ID alone.
func TestCompletionDescriptions(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	exports := "export " + envToken + "=" + w.s.Token() + " " + envBaseURL + "=" + w.s.URL() + "\n"
	id := s64(w.room)
	line := []string{"chatwork", "rooms", "get", id[:len(id)-1]}

	zsh := shell(t, "zsh", exports+`chatwork completion zsh > "$HOME/_chatwork" || exit 1
compdef() { : }
compadd() { print -rl -- ${(P)${@[-1]}}; [[ $3 == disp ]] && print -rl -- "${disp[@]}" }
_files() { print -r -- FILES }
source "$HOME/_chatwork"
words=(`+shellQuote(line)+`); CURRENT=4; _chatwork`)
	if !strings.Contains(zsh, id+"\n") || !strings.Contains(zsh, id+"  -- Team\n") {
		t.Errorf("zsh: want %s and its description:\n%s", id, zsh)
	}
	fish := shell(t, "fish", exports+"chatwork completion fish | source\ncomplete -C"+shellQuote([]string{strings.Join(line, " ")}))
	if !strings.Contains(fish, id+"\tTeam") {
		t.Errorf("fish: want %s<TAB>Team:\n%s", id, fish)
	}
	bash := shell(t, "bash", exports+`source <(chatwork completion bash) || exit 1
COMP_WORDS=(`+shellQuote(line)+`); COMP_CWORD=3; COMPREPLY=()
_chatwork; printf '%s\n' "${COMPREPLY[@]}"`)
	if !strings.Contains(bash, id+"\n") || strings.Contains(bash, "Team") {
		t.Errorf("bash: want %s alone:\n%s", id, bash)
	}
	// bash breaks --to @bo into "--to" "@" "bo", and completes "bo".
	at := shell(t, "bash", exports+`source <(chatwork completion bash) || exit 1
COMP_WORDS=(chatwork send `+id+` hi --to @ bo); COMP_CWORD=6; COMPREPLY=()
_chatwork; printf '%s\n' "${COMPREPLY[@]}"`)
	if at != "bob\n" {
		t.Errorf("bash, --to @bo: %q, want bob", at)
	}
}
