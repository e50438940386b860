package webhook

import (
	"crypto/sha256"
	"fmt"
	"sync"
)

// WithReplayGuard makes the Handler remember the last n deliveries it
// accepted and ignore a delivery whose body is identical to one of them:
// its callback does not run, the replay is logged at level Warn and it is
// answered 200, so that a duplicate is not counted by Chatwork as a failed
// delivery. Memory is bounded: about 170 bytes per remembered delivery,
// whatever arrives.
//
// Chatwork signs no timestamp and no delivery ID, so a captured request
// stays valid; a body's webhook_event_time and webhook_event make it
// unique. Combine the guard with [WithMaxEventAge]: older events are
// refused anyway, so a guard that holds every delivery that can arrive
// within the maximum age refuses every replay. A delivery whose callback
// fails is forgotten, so that it may be delivered again.
//
// n must be positive. The guard is off by default.
func WithReplayGuard(n int) Option {
	return func(c *config) error {
		if n <= 0 {
			return fmt.Errorf("webhook: replay guard size must be positive, got %d", n)
		}
		c.replay = newReplayGuard(n)
		return nil
	}
}

// replayGuard remembers the digests of the last deliveries in a ring, with
// a map to find them.
type replayGuard struct {
	mu   sync.Mutex
	seen map[[sha256.Size]byte]uint64 // digest → sequence number of its slot
	ring []replayEntry
	seq  uint64 // deliveries added so far
}

type replayEntry struct {
	digest [sha256.Size]byte
	seq    uint64
}

func newReplayGuard(n int) *replayGuard {
	return &replayGuard{seen: make(map[[sha256.Size]byte]uint64, n), ring: make([]replayEntry, n)}
}

// add records body and reports whether it is new. The returned function
// forgets it again.
func (g *replayGuard) add(body []byte) (fresh bool, forget func()) {
	d := sha256.Sum256(body)
	g.mu.Lock()
	defer g.mu.Unlock()
	if _, ok := g.seen[d]; ok {
		return false, nil
	}
	g.seq++
	slot := &g.ring[g.seq%uint64(len(g.ring))]
	if old, ok := g.seen[slot.digest]; ok && old == slot.seq {
		delete(g.seen, slot.digest)
	}
	*slot = replayEntry{digest: d, seq: g.seq}
	g.seen[d] = g.seq
	seq := g.seq
	return true, func() {
		g.mu.Lock()
		defer g.mu.Unlock()
		if s, ok := g.seen[d]; ok && s == seq {
			delete(g.seen, d)
		}
	}
}
