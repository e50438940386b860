// Command breaking is the breaking-change check of openapi.yaml, run by
// make spec-breaking (part of make test). It compares the spec with its
// last release and fails when a change that can break a client or a
// server built from the spec comes without a major version increase of
// info.version: the versioning policy of spec/CHANGELOG.md. It also fails
// when info.version is not a semantic version, or has no section in the
// changelog.
//
// The last release is the highest tag openapi/vX.Y.Z. Before the first
// such tag, the base is the first commit of openapi.yaml, whose
// info.version ("2", the version of the API) predates semantic versions:
// the changes since then are counted, and none fails the check, since the
// first release may change anything. Without git history to compare with
// (an exported tree, a shallow clone), the comparison is skipped with a
// message; the version and changelog checks still run.
//
// oasdiff (github.com/oasdiff/oasdiff) finds the changes and judges the
// version, as its CLI does with --fail-on MISSING-VERSION-BUMP: every
// change it reports at level WARN or ERR is breaking. It is pinned by this
// nested module's go.mod, so the root module and its users never see it;
// `go -C spec/breaking tool oasdiff` runs its CLI at the same version.
//
// Usage, from the repository root:
//
//	go -C spec/breaking run . [-base REF|FILE]
//
// -base compares with a git revision or a file instead of the last
// release; the paths of -repo, -spec and -changelog are relative to the
// directory the command runs in (spec/breaking under go -C).
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/oasdiff/oasdiff/checker"
	"github.com/oasdiff/oasdiff/diff"
	"github.com/oasdiff/oasdiff/load"
	"github.com/oasdiff/oasdiff/versioning"
)

// tagPrefix starts the git tags of the spec's releases: openapi/v1.0.0.
const tagPrefix = "openapi/v"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is the whole command; it returns the exit code: 0 when the check
// passes or is skipped, 1 when it fails, 2 on bad flags.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("breaking", flag.ContinueOnError)
	fs.SetOutput(stderr)
	repo := fs.String("repo", "../..", "the repository's root `DIR`")
	spec := fs.String("spec", "openapi.yaml", "the spec's `PATH` in the repository")
	changelog := fs.String("changelog", "spec/CHANGELOG.md", "the changelog's `PATH` in the repository")
	base := fs.String("base", "", "compare with this git `REF` or file instead of the last release")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	c := &check{repo: *repo, spec: filepath.ToSlash(*spec), changelog: *changelog, out: stdout}
	if err := c.run(*base); err != nil {
		fmt.Fprintf(stderr, "spec-breaking: FAILED: %v\n", err)
		return 1
	}
	return 0
}

type check struct {
	repo, spec, changelog string
	out                   io.Writer
}

func (c *check) printf(format string, args ...any) {
	fmt.Fprintf(c.out, "spec-breaking: "+format+"\n", args...)
}

func (c *check) run(baseFlag string) error {
	tmp, err := os.MkdirTemp("", "spec-breaking-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	revPath := filepath.Join(c.repo, c.spec)
	rev, err := loadSpec(revPath)
	if err != nil {
		return fmt.Errorf("loading %s: %w", c.spec, err)
	}
	version := rev.Version
	if _, ok := parseSemver(version); !ok {
		return fmt.Errorf("%s: info.version %q is not a semantic version such as 1.2.3", c.spec, version)
	}
	if err := c.changelogHas(version); err != nil {
		return err
	}

	var b baseline
	if baseFlag != "" {
		b, err = c.given(baseFlag, tmp)
	} else {
		b, err = c.lastRelease(tmp)
	}
	if errors.Is(err, errNoHistory) {
		c.printf("%s %s; no git history to compare with, so breaking changes are not checked (%v)", c.spec, version, err)
		return nil
	}
	if err != nil {
		return err
	}
	old, err := loadSpec(b.path)
	if err != nil {
		return fmt.Errorf("loading %s: %w", b.name, err)
	}

	changes, verdict, err := compare(old, rev)
	if err != nil {
		return err
	}
	n := breakingCount(changes)
	if b.preRelease {
		// Before the first release: nothing to hold the version to.
		c.printf("%s %s against %s (info.version %q, before semantic versions): %d breaking change(s), which the first release may make; "+
			"tag the release (git tag %s%s) to check later changes against it", c.spec, version, b.name, old.Version, n, tagPrefix, version)
		return nil
	}
	switch verdict.Status {
	case versioning.NotApplicable:
		c.printf("%s %s against %s (%s): no breaking change", c.spec, version, b.name, old.Version)
		return nil
	case versioning.Satisfied:
		c.printf("%s %s against %s (%s): %d breaking change(s), announced by the major version", c.spec, version, b.name, old.Version, n)
		return nil
	}
	var msg strings.Builder
	fmt.Fprintf(&msg, "%s %s against %s (%s): %d breaking change(s) without a major version increase (%s):\n",
		c.spec, version, b.name, old.Version, n, reason(verdict))
	l := checker.NewLocalizer("en")
	for _, ch := range changes {
		if ch.GetLevel() >= checker.WARN {
			fmt.Fprintf(&msg, "  %s [%s] %s %s: %s\n", ch.GetLevel(), ch.GetId(), ch.GetOperation(), ch.GetPath(), ch.GetUncolorizedText(l))
		}
	}
	fmt.Fprintf(&msg, "Make the change compatible, or bump info.version to the next major version and describe the change in %s", c.changelog)
	return errors.New(msg.String())
}

// reason says how info.version fails to announce the breaking changes.
func reason(v versioning.Verdict) string {
	switch {
	case v.Status == versioning.Undecidable:
		return fmt.Sprintf("the versions %q and %q are not both semantic versions", v.BaseVersion, v.RevisionVersion)
	case v.Reason == versioning.NotBumped:
		return "info.version is unchanged"
	case v.Reason == versioning.Decreased:
		return fmt.Sprintf("info.version went back from %s to %s", v.BaseVersion, v.RevisionVersion)
	}
	return fmt.Sprintf("info.version went from %s to %s, the same major version", v.BaseVersion, v.RevisionVersion)
}

// changelogHas checks that the changelog has a section for version: a
// heading "## 1.2.3" or "## [1.2.3]", anything after it.
func (c *check) changelogHas(version string) error {
	b, err := os.ReadFile(filepath.Join(c.repo, c.changelog))
	if err != nil {
		return fmt.Errorf("the changelog: %w", err)
	}
	heading := regexp.MustCompile(`(?m)^## \[?` + regexp.QuoteMeta(version) + `\]?(\s|$)`)
	if !heading.Match(b) {
		return fmt.Errorf("%s has no section \"## %s\" for info.version %s of %s", c.changelog, version, version, c.spec)
	}
	return nil
}

// baseline is what the spec is compared with.
type baseline struct {
	name       string // for messages: "release openapi/v1.0.0", "the first commit of openapi.yaml (abc1234)"
	path       string // a file holding it
	preRelease bool   // before the first release: the version rule does not apply
}

var errNoHistory = errors.New("no history")

// lastRelease finds the highest release tag, else the first commit of the
// spec, and writes its spec into dir.
func (c *check) lastRelease(dir string) (baseline, error) {
	if _, err := c.git("rev-parse", "--git-dir"); err != nil {
		return baseline{}, fmt.Errorf("%w: %s is not in a git repository", errNoHistory, c.repo)
	}
	tags, err := c.git("tag", "--list", tagPrefix+"*")
	if err != nil {
		return baseline{}, err
	}
	best, bestV := "", semver{}
	for _, t := range strings.Fields(tags) {
		v, ok := parseSemver(strings.TrimPrefix(t, tagPrefix))
		if ok && v.pre == "" && (best == "" || bestV.less(v)) {
			best, bestV = t, v
		}
	}
	if best != "" {
		path, err := c.show(best, dir)
		return baseline{name: "release " + best, path: path}, err
	}
	// The spec's first commit; git log lists the newest first.
	out, err := c.git("log", "--diff-filter=A", "--format=%h", "--", c.spec)
	if err != nil {
		return baseline{}, err
	}
	commits := strings.Fields(out)
	if len(commits) == 0 {
		return baseline{}, fmt.Errorf("%w: git has no commit that adds %s (a shallow clone?)", errNoHistory, c.spec)
	}
	first := commits[len(commits)-1]
	path, err := c.show(first, dir)
	if err != nil {
		return baseline{}, err
	}
	b := baseline{name: fmt.Sprintf("the first commit of %s (%s), as no %s* tag exists yet", c.spec, first, tagPrefix), path: path}
	if old, err := loadSpec(path); err == nil {
		_, semverBase := parseSemver(old.Version)
		b.preRelease = !semverBase
	}
	return b, nil
}

// given is the baseline of -base: a file, else a git revision.
func (c *check) given(ref, dir string) (baseline, error) {
	if _, err := os.Stat(ref); err == nil {
		return baseline{name: ref, path: ref}, nil
	}
	path, err := c.show(ref, dir)
	return baseline{name: ref, path: path}, err
}

// show writes the spec as it is in git revision ref into dir.
func (c *check) show(ref, dir string) (string, error) {
	out, err := c.git("show", ref+":"+c.spec)
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, strings.NewReplacer("/", "_", ":", "_").Replace(ref)+".yaml")
	return path, os.WriteFile(path, []byte(out), 0o600)
}

func (c *check) git(args ...string) (string, error) {
	cmd := exec.Command("git", append([]string{"-C", c.repo}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("git %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return string(out), nil
}

// loadSpec loads a spec as oasdiff's CLI does by default: header names
// compared without case. It reads the file itself and nothing else: the
// spec has no external reference, a check must fetch nothing, and
// kin-openapi's default reader would serve a file read before from its
// process-wide cache.
func loadSpec(path string) (*load.SpecInfo, error) {
	root, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	loader := openapi3.NewLoader()
	loader.ReadFromURIFunc = func(_ *openapi3.Loader, u *url.URL) ([]byte, error) {
		if p, err := filepath.Abs(u.Path); err != nil || (u.Scheme != "" && u.Scheme != "file") || p != root {
			return nil, fmt.Errorf("%s: external references are not followed", u)
		}
		return os.ReadFile(root)
	}
	return load.NewSpecInfo(loader, load.NewSource(path), load.WithLowercaseHeaders())
}

// compare returns the changes from old to rev at level WARN or above (the
// breaking ones) and oasdiff's verdict on info.version.
func compare(old, rev *load.SpecInfo) (checker.Changes, versioning.Verdict, error) {
	d, sources, err := diff.GetWithOperationsSourcesMap(diff.NewConfig(), old, rev)
	if err != nil {
		return nil, versioning.Verdict{}, fmt.Errorf("comparing the specs: %w", err)
	}
	changes := checker.CheckBackwardCompatibilityUntilLevel(checker.NewConfig(checker.GetAllChecks()), d, sources, checker.WARN)
	return changes, versioning.Check(d, changes), nil
}

func breakingCount(changes checker.Changes) int {
	n := 0
	for _, ch := range changes {
		if ch.GetLevel() >= checker.WARN {
			n++
		}
	}
	return n
}

// semver is a semantic version (semver.org 2.0.0); build metadata is
// dropped.
type semver struct {
	major, minor, patch int
	pre                 string
}

var semverRE = regexp.MustCompile(`^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)(?:\.(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*))*))?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$`)

func parseSemver(s string) (semver, bool) {
	m := semverRE.FindStringSubmatch(s)
	if m == nil {
		return semver{}, false
	}
	var v semver
	var errs [3]error
	v.major, errs[0] = strconv.Atoi(m[1])
	v.minor, errs[1] = strconv.Atoi(m[2])
	v.patch, errs[2] = strconv.Atoi(m[3])
	v.pre = m[4]
	return v, errors.Join(errs[:]...) == nil
}

// less orders release versions (the pre-release part is not compared:
// release tags have none).
func (v semver) less(w semver) bool {
	if v.major != w.major {
		return v.major < w.major
	}
	if v.minor != w.minor {
		return v.minor < w.minor
	}
	return v.patch < w.patch
}
