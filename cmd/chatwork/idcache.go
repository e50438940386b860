package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// Shell completion offers room IDs (with the rooms' names) and account
// IDs or, after an @, chatwork IDs (with people's names) from a small cache of GET /rooms and GET
// /contacts, refreshed at most every cacheTTL, so that pressing Tab costs
// at most two requests every few minutes. The cache is kept per account
// (a hash of the token and base URL names it; the token is not in it)
// under $XDG_CACHE_HOME/chatwork, else ~/.cache/chatwork, mode 0600.

// cacheTTL is how long the cached IDs are offered before they are fetched
// again.
const cacheTTL = 5 * time.Minute

// cacheFetchTimeout bounds a refresh: completion must not hang the shell.
const cacheFetchTimeout = 3 * time.Second

// idCache is what the cache file holds.
type idCache struct {
	Fetched  int64      `json:"fetched"` // Unix seconds
	Rooms    []cachedID `json:"rooms"`
	Accounts []cachedID `json:"accounts"`
}

type cachedID struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	Handle string `json:"handle,omitempty"` // the chatwork_id, for --to @handle
}

// dynamic returns the candidates of a kind that only the account knows:
// profiles from the configuration, rooms and accounts from the cache. It
// fails quietly: completion offers nothing rather than an error.
func (a *app) dynamic(kind string) []candidate {
	if kind == dynProfiles {
		cfg, _, err := a.loadConfig()
		if err != nil {
			return nil
		}
		var out []candidate
		for _, n := range cfg.names() {
			out = append(out, candidate{word: n})
		}
		return out
	}
	c, err := a.cachedIDs()
	if err != nil {
		return nil
	}
	list := c.Accounts
	if kind == dynRooms {
		list = c.Rooms
	}
	var out []candidate
	for _, x := range list {
		out = append(out, candidate{word: strconv.FormatInt(x.ID, 10), desc: x.Name})
		if x.Handle != "" {
			out = append(out, candidate{word: "@" + x.Handle, desc: x.Name})
		}
	}
	return out
}

// cachedIDs returns the cache of the account the credentials name,
// fetched again when it is missing or older than cacheTTL.
func (a *app) cachedIDs() (*idCache, error) {
	cr, err := a.credentials()
	if err != nil {
		return nil, err
	}
	path := a.idCachePath(cr)
	var c idCache
	if b, err := os.ReadFile(path); err == nil && json.Unmarshal(b, &c) == nil &&
		time.Since(time.Unix(c.Fetched, 0)) < cacheTTL && c.Fetched <= time.Now().Unix() {
		return &c, nil
	}
	fresh, err := a.fetchIDs(cr)
	if err != nil {
		if c.Fetched > 0 {
			return &c, nil // stale is better than nothing
		}
		return nil, err
	}
	if path != "" {
		if b, err := json.Marshal(fresh); err == nil && os.MkdirAll(filepath.Dir(path), 0o700) == nil {
			writeFileAtomic(path, b)
		}
	}
	return fresh, nil
}

// fetchIDs reads the rooms and contacts of the account.
func (a *app) fetchIDs(cr credentials) (*idCache, error) {
	c, err := a.clientFor(cr.token, cr.baseURL, cr.urlSource)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(a.ctx, cacheFetchTimeout)
	defer cancel()
	rooms, _, err := c.Rooms.List(ctx)
	if err != nil {
		return nil, err
	}
	contacts, _, err := c.Contacts.List(ctx)
	if err != nil {
		return nil, err
	}
	out := &idCache{Fetched: time.Now().Unix()}
	for _, r := range rooms {
		out.Rooms = append(out.Rooms, cachedID{ID: r.RoomID, Name: r.Name})
	}
	for _, p := range contacts {
		out.Accounts = append(out.Accounts, cachedID{ID: p.AccountID, Name: p.Name, Handle: p.ChatworkID})
	}
	return out, nil
}

// idCachePath is the cache file of an account; "" when there is no cache
// directory.
func (a *app) idCachePath(cr credentials) string {
	dir := a.env("XDG_CACHE_HOME")
	if dir == "" || !filepath.IsAbs(dir) {
		home := a.env("HOME")
		if home == "" {
			return ""
		}
		dir = filepath.Join(home, ".cache")
	}
	sum := sha256.Sum256([]byte(cr.baseURL + "\x00" + cr.token))
	return filepath.Join(dir, "chatwork", "ids-"+hex.EncodeToString(sum[:8])+".json")
}

// writeFileAtomic writes b to path with mode 0600 through a temporary
// file; a failure leaves the old file.
func writeFileAtomic(path string, b []byte) {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".ids.*")
	if err != nil {
		return
	}
	defer os.Remove(tmp.Name())
	_, werr := tmp.Write(b)
	if cerr := tmp.Close(); werr == nil && cerr == nil {
		_ = os.Rename(tmp.Name(), path)
	}
}
