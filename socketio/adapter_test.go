package socketio_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/wasmio/wasmio/internal/testing/nodetest"
	"github.com/wasmio/wasmio/socketio"
)

// recordingAdapter is the memory adapter with a log of what reached it.
type recordingAdapter struct {
	socketio.Adapter
	mu  sync.Mutex
	log []string
}

func (a *recordingAdapter) add(format string, args ...any) {
	a.mu.Lock()
	a.log = append(a.log, fmt.Sprintf(format, args...))
	a.mu.Unlock()
}

func (a *recordingAdapter) AddAll(s *socketio.Socket, rooms []string) {
	a.add("addAll %s %v", authName(s), rooms)
	a.Adapter.AddAll(s, rooms)
}

func (a *recordingAdapter) Del(s *socketio.Socket, room string) {
	a.add("del %s %s", authName(s), room)
	a.Adapter.Del(s, room)
}

func (a *recordingAdapter) DelAll(s *socketio.Socket, rooms []string) {
	slices.Sort(rooms)
	a.add("delAll %s %v", authName(s), rooms)
	a.Adapter.DelAll(s, rooms)
}

func (a *recordingAdapter) Broadcast(b *socketio.Broadcast) int {
	n := a.Adapter.Broadcast(b)
	a.add("broadcast %s %s to %v except %d rooms: %d, %d messages", b.Event, b.Args, b.Options.Rooms, len(b.Options.Except), n, len(b.Messages()))
	return n
}

// TestAdapterSeam: every join, leave and broadcast of a namespace goes
// through the adapter Config.Adapter made for it.
func TestAdapterSeam(t *testing.T) {
	var adapters sync.Map
	h := newHarness(t, &socketio.Config{Adapter: func(n *socketio.Namespace) socketio.Adapter {
		a := &recordingAdapter{Adapter: socketio.NewMemoryAdapter(n)}
		adapters.Store(n.Name(), a)
		return a
	}})
	nsp := h.serve("/", nil)
	d := nodetest.Start(t)
	ca, a := h.connect(d, "/", "a", nil)
	cb, b := h.connect(d, "/", "b", map[string]any{"transports": []string{"websocket"}})
	a.Join("r", "q")
	b.Join("r")
	b.Leave("r")
	if _, err := a.To("r").Emit("one", []byte(`[1]`), []byte{7}); err != nil {
		t.Fatal(err)
	}
	if _, err := nsp.Emit("two", nil); err != nil {
		t.Fatal(err)
	}
	ca.Event("two")
	cb.Event("two")
	ca.Disconnect()
	h.disconnectReason("/", "a")
	v, _ := adapters.Load("/")
	rec := v.(*recordingAdapter)
	rec.mu.Lock()
	defer rec.mu.Unlock()
	want := []string{
		"addAll a [r]", "addAll a [q]", "addAll b [r]", "del b r",
		"broadcast one [1] to [r] except 1 rooms: 0, 2 messages", // a's own room is left out; b left r
		"broadcast two [] to [] except 0 rooms: 2, 1 messages",
		"delAll a [q r]",
	}
	if !slices.Equal(rec.log, want) {
		t.Fatalf("adapter saw\n  %v\nwant\n  %v", rec.log, want)
	}
}
