package checks

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// modulePath is the path of this module, whose root package holds the
// generator's go:generate lines and is not for users.
const modulePath = "github.com/chatwork-go/chatwork"

// repoRoot is the module root: tests run in internal/checks.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root not found: %v", err)
	}
	return root
}

// inCI reports whether the tests run in CI (CI=true), where a missing tool
// fails a test instead of skipping it.
func inCI() bool { return os.Getenv("CI") == "true" }

// run runs a command in dir with extra environment variables and returns
// its standard output; the test fails with the command's stderr on error.
func run(t *testing.T, dir string, env []string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String()
}

// goTool is the go command of the toolchain running the tests.
func goTool(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("go command not found: %v", err)
	}
	return p
}

// goCommand runs the go command in dir and returns its combined output.
func goCommand(dir string, args ...string) (string, error) {
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// publicPackages lists the packages of this module that other modules can
// import: not commands, not internal ones, not the root package.
func publicPackages(t *testing.T, root string) []string {
	t.Helper()
	var pkgs []string
	out := run(t, root, nil, goTool(t), "list", "-f", "{{.ImportPath}} {{.Name}}", "./...")
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		path, name, _ := strings.Cut(line, " ")
		if name == "main" || path == modulePath || strings.Contains(path+"/", "/internal/") {
			continue
		}
		pkgs = append(pkgs, path)
	}
	return pkgs
}
