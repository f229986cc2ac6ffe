package kv

import (
	"bytes"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// DefaultListLimit is the number of entries List returns when its limit is
// zero or negative.
const DefaultListLimit = 1000

// Entry is one key-value pair returned by List. The caller owns both slices.
type Entry struct {
	Key, Value []byte
}

// Txn is an optimistic transaction: writes are buffered until Store.Commit,
// and every read of committed data is recorded so that Commit can check it
// still holds. Reads see the transaction's own writes. A Txn is not safe for
// concurrent use and is single-use: after Commit its reads and writes return
// ErrTxnDone. The zero value is not usable; call Store.Begin.
type Txn struct {
	s    *Store
	done bool

	// writes maps a key to its buffered put or delete. An entry always
	// post-dates every prefix delete covering its key, because DeletePrefix
	// drops the entries it covers.
	writes map[string]write
	// prefixDeletes are the DeletePrefix prefixes, in call order. The slice is
	// append-only, so a rangeRead may keep a prefix of it.
	prefixDeletes [][]byte

	pointReads map[string]pointRead
	rangeReads []rangeRead
}

// write is one buffered operation on a key.
type write struct {
	value []byte // nil when del
	del   bool
}

// pointRead is what one key held in committed data when first read.
type pointRead struct {
	value []byte
	ok    bool
}

// rangeRead records the committed entries a List depended on: every key under
// prefix up to and including end (the whole prefix when end is nil), except
// keys under hidden, which the transaction had already deleted by prefix.
type rangeRead struct {
	prefix, end []byte
	hidden      [][]byte
	entries     []Entry
}

// Get returns the value of key: the transaction's own buffered write if any,
// else the committed value. ok is false if the key is absent. The read (value
// or absence) is recorded for validation at commit, and repeated reads of a
// key return the recorded result. The returned slice is a copy.
func (t *Txn) Get(key []byte) (value []byte, ok bool, err error) {
	v, ok, err := t.read(key)
	if err != nil || !ok {
		return nil, false, err
	}
	return clone(v), true, nil
}

// read is Get without the copy; the result must not be modified or retained.
func (t *Txn) read(key []byte) ([]byte, bool, error) {
	if err := t.check(key); err != nil {
		return nil, false, err
	}
	if w, ok := t.writes[string(key)]; ok {
		return w.value, !w.del, nil
	}
	if t.hidden(key) {
		return nil, false, nil
	}
	if r, ok := t.pointReads[string(key)]; ok {
		return r.value, r.ok, nil
	}
	var r pointRead
	err := t.s.view(func(b *bolt.Bucket) error {
		r = committed(b, key)
		r.value = clone(r.value)
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	if t.pointReads == nil {
		t.pointReads = make(map[string]pointRead)
	}
	t.pointReads[string(key)] = r
	return r.value, r.ok, nil
}

// Put buffers setting key to value. Both slices are copied; a nil value is
// stored as an empty one.
func (t *Txn) Put(key, value []byte) error {
	if err := t.check(key); err != nil {
		return err
	}
	if len(value) > MaxValueSize {
		return ErrValueTooLarge
	}
	t.buffer(key, write{value: clone(value)})
	return nil
}

// Delete buffers removing key; deleting an absent key is not an error.
func (t *Txn) Delete(key []byte) error {
	if err := t.check(key); err != nil {
		return err
	}
	t.buffer(key, write{del: true})
	return nil
}

// Incr adds delta to the integer stored at key and buffers the result, which
// it returns. Values are decimal ASCII ("42"); an absent key counts as 0. It
// is a read plus a write, so concurrent increments of one key conflict and
// are serialized by retries. A value that is not a base-10 int64 gives
// ErrNotInteger; a result outside int64 gives ErrOverflow. On error nothing is
// buffered.
func (t *Txn) Incr(key []byte, delta int64) (int64, error) {
	v, ok, err := t.read(key)
	if err != nil {
		return 0, err
	}
	var n int64
	if ok {
		if n, err = strconv.ParseInt(string(v), 10, 64); err != nil {
			return 0, fmt.Errorf("kv: incr %q: %w", key, ErrNotInteger)
		}
	}
	if (delta > 0 && n > math.MaxInt64-delta) || (delta < 0 && n < math.MinInt64-delta) {
		return 0, fmt.Errorf("kv: incr %q: %w", key, ErrOverflow)
	}
	n += delta
	t.buffer(key, write{value: strconv.AppendInt(nil, n, 10)})
	return n, nil
}

// CompareAndSwap buffers replacing key's value with new if it currently equals
// old, and reports whether it did. A nil old means the key must be absent (an
// empty non-nil old matches an empty value); a nil new means delete. It is a
// read plus a conditional write; new is copied.
func (t *Txn) CompareAndSwap(key, old, new []byte) (bool, error) {
	v, ok, err := t.read(key)
	if err != nil {
		return false, err
	}
	if ok != (old != nil) || !bytes.Equal(v, old) {
		return false, nil
	}
	if new == nil {
		err = t.Delete(key)
	} else {
		err = t.Put(key, new)
	}
	return err == nil, err
}

// List returns the entries whose keys start with prefix, sorted by key, as the
// transaction sees them: committed data merged with its own buffered writes
// and deletes. It returns at most limit entries; limit <= 0 means
// DefaultListLimit. The committed range it depended on is recorded, so any
// commit that would change this listing makes t conflict. The caller owns the
// returned entries.
func (t *Txn) List(prefix []byte, limit int) ([]Entry, error) {
	if t.done {
		return nil, ErrTxnDone
	}
	if len(prefix) > MaxKeySize {
		return nil, ErrKeyTooLarge
	}
	if limit <= 0 {
		limit = DefaultListLimit
	}
	var own []string
	for k := range t.writes {
		if strings.HasPrefix(k, string(prefix)) {
			own = append(own, k)
		}
	}
	slices.Sort(own)

	rr := rangeRead{
		prefix: clone(prefix),
		hidden: t.prefixDeletes[:len(t.prefixDeletes):len(t.prefixDeletes)],
	}
	var out []Entry
	err := t.s.view(func(b *bolt.Bucket) error {
		// Merge the committed scan with own, own winning on equal keys. end
		// tracks the last key the listing looked at.
		sc := rr.scan(b)
		k, v := sc.next()
		for len(out) < limit {
			switch {
			case k == nil && len(own) == 0:
				rr.end = nil // exhausted: the listing depends on the whole prefix
				return nil
			case len(own) == 0 || (k != nil && string(k) < own[0]):
				rr.entries = append(rr.entries, Entry{clone(k), clone(v)})
				out = append(out, Entry{clone(k), clone(v)})
				rr.end = rr.entries[len(rr.entries)-1].Key
				k, v = sc.next()
			default:
				if k != nil && string(k) == own[0] {
					// Overridden, but its presence is still part of the range.
					rr.entries = append(rr.entries, Entry{clone(k), clone(v)})
					k, v = sc.next()
				}
				if w := t.writes[own[0]]; !w.del {
					out = append(out, Entry{[]byte(own[0]), clone(w.value)})
				}
				rr.end = []byte(own[0])
				own = own[1:]
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	t.rangeReads = append(t.rangeReads, rr)
	return out, nil
}

// DeletePrefix buffers deleting every key that starts with prefix. At commit
// it removes the committed keys with that prefix at that moment; within the
// transaction it also cancels earlier buffered writes under prefix, while
// later writes survive. An empty prefix is rejected with ErrEmptyKey rather
// than wiping the store.
func (t *Txn) DeletePrefix(prefix []byte) error {
	if err := t.check(prefix); err != nil {
		return err
	}
	for k := range t.writes {
		if strings.HasPrefix(k, string(prefix)) {
			delete(t.writes, k)
		}
	}
	t.prefixDeletes = append(t.prefixDeletes, clone(prefix))
	return nil
}

// Writes returns the number of buffered write operations: distinct keys put
// or deleted plus DeletePrefix calls. Zero means Commit only validates reads.
func (t *Txn) Writes() int {
	return len(t.writes) + len(t.prefixDeletes)
}

// check validates key and the transaction's state before an operation.
func (t *Txn) check(key []byte) error {
	switch {
	case t.done:
		return ErrTxnDone
	case len(key) == 0:
		return ErrEmptyKey
	case len(key) > MaxKeySize:
		return ErrKeyTooLarge
	}
	return nil
}

// buffer records w as the latest write to key.
func (t *Txn) buffer(key []byte, w write) {
	if t.writes == nil {
		t.writes = make(map[string]write)
	}
	t.writes[string(key)] = w
}

// hidden reports whether a buffered DeletePrefix covers key.
func (t *Txn) hidden(key []byte) bool {
	return slices.ContainsFunc(t.prefixDeletes, func(p []byte) bool { return bytes.HasPrefix(key, p) })
}

// valid reports whether every recorded read still holds in b.
func (t *Txn) valid(b *bolt.Bucket) bool {
	for k, r := range t.pointReads {
		c := committed(b, []byte(k))
		if c.ok != r.ok || !bytes.Equal(c.value, r.value) {
			return false
		}
	}
	for i := range t.rangeReads {
		if !t.rangeReads[i].holds(b) {
			return false
		}
	}
	return true
}

// apply performs the buffered writes in b: prefix deletes first, since every
// buffered key write post-dates the prefix deletes covering it.
func (t *Txn) apply(b *bolt.Bucket) error {
	c := b.Cursor()
	for _, p := range t.prefixDeletes {
		// Re-seek after each delete rather than trusting Next after Delete.
		for k, _ := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, _ = c.Seek(p) {
			if err := c.Delete(); err != nil {
				return err
			}
		}
	}
	for k, w := range t.writes {
		var err error
		if w.del {
			err = b.Delete([]byte(k))
		} else {
			err = b.Put([]byte(k), w.value)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// holds reports whether b still has exactly the recorded entries in the range.
func (rr *rangeRead) holds(b *bolt.Bucket) bool {
	sc := rr.scan(b)
	for _, e := range rr.entries {
		k, v := sc.next()
		if !bytes.Equal(k, e.Key) || !bytes.Equal(v, e.Value) {
			return false
		}
	}
	// Anything further inside the range is an insert.
	k, _ := sc.next()
	return k == nil || (rr.end != nil && bytes.Compare(k, rr.end) > 0)
}

// scanner walks the committed keys under a prefix in order, skipping keys
// under any of the hidden prefixes.
type scanner struct {
	c       *bolt.Cursor
	prefix  []byte
	hidden  [][]byte
	started bool
}

// scan starts a scanner over rr's prefix and hidden prefixes.
func (rr *rangeRead) scan(b *bolt.Bucket) *scanner {
	return &scanner{c: b.Cursor(), prefix: rr.prefix, hidden: rr.hidden}
}

// next returns the next visible key and value, or a nil key at the end. The
// slices are valid only during the bbolt transaction.
func (sc *scanner) next() (key, value []byte) {
	var k, v []byte
	if sc.started {
		k, v = sc.c.Next()
	} else {
		k, v = sc.c.Seek(sc.prefix)
		sc.started = true
	}
	for k != nil && bytes.HasPrefix(k, sc.prefix) {
		i := slices.IndexFunc(sc.hidden, func(h []byte) bool { return bytes.HasPrefix(k, h) })
		if i < 0 {
			return k, v
		}
		// Jump over the whole hidden range instead of walking it.
		end := prefixEnd(sc.hidden[i])
		if end == nil {
			return nil, nil
		}
		k, v = sc.c.Seek(end)
	}
	return nil, nil
}

// committed returns key's value in b; the value aliases bbolt memory.
func committed(b *bolt.Bucket, key []byte) pointRead {
	// A cursor distinguishes an empty value from an absent key reliably.
	k, v := b.Cursor().Seek(key)
	if !bytes.Equal(k, key) {
		return pointRead{}
	}
	return pointRead{value: v, ok: true}
}

// prefixEnd returns the smallest key greater than every key starting with p,
// or nil if there is none (p is all 0xff bytes).
func prefixEnd(p []byte) []byte {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] != 0xff {
			end := clone(p[:i+1])
			end[i]++
			return end
		}
	}
	return nil
}

// clone returns a copy of b that is never nil, so an empty value stays
// distinguishable from an absent one.
func clone(b []byte) []byte {
	return append([]byte{}, b...)
}
