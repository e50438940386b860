package redislimit_test

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/chatwork-go/chatwork/api"
	"github.com/chatwork-go/chatwork/api/pacing"
	"github.com/chatwork-go/chatwork/api/redislimit"
	"github.com/chatwork-go/chatwork/internal/pacingtest"
	"github.com/chatwork-go/chatwork/internal/redistest"
)

// stateKeys returns the names of the nine keys of an account and a room,
// found from what a first post wrote, in the order of the scripts.
func stateKeys(t testing.TB, rdb *redis.Client, room string) map[string]string {
	t.Helper()
	var acct string
	for _, k := range rdb.Keys(context.Background(), "*:acct:*:srv").Val() {
		acct = strings.TrimSuffix(k, "srv")
	}
	if acct == "" {
		t.Fatal("no account state in Redis after a post")
	}
	r := acct[:strings.Index(acct, "acct:")] + "room:" + room + ":"
	return map[string]string{
		"account log": acct + "log", "account server": acct + "srv", "account flight": acct + "flight", "account block": acct + "block",
		"room log": r + "log", "room flight": r + "flight", "room block": r + "block", "room queue": r + "queue", "room alive": r + "alive",
	}
}

// plant writes a value of kind into key: string, hash (field value
// pairs), zset (score member pairs), list or set.
func plant(t testing.TB, rdb *redis.Client, key, kind string, values ...string) {
	t.Helper()
	ctx := context.Background()
	rdb.Del(ctx, key)
	var err error
	switch kind {
	case "string":
		err = rdb.Set(ctx, key, values[0], 0).Err()
	case "hash":
		err = rdb.HSet(ctx, key, values).Err()
	case "zset":
		args := []any{"ZADD", key}
		for _, v := range values {
			args = append(args, v)
		}
		err = rdb.Do(ctx, args...).Err()
	case "list":
		err = rdb.RPush(ctx, key, values).Err()
	case "set":
		err = rdb.SAdd(ctx, key, values).Err()
	}
	if err != nil {
		t.Fatalf("plant %s %v in %s: %v", kind, values, key, err)
	}
}

// TestCorruptedStateIsRepaired: values planted in the shared state (as
// found in the wild: a key of the wrong type, garbage in the server's
// window, an absurd block time) are repaired with one log line, and no
// call of four replicas fails because of them.
func TestCorruptedStateIsRepaired(t *testing.T) {
	for _, tc := range []struct {
		key, kind string
		values    []string
	}{
		{"account log", "string", []string{"oops"}},
		{"account server", "hash", []string{"remaining", "abc", "reset", "xyz"}},
		{"account server", "hash", []string{"limit", "300", "remaining", "0", "reset", "99999999999999999999", "first", "1"}},
		{"account block", "string", []string{"99999999999999999999"}},
		{"account block", "string", []string{"abc"}},
		{"account flight", "list", []string{"a", "b"}},
		{"room block", "hash", []string{"a", "b"}},
		{"room flight", "zset", []string{"99999999999999999", "phantom"}},
		{"room log", "set", []string{"x"}},
		{"room queue", "zset", []string{"1", "ghost"}},
	} {
		t.Run(tc.key+" "+strings.Join(tc.values, " "), func(t *testing.T) {
			t.Parallel()
			r := redistest.Start(t)
			rdb := r.Client(t)
			s, rooms := fakeOverHTTP(t, scaled, 1)
			var logs logBuffer
			var clients []*api.Client
			for range 4 {
				lim := redislimit.New(rdb, s.Token(), redislimit.WithBudgets(scaled), steady, redislimit.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
				clients = append(clients, replica(t, s, s.Token(), lim))
			}
			if errs := pacingtest.Post(t.Context(), clients[:1], rooms, 1, 4, "warm"); len(errs) > 0 {
				t.Fatal(errs[0])
			}
			keys := stateKeys(t, rdb, strconv.FormatInt(rooms[0], 10))
			plant(t, rdb, keys[tc.key], tc.kind, tc.values...)
			if errs := pacingtest.Post(t.Context(), clients, rooms, 40, 4, "m"); len(errs) > 0 {
				t.Fatalf("%d posts failed, first: %v", len(errs), errs[0])
			}
			pacingtest.StoredOnce(t, s, rooms, 40, "m")
			if !strings.Contains(logs.String(), "repaired") || !strings.Contains(logs.String(), keys[tc.key]) {
				t.Errorf("no log line says %s was repaired:\n%s", keys[tc.key], logs.String())
			}
			if strings.Contains(logs.String(), "pacing this process alone") {
				t.Errorf("a bad value was taken for an outage:\n%s", logs.String())
			}
		})
	}
}

// FuzzSharedState writes arbitrary values into the shared state between
// calls. Whatever it finds, a script never fails (no call paces alone for
// it), a call never fails with anything but a *pacing.WaitError, never
// waits beyond its allowance, and a value of the wrong type or one that is
// not a number is repaired and does not hold the call at all.
func FuzzSharedState(f *testing.F) {
	f.Add(uint8(0), uint8(0), "oops", "", int64(0))                        // the account log as a string
	f.Add(uint8(1), uint8(1), "remaining", "abc", int64(0))                // the server's window with garbage
	f.Add(uint8(1), uint8(1), "reset", "xyz", int64(0))                    //
	f.Add(uint8(3), uint8(0), "99999999999999999999", "", int64(0))        // an absurd block
	f.Add(uint8(3), uint8(0), "abc", "", int64(0))                         //
	f.Add(uint8(5), uint8(2), "phantom", "", int64(99999999999999999))     // a post in flight in the far future
	f.Add(uint8(8), uint8(2), "ghost", "", int64(-5))                      // a waiter that never comes back
	f.Add(uint8(6), uint8(3), "x", "y", int64(0))                          // the room's block as a list
	f.Add(uint8(1), uint8(1), "limit", "1e400", int64(0))                  //
	f.Add(uint8(1), uint8(1), "trying", strings.Repeat("z", 99), int64(0)) //
	r := redistest.Start(f)
	rdb := r.Client(f)
	budgets := pacing.Budgets{Limit: 1000, Window: 2 * time.Second, RoomLimit: 100, RoomWindow: time.Second}
	var logs logBuffer
	lim := redislimit.New(rdb, "token-fuzz", redislimit.WithBudgets(budgets), steady, redislimit.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	const room = 9
	call := func(t *testing.T) error {
		start := time.Now()
		err := lim.Wait(context.Background(), room, 3*time.Second)
		if d := time.Since(start); d > 3*time.Second+time.Second {
			t.Errorf("waited %v, beyond the allowance of 3 s", d)
		}
		var we *pacing.WaitError
		if err != nil && !errors.As(err, &we) {
			t.Fatalf("Wait: %v", err)
		}
		if err == nil {
			lim.Observe(room, pacing.Observation{StatusCode: 200, Sent: time.Now(), Limit: 1000, Remaining: 900,
				Reset: time.Now().Add(2 * time.Second).Truncate(time.Second)})
		}
		return err
	}
	if err := lim.Wait(context.Background(), room, time.Second); err != nil {
		f.Fatal(err)
	}
	lim.Observe(room, pacing.Observation{StatusCode: 200, Sent: time.Now(), Limit: 1000, Remaining: 999,
		Reset: time.Now().Add(2 * time.Second).Truncate(time.Second)})
	keys := stateKeys(f, rdb, "9")
	names := []string{"account log", "account server", "account flight", "account block", "room log", "room flight",
		"room block", "room queue", "room alive"}
	types := []string{"zset", "hash", "zset", "string", "zset", "zset", "string", "zset", "zset"}
	kinds := []string{"string", "hash", "zset", "list", "set"}
	f.Fuzz(func(t *testing.T, which, kind uint8, a, b string, n int64) {
		i := int(which) % len(names)
		k := kinds[int(kind)%len(kinds)]
		values := []string{a}
		switch k {
		case "hash":
			values = []string{a, b}
		case "zset":
			values = []string{strconv.FormatInt(n, 10), a}
		}
		plant(t, rdb, keys[names[i]], k, values...)
		logs.Reset()
		err := call(t)
		if strings.Contains(logs.String(), "pacing this process alone") {
			t.Fatalf("a planted %s in %s was taken for an outage:\n%s", k, names[i], logs.String())
		}
		if k != types[i] && err != nil {
			t.Errorf("a %s in %s (a %s) held the call: %v", k, names[i], types[i], err)
		}
		if k != types[i] && !strings.Contains(logs.String(), "repaired") {
			t.Errorf("a %s in %s (a %s) was not repaired:\n%s", k, names[i], types[i], logs.String())
		}
		rdb.Del(context.Background(), keys[names[i]])
	})
}
