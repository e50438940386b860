// Package intake makes sure that every Chatwork event a bot must see is
// handled, by a fleet of replicas, through Redis Streams.
//
// Chatwork delivers each webhook event once: no retry, a 200 expected
// quickly, and the webhook switched off when too many deliveries fail. A
// replica that is deploying, crashing or slow loses events for good, and
// one that does slow work before answering gets its webhook disabled.
// This package takes each delivery into a Redis stream before it answers,
// recovers lost deliveries by polling, and hands every event to consumer
// groups that survive crashes:
//
//	Chatwork ──webhook──► load balancer ──► replica 1 ─┐ Handler: verify,
//	                                    ├──► replica 2 ─┤ add unless known,
//	                                    └──► replica 3 ─┤ then 200
//	                                                    ▼
//	Chatwork ◄──GET latest 100 (force=1)── Poll ───► Redis: stream {chatwork:events}
//	          one replica per room (leases),           dedup keys, marks,
//	          one budget share for the fleet            leases, dead letters
//	                                                    │
//	                       ┌────────────────────────────┼────────────────┐
//	                       ▼                            ▼                ▼
//	              Consume(ctx, "bot", h)      Consume(ctx, "bot", h)   Consume(ctx, "audit", h2)
//	              consumer group "bot": each entry to one of its consumers,
//	              acknowledged after h returns nil; retried, then dead-lettered
//
// # Intake
//
// [Stream.Handler] is the http.Handler to put behind Chatwork's webhook
// URL on every replica. It verifies the signature (as package webhook's
// Handler does, with its options), adds the event to the stream unless
// the stream has it already, and answers 200 with an empty body: no user
// code runs before the answer. A delivery that cannot be stored (Redis
// down or slower than the call timeout) is answered 500, so that the
// failure shows (and is counted as "refused") rather than being dropped;
// Chatwork does not resend it, and Poll recovers it.
//
// # Deduplication
//
// Each event has a key ([Key]): its type, room and message ID, plus the
// update time for message_updated and the mentioned account for
// mention_to_me. The stream remembers each key for a horizon ([WithHorizon],
// a day by default) and drops an event whose key it has, whichever replica
// or source saw it first: the same message_created delivered twice (a
// replay, or two replicas behind a load balancer) and found again by a
// poll is stored once. message_created and mention_to_me of one message
// are two events with two keys: a bot that answers mentions subscribes to
// the one it needs.
//
// # Reconciliation by polling
//
// [Stream.Poll] runs api.Messages.Watch on every replica as one fleet
// ([api.WatchOptions].Fleet): each room is leased to one replica at a time
// and taken over within about [PollOptions].Lease when that replica dies,
// the marks live in Redis, and the polls of all replicas together keep to
// one share of the account's budget. Each message found becomes the event
// Chatwork would have sent, with the same key, so a message whose webhook
// was lost is handled once. Webhook only (Handler), poll only (Poll), or
// both, are configurations of the same stream.
//
// # Consumers
//
// [Stream.Consume] runs a handler over a consumer group. Delivery is
// at-least-once, with a key to make the handler's side exactly-once: an
// entry is acknowledged only after the handler returns nil;
// a failed entry is retried with backoff and moved to the dead-letter
// stream with its error after the last attempt; a consumer that dies
// leaves its entry pending, and another takes it over after an idle time.
// A handler may therefore see an entry twice: after its own error, after a
// crash between its effect and the acknowledgement, after a replay of a
// dead letter, when an event comes again after the horizon, or when Redis
// loses acknowledged writes (a failover, or a restart without an
// append-only file). [Delivery].Key is the same each time: recording it
// with the handler's effect makes the effect exactly once.
//
// # Operating it
//
// [Stream.Tail], [Stream.Pending], [Stream.DeadLetters] and [Stream.Replay]
// show the stream, the entries being handled or waiting for another
// attempt, and the dead letters, and send dead letters again;
// [Stream.Counts] returns the fleet's counters, and [Metrics] (satisfied
// by *expvar.Map) receives this process's. The stream keeps its entries
// until it is trimmed ([WithMaxLen], or XTRIM): size it for how far the
// slowest group may fall behind. Run Redis with an append-only file
// (appendonly yes): a restart then loses nothing it acknowledged. The CLI has them as chatwork
// webhook listen --redis-url, chatwork events tail|pending|dead|replay|
// consume|poll|stats.
//
// # Dependencies
//
// Only programs that import this package link Redis. It builds on package
// api (the client and its Watch), api/webhook (verification and events)
// and api/notation (mentions), the generated types, and the internal sleep
// helper (enforced by internal/checks TestImportRules).
package intake
