// Command presence is the wasmio presence example: who is online, right
// when a user has several sockets (tabs, devices) and after a restart or a
// crash of the host. ../README.md documents the protocol and the design;
// ../rust is the same handler in Rust.
//
// Each connected socket has an entry in the namespace's key-value store,
// presence/<len(userId)>:<userId>/<socketId>, whose value is when its lease
// ends (Unix milliseconds). $connect writes it, heartbeat renews it,
// $disconnect deletes it. A user is online while one of their entries has a
// lease that has not ended. The host re-runs a handler whose reads went
// stale, listings included, so "was this the first socket / the last one"
// is decided exactly even when a user's sockets come and go at once. After
// a crash no $disconnect runs, and the leases of the dead sockets end on
// their own.
package main

import (
	"sort"
	"strconv"
	"strings"

	"github.com/wasmio/wasmio/guest-sdk/go/wasmio"
)

const (
	leaseMs   = 60_000 // how long an entry lives unless heartbeat renews it
	prefix    = "presence/"
	maxName   = 128    // characters of a user id, as JavaScript counts them
	maxListed = 10_000 // socket entries who reads
)

func init() {
	wasmio.On("$connect", connect)
	wasmio.On("heartbeat", heartbeat)
	wasmio.On("who", who)
	wasmio.On("$disconnect", disconnect)
}

func main() {}

func connect(s *wasmio.Socket, e *wasmio.Event) error {
	user, ok := userID(s)
	if !ok {
		return s.Reject("auth.userId is required: a string of 1 to 128 characters", nil)
	}
	if err := s.Join("online"); err != nil {
		return err
	}
	return renew(s, e, user)
}

func heartbeat(s *wasmio.Socket, e *wasmio.Event) error {
	user, _ := userID(s) // $connect accepted it
	if err := renew(s, e, user); err != nil {
		return err
	}
	return e.Ack(map[string]any{"ok": true, "leaseMs": leaseMs})
}

// renew writes the socket's entry with a fresh lease, and announces the
// user online when none of their sockets was.
func renew(s *wasmio.Socket, e *wasmio.Event, user string) error {
	kv := s.Namespace().KV()
	now := e.Time().UnixMilli()
	others, self, err := sweep(kv, user, s.ID(), now)
	if err != nil {
		return err
	}
	if err := kv.Put(userPrefix(user)+s.ID(), []byte(strconv.FormatInt(now+leaseMs, 10))); err != nil {
		return err
	}
	if others == 0 && !self {
		return status(s, user, true)
	}
	return nil
}

func disconnect(s *wasmio.Socket, e *wasmio.Event) error {
	user, _ := userID(s)
	kv := s.Namespace().KV()
	others, _, err := sweep(kv, user, s.ID(), e.Time().UnixMilli())
	if err != nil {
		return err
	}
	if err := kv.Delete(userPrefix(user) + s.ID()); err != nil {
		return err
	}
	if others == 0 {
		return status(s, user, false)
	}
	return nil
}

func status(s *wasmio.Socket, user string, online bool) error {
	return s.Namespace().Emit("status", map[string]any{"userId": user, "online": online})
}

// sweep lists the user's entries, deletes those whose lease ended, and
// counts the live ones: others is those of other sockets, self whether the
// socket's own is live.
func sweep(kv wasmio.KV, user, sid string, now int64) (others int, self bool, err error) {
	entries, err := kv.List(userPrefix(user), maxListed)
	if err != nil {
		return 0, false, err
	}
	own := userPrefix(user) + sid
	for _, en := range entries {
		switch {
		case ended(en.Value, now):
			if err := kv.Delete(en.Key); err != nil {
				return 0, false, err
			}
		case en.Key == own:
			self = true
		default:
			others++
		}
	}
	return others, self, nil
}

// who acks the online users and how many live sockets each has, sorted by
// user id. It also deletes the entries whose lease ended.
func who(s *wasmio.Socket, e *wasmio.Event) error {
	kv := s.Namespace().KV()
	entries, err := kv.List(prefix, maxListed)
	if err != nil {
		return err
	}
	now := e.Time().UnixMilli()
	sockets := map[string]int{}
	for _, en := range entries {
		user, ok := userOf(en.Key)
		switch {
		case !ok:
		case ended(en.Value, now):
			if err := kv.Delete(en.Key); err != nil {
				return err
			}
		default:
			sockets[user]++
		}
	}
	ids := make([]string, 0, len(sockets))
	for id := range sockets {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	users := make([]any, len(ids))
	for i, id := range ids {
		users[i] = map[string]any{"userId": id, "sockets": sockets[id]}
	}
	return e.Ack(map[string]any{"ok": true, "users": users})
}

// userPrefix is the key prefix of a user's entries. The id's length makes
// it unambiguous: the prefix of "ann" is not a prefix of "ann/x"'s entries.
func userPrefix(user string) string {
	return prefix + strconv.Itoa(len(user)) + ":" + user + "/"
}

// userOf returns the user id of an entry's key.
func userOf(key string) (string, bool) {
	n, rest, ok := strings.Cut(strings.TrimPrefix(key, prefix), ":")
	size, err := strconv.Atoi(n)
	if !ok || err != nil || size < 0 || size > len(rest) {
		return "", false
	}
	return rest[:size], true
}

// ended reports whether an entry's lease ended by now.
func ended(lease []byte, now int64) bool {
	end, err := strconv.ParseInt(string(lease), 10, 64)
	return err != nil || end <= now
}

// userID returns the socket's auth.userId: 1 to 128 characters without
// control characters (wasmio.ValidName). The handshake comes with every event, so the id needs
// no storing.
func userID(s *wasmio.Socket) (string, bool) {
	var auth struct {
		UserID any `json:"userId"`
	}
	_ = s.Handshake().Auth(&auth)
	id, ok := auth.UserID.(string)
	return id, ok && wasmio.ValidName(id, maxName)
}
