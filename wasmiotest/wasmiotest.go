// Package wasmiotest tests wasmio handler modules on the real runtime: the
// same wazero sandbox, host functions, limits and bbolt key-value store the
// host uses, with no network. A test loads or builds a module, connects
// sockets with the handshake it wants, sends them events, controls the
// clock, and asserts what the handler emitted (and to whom), what it joined
// and left, and what it wrote to the store.
//
//	func TestChat(t *testing.T) {
//		k := wasmiotest.New(t, wasmiotest.Build(t, wasmiotest.TinyGo, "."), nil)
//		s, res := k.Connect(wasmiotest.Handshake{Auth: map[string]any{"username": "ada"}})
//		res.MustSucceed(t)
//		if !s.InRoom("lobby") { t.Fatal("not in the lobby") }
//		res = s.Emit("message", map[string]any{"text": "hi"})
//		var msg struct{ Text string }
//		res.Emitted("message")[0].Arg(t, 0, &msg)
//	}
//
// Effects are applied the way the host applies them: only when the run
// succeeds, joins and leaves to the socket's rooms, key-value writes
// committed to the store. Emits are recorded, not delivered: a test checks
// their targets (Emit.Mode, To, Except).
//
// An emit that asks the client for an acknowledgement (Socket.EmitWithAck
// in the Go SDK, emit_with_ack in Rust) is recorded with Emit.WithAck and
// stays pending on its socket (Socket.PendingAcks) until the test plays the
// client: Socket.AnswerAck runs the module's $ack with the client's answer,
// Socket.ExpireAck with the "timeout" error, and Socket.Disconnect, like
// the host, runs $ack with "disconnected" for every ack still pending
// before $disconnect. As on the host, a socket awaits at most
// abi.MaxPendingAcks acks.
package wasmiotest

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/wasmio/wasmio/abi"
	"github.com/wasmio/wasmio/host/sandbox"
	"github.com/wasmio/wasmio/host/txn"
	"github.com/wasmio/wasmio/internal/guestbuild"
	"github.com/wasmio/wasmio/internal/testing/buildtest"
	"github.com/wasmio/wasmio/kv"
)

// Toolchain names a way to build a module for Build.
type Toolchain = guestbuild.Toolchain

// The toolchains Build knows.
const (
	Go     = guestbuild.Go
	TinyGo = guestbuild.TinyGo
	Rust   = guestbuild.Rust
)

// Build builds the handler in dir (a Go main package or a Rust cdylib
// crate) with the flags `wasmio build` uses, once per test process. A
// missing TinyGo skips the test, saying TinyGo was not tested.
func Build(t testing.TB, tc Toolchain, dir string) []byte {
	t.Helper()
	return buildtest.Build(t, tc, dir)
}

// Options configure a Kit. A nil *Options means defaults.
type Options struct {
	// Namespace the module serves. Zero means "/".
	Namespace string
	// Limits bound each run, as a namespace's limits do.
	Limits sandbox.Limits
	// Now is the clock's start. Zero means 2025-01-01T00:00:00Z.
	Now time.Time
	// Store is the key-value store. Nil means a new one in t.TempDir().
	Store *kv.Store
	// Logger receives the module's log lines. Nil means slog.Default().
	Logger *slog.Logger
	// CacheDir keeps compiled code between kits and test runs (wazero's
	// cache is keyed by the module's content). Zero means a folder
	// "wasmiotest-cache" in the system's temporary directory.
	CacheDir string
}

// Kit runs one module. Its methods must be called from one goroutine, as
// the host runs one socket's events one at a time.
type Kit struct {
	t     testing.TB
	ns    string
	mod   *sandbox.Module
	store *kv.Store
	run   *txn.Runner // the host's transaction rules
	mu    sync.Mutex
	now   time.Time
	next  int // sockets connected
	acks  int // emits with an ack recorded
}

// New compiles wasm and returns a Kit; it closes everything when the test ends.
func New(t testing.TB, wasm []byte, opts *Options) *Kit {
	t.Helper()
	var o Options
	if opts != nil {
		o = *opts
	}
	k := &Kit{t: t, ns: o.Namespace, now: o.Now, store: o.Store}
	if k.ns == "" {
		k.ns = "/"
	}
	if k.now.IsZero() {
		k.now = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	ctx := context.Background()
	if o.CacheDir == "" {
		o.CacheDir = filepath.Join(os.TempDir(), "wasmiotest-cache")
	}
	rt, err := sandbox.NewRuntime(ctx, &sandbox.Config{Limits: o.Limits, Clock: k.Now, Logger: o.Logger, CacheDir: o.CacheDir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rt.Close(ctx) })
	if k.mod, err = rt.Compile(ctx, "module", wasm); err != nil {
		t.Fatal(err)
	}
	if k.store == nil {
		if k.store, err = kv.Open(filepath.Join(t.TempDir(), "kv.db"), nil); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = k.store.Close() })
	}
	k.run = &txn.Runner{Store: k.store}
	return k
}

// Now returns the time the module sees.
func (k *Kit) Now() time.Time {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.now
}

// SetNow sets the time the module sees.
func (k *Kit) SetNow(t time.Time) {
	k.mu.Lock()
	k.now = t
	k.mu.Unlock()
}

// Advance moves the module's clock forward by d.
func (k *Kit) Advance(d time.Duration) { k.SetNow(k.Now().Add(d)) }

// Store returns the key-value store the module writes to.
func (k *Kit) Store() *kv.Store { return k.store }

// Get reads a key of the namespace scope; ok is false when it is absent.
func (k *Kit) Get(key string) (value string, ok bool) {
	return k.get(abi.ScopeNamespace, "", key)
}

func (k *Kit) get(scope int32, sid, key string) (string, bool) {
	k.t.Helper()
	v, ok, err := txn.Read(k.store, k.ns, sid, scope, []byte(key))
	if err != nil {
		k.t.Fatal(err)
	}
	return string(v), ok
}

// Handshake is what a connecting client presents.
type Handshake struct {
	// Auth is the client's auth object (JSON-encoded by the kit).
	Auth any
	// Claims are the verified JWT claims handlers see; nil means none.
	Claims any
	// Headers and Query of the handshake request.
	Headers map[string]string
	Query   map[string]string
	// Address is the client's IP. Zero means "127.0.0.1".
	Address string
	// ID is the socket id. Zero means a generated one ("socket-1", ...).
	ID string
}

// Socket is a connected socket of the Kit.
type Socket struct {
	k     *Kit
	id    string
	hs    *sandbox.Handshake
	rooms map[string]bool
	gone  bool
	acks  []Emit // emitted with an ack, $ack not run yet, in emission order
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	if v == nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Connect runs $connect for a new socket. The socket is returned even when
// the handler failed or rejected it, so that the test can inspect it; the
// Result tells which.
func (k *Kit) Connect(h Handshake) (*Socket, *Result) {
	k.t.Helper()
	k.next++
	id := h.ID
	if id == "" {
		id = fmt.Sprintf("socket-%d", k.next)
	}
	addr := h.Address
	if addr == "" {
		addr = "127.0.0.1"
	}
	headers := http.Header{}
	for name, v := range h.Headers {
		headers.Set(name, v)
	}
	query := map[string][]string{}
	for name, v := range h.Query {
		query[name] = []string{v}
	}
	s := &Socket{k: k, id: id, rooms: map[string]bool{},
		hs: sandbox.NewHandshake(func() map[string][]string { return headers }, func() map[string][]string { return query },
			mustJSON(k.t, h.Auth), mustJSON(k.t, h.Claims), addr, k.Now())}
	ev := s.event(abi.EventConnect, nil, nil)
	res := s.record(k.run.Connect(context.Background(), k.mod, ev))
	s.gone = res.Err != nil || res.Rejection != nil
	return s, res
}

// ID returns the socket's id.
func (s *Socket) ID() string { return s.id }

// Rooms returns the socket's rooms, its own id first, like FIELD_ROOMS.
func (s *Socket) Rooms() []string {
	out := make([]string, 0, len(s.rooms))
	for r := range s.rooms {
		out = append(out, r)
	}
	sort.Strings(out)
	return append([]string{s.id}, out...)
}

// InRoom reports whether the socket joined room.
func (s *Socket) InRoom(room string) bool { return s.rooms[room] }

// Get reads a key of the socket's scope.
func (s *Socket) Get(key string) (string, bool) { return s.k.get(abi.ScopeSocket, s.id, key) }

// Binary is an event argument sent as a binary attachment (a Buffer on the
// client), replaced in the arguments by its placeholder.
type Binary []byte

// Payload, as the only argument of Emit or EmitAck, is sent exactly as the
// wire would carry it: Args is the JSON array, whose placeholders (at any
// depth) number into Attachments. It sends what Binary cannot: a Buffer
// nested in an object.
type Payload struct {
	Args        json.RawMessage
	Attachments [][]byte
}

// Emit sends the socket an event without asking for an ack.
func (s *Socket) Emit(event string, args ...any) *Result {
	s.k.t.Helper()
	return s.emit(event, false, args)
}

// EmitAck sends the socket an event asking for an ack: Result.Ack holds it.
func (s *Socket) EmitAck(event string, args ...any) *Result {
	s.k.t.Helper()
	return s.emit(event, true, args)
}

func (s *Socket) emit(event string, ack bool, args []any) *Result {
	s.k.t.Helper()
	data, atts := s.encode(args)
	ev := s.event(event, data, atts)
	ev.WantsAck = ack
	return s.run(ev)
}

// encode encodes arguments the way Emit documents: a lone Payload as is,
// Binary values as attachments, the rest as JSON.
func (s *Socket) encode(args []any) (json.RawMessage, [][]byte) {
	s.k.t.Helper()
	if len(args) == 1 {
		if p, ok := args[0].(Payload); ok {
			return p.Args, p.Attachments
		}
	}
	var atts [][]byte
	parts := make([]json.RawMessage, len(args))
	for i, a := range args {
		if b, ok := a.(Binary); ok {
			parts[i] = json.RawMessage(fmt.Sprintf(`{"_placeholder":true,"num":%d}`, len(atts)))
			atts = append(atts, b)
			continue
		}
		parts[i] = mustJSON(s.k.t, a)
		if parts[i] == nil {
			parts[i] = json.RawMessage("null")
		}
	}
	return mustJSON(s.k.t, parts), atts
}

// PendingAcks returns the socket's emits with an ack whose $ack has not
// run, in emission order.
func (s *Socket) PendingAcks() []Emit { return append([]Emit(nil), s.acks...) }

// AnswerAck plays the client answering e, a pending emit with an ack, with
// args (encoded as for Emit): it runs $ack with e's tag and the answer.
func (s *Socket) AnswerAck(e Emit, args ...any) *Result {
	s.k.t.Helper()
	s.takeAck(e)
	data, atts := s.encode(args)
	ev := s.event(abi.EventAck, data, atts)
	ev.AckTag = e.AckTag
	return s.run(ev)
}

// ExpireAck plays e's timeout passing without an answer: it runs $ack with
// e's tag and the error "timeout".
func (s *Socket) ExpireAck(e Emit) *Result {
	s.k.t.Helper()
	s.takeAck(e)
	ev := s.event(abi.EventAck, nil, nil)
	ev.AckTag, ev.AckError = e.AckTag, abi.AckErrorTimeout
	return s.run(ev)
}

// takeAck removes e from the pending acks; the test fails if it is not one.
func (s *Socket) takeAck(e Emit) {
	s.k.t.Helper()
	for i, p := range s.acks {
		if e.ack != 0 && p.ack == e.ack {
			s.acks = append(s.acks[:i:i], s.acks[i+1:]...)
			return
		}
	}
	s.k.t.Fatalf("wasmiotest: %s is not a pending emit with an ack (answered already, or not recorded by this socket)", e)
}

// Disconnect runs, like the host, $ack with the error "disconnected" for
// each pending ack (their results are Result.AckRuns), then $disconnect
// with reason (zero means "client namespace disconnect"), then drops the
// socket's scope.
func (s *Socket) Disconnect(reason string) *Result {
	s.k.t.Helper()
	if reason == "" {
		reason = "client namespace disconnect"
	}
	s.gone = true
	var acks []*Result
	for _, e := range s.acks {
		ev := s.event(abi.EventAck, nil, nil)
		ev.AckTag, ev.AckError = e.AckTag, abi.AckErrorDisconnected
		acks = append(acks, s.run(ev))
	}
	s.acks = nil
	res := s.run(s.event(abi.EventDisconnect, mustJSON(s.k.t, []string{reason}), nil))
	res.AckRuns = acks
	s.dropScope()
	return res
}

func (s *Socket) dropScope() {
	if err := s.k.run.DropSocket(context.Background(), s.k.ns, s.id); err != nil {
		s.k.t.Fatal(err)
	}
}

// event returns the socket's event name, received now. Its AckSlots are
// the host's: none once the socket is gone.
func (s *Socket) event(name string, args []byte, atts [][]byte) *sandbox.Event {
	k := s.k
	ev := &sandbox.Event{Name: name, Namespace: k.ns, SocketID: s.id, Args: args, Attachments: atts,
		Rooms: s.Rooms(), Handshake: s.hs, Time: k.Now()}
	if !s.gone {
		ev.AckSlots = abi.MaxPendingAcks - len(s.acks)
	}
	return ev
}

// run runs one event as the host does (package txn) and records its
// effects.
func (s *Socket) run(ev *sandbox.Event) *Result {
	return s.record(s.k.run.Run(context.Background(), s.k.mod, ev))
}

// record records a run's effects in the order the host applies them, and
// keeps the socket's rooms and pending acks as the host would.
func (s *Socket) record(eff *sandbox.Effects, err error) *Result {
	k := s.k
	res := &Result{Err: err}
	if eff == nil {
		return res
	}
	res.Rejection = eff.Reject
	txn.Apply(eff, func(op *sandbox.Op) {
		switch op.Kind {
		case sandbox.OpEmit:
			res.Emits = append(res.Emits, Emit{Mode: modeName(op.Mode), To: op.To, Except: op.Except, Event: op.Event,
				Args: op.Args, Attachments: op.Attachments})
		case sandbox.OpEmitAck:
			k.acks++
			e := Emit{Mode: modeName(abi.EmitSelf), Event: op.Event, Args: op.Args, Attachments: op.Attachments,
				WithAck: true, AckTag: op.Tag, AckTimeout: op.Timeout, ack: k.acks}
			res.Emits = append(res.Emits, e)
			if !s.gone {
				s.acks = append(s.acks, e)
			}
		case sandbox.OpAck:
			res.Ack = &Ack{Args: op.Args, Attachments: op.Attachments}
		case sandbox.OpJoin:
			res.Joined = append(res.Joined, op.Room)
			if !s.gone && op.Room != s.id {
				s.rooms[op.Room] = true
			}
		case sandbox.OpLeave:
			res.Left = append(res.Left, op.Room)
			delete(s.rooms, op.Room)
		case sandbox.OpDisconnect:
			res.Disconnected, res.CloseConn = true, op.Close
		}
	})
	return res
}

func modeName(m int32) string {
	switch m {
	case abi.EmitSelf:
		return "self"
	case abi.EmitBroadcast:
		return "broadcast"
	}
	return "namespace"
}
