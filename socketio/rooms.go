package socketio

import (
	"hash/maphash"
	"sync"
)

const roomShards = 32

// room keeps its members in a slice, so that a broadcast copies them with
// one memmove, and an index for O(1) removal.
type room struct {
	members []*Socket
	index   map[*Socket]int
}

type roomShard struct {
	mu    sync.RWMutex
	rooms map[string]*room
}

// roomIndex maps room names to members, sharded by the hash of the name so
// that joins to different rooms do not contend. A socket's own-id room is
// implicit and never stored.
type roomIndex struct {
	seed   maphash.Seed
	shards [roomShards]roomShard
}

func newRoomIndex() *roomIndex {
	ri := &roomIndex{seed: maphash.MakeSeed()}
	for i := range ri.shards {
		ri.shards[i].rooms = make(map[string]*room)
	}
	return ri
}

func (ri *roomIndex) shard(name string) *roomShard {
	return &ri.shards[maphash.String(ri.seed, name)%roomShards]
}

func (ri *roomIndex) join(name string, s *Socket) {
	sh := ri.shard(name)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	r := sh.rooms[name]
	if r == nil {
		r = &room{index: make(map[*Socket]int)}
		sh.rooms[name] = r
	}
	if _, ok := r.index[s]; !ok {
		r.index[s] = len(r.members)
		r.members = append(r.members, s)
	}
}

func (ri *roomIndex) leave(name string, s *Socket) {
	sh := ri.shard(name)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	r := sh.rooms[name]
	if r == nil {
		return
	}
	i, ok := r.index[s]
	if !ok {
		return
	}
	last := len(r.members) - 1
	if i != last {
		moved := r.members[last]
		r.members[i] = moved
		r.index[moved] = i
	}
	r.members[last] = nil
	r.members = r.members[:last]
	delete(r.index, s)
	if len(r.members) == 0 {
		delete(sh.rooms, name)
	}
}

// appendMembers appends the members of room name to dst.
func (ri *roomIndex) appendMembers(dst []*Socket, name string) []*Socket {
	sh := ri.shard(name)
	sh.mu.RLock()
	if r := sh.rooms[name]; r != nil {
		dst = append(dst, r.members...)
	}
	sh.mu.RUnlock()
	return dst
}

// names returns every stored room name.
func (ri *roomIndex) names() []string {
	var out []string
	for i := range ri.shards {
		sh := &ri.shards[i]
		sh.mu.RLock()
		for name := range sh.rooms {
			out = append(out, name)
		}
		sh.mu.RUnlock()
	}
	return out
}
