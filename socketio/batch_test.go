package socketio_test

import (
	"slices"
	"testing"
	"time"

	"github.com/wasmio/wasmio/internal/testing/nodetest"
	"github.com/wasmio/wasmio/socketio"
)

// TestBatchSelectsBeforeSending is the race a Batch closes. A handler joins
// a room, confirms the join to its client, then tells the room; the client
// that receives the confirmation makes a second socket join. Here a's hook
// waits for b's join before telling the room, so that the race always goes
// one way: without a batch, b is told of a's join, which Node never does
// (its handler runs to the end before the confirmation leaves). With one,
// the confirmation waits for the end of the hook, b cannot join before it,
// and a's hook gives up waiting.
func TestBatchSelectsBeforeSending(t *testing.T) {
	for _, tc := range []struct {
		name     string
		hold     bool
		wantTold bool
	}{{"held", true, false}, {"not held", false, true}} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, nil)
			bJoined := make(chan struct{}, 1)
			nsp := h.serve("/", func(s *socketio.Socket, e *socketio.Event) {
				switch e.Name {
				case "sync":
					_ = e.Ack(nil)
				case "join":
					name := authName(s)
					var b *socketio.Batch
					if tc.hold {
						b = new(socketio.Batch)
						s.Hold(b)
					}
					s.Join("r")
					_ = s.Emit("joined", nil)
					if name == "a" {
						select {
						case <-bJoined:
						case <-time.After(300 * time.Millisecond):
						}
					} else {
						bJoined <- struct{}{}
					}
					_, _ = s.To("r").Hold(b).Emit("userJoined", []byte(`["`+name+`"]`))
					if b != nil {
						b.Flush()
					}
				}
			})
			d := nodetest.Start(t)
			a, _ := h.connect(d, "/", "a", nil)
			b, _ := h.connect(d, "/", "b", nil)
			a.Emit("join")
			a.Event("joined")
			b.Emit("join")
			b.Event("joined")
			nodetest.JSONEq(t, a.Event("userJoined").Args, `["b"]`)
			// a's hooks run in order: once sync is answered, its join's
			// broadcast is queued, ahead of the marker.
			a.EmitAck("sync")
			_, _ = nsp.Emit("marker", nil)
			b.Event("marker")
			told := slices.ContainsFunc(b.Events(), func(m nodetest.Msg) bool { return m.Name == "userJoined" })
			if told != tc.wantTold {
				t.Fatalf("b told of a's join: %v, want %v", told, tc.wantTold)
			}
		})
	}
}

// TestBatchOrder checks that held packets leave in the order they were
// held, to the socket and to the others, that a broadcast counts the
// receivers it holds for, and that Disconnect sends what its socket held
// before the DISCONNECT.
func TestBatchOrder(t *testing.T) {
	for _, tr := range transports[:2] {
		t.Run(tr.name, func(t *testing.T) {
			h := newHarness(t, nil)
			counted := make(chan int, 1)
			h.serve("/", func(s *socketio.Socket, e *socketio.Event) {
				if e.Name != "go" {
					return
				}
				b := new(socketio.Batch)
				s.Hold(b)
				_ = s.Emit("one", nil)
				n, _ := s.To("r").Hold(b).Emit("two", nil)
				counted <- n
				_ = s.Emit("three", nil)
				_ = e.Ack([]byte(`["four"]`))
				s.Disconnect(false)
			})
			d := nodetest.Start(t)
			sc, _ := h.connect(d, "/", "s", tr.opts)
			xc, x := h.connect(d, "/", "x", tr.opts)
			x.Join("r")
			if got := sc.EmitAck("go"); string(got) != `["four"]` {
				t.Fatalf("ack %s", got)
			}
			sc.Wait("disconnect", nil)
			var got []string
			for _, m := range sc.Events() {
				got = append(got, m.Name)
			}
			if !slices.Equal(got, []string{"one", "three"}) {
				t.Fatalf("s received %v, want [one three]", got)
			}
			xc.Event("two")
			if n := <-counted; n != 1 {
				t.Fatalf("broadcast counted %d receivers, want 1", n)
			}
		})
	}
}
