package socketio

import (
	"slices"
	"sync"

	"github.com/wasmio/wasmio/internal/shardmap"
)

// NewMemoryAdapter returns the adapter that keeps n's rooms in this
// process, in an index sharded by room name so that joins to different
// rooms do not contend: what a Server uses unless Config.Adapter says
// otherwise.
func NewMemoryAdapter(n *Namespace) Adapter {
	return &memoryAdapter{nsp: n, rooms: shardmap.New[*room]()}
}

type memoryAdapter struct {
	nsp   *Namespace
	rooms *shardmap.Map[*room]
}

// room keeps its members in a slice, so that a broadcast copies them with
// one memmove, and an index for O(1) removal. It is guarded by its shard's
// lock.
type room struct {
	members []*Socket
	index   map[*Socket]int
}

func (a *memoryAdapter) AddAll(s *Socket, rooms []string) {
	for _, name := range rooms {
		a.rooms.Update(name, func(r *room, ok bool) (*room, bool) {
			if !ok {
				r = &room{index: make(map[*Socket]int)}
			}
			if _, in := r.index[s]; !in {
				r.index[s] = len(r.members)
				r.members = append(r.members, s)
			}
			return r, true
		})
	}
}

func (a *memoryAdapter) Del(s *Socket, name string) {
	a.rooms.Update(name, func(r *room, ok bool) (*room, bool) {
		if !ok {
			return nil, false
		}
		if i, in := r.index[s]; in {
			last := len(r.members) - 1
			if i != last {
				moved := r.members[last]
				r.members[i] = moved
				r.index[moved] = i
			}
			r.members[last] = nil
			r.members = r.members[:last]
			delete(r.index, s)
		}
		return r, len(r.members) > 0
	})
}

func (a *memoryAdapter) DelAll(s *Socket, rooms []string) {
	for _, name := range rooms {
		a.Del(s, name)
	}
}

func (a *memoryAdapter) Broadcast(b *Broadcast) int {
	n := 0
	a.each(b.Options, func(s *Socket) {
		if b.Deliver(s) == nil {
			n++
		}
	})
	return n
}

func (a *memoryAdapter) SocketIDs(opts BroadcastOptions) []string {
	var out []string
	a.each(opts, func(s *Socket) { out = append(out, s.id) })
	return out
}

func (a *memoryAdapter) Rooms() []string { return a.rooms.AppendKeys(nil) }

func (a *memoryAdapter) Close() error { return nil }

// appendRoom appends the members of room, including the socket whose id it
// is, to dst.
func (a *memoryAdapter) appendRoom(dst []*Socket, name string) []*Socket {
	a.rooms.View(name, func(r *room) { dst = append(dst, r.members...) })
	if s := a.nsp.Socket(name); s != nil {
		dst = append(dst, s)
	}
	return dst
}

var socketsPool = sync.Pool{New: func() any { s := make([]*Socket, 0, 1024); return &s }}

// fewExcept is how many left-out sockets a broadcast compares one by one
// rather than through a set: socket.to(room) leaves out only its sender.
const fewExcept = 4

// each calls fn once for every socket opts selects. Members are copied out
// of the index first so that no lock is held while queueing.
func (a *memoryAdapter) each(opts BroadcastOptions, fn func(*Socket)) {
	bp := socketsPool.Get().(*[]*Socket)
	targets := (*bp)[:0]
	if len(opts.Rooms) == 0 {
		targets = a.nsp.appendAll(targets)
	} else {
		for _, r := range opts.Rooms {
			targets = a.appendRoom(targets, r)
		}
	}
	var except []*Socket
	for _, r := range opts.Except {
		except = a.appendRoom(except, r)
	}
	var skip map[*Socket]struct{}
	if len(opts.Rooms) > 1 || len(except) > fewExcept {
		skip = make(map[*Socket]struct{}, len(except))
		for _, s := range except {
			skip[s] = struct{}{}
		}
	}
	for _, s := range targets {
		if skip == nil {
			if slices.Contains(except, s) {
				continue
			}
		} else {
			if _, ok := skip[s]; ok {
				continue
			}
			if len(opts.Rooms) > 1 {
				skip[s] = struct{}{} // deliver once across overlapping rooms
			}
		}
		fn(s)
	}
	clear(targets)
	*bp = targets[:0]
	socketsPool.Put(bp)
}
