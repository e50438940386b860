package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/chatwork-go/chatwork/api"
)

// authGroup is "chatwork auth": log in, see how, log out, as gh auth does.
func authGroup() *group {
	return &group{name: "auth", tool: true, summary: "log in with an API token, show how you are logged in, log out", cmds: []*command{
		{
			name: "login", nargs: 0, noAPI: true, usage: "[--profile NAME] [--base-url URL] [--with-token < TOKEN_FILE]",
			summary:  "verify an API token with GET /me and keep it in the configuration file",
			endpoint: "",
			details: `At a terminal the token is asked for (it is not shown as you paste it); otherwise it is read
from stdin, as --with-token says. It is checked with GET /me, then saved, with --base-url if
given (or $` + envBaseURL + `), in the profile (--profile, else $` + envProfile + `, else default) of
$XDG_CONFIG_HOME/chatwork/config.yml (~/.config/chatwork/config.yml), mode 0600. The token is
never printed. There is no OS keyring: it would need a new dependency.

Where a command finds its settings, first to last:
  token      --token-file, --profile's token, $` + envToken + `, the profile's token
  base URL   --base-url, --profile's base_url, $` + envBaseURL + `, the profile's base_url
  profile    --profile, $` + envProfile + `, default
The API token comes from Chatwork: Personal settings > Service integration > API token.`,
			examples: `chatwork auth login
chatwork auth login --profile work --with-token < work-token.txt
pass show chatwork | chatwork auth login --with-token`,
			setup: func(fs *flag.FlagSet) runFunc {
				fs.Bool("with-token", false, "read the token from stdin (the default when stdin is not a terminal)")
				return func(ctx context.Context, a *app, _ []string) error {
					tok, err := a.readToken()
					if err != nil {
						return err
					}
					base, source := a.baseURL, "--base-url"
					if base == "" {
						base, source = strings.TrimSpace(a.env(envBaseURL)), envBaseURL
					}
					c, err := a.clientFor(tok, base, source)
					if err != nil {
						return err
					}
					me, _, err := c.Me.Get(ctx)
					var ae *api.APIError
					if errors.As(err, &ae) {
						return sentence(err, "the token was not accepted, nothing was saved: GET /me answered %d %s", ae.StatusCode, http.StatusText(ae.StatusCode))
					}
					if err != nil {
						return err
					}
					cfg, path, err := a.loadConfig()
					if err != nil {
						return err
					}
					name, _ := a.profileName()
					cfg.Profiles[name] = profile{Token: tok, BaseURL: base}
					if err := cfg.save(path); err != nil {
						return fmt.Errorf("saving the configuration: %w", err)
					}
					a.done("Logged in to %s as %s (account %d); the token is saved in %s, profile %q", hostOf(base), me.Name, me.AccountID, path, name)
					return nil
				}
			},
		},
		{
			name: "status", nargs: 0, noAPI: true, usage: "[--profile NAME]",
			summary:  "show the account of the token, where the token comes from, and the rate limit",
			endpoint: "",
			details: `Calls GET /me with the token a command would use and says where that token comes from (a
flag, the environment or a profile of the configuration file), which account it belongs to and how
much of the rate limit is left. The token itself is never printed. Exit code 3 when the API
refuses the token, 2 when there is none.`,
			examples: `chatwork auth status
chatwork auth status --profile work`,
			setup: noFlags(func(ctx context.Context, a *app, _ []string) error {
				cr, err := a.credentials()
				if err != nil {
					return err
				}
				c, err := a.clientFor(cr.token, cr.baseURL, cr.urlSource)
				if err != nil {
					return err
				}
				me, _, err := c.Me.Get(ctx)
				w := a.stdout
				fmt.Fprintln(w, hostOf(cr.baseURL))
				if err != nil {
					fmt.Fprintf(w, "  ✗ The token from %s was refused\n", cr.tokenSource)
					return err
				}
				fmt.Fprintf(w, "  ✓ Logged in as %s (account %d, chatwork_id %q)\n", me.Name, me.AccountID, me.ChatworkID)
				fmt.Fprintf(w, "  Token: from %s\n", cr.tokenSource)
				if cr.urlSource != "" {
					fmt.Fprintf(w, "  Base URL: %s, from %s\n", cr.baseURL, cr.urlSource)
				}
				if rl := c.RateLimit(); rl.Limit > 0 {
					fmt.Fprintf(w, "  Rate limit: %d of %d requests left; the window resets at %s\n", rl.Remaining, rl.Limit, rl.Reset.Local().Format(time.TimeOnly))
				}
				return nil
			}),
		},
		{
			name: "logout", nargs: 0, noAPI: true, usage: "[--profile NAME]",
			summary:  "remove a profile's token from the configuration file",
			endpoint: "",
			details: `Removes the profile (--profile, else $` + envProfile + `, else default) from the configuration file.
The token stays valid at Chatwork: revoke it there if it leaked. A token in $` + envToken + ` or a
token file is not touched.`,
			examples: `chatwork auth logout
chatwork auth logout --profile work`,
			setup: noFlags(func(_ context.Context, a *app, _ []string) error {
				cfg, path, err := a.loadConfig()
				if err != nil {
					return err
				}
				name, _ := a.profileName()
				if _, ok := cfg.Profiles[name]; !ok {
					known := "none"
					if n := cfg.names(); len(n) > 0 {
						known = strings.Join(n, ", ")
					}
					return usagef("not logged in with profile %q (profiles: %s)", name, known)
				}
				delete(cfg.Profiles, name)
				if err := cfg.save(path); err != nil {
					return fmt.Errorf("saving the configuration: %w", err)
				}
				a.done("Logged out of profile %q: its token was removed from %s", name, path)
				if a.env(envToken) != "" {
					fmt.Fprintf(a.stderr, "chatwork: note: $%s is still set and commands use it\n", envToken)
				}
				return nil
			}),
		},
	}}
}

// readToken reads the token to log in with: at a terminal without echo,
// after a prompt; otherwise the first line of stdin.
func (a *app) readToken() (string, error) {
	var line string
	var ie *interruptedError
	if f, ok := a.stdin.(*os.File); ok && a.stdinTTY && term.IsTerminal(int(f.Fd())) {
		fd := int(f.Fd())
		fmt.Fprint(a.stderr, "? Paste your API token (Chatwork: Personal settings > Service integration > API token): ")
		// Ctrl-C leaves ReadPassword blocked with echo off: the terminal
		// is put back as it was before the command exits.
		state, err := term.GetState(fd)
		if err != nil {
			return "", fmt.Errorf("reading the token: %w", err)
		}
		b, err := readInterruptibly(a.ctx, "the token at the prompt", "", func() ([]byte, error) { return term.ReadPassword(fd) })
		fmt.Fprintln(a.stderr)
		if errors.As(err, &ie) {
			_ = term.Restore(fd, state)
			return "", err
		}
		if err != nil {
			return "", fmt.Errorf("reading the token: %w", err)
		}
		line = string(b)
	} else {
		if a.stdinTTY {
			fmt.Fprint(a.stderr, "? Paste your API token: ")
		}
		s, err := readLine(a.ctx, a.stdin, "the token from stdin", "", 4096)
		if errors.As(err, &ie) {
			return "", err
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return "", fmt.Errorf("reading the token: %w", err)
		}
		line = s
	}
	tok := strings.TrimSpace(strings.TrimPrefix(line, utf8BOM))
	if tok == "" {
		return "", usagef("no token on stdin: paste it at the prompt, or pipe it: chatwork auth login --with-token < token.txt")
	}
	return tok, nil
}

// hostOf is the host of a base URL, the default's for "".
func hostOf(base string) string {
	if base == "" {
		base = api.DefaultBaseURL
	}
	if u, err := url.Parse(base); err == nil && u.Host != "" {
		return u.Host
	}
	return base
}
