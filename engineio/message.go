package engineio

import "sync"

// Message is an outbound Engine.IO packet that is encoded at most once per
// transport form and shared by every session it is sent to: a broadcast to
// ten thousand sessions builds one WebSocket frame and one polling record.
// A Message must not be modified after it is first sent.
type Message struct {
	p Packet

	wsOnce   sync.Once
	ws       []byte
	pollOnce sync.Once
	poll     []byte
}

// NewMessage returns a message packet carrying data, as a binary message if
// binary is set. The Message takes ownership of data.
func NewMessage(data []byte, binary bool) *Message {
	return &Message{p: Packet{Type: PacketMessage, Data: data, Binary: binary}}
}

func newControl(t PacketType, data string) *Message {
	return &Message{p: Packet{Type: t, Data: []byte(data)}}
}

// Control packets the server sends; shared by all sessions.
var (
	msgPing   = newControl(PacketPing, "")
	msgNoop   = newControl(PacketNoop, "")
	msgClose  = newControl(PacketClose, "")
	msgPong3p = newControl(PacketPong, "probe")
)

// Len returns the size of the message's data.
func (m *Message) Len() int { return len(m.p.Data) }

// wsFrame returns the message's WebSocket frame; a shared view, not a copy.
func (m *Message) wsFrame() []byte {
	m.wsOnce.Do(func() { m.ws = appendWSFrame(make([]byte, 0, len(m.p.Data)+11), m.p) })
	return m.ws
}

// pollRecord returns the message's long-polling record; a shared view.
func (m *Message) pollRecord() []byte {
	m.pollOnce.Do(func() {
		n := len(m.p.Data) + 1
		if m.p.Binary {
			n = 1 + (len(m.p.Data)+2)/3*4
		}
		m.poll = AppendPacket(make([]byte, 0, n), m.p)
	})
	return m.poll
}
