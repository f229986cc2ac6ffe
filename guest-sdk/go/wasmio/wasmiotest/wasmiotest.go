// Package wasmiotest runs wasmio handlers natively, inside go test, against
// an in-memory host that follows the wasmio host ABI v1: no WebAssembly, no
// server, no client. A test registers handlers (or imports the package that
// does, in its own package main) and runs events:
//
//	h := wasmiotest.NewHost()
//	res := h.Run(wasmiotest.Event{Name: "message", Args: []any{"hi"}, WantsAck: true})
//	if !res.OK() || len(res.Acks()) != 1 { t.Fatal(res) }
//
// The host keeps the key-value store and the sockets' rooms between runs,
// applying a run's effects only when its handler succeeds, like the real
// host; it does not enforce run limits (time, host calls, emit counts).
// Runs are serialized: the SDK has a single host at a time.
//
// This is a model of the ABI for unit tests, not the wasmio server: test
// modules end to end with the server's own tests.
package wasmiotest

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	// The SDK's native build sets hostif.Handle.
	"github.com/wasmio/wasmio/guest-sdk/go/wasmio"
	"github.com/wasmio/wasmio/guest-sdk/go/wasmio/internal/hostif"
)

// Event describes one event to run. Zero fields take defaults.
type Event struct {
	Name      string // "$connect", "$disconnect" or a client event name; required
	Namespace string // default "/"
	SocketID  string // default "socket1"

	// Args are the client's arguments, each encoded with encoding/json
	// except a top-level wasmio.Raw (spliced as is) and wasmio.Binary or
	// []byte (sent as a binary attachment). Nil means [] ("transport close"
	// for $disconnect).
	Args     []any
	WantsAck bool // the client asked for an acknowledgement

	// Rooms are the socket's rooms when the event starts; nil means the
	// rooms the host tracked from earlier runs (the socket id at first).
	Rooms []string

	Headers       map[string]string // lower-case names
	Query         map[string]string
	Auth          any    // the client's auth object, JSON-encoded; nil means {}
	Claims        any    // verified JWT claims, JSON-encoded; nil means none (null)
	Address       string // default "127.0.0.1"
	HandshakeTime time.Time
	Time          time.Time // when the event was received; default the host clock
}

// Kind is the kind of an Effect.
type Kind string

// Effect kinds.
const (
	KindEmit       Kind = "emit"
	KindAck        Kind = "ack"
	KindJoin       Kind = "join"
	KindLeave      Kind = "leave"
	KindDisconnect Kind = "disconnect"
	KindReject     Kind = "reject"
)

// Mode is an emit's receiver selection (the ABI's EMIT_* modes).
type Mode int32

// Emit modes.
const (
	ModeSelf      Mode = 0 // Socket.Emit: this socket only
	ModeBroadcast Mode = 1 // Socket.To, Except, Broadcast: excluding this socket
	ModeNamespace Mode = 2 // Namespace.Emit, To, Except: including this socket
)

// Effect is one effect a handler recorded.
type Effect struct {
	Kind        Kind
	Mode        Mode     // emit
	To          []string // emit
	Except      []string // emit
	Event       string   // emit
	Args        string   // emit, ack: the JSON array
	Attachments [][]byte // emit, ack
	Room        string   // join, leave
	Close       bool     // disconnect: close the whole connection
	Message     string   // reject
	Data        string   // reject: JSON, "" for none
}

// LogLine is one line the handler logged.
type LogLine struct {
	Level int32 // 0 debug, 1 info, 2 warn, 3 error
	Msg   string
}

// Result is what one run did.
type Result struct {
	// Code is what wasmio_handle returned: 0 commits the effects, anything
	// else fails the event (1: the handler returned an error, 2: it panicked).
	Code int32
	// Effects lists the recorded effects in order, whether or not they
	// were committed.
	Effects []Effect
	// Logs lists the log lines, written whatever the outcome.
	Logs []LogLine
}

// OK reports whether the handler succeeded, so its effects were applied.
func (r *Result) OK() bool { return r.Code == 0 }

// Emits returns the recorded emits.
func (r *Result) Emits() []Effect { return r.filter(KindEmit) }

// Acks returns the recorded acks (at most one succeeds).
func (r *Result) Acks() []Effect { return r.filter(KindAck) }

// Rejection returns the recorded reject effect, if any.
func (r *Result) Rejection() (Effect, bool) {
	e := r.filter(KindReject)
	if len(e) == 0 {
		return Effect{}, false
	}
	return e[0], true
}

func (r *Result) filter(k Kind) []Effect {
	var out []Effect
	for _, e := range r.Effects {
		if e.Kind == k {
			out = append(out, e)
		}
	}
	return out
}

// String summarizes the result for test failure messages.
func (r *Result) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "code %d", r.Code)
	for _, e := range r.Effects {
		fmt.Fprintf(&b, "\n  %+v", e)
	}
	for _, l := range r.Logs {
		fmt.Fprintf(&b, "\n  log %d: %s", l.Level, l.Msg)
	}
	return b.String()
}

// MaxValue is the host's key-value value limit, as the namespace default.
const MaxValue = 64 << 10

// Host is an in-memory wasmio host. The zero value is not ready: use
// NewHost.
type Host struct {
	// Now is the host's clock, for clock_now and default event times;
	// nil means time.Now.
	Now func() time.Time

	store map[string]map[string][]byte // by namespace + "\x00" + socket id ("" for the namespace scope)
	rooms map[string][]string          // by namespace + "\x00" + socket id
}

// NewHost returns a host with an empty key-value store.
func NewHost() *Host {
	return &Host{store: map[string]map[string][]byte{}, rooms: map[string][]string{}}
}

func (h *Host) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

func (h *Host) scope(key string) map[string][]byte {
	m := h.store[key]
	if m == nil {
		m = map[string][]byte{}
		h.store[key] = m
	}
	return m
}

// KV returns the namespace's key-value scope, to fill before runs or check
// after them. Values are committed data.
func (h *Host) KV(namespace string) map[string][]byte { return h.scope(namespace + "\x00") }

// SocketData returns a socket's key-value scope (Socket.Data).
func (h *Host) SocketData(namespace, socketID string) map[string][]byte {
	return h.scope(namespace + "\x00" + socketID)
}

// Rooms returns the rooms the host tracks for a socket: its id, then those
// its committed runs joined.
func (h *Host) Rooms(namespace, socketID string) []string {
	if r, ok := h.rooms[namespace+"\x00"+socketID]; ok {
		return slices.Clone(r)
	}
	return []string{socketID}
}

var mu sync.Mutex

// Run runs one event through the registered handlers and returns what the
// handler did. When it succeeds, its key-value writes and room changes are
// applied to the host (only the key-value writes for a rejected $connect);
// after a $disconnect the socket's data and rooms are deleted.
func (h *Host) Run(ev Event) *Result {
	if ev.Name == "" {
		panic("wasmiotest: Event.Name is empty")
	}
	if hostif.Handle == nil {
		panic("wasmiotest: the wasmio SDK is not built natively (GOARCH=wasm?)")
	}
	mu.Lock()
	defer mu.Unlock()
	c := h.newCall(ev)
	hostif.Current = c
	defer func() { hostif.Current = nil }()
	c.res.Code = hostif.Handle()
	h.finish(c)
	return c.res
}

func (h *Host) finish(c *call) {
	if c.res.Code == 0 {
		for scope, writes := range c.writes {
			m := h.scope(scope)
			for k, v := range writes {
				if v == nil {
					delete(m, k)
				} else {
					m[k] = v
				}
			}
		}
		if _, rejected := c.res.Rejection(); !rejected {
			h.rooms[c.ns+"\x00"+c.sid] = c.rooms
		}
	}
	if c.event == "$disconnect" {
		delete(h.store, c.ns+"\x00"+c.sid)
		delete(h.rooms, c.ns+"\x00"+c.sid)
	}
}

func mustJSON(v any, null string) []byte {
	if v == nil {
		return []byte(null)
	}
	b, err := json.Marshal(v)
	if err != nil {
		panic("wasmiotest: " + err.Error())
	}
	return b
}

func (h *Host) newCall(ev Event) *call {
	if ev.Namespace == "" {
		ev.Namespace = "/"
	}
	if ev.SocketID == "" {
		ev.SocketID = "socket1"
	}
	if ev.Address == "" {
		ev.Address = "127.0.0.1"
	}
	now := h.now()
	if ev.Time.IsZero() {
		ev.Time = now
	}
	if ev.HandshakeTime.IsZero() {
		ev.HandshakeTime = ev.Time
	}
	if ev.Args == nil && ev.Name == "$disconnect" {
		ev.Args = []any{"transport close"}
	}
	rooms := ev.Rooms
	if rooms == nil {
		rooms = h.Rooms(ev.Namespace, ev.SocketID)
	}
	rooms = slices.Clone(rooms)
	args, atts := encodeArgs(ev.Args)
	headers, query := ev.Headers, ev.Query
	if headers == nil {
		headers = map[string]string{}
	}
	if query == nil {
		query = map[string]string{}
	}
	ack := "0"
	if ev.WantsAck {
		ack = "1"
	}
	c := &call{
		h: h, ns: ev.Namespace, sid: ev.SocketID, event: ev.Name,
		atts: atts, wantsAck: ev.WantsAck, rooms: rooms,
		writes: map[string]map[string][]byte{},
		res:    &Result{},
	}
	c.fields = map[int32][]byte{
		1:  []byte(ev.Name),
		2:  []byte(ev.Namespace),
		3:  []byte(ev.SocketID),
		4:  args,
		5:  mustJSON(rooms, "[]"),
		6:  mustJSON(headers, "{}"),
		7:  mustJSON(query, "{}"),
		8:  mustJSON(ev.Auth, "{}"),
		9:  mustJSON(ev.Claims, "null"),
		10: []byte(ev.Address),
		11: []byte(strconv.FormatInt(ev.HandshakeTime.UnixMilli(), 10)),
		12: []byte(strconv.FormatInt(ev.Time.UnixMilli(), 10)),
		13: []byte(ack),
		14: []byte(strconv.Itoa(len(atts))),
	}
	return c
}

// encodeArgs encodes a client's arguments like socket.io-client does.
func encodeArgs(args []any) ([]byte, [][]byte) {
	var atts [][]byte
	b := []byte{'['}
	for i, a := range args {
		if i > 0 {
			b = append(b, ',')
		}
		switch v := a.(type) {
		case wasmio.Binary:
			b = fmt.Appendf(b, `{"_placeholder":true,"num":%d}`, len(atts))
			atts = append(atts, v)
		case []byte:
			b = fmt.Appendf(b, `{"_placeholder":true,"num":%d}`, len(atts))
			atts = append(atts, v)
		case wasmio.Raw:
			if !json.Valid(v) {
				panic("wasmiotest: invalid Raw argument " + string(v))
			}
			b = append(b, v...)
		default:
			b = append(b, mustJSON(a, "null")...)
		}
	}
	return append(b, ']'), atts
}

// ABI error codes.
const (
	errInvalid    = -1
	errNotFound   = -2
	errTooLarge   = -3
	errState      = -4
	errNotInteger = -5
	errOverflow   = -6
)

// call is one run's view of the host: it implements hostif.Host.
type call struct {
	h        *Host
	ns, sid  string
	event    string
	fields   map[int32][]byte
	atts     [][]byte
	wantsAck bool
	acked    bool
	staged   [][]byte
	rooms    []string
	writes   map[string]map[string][]byte // by scope; a nil value is a delete
	res      *Result
}

// out copies data into buf following the ABI's output rule.
func out(buf, data []byte) int32 {
	copy(buf, data)
	return int32(len(data))
}

func (c *call) EventGet(field int32, buf []byte) int32 {
	v, ok := c.fields[field]
	if !ok {
		return errInvalid
	}
	return out(buf, v)
}

func (c *call) AttachmentGet(index int32, buf []byte) int32 {
	if index < 0 || int(index) >= len(c.atts) {
		return errNotFound
	}
	return out(buf, c.atts[index])
}

func (c *call) Attach(data []byte) int32 {
	c.staged = append(c.staged, bytes.Clone(data))
	return int32(len(c.staged))
}

// takeStaged returns the staged attachments; the next emit or ack consumes
// them whether or not it succeeds.
func (c *call) takeStaged() [][]byte {
	s := c.staged
	c.staged = nil
	return s
}

var reserved = map[string]bool{
	"connect": true, "connect_error": true, "disconnect": true,
	"disconnecting": true, "newListener": true, "removeListener": true,
}

func splitRooms(list []byte) ([]string, bool) {
	if len(list) == 0 {
		return nil, true
	}
	rooms := strings.Split(string(list), "\x00")
	for _, r := range rooms {
		if r == "" || !utf8.ValidString(r) {
			return nil, false
		}
	}
	return rooms, true
}

func validArray(args []byte) bool {
	t := bytes.TrimLeft(args, " \t\r\n")
	return len(t) > 0 && t[0] == '[' && json.Valid(args) && utf8.Valid(args)
}

func (c *call) Emit(mode int32, to, except, event, args []byte) int32 {
	staged := c.takeStaged()
	toRooms, ok1 := splitRooms(to)
	exceptRooms, ok2 := splitRooms(except)
	switch {
	case mode < 0 || mode > 2, !ok1, !ok2,
		mode == 0 && (len(to) > 0 || len(except) > 0),
		len(event) == 0, !utf8.Valid(event), reserved[string(event)]:
		return errInvalid
	}
	if len(args) == 0 {
		args = []byte("[]")
	} else if !validArray(args) {
		return errInvalid
	}
	c.res.Effects = append(c.res.Effects, Effect{
		Kind: KindEmit, Mode: Mode(mode), To: toRooms, Except: exceptRooms,
		Event: string(event), Args: string(args), Attachments: staged,
	})
	return 0
}

func (c *call) Ack(args []byte) int32 {
	staged := c.takeStaged()
	if !c.wantsAck || c.acked {
		return errState
	}
	if len(args) == 0 {
		args = []byte("[]")
	} else if !validArray(args) {
		return errInvalid
	}
	c.acked = true
	c.res.Effects = append(c.res.Effects, Effect{Kind: KindAck, Args: string(args), Attachments: staged})
	return 0
}

func (c *call) Join(room []byte) int32 {
	if len(room) == 0 || !utf8.Valid(room) {
		return errInvalid
	}
	r := string(room)
	if !slices.Contains(c.rooms, r) {
		c.rooms = append(c.rooms, r)
	}
	c.res.Effects = append(c.res.Effects, Effect{Kind: KindJoin, Room: r})
	return 0
}

func (c *call) Leave(room []byte) int32 {
	if len(room) == 0 || !utf8.Valid(room) {
		return errInvalid
	}
	r := string(room)
	if r != c.sid {
		c.rooms = slices.DeleteFunc(c.rooms, func(x string) bool { return x == r })
	}
	c.res.Effects = append(c.res.Effects, Effect{Kind: KindLeave, Room: r})
	return 0
}

func (c *call) Disconnect(closeConn int32) int32 {
	c.res.Effects = append(c.res.Effects, Effect{Kind: KindDisconnect, Close: closeConn != 0})
	return 0
}

func (c *call) Reject(message, data []byte) int32 {
	if c.event != "$connect" {
		return errState
	}
	if !utf8.Valid(message) || len(data) > 0 && (!json.Valid(data) || !utf8.Valid(data)) {
		return errInvalid
	}
	c.res.Effects = append(c.res.Effects, Effect{Kind: KindReject, Message: string(message), Data: string(data)})
	return 0
}

func (c *call) Log(level int32, msg []byte) int32 {
	c.res.Logs = append(c.res.Logs, LogLine{Level: level, Msg: string(msg)})
	return 0
}

func (c *call) ClockNow() int64 { return c.h.now().UnixNano() }

func (c *call) RandomFill(buf []byte) int32 {
	_, _ = rand.Read(buf)
	return 0
}

// scopeKey checks a scope and key and returns the scope's store key.
func (c *call) scopeKey(scope int32, key []byte) (string, int32) {
	switch {
	case scope != 0 && scope != 1:
		return "", errInvalid
	case len(key) == 0:
		return "", errInvalid
	case len(key) > 1024:
		return "", errTooLarge
	case scope == 1:
		return c.ns + "\x00" + c.sid, 0
	}
	return c.ns + "\x00", 0
}

// get returns a key's value as this run sees it.
func (c *call) get(scope, key string) ([]byte, bool) {
	if w, ok := c.writes[scope][key]; ok {
		return w, w != nil
	}
	v, ok := c.h.store[scope][key]
	return v, ok
}

func (c *call) set(scope, key string, value []byte) {
	if c.writes[scope] == nil {
		c.writes[scope] = map[string][]byte{}
	}
	c.writes[scope][key] = value
}

func (c *call) KVGet(scope int32, key, buf []byte) int32 {
	s, code := c.scopeKey(scope, key)
	if code != 0 {
		return code
	}
	v, ok := c.get(s, string(key))
	if !ok {
		return errNotFound
	}
	return out(buf, v)
}

func (c *call) KVPut(scope int32, key, value []byte) int32 {
	s, code := c.scopeKey(scope, key)
	if code != 0 {
		return code
	}
	if len(value) > MaxValue {
		return errTooLarge
	}
	c.set(s, string(key), append([]byte{}, value...))
	return 0
}

func (c *call) KVDelete(scope int32, key []byte) int32 {
	s, code := c.scopeKey(scope, key)
	if code != 0 {
		return code
	}
	c.set(s, string(key), nil)
	return 0
}

func (c *call) KVIncr(scope int32, key []byte, delta int64, result *int64) int32 {
	s, code := c.scopeKey(scope, key)
	if code != 0 {
		return code
	}
	var n int64
	if v, ok := c.get(s, string(key)); ok {
		var err error
		if n, err = strconv.ParseInt(string(v), 10, 64); err != nil {
			return errNotInteger
		}
	}
	if delta > 0 && n > math.MaxInt64-delta || delta < 0 && n < math.MinInt64-delta {
		return errOverflow
	}
	n += delta
	c.set(s, string(key), strconv.AppendInt(nil, n, 10))
	*result = n
	return 0
}

func (c *call) KVCAS(scope int32, key, old, new []byte) int32 {
	s, code := c.scopeKey(scope, key)
	if code != 0 {
		return code
	}
	if len(new) > MaxValue {
		return errTooLarge
	}
	cur, ok := c.get(s, string(key))
	if old == nil && ok || old != nil && (!ok || !bytes.Equal(cur, old)) {
		return 0
	}
	if new == nil {
		c.set(s, string(key), nil)
	} else {
		c.set(s, string(key), append([]byte{}, new...))
	}
	return 1
}

func (c *call) KVList(scope int32, prefix []byte, limit int32, buf []byte) int32 {
	s, code := c.scopeKey(scope, []byte("x"))
	if code != 0 {
		return code
	}
	if limit <= 0 {
		limit = 1000
	}
	var keys []string
	for k := range c.h.store[s] {
		keys = append(keys, k)
	}
	for k := range c.writes[s] {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	keys = slices.Compact(keys)
	var data []byte
	n := int32(0)
	for _, k := range keys {
		if n == limit {
			break
		}
		v, ok := c.get(s, k)
		if !ok || !strings.HasPrefix(k, string(prefix)) {
			continue
		}
		data = binary.LittleEndian.AppendUint32(data, uint32(len(k)))
		data = append(data, k...)
		data = binary.LittleEndian.AppendUint32(data, uint32(len(v)))
		data = append(data, v...)
		n++
	}
	return out(buf, data)
}
