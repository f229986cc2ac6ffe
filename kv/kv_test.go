package kv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// openTest opens the store at path, or in a fresh file under t.TempDir if
// path is empty, and closes it at cleanup.
func openTest(t testing.TB, path string) *Store {
	t.Helper()
	if path == "" {
		path = filepath.Join(t.TempDir(), "kv.db")
	}
	s, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// seed commits the key/value pairs kv (alternating) into s.
func seed(t testing.TB, s *Store, kv ...string) {
	t.Helper()
	tx := s.Begin()
	for i := 0; i < len(kv); i += 2 {
		if err := tx.Put([]byte(kv[i]), []byte(kv[i+1])); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Commit(tx); err != nil {
		t.Fatal(err)
	}
}

// dump returns every committed pair in s.
func dump(t testing.TB, s *Store) map[string]string {
	t.Helper()
	es, err := s.Begin().List(nil, math.MaxInt)
	if err != nil {
		t.Fatal(err)
	}
	m := make(map[string]string, len(es))
	for _, e := range es {
		m[string(e.Key)] = string(e.Value)
	}
	return m
}

// got is a comparable Get result.
type got struct {
	V  string
	OK bool
}

func get(tx *Txn, key string) (any, error) {
	v, ok, err := tx.Get([]byte(key))
	return got{string(v), ok}, err
}

func list(tx *Txn, prefix string, limit int) (any, error) {
	es, err := tx.List([]byte(prefix), limit)
	var kvs []string
	for _, e := range es {
		kvs = append(kvs, string(e.Key)+"="+string(e.Value))
	}
	return kvs, err
}

func put(tx *Txn, kv ...string) {
	for i := 0; i < len(kv); i += 2 {
		if err := tx.Put([]byte(kv[i]), []byte(kv[i+1])); err != nil {
			panic(err)
		}
	}
}

func TestTxnSemantics(t *testing.T) {
	big := strings.Repeat("k", MaxKeySize+1)
	max64 := strconv.FormatInt(math.MaxInt64, 10)
	min64 := strconv.FormatInt(math.MinInt64, 10)
	tests := []struct {
		name    string
		seed    []string
		do      func(tx *Txn) (any, error)
		want    any
		wantErr error
		after   map[string]string // committed state after Commit; nil skips the commit
	}{
		{name: "get absent", do: func(tx *Txn) (any, error) { return get(tx, "a") }, want: got{}},
		{name: "get committed", seed: []string{"a", "1"},
			do: func(tx *Txn) (any, error) { return get(tx, "a") }, want: got{"1", true}},
		{name: "get own put", seed: []string{"a", "1"},
			do:   func(tx *Txn) (any, error) { put(tx, "a", "2"); return get(tx, "a") },
			want: got{"2", true}, after: map[string]string{"a": "2"}},
		{name: "own delete hides committed", seed: []string{"a", "1", "b", "2"},
			do:   func(tx *Txn) (any, error) { tx.Delete([]byte("a")); return get(tx, "a") },
			want: got{}, after: map[string]string{"b": "2"}},
		{name: "delete absent is fine",
			do:   func(tx *Txn) (any, error) { return nil, tx.Delete([]byte("nope")) },
			want: nil, after: map[string]string{}},
		{name: "empty value is present",
			do:   func(tx *Txn) (any, error) { put(tx, "a", ""); return get(tx, "a") },
			want: got{"", true}, after: map[string]string{"a": ""}},
		{name: "nil value stored as empty",
			do:   func(tx *Txn) (any, error) { return nil, tx.Put([]byte("a"), nil) },
			want: nil, after: map[string]string{"a": ""}},
		{name: "get empty key", do: func(tx *Txn) (any, error) { return get(tx, "") },
			want: got{}, wantErr: ErrEmptyKey},
		{name: "put empty key", do: func(tx *Txn) (any, error) { return nil, tx.Put(nil, []byte("v")) },
			wantErr: ErrEmptyKey},
		{name: "delete empty key", do: func(tx *Txn) (any, error) { return nil, tx.Delete([]byte{}) },
			wantErr: ErrEmptyKey},
		{name: "put too large key", do: func(tx *Txn) (any, error) { return nil, tx.Put([]byte(big), nil) },
			wantErr: ErrKeyTooLarge},
		{name: "get too large key", do: func(tx *Txn) (any, error) { return get(tx, big) },
			want: got{}, wantErr: ErrKeyTooLarge},
		{name: "largest key", do: func(tx *Txn) (any, error) { put(tx, big[1:], "v"); return get(tx, big[1:]) },
			want: got{"v", true}, after: map[string]string{big[1:]: "v"}},

		{name: "incr absent", do: func(tx *Txn) (any, error) { return tx.Incr([]byte("c"), 5) },
			want: int64(5), after: map[string]string{"c": "5"}},
		{name: "incr committed", seed: []string{"c", "40"},
			do:   func(tx *Txn) (any, error) { return tx.Incr([]byte("c"), 2) },
			want: int64(42), after: map[string]string{"c": "42"}},
		{name: "incr negative", seed: []string{"c", "1"},
			do:   func(tx *Txn) (any, error) { return tx.Incr([]byte("c"), -3) },
			want: int64(-2), after: map[string]string{"c": "-2"}},
		{name: "incr own writes", seed: []string{"c", "100"},
			do: func(tx *Txn) (any, error) {
				put(tx, "c", "7")
				tx.Incr([]byte("c"), 1)
				return tx.Incr([]byte("c"), 1)
			},
			want: int64(9), after: map[string]string{"c": "9"}},
		{name: "incr not integer", seed: []string{"c", "abc"},
			do:   func(tx *Txn) (any, error) { return tx.Incr([]byte("c"), 1) },
			want: int64(0), wantErr: ErrNotInteger, after: map[string]string{"c": "abc"}},
		{name: "incr empty value", seed: []string{"c", ""},
			do:   func(tx *Txn) (any, error) { return tx.Incr([]byte("c"), 1) },
			want: int64(0), wantErr: ErrNotInteger},
		{name: "incr overflow", seed: []string{"c", max64},
			do:   func(tx *Txn) (any, error) { return tx.Incr([]byte("c"), 1) },
			want: int64(0), wantErr: ErrOverflow, after: map[string]string{"c": max64}},
		{name: "incr underflow", seed: []string{"c", min64},
			do:   func(tx *Txn) (any, error) { return tx.Incr([]byte("c"), -1) },
			want: int64(0), wantErr: ErrOverflow},
		{name: "incr to limit", seed: []string{"c", "-1"},
			do:   func(tx *Txn) (any, error) { return tx.Incr([]byte("c"), math.MinInt64+1) },
			want: int64(math.MinInt64)},

		{name: "cas absent to value",
			do:   func(tx *Txn) (any, error) { return tx.CompareAndSwap([]byte("k"), nil, []byte("v")) },
			want: true, after: map[string]string{"k": "v"}},
		{name: "cas expects absent but present", seed: []string{"k", "v"},
			do:   func(tx *Txn) (any, error) { return tx.CompareAndSwap([]byte("k"), nil, []byte("w")) },
			want: false, after: map[string]string{"k": "v"}},
		{name: "cas expects value but absent",
			do:   func(tx *Txn) (any, error) { return tx.CompareAndSwap([]byte("k"), []byte{}, []byte("w")) },
			want: false, after: map[string]string{}},
		{name: "cas match", seed: []string{"k", "v"},
			do:   func(tx *Txn) (any, error) { return tx.CompareAndSwap([]byte("k"), []byte("v"), []byte("w")) },
			want: true, after: map[string]string{"k": "w"}},
		{name: "cas mismatch", seed: []string{"k", "v"},
			do:   func(tx *Txn) (any, error) { return tx.CompareAndSwap([]byte("k"), []byte("x"), []byte("w")) },
			want: false, after: map[string]string{"k": "v"}},
		{name: "cas delete", seed: []string{"k", "v", "z", "1"},
			do:   func(tx *Txn) (any, error) { return tx.CompareAndSwap([]byte("k"), []byte("v"), nil) },
			want: true, after: map[string]string{"z": "1"}},
		{name: "cas sees own write", seed: []string{"k", "v"},
			do: func(tx *Txn) (any, error) {
				put(tx, "k", "mine")
				return tx.CompareAndSwap([]byte("k"), []byte("mine"), []byte("w"))
			},
			want: true, after: map[string]string{"k": "w"}},

		{name: "list merges own writes", seed: []string{"a/1", "1", "a/2", "2", "a/3", "3", "b/1", "x"},
			do: func(tx *Txn) (any, error) {
				put(tx, "a/2", "20", "a/0", "0", "c", "c")
				tx.Delete([]byte("a/3"))
				return list(tx, "a/", 0)
			},
			want: []string{"a/0=0", "a/1=1", "a/2=20"}},
		{name: "list limit", seed: []string{"a/1", "1", "a/2", "2", "a/3", "3"},
			do: func(tx *Txn) (any, error) { return list(tx, "a/", 2) }, want: []string{"a/1=1", "a/2=2"}},
		{name: "list limit counts own writes", seed: []string{"a/1", "1", "a/3", "3"},
			do: func(tx *Txn) (any, error) {
				put(tx, "a/2", "2")
				tx.Delete([]byte("a/1"))
				return list(tx, "a/", 2)
			},
			want: []string{"a/2=2", "a/3=3"}},
		{name: "list empty prefix", seed: []string{"a", "1", "b", "2"},
			do: func(tx *Txn) (any, error) { return list(tx, "", 0) }, want: []string{"a=1", "b=2"}},
		{name: "list nothing", seed: []string{"a", "1"},
			do: func(tx *Txn) (any, error) { return list(tx, "b", 0) }, want: []string(nil)},
		{name: "list default cap", seed: manyPairs(DefaultListLimit + 1),
			do: func(tx *Txn) (any, error) {
				kvs, err := list(tx, "", 0)
				return len(kvs.([]string)), err
			},
			want: DefaultListLimit},
		{name: "list too large prefix", do: func(tx *Txn) (any, error) { return list(tx, big, 0) },
			want: []string(nil), wantErr: ErrKeyTooLarge},

		{name: "delete prefix", seed: []string{"s/1", "1", "s/2", "2", "t", "3"},
			do: func(tx *Txn) (any, error) {
				return nil, tx.DeletePrefix([]byte("s/"))
			},
			after: map[string]string{"t": "3"}},
		{name: "delete prefix hides and later writes survive", seed: []string{"s/1", "1", "s/2", "2", "t", "3"},
			do: func(tx *Txn) (any, error) {
				put(tx, "s/0", "gone")
				tx.DeletePrefix([]byte("s/"))
				put(tx, "s/2", "new")
				var r []any
				for _, k := range []string{"s/0", "s/1", "s/2"} {
					g, _ := get(tx, k)
					r = append(r, g)
				}
				l, err := list(tx, "", 0)
				return append(r, l), err
			},
			want:  []any{got{}, got{}, got{"new", true}, []string{"s/2=new", "t=3"}},
			after: map[string]string{"s/2": "new", "t": "3"}},
		{name: "delete prefix inside listed range", seed: []string{"a/x/1", "1", "a/x/2", "2", "a/y", "3", "b", "4"},
			do: func(tx *Txn) (any, error) {
				tx.DeletePrefix([]byte("a/x/"))
				return list(tx, "a/", 0)
			},
			want: []string{"a/y=3"}, after: map[string]string{"a/y": "3", "b": "4"}},
		{name: "delete prefix of 0xff bytes", seed: []string{"\xff\xff", "1", "\xff", "2", "\xfe", "3"},
			do: func(tx *Txn) (any, error) {
				tx.DeletePrefix([]byte("\xff"))
				return list(tx, "", 0)
			},
			want: []string{"\xfe=3"}, after: map[string]string{"\xfe": "3"}},
		{name: "delete prefix empty", do: func(tx *Txn) (any, error) { return nil, tx.DeletePrefix(nil) },
			wantErr: ErrEmptyKey},

		{name: "writes counts keys and prefixes",
			do: func(tx *Txn) (any, error) {
				put(tx, "a", "1", "a", "2")
				tx.Delete([]byte("b"))
				tx.DeletePrefix([]byte("c"))
				tx.Incr([]byte("d"), 1)
				return tx.Writes(), nil
			},
			want: 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := openTest(t, "")
			seed(t, s, tc.seed...)
			tx := s.Begin()
			res, err := tc.do(tx)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("error = %v, want %v", err, tc.wantErr)
			}
			if !reflect.DeepEqual(res, tc.want) {
				t.Fatalf("result = %#v, want %#v", res, tc.want)
			}
			if tc.after == nil {
				return
			}
			if err := s.Commit(tx); err != nil {
				t.Fatal(err)
			}
			if d := dump(t, s); !reflect.DeepEqual(d, tc.after) {
				t.Fatalf("committed = %q, want %q", d, tc.after)
			}
		})
	}
}

// manyPairs returns n seed pairs with distinct, sorted keys.
func manyPairs(n int) []string {
	kv := make([]string, 0, 2*n)
	for i := range n {
		kv = append(kv, fmt.Sprintf("k%05d", i), "v")
	}
	return kv
}

func TestCopies(t *testing.T) {
	s := openTest(t, "")
	tx := s.Begin()
	k, v := []byte("key"), []byte("value")
	tx.Put(k, v)
	k[0], v[0] = 'X', 'X'
	if err := s.Commit(tx); err != nil {
		t.Fatal(err)
	}
	tx = s.Begin()
	got1, _, _ := tx.Get([]byte("key"))
	got1[0] = 'X'
	got2, _, _ := tx.Get([]byte("key"))
	es, _ := tx.List(nil, 0)
	es[0].Value[0] = 'X'
	got3, _, _ := tx.Get([]byte("key"))
	if string(got2) != "value" || string(got3) != "value" {
		t.Fatalf("caller mutations leaked: %q %q", got2, got3)
	}
}

func TestTxnDoneAndClosed(t *testing.T) {
	s := openTest(t, "")
	tx := s.Begin()
	put(tx, "a", "1")
	if err := s.Commit(tx); err != nil {
		t.Fatal(err)
	}
	_, _, getErr := tx.Get([]byte("a"))
	_, listErr := tx.List(nil, 0)
	for _, err := range []error{s.Commit(tx), tx.Put([]byte("a"), nil), getErr, listErr, tx.DeletePrefix([]byte("a"))} {
		if !errors.Is(err, ErrTxnDone) {
			t.Errorf("after commit: %v, want ErrTxnDone", err)
		}
	}

	tx = s.Begin()
	put(tx, "b", "2")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(tx); !errors.Is(err, ErrClosed) {
		t.Errorf("Commit after Close: %v", err)
	}
	// A transaction that neither read nor wrote has nothing to commit.
	if err := s.Commit(s.Begin()); err != nil {
		t.Errorf("empty Commit after Close: %v", err)
	}
	if _, _, err := s.Begin().Get([]byte("a")); !errors.Is(err, ErrClosed) {
		t.Errorf("Get after Close: %v", err)
	}
	if err := s.Close(); !errors.Is(err, ErrClosed) {
		t.Errorf("second Close: %v", err)
	}
}

func TestOpenLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kv.db")
	s, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	start := time.Now()
	if _, err := Open(path, &Options{OpenTimeout: 50 * time.Millisecond}); err == nil {
		t.Fatal("second Open of a locked file succeeded")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("Open ignored OpenTimeout: waited %v", d)
	}
}

// commitErr commits a txn that ran fn.
func commitErr(s *Store, fn func(*Txn)) error {
	tx := s.Begin()
	fn(tx)
	return s.Commit(tx)
}

func TestConflicts(t *testing.T) {
	tests := []struct {
		name  string
		seed  []string
		read  func(*Txn) // the transaction under test reads...
		other func(*Txn) // ...then this commits...
		write bool       // ...then it writes (or stays read-only) and commits
		want  error      // ErrConflict or nil
	}{
		{name: "write-write on read key", seed: []string{"k", "1"},
			read:  func(tx *Txn) { tx.Get([]byte("k")) },
			other: func(tx *Txn) { tx.Get([]byte("k")); put(tx, "k", "2") },
			write: true, want: ErrConflict},
		{name: "read absence then insert",
			read:  func(tx *Txn) { tx.Get([]byte("k")) },
			other: func(tx *Txn) { put(tx, "k", "1") },
			write: true, want: ErrConflict},
		{name: "read then delete", seed: []string{"k", "1"},
			read:  func(tx *Txn) { tx.Get([]byte("k")) },
			other: func(tx *Txn) { tx.Delete([]byte("k")) },
			write: true, want: ErrConflict},
		{name: "rewrite with same value holds", seed: []string{"k", "1"},
			read:  func(tx *Txn) { tx.Get([]byte("k")) },
			other: func(tx *Txn) { put(tx, "k", "1") },
			write: true},
		{name: "read-only conflicts", seed: []string{"k", "1"},
			read:  func(tx *Txn) { tx.Get([]byte("k")) },
			other: func(tx *Txn) { put(tx, "k", "2") },
			want:  ErrConflict},
		{name: "read-only unchanged", seed: []string{"k", "1"},
			read:  func(tx *Txn) { tx.Get([]byte("k")) },
			other: func(tx *Txn) { put(tx, "j", "2") }},
		{name: "blind writes do not conflict", seed: []string{"k", "1"},
			read:  func(tx *Txn) {},
			other: func(tx *Txn) { put(tx, "k", "2") },
			write: true},
		{name: "own-write read is not validated", seed: []string{"k", "1"},
			read:  func(tx *Txn) { put(tx, "k", "mine"); tx.Get([]byte("k")) },
			other: func(tx *Txn) { put(tx, "k", "2") },
			write: true},
		{name: "incr vs incr", seed: []string{"c", "1"},
			read:  func(tx *Txn) { tx.Incr([]byte("c"), 1) },
			other: func(tx *Txn) { tx.Incr([]byte("c"), 1) },
			want:  ErrConflict},
		{name: "cas failure still read", seed: []string{"k", "1"},
			read:  func(tx *Txn) { tx.CompareAndSwap([]byte("k"), []byte("0"), []byte("x")) },
			other: func(tx *Txn) { put(tx, "k", "0") },
			want:  ErrConflict},
		{name: "list then insert under prefix", seed: []string{"p/1", "1"},
			read:  func(tx *Txn) { tx.List([]byte("p/"), 0) },
			other: func(tx *Txn) { put(tx, "p/2", "2") },
			write: true, want: ErrConflict},
		{name: "list then update under prefix", seed: []string{"p/1", "1"},
			read:  func(tx *Txn) { tx.List([]byte("p/"), 0) },
			other: func(tx *Txn) { put(tx, "p/1", "2") },
			want:  ErrConflict},
		{name: "list then delete under prefix", seed: []string{"p/1", "1", "p/2", "2"},
			read:  func(tx *Txn) { tx.List([]byte("p/"), 0) },
			other: func(tx *Txn) { tx.Delete([]byte("p/2")) },
			want:  ErrConflict},
		{name: "list then insert outside prefix", seed: []string{"p/1", "1"},
			read:  func(tx *Txn) { tx.List([]byte("p/"), 0) },
			other: func(tx *Txn) { put(tx, "q/1", "2", "p", "3") },
			write: true},
		{name: "insert past a full listing", seed: []string{"p/1", "1", "p/5", "5"},
			read:  func(tx *Txn) { tx.List([]byte("p/"), 1) },
			other: func(tx *Txn) { put(tx, "p/3", "3") },
			write: true},
		{name: "insert inside a full listing", seed: []string{"p/1", "1", "p/5", "5"},
			read:  func(tx *Txn) { tx.List([]byte("p/"), 1) },
			other: func(tx *Txn) { put(tx, "p/0", "0") },
			write: true, want: ErrConflict},
		{name: "insert before own key ending a full listing", seed: []string{"p/1", "1", "p/7", "7"},
			read:  func(tx *Txn) { put(tx, "p/5", "5"); tx.List([]byte("p/"), 2) },
			other: func(tx *Txn) { put(tx, "p/3", "3") },
			want:  ErrConflict},
		{name: "insert under own deleted prefix", seed: []string{"p/s/1", "1", "p/t", "2"},
			read:  func(tx *Txn) { tx.DeletePrefix([]byte("p/s/")); tx.List([]byte("p/"), 0) },
			other: func(tx *Txn) { put(tx, "p/s/2", "2") }},
		{name: "prefix deleted after listing", seed: []string{"p/s/1", "1"},
			read:  func(tx *Txn) { tx.List([]byte("p/"), 0); tx.DeletePrefix([]byte("p/s/")) },
			other: func(tx *Txn) { put(tx, "p/s/2", "2") },
			want:  ErrConflict},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := openTest(t, "")
			seed(t, s, tc.seed...)
			tx := s.Begin()
			tc.read(tx)
			if err := commitErr(s, tc.other); err != nil {
				t.Fatal(err)
			}
			if tc.write {
				put(tx, "out", "x")
			}
			if err := s.Commit(tx); err != tc.want {
				t.Fatalf("Commit = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestConflictLeavesNoWrites(t *testing.T) {
	s := openTest(t, "")
	seed(t, s, "k", "0")
	t1, t2 := s.Begin(), s.Begin()
	for i, tx := range []*Txn{t1, t2} {
		tx.Get([]byte("k"))
		put(tx, "k", strconv.Itoa(i+1), "mark"+strconv.Itoa(i+1), "x")
	}
	if err := s.Commit(t1); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(t2); err != ErrConflict {
		t.Fatalf("second commit = %v, want ErrConflict", err)
	}
	want := map[string]string{"k": "1", "mark1": "x"}
	if d := dump(t, s); !reflect.DeepEqual(d, want) {
		t.Fatalf("committed = %q, want %q", d, want)
	}
}

// TestBatchOrder drives the writer's batch directly: requests are validated
// in order, each seeing the writes of those before it.
func TestBatchOrder(t *testing.T) {
	s := openTest(t, "")
	seed(t, s, "k", "0")
	var batch []*commitReq
	for range 3 {
		tx := s.Begin()
		tx.Incr([]byte("k"), 1)
		batch = append(batch, &commitReq{t: tx, done: make(chan error, 1)})
	}
	blind := s.Begin()
	put(blind, "other", "x")
	batch = append(batch, &commitReq{t: blind, done: make(chan error, 1)})
	s.commitBatch(batch)
	for i, want := range []error{nil, ErrConflict, ErrConflict, nil} {
		if err := <-batch[i].done; err != want {
			t.Errorf("request %d: %v, want %v", i, err, want)
		}
	}

	// A batch where everything conflicts is rolled back, not an error.
	stale := s.Begin()
	stale.Get([]byte("k"))
	put(stale, "k", "stale")
	seed(t, s, "k", "5")
	req := &commitReq{t: stale, done: make(chan error, 1)}
	s.commitBatch([]*commitReq{req})
	if err := <-req.done; err != ErrConflict {
		t.Fatalf("stale request: %v", err)
	}
	want := map[string]string{"k": "5", "other": "x"}
	if d := dump(t, s); !reflect.DeepEqual(d, want) {
		t.Fatalf("committed = %q, want %q", d, want)
	}
}

func TestUpdate(t *testing.T) {
	s := openTest(t, "")
	runs := 0
	err := s.Update(context.Background(), func(tx *Txn) error {
		runs++
		if _, err := tx.Incr([]byte("c"), 10); err != nil {
			return err
		}
		if runs == 1 { // someone else commits in between: forces one retry
			return commitErr(s, func(o *Txn) { o.Incr([]byte("c"), 1) })
		}
		return nil
	})
	if err != nil || runs != 2 {
		t.Fatalf("Update = %v after %d runs, want nil after 2", err, runs)
	}
	if d := dump(t, s); d["c"] != "11" {
		t.Fatalf("c = %q, want 11", d["c"])
	}

	boom := errors.New("boom")
	err = s.Update(context.Background(), func(tx *Txn) error { put(tx, "c", "lost"); return boom })
	if err != boom || dump(t, s)["c"] != "11" {
		t.Fatalf("failing fn: err %v, c %q", err, dump(t, s)["c"])
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err = s.Update(ctx, func(*Txn) error { t.Fatal("fn ran after cancel"); return nil })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled Update = %v", err)
	}
}

func TestConcurrentIncr(t *testing.T) {
	const workers, each = 64, 200
	s := openTest(t, "")
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	start := time.Now()
	for range workers {
		wg.Go(func() {
			for range each {
				err := s.Update(context.Background(), func(tx *Txn) error {
					_, err := tx.Incr([]byte("counter"), 1)
					return err
				})
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if got := dump(t, s)["counter"]; got != strconv.Itoa(workers*each) {
		t.Fatalf("counter = %s, want %d", got, workers*each)
	}
	t.Logf("%d contended increments in %v", workers*each, time.Since(start))
}

// TestCloseWaitsForCommits closes the store under load: every commit either
// succeeds and is persisted, or reports ErrClosed.
func TestCloseWaitsForCommits(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kv.db")
	s, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		acked []string
	)
	for w := range 16 {
		wg.Go(func() {
			for i := 0; ; i++ {
				key := fmt.Sprintf("w%d/%d", w, i)
				err := commitErr(s, func(tx *Txn) { put(tx, key, key) })
				if errors.Is(err, ErrClosed) {
					return
				}
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				acked = append(acked, key)
				mu.Unlock()
			}
		})
	}
	time.Sleep(50 * time.Millisecond)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()

	s = openTest(t, path)
	d := dump(t, s)
	for _, k := range acked {
		if d[k] != k {
			t.Fatalf("acknowledged %q missing after Close", k)
		}
	}
	if len(acked) == 0 {
		t.Fatal("no commit succeeded before Close")
	}
}

// batches returns how many bbolt write transactions s has committed.
func batches(t testing.TB, s *Store) int {
	t.Helper()
	var id int
	if err := s.db.View(func(tx *bolt.Tx) error { id = tx.ID(); return nil }); err != nil {
		t.Fatal(err)
	}
	return id
}

func TestMaxBatch(t *testing.T) {
	const writers, each, maxBatch = 16, 20, 4
	s, err := Open(filepath.Join(t.TempDir(), "kv.db"), &Options{MaxBatch: maxBatch})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	start := batches(t, s)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				if err := commitErr(s, func(tx *Txn) { put(tx, fmt.Sprint(w, "/", i), "v") }); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if n := batches(t, s) - start; n < writers*each/maxBatch {
		t.Fatalf("%d commits in %d batches: MaxBatch %d exceeded", writers*each, n, maxBatch)
	}
	if got := len(dump(t, s)); got != writers*each {
		t.Fatalf("%d keys, want %d", got, writers*each)
	}
}

func TestPrefixEnd(t *testing.T) {
	for p, want := range map[string][]byte{
		"a":         []byte("b"),
		"a\xff":     []byte("b"),
		"a\xfe\xff": []byte("a\xff"),
		"\xff\xff":  nil,
	} {
		if got := prefixEnd([]byte(p)); !bytes.Equal(got, want) || (got == nil) != (want == nil) {
			t.Errorf("prefixEnd(%q) = %q, want %q", p, got, want)
		}
	}
}
