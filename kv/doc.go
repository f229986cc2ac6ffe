// Package kv is the transactional key-value store behind wasmio's handlers.
//
// Every Socket.IO event runs a WebAssembly handler whose KV side effects must
// be all or nothing. A handler works in a Txn: its Put, Delete, Incr,
// CompareAndSwap and DeletePrefix calls are buffered, and Store.Commit applies
// them only when the handler returned successfully. A trapped handler simply
// never commits. Reads (Get, List) see the transaction's own writes first,
// then committed data.
//
// Concurrency control is optimistic. A Txn records every committed value and
// range it read; Commit re-checks them and fails with ErrConflict if any
// changed, so the host re-runs the handler, which is safe because nothing it
// did was applied. Store.Update wraps that loop. Committed transactions are
// serializable: each behaves as if it ran alone at its commit point.
//
// Writes go through group commit: one writer goroutine takes every pending
// commit (up to Options.MaxBatch), validates and applies them in order inside
// a single bbolt write transaction, and fsyncs once for the whole batch. A
// lone commit is written at once, with no batching timer. Transactions that
// only read are validated in a read-only bbolt transaction and never queue
// behind the writer. A Txn holds no bbolt transaction open between calls.
//
// All keys live in one bbolt bucket; callers build their own prefixes (for
// example namespace and socket scopes) and drop a scope with DeletePrefix.
//
// # Caveats
//
//   - Values are copied on the way in and on the way out; callers may reuse
//     or modify the slices they pass and receive.
//   - Durable means fsynced: once Commit returns nil the writes survive a
//     process crash or power loss, within what the disk's fsync guarantees.
//   - Conflicts are normal under contention (many handlers incrementing one
//     counter): callers must be able to re-run a transaction, so handlers must
//     not have side effects outside the Txn. A hot key advances about once per
//     group commit, however many writers compete for it.
//   - Before it commits, a transaction may observe values from different
//     moments (each read is its own short bbolt transaction); Commit then
//     fails with ErrConflict, but code between the reads must tolerate
//     inconsistent data.
//   - One process per file: bbolt holds an exclusive file lock, and Open
//     waits at most Options.OpenTimeout for it.
//   - List returns at most DefaultListLimit entries unless asked for more, and
//     the range it covered is validated at commit, so a long listing in a busy
//     key space conflicts easily.
package kv
