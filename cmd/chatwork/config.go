package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// The configuration file keeps profiles, each with an API token and,
// optionally, a base URL, as gh keeps hosts:
//
//	# ~/.config/chatwork/config.yml (mode 0600), written by chatwork auth login
//	profiles:
//	  default:
//	    token: ...
//	  work:
//	    token: ...
//	    base_url: https://api.chatwork.com/v2
//
// Each setting comes from the first of: its flag (--token-file,
// --base-url, or --profile naming a profile that has it), its environment
// variable ($CHATWORK_API_TOKEN, $CHATWORK_BASE_URL), then the profile
// that $CHATWORK_PROFILE names, else the profile "default". An OS keyring
// would need a new dependency (D-Bus, Keychain, Windows credentials): the
// file, private to its owner, is the one store.

// Environment variables of the configuration.
const (
	envProfile       = "CHATWORK_PROFILE"
	envXDGConfigHome = "XDG_CONFIG_HOME"
	defaultProfile   = "default"
)

// config is the configuration file's content.
type config struct {
	Profiles map[string]profile `yaml:"profiles"`
}

// profile is one account to talk to.
type profile struct {
	Token   string `yaml:"token"`
	BaseURL string `yaml:"base_url,omitempty"`
}

// errNoConfigDir says that neither XDG_CONFIG_HOME nor HOME is set.
var errNoConfigDir = usagef("no configuration directory: set XDG_CONFIG_HOME or HOME")

// configPath is the configuration file: under $XDG_CONFIG_HOME, else
// ~/.config, as the XDG base directory specification says.
func (a *app) configPath() (string, error) {
	dir := a.env(envXDGConfigHome)
	if dir == "" || !filepath.IsAbs(dir) {
		home := a.env("HOME")
		if home == "" {
			return "", errNoConfigDir
		}
		dir = filepath.Join(home, ".config")
	}
	return filepath.Join(dir, "chatwork", "config.yml"), nil
}

// profileName is the profile in use: --profile, else $CHATWORK_PROFILE,
// else "default"; explicit reports whether the flag named it.
func (a *app) profileName() (name string, explicit bool) {
	if a.profile != "" {
		return a.profile, true
	}
	if p := strings.TrimSpace(a.env(envProfile)); p != "" {
		return p, false
	}
	return defaultProfile, false
}

// loadConfig reads the configuration file; a missing file is an empty
// configuration. As for token files, a file others may read draws a
// warning.
func (a *app) loadConfig() (*config, string, error) {
	path, err := a.configPath()
	if err != nil {
		return nil, "", err
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &config{Profiles: map[string]profile{}}, path, nil
	}
	if err != nil {
		return nil, path, fmt.Errorf("reading the configuration: %w", err)
	}
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
		fmt.Fprintf(a.stderr, "chatwork: warning: the configuration %s is accessible by group or others (mode %04o); run: chmod 600 %s\n",
			path, fi.Mode().Perm(), path)
	}
	var c config
	if err := yaml.Unmarshal(b, &c); err != nil {
		// yaml's message may quote the file: never a token in an error.
		return nil, path, usagef("the configuration %s is not valid YAML; fix it or remove it and run chatwork auth login", path)
	}
	if c.Profiles == nil {
		c.Profiles = map[string]profile{}
	}
	return &c, path, nil
}

// save writes c to path with mode 0600, in a directory of mode 0700,
// atomically: a temporary file renamed over the old one.
func (c *config) save(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	var b bytes.Buffer
	b.WriteString("# chatwork CLI configuration, written by chatwork auth login. It holds API tokens: keep it private.\n")
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(c); err != nil {
		return err
	}
	if err := enc.Close(); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".config.yml.*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // a no-op after the rename
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(b.Bytes()); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// names returns the profiles' names, sorted.
func (c *config) names() []string {
	var out []string
	for n := range c.Profiles {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// credentials are the token and base URL a command uses, and where each
// came from, for auth status and error messages.
type credentials struct {
	token, tokenSource string
	baseURL, urlSource string // "" for the default
}

// credentials resolves the token and the base URL: flag, environment,
// then configuration (see the top of this file). The token is never in an
// error.
func (a *app) credentials() (credentials, error) {
	var cr credentials
	name, explicit := a.profileName()
	var (
		prof     profile
		hasProf  bool
		cfgPath  string
		cfgError error
	)
	if c, path, err := a.loadConfig(); err == nil {
		prof, hasProf = c.Profiles[name]
		cfgPath = path
	} else {
		cfgError = err
	}
	fromProfile := fmt.Sprintf("profile %q in %s", name, cfgPath)

	switch {
	case a.tokenFile != "":
		toks, err := readTokenFile(a.ctx, a.tokenFile, "token file", a.stderr)
		if err != nil {
			return cr, err
		}
		if len(toks) > 1 {
			return cr, usagef("the token file %s holds more than one line", a.tokenFile)
		}
		cr.token, cr.tokenSource = toks[0], "--token-file "+a.tokenFile
	case explicit && hasProf && prof.Token != "":
		cr.token, cr.tokenSource = prof.Token, fromProfile+" (--profile)"
	case strings.TrimSpace(a.env(envToken)) != "":
		cr.token, cr.tokenSource = strings.TrimSpace(a.env(envToken)), "$"+envToken
	case hasProf && prof.Token != "":
		cr.token, cr.tokenSource = prof.Token, fromProfile
	case cfgError != nil && !errors.Is(cfgError, errNoConfigDir):
		return cr, cfgError
	case explicit:
		return cr, usagef("no profile %q: run chatwork auth login --profile %s", name, name)
	default:
		return cr, usagef("no API token: run chatwork auth login, set %s or pass --token-file PATH", envToken)
	}

	switch {
	case a.baseURL != "":
		cr.baseURL, cr.urlSource = a.baseURL, "--base-url"
	case explicit && prof.BaseURL != "":
		cr.baseURL, cr.urlSource = prof.BaseURL, fromProfile+" (--profile)"
	case strings.TrimSpace(a.env(envBaseURL)) != "":
		cr.baseURL, cr.urlSource = strings.TrimSpace(a.env(envBaseURL)), envBaseURL
	case prof.BaseURL != "":
		cr.baseURL, cr.urlSource = prof.BaseURL, fromProfile
	}
	return cr, nil
}
