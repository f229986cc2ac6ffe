package api

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/wasmio/wasmio/socketio"
)

// Local is the Directory of this process's sockets: what the namespaces of
// a socketio.Server and their adapters hold here.
type Local struct {
	srv       *socketio.Server
	userField string
	claims    func(*socketio.Socket) json.RawMessage
}

// NewLocal returns the Directory of srv's sockets. A socket's user is the
// field userField of its auth object, or, with userField empty, the sub of
// the verified JWT claims returns for it (nil claims: none).
func NewLocal(srv *socketio.Server, userField string, claims func(*socketio.Socket) json.RawMessage) *Local {
	return &Local{srv: srv, userField: userField, claims: claims}
}

// namespaces returns the namespace name, or every namespace for "".
func (l *Local) namespaces(name string) ([]*socketio.Namespace, error) {
	if name == "" {
		return l.srv.Namespaces(), nil
	}
	if n := l.srv.Namespace(name); n != nil {
		return []*socketio.Namespace{n}, nil
	}
	return nil, fmt.Errorf("%w %q", ErrUnknownNamespace, name)
}

// members returns the ids of channel's members in n. A socket's own room
// is not a channel: the socket named like channel is left out unless
// another joined a room of that name.
func members(n *socketio.Namespace, channel string) []string {
	ids := n.RoomMembers(channel)
	out := ids[:0]
	for _, id := range ids {
		if id != channel {
			out = append(out, id)
		}
	}
	return out
}

// Channels implements Directory.
func (l *Local) Channels(namespace string) ([]Channel, error) {
	nsps, err := l.namespaces(namespace)
	if err != nil {
		return nil, err
	}
	out := []Channel{}
	for _, n := range nsps {
		for _, r := range n.Rooms() {
			if c := len(members(n, r)); c > 0 {
				out = append(out, Channel{Namespace: n.Name(), Channel: r, Members: c})
			}
		}
	}
	return out, nil
}

// Members implements Directory.
func (l *Local) Members(namespace, channel string) ([]Member, error) {
	nsps, err := l.namespaces(namespace)
	if err != nil {
		return nil, err
	}
	out := []Member{}
	for _, n := range nsps {
		for _, id := range members(n, channel) {
			if s := n.Socket(id); s != nil { // gone since the room was read
				out = append(out, l.member(s))
			}
		}
	}
	return out, nil
}

func (l *Local) member(s *socketio.Socket) Member {
	hs := s.Handshake()
	return Member{ID: s.ID(), Namespace: s.Namespace().Name(), User: l.user(s), Transport: s.Session().Transport(),
		Address: hs.Address, ConnectedAt: hs.Time.UTC()}
}

// user returns the socket's user: a string as is, another JSON value as
// its text, "" when absent.
func (l *Local) user(s *socketio.Socket) string {
	var obj json.RawMessage
	field := l.userField
	if field != "" {
		obj = s.Handshake().Auth
	} else if l.claims != nil {
		obj, field = l.claims(s), "sub"
	}
	var fields map[string]json.RawMessage
	if json.Unmarshal(obj, &fields) != nil {
		return ""
	}
	v, ok := fields[field]
	if !ok || string(v) == "null" {
		return ""
	}
	var str string
	if json.Unmarshal(v, &str) == nil {
		return str
	}
	return string(v)
}

// Connections implements Directory.
func (l *Local) Connections() (Connections, error) {
	c := Connections{Namespaces: map[string]int{}}
	for _, n := range l.srv.Namespaces() {
		k := n.Len()
		c.Namespaces[n.Name()] = k
		c.Total += k
	}
	return c, nil
}

// socket returns the connected socket with id, in whichever namespace.
func (l *Local) socket(id string) *socketio.Socket {
	for _, n := range l.srv.Namespaces() {
		if s := n.Socket(id); s != nil {
			return s
		}
	}
	return nil
}

// Connection implements Directory.
func (l *Local) Connection(id string) (*Member, error) {
	s := l.socket(id)
	if s == nil {
		return nil, nil
	}
	m := l.member(s)
	m.Channels = s.Rooms()[1:] // without its own room, which comes first
	return &m, nil
}

// Broadcast implements Directory. The emit is a handler's broadcast from
// outside any socket: the namespace's To and Except, whose Emit checks the
// event and its arguments before anything leaves.
func (l *Local) Broadcast(namespace string, channels, except []string, msg Message) (int, error) {
	nsps, err := l.namespaces(namespace)
	if err != nil {
		return 0, err
	}
	total := 0
	for _, n := range nsps {
		k, err := n.To(channels...).Except(except...).Emit(msg.Event, msg.Args)
		if err != nil {
			return total, err
		}
		total += k
	}
	return total, nil
}

// Emit implements Directory, as a handler's emit to its own socket does.
func (l *Local) Emit(id string, msg Message) error {
	s := l.socket(id)
	if s == nil {
		return ErrGone
	}
	err := s.Emit(msg.Event, msg.Args)
	if errors.Is(err, socketio.ErrNotConnected) {
		return ErrGone
	}
	return err
}

// Disconnect implements Directory.
func (l *Local) Disconnect(id string) error {
	s := l.socket(id)
	if s == nil || !s.Connected() {
		return ErrGone
	}
	s.Disconnect(false)
	return nil
}
