package kv

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Limits inherited from bbolt; Put rejects larger arguments up front so that a
// bad request can never fail a whole group commit.
const (
	// MaxKeySize is the longest accepted key, in bytes.
	MaxKeySize = bolt.MaxKeySize
	// MaxValueSize is the longest accepted value, in bytes.
	MaxValueSize = bolt.MaxValueSize
)

// bucketName is the single bbolt bucket holding every key; callers namespace
// keys with their own prefixes.
var bucketName = []byte("kv")

// errNothingApplied rolls back a group commit in which every request
// conflicted, saving an fsync; it never leaves the writer.
var errNothingApplied = errors.New("kv: nothing applied")

// Options tunes a Store. The zero value (or a nil *Options) selects defaults.
type Options struct {
	// MaxBatch caps how many transactions one group commit applies. Zero means 1024.
	MaxBatch int
	// OpenTimeout is how long Open waits for the file lock. Zero means 5s.
	OpenTimeout time.Duration
}

// withDefaults returns a copy of o (which may be nil) with zero fields filled in.
func (o *Options) withDefaults() Options {
	var r Options
	if o != nil {
		r = *o
	}
	if r.MaxBatch <= 0 {
		r.MaxBatch = 1024
	}
	if r.OpenTimeout <= 0 {
		r.OpenTimeout = 5 * time.Second
	}
	return r
}

// Store is a transactional key-value store backed by one bbolt file. All
// methods are safe for concurrent use. Create one with Open; the zero value is
// not usable.
type Store struct {
	db       *bolt.DB
	maxBatch int

	// mu is read-held by every operation that touches db (Commit for its
	// whole duration), so Close's write lock waits for in-flight commits.
	mu     sync.RWMutex
	closed bool

	// reqs is unbuffered: pending commits wait as blocked senders, which
	// the writer's non-blocking receives collect into the next batch.
	reqs       chan *commitReq
	writerDone chan struct{}
}

// commitReq asks the writer to validate and apply one transaction.
type commitReq struct {
	t    *Txn
	err  error      // outcome of validation/apply inside the batch
	done chan error // buffered; receives the final outcome once
}

// Open opens (creating if needed) the bbolt file at path. A nil *Options means
// defaults. Only one Store may have a file open at a time, across processes:
// Open waits up to Options.OpenTimeout for bbolt's file lock.
func Open(path string, opts *Options) (*Store, error) {
	o := opts.withDefaults()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: o.OpenTimeout})
	if err != nil {
		return nil, fmt.Errorf("kv: open %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(bucketName)
		return err
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("kv: open %s: %w", path, err)
	}
	s := &Store{
		db:         db,
		maxBatch:   o.MaxBatch,
		reqs:       make(chan *commitReq),
		writerDone: make(chan struct{}),
	}
	go s.writer()
	return s, nil
}

// Close waits for in-flight commits, stops the writer and closes the file.
// Later calls, and any later operation on the Store, return ErrClosed.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	s.closed = true
	// No Commit holds the read lock, so no request is queued or in progress.
	close(s.reqs)
	<-s.writerDone
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("kv: close: %w", err)
	}
	return nil
}

// view runs fn in a short read-only bbolt transaction on the bucket.
func (s *Store) view(fn func(b *bolt.Bucket) error) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return ErrClosed
	}
	return s.db.View(func(tx *bolt.Tx) error { return fn(tx.Bucket(bucketName)) })
}

// Begin starts a transaction. It is cheap: a Txn holds no bbolt transaction,
// only its buffered writes and a record of what it read.
func (s *Store) Begin() *Txn {
	return &Txn{s: s}
}

// Commit validates t's reads and, if they all still hold, applies its writes.
// A nil error means the writes are durable (fsynced). ErrConflict means some
// read no longer holds and nothing was written. Whatever the outcome, t is
// finished: further use returns ErrTxnDone. t must come from s.Begin; Commit
// panics otherwise.
//
// A transaction that neither read nor wrote commits without touching the
// file, even after Close (most handlers never call the store); one without
// writes only validates its reads; one with writes joins the next group
// commit.
func (s *Store) Commit(t *Txn) error {
	if t.s != s {
		panic("kv: Commit of a Txn from another Store")
	}
	if t.done {
		return ErrTxnDone
	}
	t.done = true
	if t.Writes() == 0 {
		if len(t.pointReads) == 0 && len(t.rangeReads) == 0 {
			return nil
		}
		return s.view(func(b *bolt.Bucket) error {
			if !t.valid(b) {
				return ErrConflict
			}
			return nil
		})
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return ErrClosed
	}
	req := &commitReq{t: t, done: make(chan error, 1)}
	s.reqs <- req
	return <-req.done
}

// Update runs fn in a fresh transaction and commits it, re-running both on
// ErrConflict until the commit succeeds or ctx is done. fn may therefore run
// several times and must have no effects outside the Txn. An error from fn
// aborts without committing and is returned unchanged.
func (s *Store) Update(ctx context.Context, fn func(*Txn) error) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		t := s.Begin()
		if err := fn(t); err != nil {
			return err
		}
		if err := s.Commit(t); !errors.Is(err, ErrConflict) {
			return err
		}
	}
}

// writer owns every write transaction. It takes whatever requests are pending
// (up to maxBatch) and commits them with one fsync; while it is fsyncing, new
// requests queue up for the next batch. A lone request is committed at once:
// there is no timer.
func (s *Store) writer() {
	defer close(s.writerDone)
	var batch []*commitReq
	for req := range s.reqs {
		batch = append(batch[:0], req)
	drain:
		for len(batch) < s.maxBatch {
			select {
			// Close closes reqs only once no Commit is waiting, and every
			// Commit waits until its batch is answered, so this never
			// receives from a closed channel.
			case r := <-s.reqs:
				batch = append(batch, r)
			default:
				break drain
			}
		}
		s.commitBatch(batch)
	}
}

// commitBatch validates and applies batch in order inside one bbolt write
// transaction, so each request is validated against the effects of those
// before it, then answers every request.
func (s *Store) commitBatch(batch []*commitReq) {
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketName)
		applied := 0
		for _, r := range batch {
			if !r.t.valid(b) {
				r.err = ErrConflict
				continue
			}
			if err := r.t.apply(b); err != nil {
				return err
			}
			applied++
		}
		if applied == 0 {
			return errNothingApplied
		}
		return nil
	})
	if err != nil && !errors.Is(err, errNothingApplied) {
		err = fmt.Errorf("kv: commit: %w", err)
		for _, r := range batch {
			r.err = err
		}
	}
	for _, r := range batch {
		r.done <- r.err
	}
}
