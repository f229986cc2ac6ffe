// Package shardmap is a map from string keys, split into shards by the
// keys' hash so that writers to different keys rarely share a lock. The
// engine keeps its sessions, each namespace its sockets and its rooms in one.
package shardmap

import (
	"hash/maphash"
	"sync"
	"sync/atomic"
)

const shards = 64

// Map is a sharded map. Its zero value is not usable: use New. It is safe
// for concurrent use.
type Map[V any] struct {
	seed   maphash.Seed
	count  atomic.Int64
	shards [shards]struct {
		mu sync.RWMutex
		m  map[string]V
	}
}

// New returns an empty Map.
func New[V any]() *Map[V] {
	m := &Map[V]{seed: maphash.MakeSeed()}
	for i := range m.shards {
		m.shards[i].m = make(map[string]V)
	}
	return m
}

func (m *Map[V]) shard(key string) int { return int(maphash.String(m.seed, key) % shards) }

// Len returns the number of keys.
func (m *Map[V]) Len() int { return int(m.count.Load()) }

// Get returns the value of key and whether it is there.
func (m *Map[V]) Get(key string) (V, bool) {
	sh := &m.shards[m.shard(key)]
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	v, ok := sh.m[key]
	return v, ok
}

// Set stores v under key.
func (m *Map[V]) Set(key string, v V) {
	sh := &m.shards[m.shard(key)]
	sh.mu.Lock()
	_, had := sh.m[key]
	sh.m[key] = v
	sh.mu.Unlock()
	if !had {
		m.count.Add(1)
	}
}

// Update calls fn with key's value (ok is false when key is absent) under
// the lock of key's shard, and stores the value fn returns, or deletes key
// when keep is false. fn must not call m.
func (m *Map[V]) Update(key string, fn func(v V, ok bool) (nv V, keep bool)) {
	sh := &m.shards[m.shard(key)]
	sh.mu.Lock()
	v, had := sh.m[key]
	v, keep := fn(v, had)
	if keep {
		sh.m[key] = v
	} else {
		delete(sh.m, key)
	}
	sh.mu.Unlock()
	switch {
	case keep && !had:
		m.count.Add(1)
	case !keep && had:
		m.count.Add(-1)
	}
}

// View calls fn with key's value under the read lock of key's shard, and
// reports whether key was there (fn is not called otherwise). fn must not
// modify the value or call m.
func (m *Map[V]) View(key string, fn func(V)) bool {
	sh := &m.shards[m.shard(key)]
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	v, ok := sh.m[key]
	if ok {
		fn(v)
	}
	return ok
}

// Delete removes key and reports whether it was there.
func (m *Map[V]) Delete(key string) bool {
	sh := &m.shards[m.shard(key)]
	sh.mu.Lock()
	_, had := sh.m[key]
	delete(sh.m, key)
	sh.mu.Unlock()
	if had {
		m.count.Add(-1)
	}
	return had
}

// AppendKeys appends every key to dst, one shard at a time, like AppendValues.
func (m *Map[V]) AppendKeys(dst []string) []string {
	for i := range m.shards {
		sh := &m.shards[i]
		sh.mu.RLock()
		for k := range sh.m {
			dst = append(dst, k)
		}
		sh.mu.RUnlock()
	}
	return dst
}

// AppendValues appends every value to dst, one shard at a time: values set
// or deleted meanwhile may or may not be seen.
func (m *Map[V]) AppendValues(dst []V) []V {
	for i := range m.shards {
		sh := &m.shards[i]
		sh.mu.RLock()
		for _, v := range sh.m {
			dst = append(dst, v)
		}
		sh.mu.RUnlock()
	}
	return dst
}
