package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"runtime"
	"strings"

	"github.com/chatwork-go/chatwork/api"
	"github.com/chatwork-go/chatwork/internal/urlsafe"
)

// utf8BOM is the byte-order mark some Windows editors put at the start of
// a UTF-8 file.
const utf8BOM = "\uFEFF"

// readTokenFile reads the tokens of a file, one per line: a UTF-8
// byte-order mark, CR of CRLF line ends and spaces around tokens are
// dropped, and so are blank lines and lines starting with #. As ssh does
// for keys, it warns on w when the file is readable by group or others.
// what names the file in messages; no message holds a token. The file may
// be a FIFO (a password manager's, a shell's <(...)): the read stops when
// ctx ends.
func readTokenFile(ctx context.Context, path, what string, w io.Writer) ([]string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("reading the %s: %w", what, err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
		fmt.Fprintf(w, "chatwork: warning: the %s %s is accessible by group or others (mode %04o); run: chmod 600 %s\n",
			what, path, fi.Mode().Perm(), path)
	}
	const limit = 1 << 20
	b, err := readFile(ctx, path, "the "+what, limit)
	var ie *interruptedError
	switch {
	case errors.As(err, &ie):
		return nil, err
	case err != nil:
		return nil, fmt.Errorf("reading the %s: %w", what, err)
	case len(b) > limit:
		return nil, usagef("the %s %s is larger than 1 MiB: it holds no token", what, path)
	}
	var toks []string
	for _, line := range strings.Split(strings.TrimPrefix(string(b), utf8BOM), "\n") {
		line = strings.TrimSpace(line) // also the \r of CRLF
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		toks = append(toks, line)
	}
	if len(toks) == 0 {
		return nil, usagef("the %s %s is empty", what, path)
	}
	return toks, nil
}

// checkedBaseURL checks the base URL raw, which source gave ("" for the
// default). Plain http is refused for hosts that are not loopback unless
// --insecure-http is given, the rule of package api. Errors show the URL
// with anything that may be a credential masked.
func (a *app) checkedBaseURL(raw, source string) (string, error) {
	if raw == "" {
		return "", nil
	}
	shown := urlsafe.Redact(raw)
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", usagef("%s: %s is not an absolute http(s) URL such as %s", source, shown, api.DefaultBaseURL)
	}
	if u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return "", usagef("%s: %s must hold no user, password, query or fragment: the API token is the only credential", source, shown)
	}
	if u.Scheme == "http" && !urlsafe.PlainHTTPAllowed(u.Hostname()) && !a.insecureHTTP {
		return "", usagef("%s: %s is plain http: the API token would travel unencrypted to %s.\n"+
			"Use https, or pass --insecure-http if you accept that (only loopback hosts such as 127.0.0.1 and localhost are allowed without it)",
			source, shown, u.Hostname())
	}
	return raw, nil
}

// newClient builds the API client from the global flags, the environment
// and the configuration.
func (a *app) newClient() (*api.Client, error) {
	cr, err := a.credentials()
	if err != nil {
		return nil, err
	}
	return a.clientFor(cr.token, cr.baseURL, cr.urlSource)
}

// clientFor builds the API client for a token and a base URL (given by
// source), with the global flags' options.
func (a *app) clientFor(tok, rawBase, source string) (*api.Client, error) {
	base, err := a.checkedBaseURL(rawBase, source)
	if err != nil {
		return nil, err
	}
	opts := []api.Option{api.WithUserAgent("chatwork-cli/" + api.Version)}
	if base != "" {
		opts = append(opts, api.WithBaseURL(base))
	}
	if a.insecureHTTP {
		opts = append(opts, api.WithInsecureHTTP()) // the api package checks the same rule
	}
	switch {
	case a.set["max-wait"]:
		opts = append(opts, api.WithMaxRateLimitWait(a.maxWait))
	case a.env(envMaxWait) != "":
		d, err := parseDuration(a.env(envMaxWait))
		if err != nil {
			return nil, usagef("%s: %v", envMaxWait, err)
		}
		opts = append(opts, api.WithMaxRateLimitWait(d))
	}
	// Warnings only; with --verbose every request, wait and retry too.
	level := slog.LevelWarn
	if a.verbose {
		level = slog.LevelDebug
	}
	opts = append(opts, api.WithLogger(slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{
		Level: level,
		ReplaceAttr: func(groups []string, at slog.Attr) slog.Attr {
			if len(groups) == 0 && at.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return at
		},
	}))))
	redisOpt, err := redisOption(a.redisURLOrEnv(), tok, slog.New(slog.NewTextHandler(a.stderr, nil)))
	if err != nil {
		return nil, err
	}
	c, err := api.NewClient(tok, append(append(opts, redisOpt), a.apiOpts...)...)
	if err != nil {
		var ie *api.InputError
		if errors.As(err, &ie) {
			return nil, err
		}
		// A bad option: a usage error too.
		return nil, usagef("%v", err)
	}
	return c, nil
}
