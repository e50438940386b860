package pacing

// LocalSizes returns what an in-memory limiter keeps: rooms, buckets of the
// account's log, and the most waiters and answer times of one room.
func LocalSizes(l Limiter) (rooms, buckets, waiters, times int) {
	m := l.(*memLimiter)
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.global != nil {
		buckets = len(m.global.buckets)
	}
	for _, rs := range m.rooms {
		waiters, times = max(waiters, len(rs.queue)), max(times, len(rs.times)-rs.head)
	}
	return len(m.rooms), buckets, waiters, times
}
