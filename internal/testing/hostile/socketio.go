package hostile

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
)

// sioMsg is one Engine.IO message of a Socket.IO client: a packet, or a
// binary attachment.
type sioMsg struct {
	data   string
	binary bool
}

func packets(ps ...string) []sioMsg {
	ms := make([]sioMsg, len(ps))
	for i, p := range ps {
		ms[i] = sioMsg{data: p}
	}
	return ms
}

// withAttachments is the packet p followed by attachments of the given sizes.
func withAttachments(p string, sizes ...int) []sioMsg {
	ms := packets(p)
	for _, n := range sizes {
		ms = append(ms, sioMsg{data: strings.Repeat("\xa5", n), binary: true})
	}
	return ms
}

// placeholders is the JSON of n attachment placeholders, comma-separated.
func placeholders(n int) string {
	ps := make([]string, n)
	for i := range ps {
		ps[i] = fmt.Sprintf(`{"_placeholder":true,"num":%d}`, i)
	}
	return strings.Join(ps, ",")
}

// deepJSON nests arrays 5000 deep, under encoding/json's limit of 10000.
var deepJSON = strings.Repeat("[", 5000) + strings.Repeat("]", 5000)

// sioAttacks are Socket.IO packets that break the protocol or probe its
// limits, sent by a client connected to "/": bad types, bad JSON, bad
// attachment counts, huge ack ids, bad namespaces, reserved events.
var sioAttacks = [][]sioMsg{
	packets(""), packets("7"), packets("9"), packets("x"), packets("-1"),
	packets(`4{"message":"a client may not refuse"}`), packets("0", "0"), packets("1", `2["after the disconnect"]`),
	packets(`2["a"`), packets(`2[1,]`), packets(`2{"a":1}`), packets(`2"a"`), packets(`2[]`), packets(`2[{}]`),
	packets(`2["a"]x`), packets("2[\"\xff\"]"), packets(`0{`), packets(`0[]`), packets(`0"x"`), packets(`3[`), packets(`3{}`),
	packets(`2["a",` + deepJSON + `]`), packets(`0` + deepJSON),
	packets(`2["connect"]`), packets(`2["disconnect"]`), packets(`21["connect_error"]`), packets(`2["newListener"]`),
	packets(`5-["a"]`), packets(`50-["a"]`), packets(`5-1-["a"]`), packets(`5999999-["a"]`), packets(`511-["a"]`),
	packets(`51["a"]`), packets(`5a-["a"]`), packets(`5` + strings.Repeat("9", 40) + `-["a"]`),
	withAttachments(`51-["a"]`, 3), withAttachments(`51-["a",{"_placeholder":true,"num":7}]`, 3),
	withAttachments(`51-["a",{"_placeholder":true,"num":"0"}]`, 3), withAttachments(`61-3[`+placeholders(1)+`]`, 3),
	withAttachments(`51-[`+placeholders(1)+`]`, 3),
	{{data: "\x00\x01", binary: true}},
	packets(`2999999999999999999999["a"]`), packets(`29007199254740992["a"]`), packets(`218446744073709551616["a"]`),
	packets(`3999999999999999999999[]`), packets(`31[]`), packets(`3/nope,1[]`), packets(`29007199254740991["a"]`),
	packets(`0/nope,`), packets(`0/`), packets(`0/,`), packets(`0/a,b`), packets(`0nope`), packets(`0/nope`),
	packets(`0/` + strings.Repeat("a", 10_000) + `,`), packets(`0/a/b,{}`), packets(`1/nope,`), packets(`2/nope,["a"]`),
	packets(`0,{}`), packets("0/\xff,"), packets(`0/%2e%2e,`),
}

// transports are the two ways a Socket.IO client connects.
var transports = []string{"websocket", "polling"}

// sioSession is a client connected to "/" over one transport.
type sioSession interface {
	// send sends the messages, in order.
	send(ms ...sioMsg) error
	// waitClosed waits for the server to end the session; with pong,
	// the client answers its pings meanwhile.
	waitClosed(pong bool) error
	close()
}

// connectSIO connects a client to "/" over transport.
func connectSIO(ctx context.Context, c *Client, transport string) (sioSession, Open, error) {
	if transport == "websocket" {
		ws, o, err := c.ConnectWS(ctx, "/")
		if err != nil {
			return nil, o, err
		}
		return &wsSession{ctx, ws}, o, nil
	}
	o, err := c.ConnectPolling(ctx, "/")
	if err != nil {
		return nil, o, err
	}
	return &pollingSession{ctx, c, o.SID}, o, nil
}

type wsSession struct {
	ctx context.Context
	ws  *WS
}

func (s *wsSession) send(ms ...sioMsg) error {
	for _, m := range ms {
		f := frame{op: OpText, payload: []byte("4" + m.data)}
		if m.binary {
			f = frame{op: OpBinary, payload: []byte(m.data)}
		}
		if _, err := s.ws.Write(f.bytes()); err != nil {
			return err
		}
	}
	return nil
}

func (s *wsSession) waitClosed(pong bool) error { return s.ws.waitClosed(s.ctx, pong) }
func (s *wsSession) close()                     { s.ws.Close() }

type pollingSession struct {
	ctx context.Context
	c   *Client
	sid string
}

// send posts the messages in one payload.
func (s *pollingSession) send(ms ...sioMsg) error {
	recs := make([]string, len(ms))
	for i, m := range ms {
		recs[i] = "4" + m.data
		if m.binary {
			recs[i] = "b" + base64.StdEncoding.EncodeToString([]byte(m.data))
		}
	}
	return answered(s.c.Post(s.ctx, s.sid, strings.Join(recs, "\x1e")))
}

func (s *pollingSession) waitClosed(pong bool) error { return s.c.waitGone(s.ctx, s.sid, pong) }
func (s *pollingSession) close()                     {}

// sioSteps returns a step per transport that connects to "/", sends
// what msgs returns for the session's open packet, and waits for the
// server to end the session.
func sioSteps(name string, pong bool, msgs func(Open) []sioMsg) []step {
	var steps []step
	for _, tr := range transports {
		steps = append(steps, step{name + " over " + tr, func(ctx context.Context, c *Client) error {
			s, o, err := connectSIO(ctx, c, tr)
			if err != nil {
				return err
			}
			defer s.close()
			if err := s.send(msgs(o)...); err != nil && !hungUp(ctx, err) {
				return err
			}
			return s.waitClosed(pong)
		}})
	}
	return steps
}

// malformedSocketIO sends sioAttacks, each on a session of its own over
// both transports.
func malformedSocketIO(ctx context.Context, t Target) error {
	var steps []step
	for _, ms := range sioAttacks {
		steps = append(steps, sioSteps(fmt.Sprintf("%.60q", ms[0].data), false, func(Open) []sioMsg { return ms })...)
	}
	return runSteps(ctx, t, steps)
}

// partialBinary announces attachments and sends fewer, then idles as a
// live client (it answers pings) until the server gives up on the
// packet; or interrupts a binary packet with another packet.
func partialBinary(ctx context.Context, t Target) error {
	var steps []step
	steps = append(steps, sioSteps("2 attachments announced, 1 sent", true, func(Open) []sioMsg {
		return withAttachments(`52-["a",`+placeholders(2)+`]`, 3)
	})...)
	// Conns/10 clients each leave the server holding over half a maxPayload.
	for i := range max(1, t.conns()/10) {
		steps = append(steps, sioSteps(fmt.Sprintf("10 attachments announced, 9 large ones sent #%d", i), true, func(o Open) []sioMsg {
			sizes := make([]int, 9)
			for i := range sizes {
				sizes[i] = o.MaxPayload / 16
			}
			return withAttachments(`510-["a",`+placeholders(10)+`]`, sizes...)
		})...)
	}
	steps = append(steps, sioSteps("a header and no attachment", true, func(Open) []sioMsg {
		return packets(`51-["a",` + placeholders(1) + `]`)
	})...)
	steps = append(steps, sioSteps("a packet instead of an attachment", false, func(Open) []sioMsg {
		return append(withAttachments(`52-["a",`+placeholders(2)+`]`, 3), packets(`2["b"]`)...)
	})...)
	return runSteps(ctx, t, steps)
}
