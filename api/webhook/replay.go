package webhook

import (
	"crypto/sha256"
	"fmt"
	"sync"
)

// MaxReplayGuardSize is the largest size [WithReplayGuard] accepts: ten
// million deliveries, about 1.2 GB once that many have arrived.
const MaxReplayGuardSize = 10_000_000

// WithReplayGuard makes the Handler remember the last n deliveries it
// accepted and ignore a delivery whose body is identical to one of them:
// its callback does not run, the replay is logged at level Warn and it is
// answered 200, so that a duplicate is not counted by Chatwork as a failed
// delivery. Memory follows the deliveries seen, up to the bound: nothing
// is reserved at start, and 100 to 150 bytes are held per remembered
// delivery, whatever arrives.
//
// Chatwork signs no timestamp and no delivery ID, so a captured request
// stays valid; a body's webhook_event_time and webhook_event make it
// unique. Combine the guard with [WithMaxEventAge]: older events are
// refused anyway, so a guard that holds every delivery that can arrive
// within the maximum age refuses every replay. A delivery whose callback
// fails is forgotten, so that it may be delivered again.
//
// n must be positive and at most [MaxReplayGuardSize]. The guard is off
// by default.
func WithReplayGuard(n int) Option {
	return func(c *config) error {
		switch {
		case n <= 0:
			return fmt.Errorf("webhook: replay guard size must be positive, got %d", n)
		case n > MaxReplayGuardSize:
			return fmt.Errorf("webhook: replay guard size %d is over the maximum of %d deliveries (about 1.2 GB once full)", n, MaxReplayGuardSize)
		}
		c.replay = newReplayGuard(n)
		return nil
	}
}

// replayGuard remembers the digests of the last deliveries in a ring, with
// a map to find them. The ring grows as deliveries arrive, up to size,
// then wraps: delivery number seq (from 1) is in slot (seq-1) % size.
type replayGuard struct {
	mu   sync.Mutex
	size int                          // the most deliveries remembered
	seen map[[sha256.Size]byte]uint64 // digest → sequence number of its slot
	ring []replayEntry
	seq  uint64 // deliveries added so far
}

type replayEntry struct {
	digest [sha256.Size]byte
	seq    uint64
}

func newReplayGuard(n int) *replayGuard {
	return &replayGuard{size: n, seen: make(map[[sha256.Size]byte]uint64)}
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
	e := replayEntry{digest: d, seq: g.seq}
	if len(g.ring) < g.size {
		if len(g.ring) == cap(g.ring) {
			// Double, but never past size: append alone could
			// overshoot the bound.
			grown := make([]replayEntry, len(g.ring), min(max(2*cap(g.ring), 64), g.size))
			copy(grown, g.ring)
			g.ring = grown
		}
		g.ring = append(g.ring, e)
	} else {
		slot := &g.ring[(g.seq-1)%uint64(len(g.ring))] // len(g.ring) == g.size
		if old, ok := g.seen[slot.digest]; ok && old == slot.seq {
			delete(g.seen, slot.digest)
		}
		*slot = e
	}
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
