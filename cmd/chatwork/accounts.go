package main

import (
	"context"
	"flag"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// accountsFlag is a list of accounts, as --to takes them: account IDs
// (comma-joined as the API writes them, or the flag repeated) and @names,
// resolved against your contacts and the room's members when the command
// runs.
type accountsFlag struct {
	ids   []int64
	names []string // without the @
}

func (f *accountsFlag) String() string {
	if f == nil {
		return ""
	}
	var parts []string
	for _, id := range f.ids {
		parts = append(parts, strconv.FormatInt(id, 10))
	}
	for _, n := range f.names {
		parts = append(parts, "@"+n)
	}
	return strings.Join(parts, ",")
}

func (f *accountsFlag) Set(s string) error {
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		switch {
		case part == "":
		case strings.HasPrefix(part, "@") && len(part) > 1:
			f.names = append(f.names, part[1:])
		default:
			id, err := strconv.ParseInt(part, 10, 64)
			if err != nil || id <= 0 {
				return fmt.Errorf("%q is not an account ID or an @name", part)
			}
			f.ids = append(f.ids, id)
		}
	}
	return nil
}

func accountsVar(fs *flag.FlagSet, name, usage string) *accountsFlag {
	f := &accountsFlag{}
	fs.Var(f, name, usage)
	return f
}

// resolveAccounts returns the account IDs of f, in the order given, its
// @names looked up among your contacts and the members of room. A name
// matches an account's chatwork_id or name exactly (ignoring case), else
// the start of its name or of a word of it; a name that matches no one or
// several people is a usage error that says whom. flagName names the flag
// in errors.
func (a *app) resolveAccounts(ctx context.Context, room int64, flagName string, f *accountsFlag) ([]int64, error) {
	ids := append([]int64(nil), f.ids...)
	if len(f.names) == 0 {
		return ids, nil
	}
	people, err := a.people(ctx, room)
	if err != nil {
		return nil, fmt.Errorf("looking up %s @%s: %w", flagName, f.names[0], err)
	}
	for _, name := range f.names {
		p, err := pick(people, name, room)
		if err != nil {
			return nil, usagef("%s @%s: %v", flagName, name, err)
		}
		ids = append(ids, p.id)
	}
	return ids, nil
}

// resolveAccount is resolveAccounts for a flag that names one account at
// most, such as a filter's --by: 0 when the flag was not given.
func (a *app) resolveAccount(ctx context.Context, room int64, flagName string, f *accountsFlag) (int64, error) {
	ids, err := a.resolveAccounts(ctx, room, flagName, f)
	switch {
	case err != nil:
		return 0, err
	case len(ids) > 1:
		return 0, usagef("%s takes one account, not %d", flagName, len(ids))
	case len(ids) == 1:
		return ids[0], nil
	}
	return 0, nil
}

// person is an account that a name can designate.
type person struct {
	id         int64
	name       string
	chatworkID string
}

func (p person) String() string {
	s := fmt.Sprintf("%s (account %d", p.name, p.id)
	if p.chatworkID != "" {
		s += ", @" + p.chatworkID
	}
	return s + ")"
}

// people returns your contacts and the members of room (when room is not
// 0), each account once.
func (a *app) people(ctx context.Context, room int64) ([]person, error) {
	seen := map[int64]bool{}
	var out []person
	add := func(p person) {
		if !seen[p.id] {
			seen[p.id] = true
			out = append(out, p)
		}
	}
	contacts, _, err := a.c.Contacts.List(ctx)
	if err != nil {
		return nil, err
	}
	for _, c := range contacts {
		add(person{id: c.AccountID, name: c.Name, chatworkID: c.ChatworkID})
	}
	if room > 0 {
		members, _, err := a.c.Members.List(ctx, room)
		if err != nil {
			return nil, err
		}
		for _, m := range members {
			add(person{id: m.AccountID, name: m.Name, chatworkID: m.ChatworkID})
		}
	}
	return out, nil
}

// pick finds the one person name designates.
func pick(people []person, name string, room int64) (person, error) {
	want := strings.ToLower(name)
	var exact, partial []person
	for _, p := range people {
		n := strings.ToLower(p.name)
		switch {
		case strings.ToLower(p.chatworkID) == want || n == want:
			exact = append(exact, p)
		case strings.HasPrefix(n, want) || wordPrefix(n, want):
			partial = append(partial, p)
		}
	}
	found := exact
	if len(found) == 0 {
		found = partial
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		where := "among your contacts"
		if room > 0 {
			where += fmt.Sprintf(" and the members of room %d", room)
		}
		return person{}, fmt.Errorf("no one is called %q %s", name, where)
	}
	sort.Slice(found, func(i, j int) bool { return found[i].id < found[j].id })
	names := make([]string, len(found))
	for i, p := range found {
		names[i] = p.String()
	}
	return person{}, fmt.Errorf("ambiguous: %d people match (%s); give the account ID or the chatwork ID", len(found), strings.Join(names, ", "))
}

// wordPrefix reports whether a word of name starts with prefix.
func wordPrefix(name, prefix string) bool {
	for _, w := range strings.Fields(name) {
		if strings.HasPrefix(w, prefix) {
			return true
		}
	}
	return false
}
