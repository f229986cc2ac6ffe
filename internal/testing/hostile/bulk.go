package hostile

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
)

// reset closes conn abruptly: the peer gets a TCP reset, not a FIN.
func reset(conn net.Conn) {
	if c, ok := conn.(*ctxConn); ok {
		conn = c.Conn
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// vanishings are the ways a connected client disappears without a word.
var vanishings = []struct {
	name string
	run  func(ctx context.Context, c *Client) error
}{
	{"a WebSocket closed without a close frame", func(ctx context.Context, c *Client) error {
		ws, _, err := c.ConnectWS(ctx, "/")
		if err == nil {
			ws.Close()
		}
		return err
	}},
	{"a WebSocket reset", func(ctx context.Context, c *Client) error {
		ws, _, err := c.ConnectWS(ctx, "/")
		if err == nil {
			reset(ws.Conn)
		}
		return err
	}},
	{"a WebSocket reset in the middle of a frame", func(ctx context.Context, c *Client) error {
		ws, _, err := c.ConnectWS(ctx, "/")
		if err == nil {
			_, _ = ws.Write(frames(text(`42["a"]`))[:5])
			reset(ws.Conn)
		}
		return err
	}},
	{"a polling client gone during a GET", func(ctx context.Context, c *Client) error {
		o, err := c.ConnectPolling(ctx, "/")
		if err != nil {
			return err
		}
		conn, err := c.dial(ctx)
		if err != nil {
			return err
		}
		_, err = io.WriteString(conn, c.t.request(http.MethodGet, pollQuery(o.SID)))
		reset(conn)
		return err
	}},
	{"a client gone during its upgrade", func(ctx context.Context, c *Client) error {
		_, ws, err := probe(ctx, c)
		if err == nil {
			reset(ws.Conn)
		}
		return err
	}},
}

// abruptDisconnects connects Conns clients at once, spread over
// vanishings, each of which disappears as soon as it is connected.
func abruptDisconnects(ctx context.Context, t Target) error {
	steps := make([]step, t.conns())
	for i := range steps {
		v := vanishings[i%len(vanishings)]
		steps[i] = step{fmt.Sprintf("%s #%d", v.name, i), v.run}
	}
	return runSteps(ctx, t, steps)
}

// oversized sends payloads over the server's maxPayload, as its
// handshake announces it, and headers over any reasonable size.
func oversized(ctx context.Context, t Target) error {
	c := NewClient(t)
	defer c.Close()
	o, err := c.Handshake(ctx)
	if err != nil {
		return err
	}
	max := o.MaxPayload
	over := "4" + strings.Repeat("a", max)
	return runSteps(ctx, t, []step{
		{"a POST over maxPayload", func(ctx context.Context, c *Client) error {
			return onPollingSession(ctx, c, func(sid string) error {
				req := t.request(http.MethodPost, pollQuery(sid), "Content-Type: text/plain", "Content-Length: "+strconv.Itoa(len(over))) + over
				return tooLarge(exchange(ctx, c, req))
			})
		}},
		{"a chunked POST over maxPayload", func(ctx context.Context, c *Client) error {
			return onPollingSession(ctx, c, func(sid string) error {
				req := t.request(http.MethodPost, pollQuery(sid), "Content-Type: text/plain", "Transfer-Encoding: chunked") +
					strconv.FormatInt(int64(len(over)), 16) + "\r\n" + over + "\r\n0\r\n\r\n"
				return tooLarge(exchange(ctx, c, req))
			})
		}},
		{"a payload of maxPayload noops", func(ctx context.Context, c *Client) error {
			return onPollingSession(ctx, c, func(sid string) error {
				return answered(c.Post(ctx, sid, strings.Repeat("6\x1e", max/2-1)+"6"))
			})
		}},
		{"a WebSocket message over maxPayload", func(ctx context.Context, c *Client) error {
			return onWebSocket(ctx, c, frames(text(over)))
		}},
		{"a WebSocket frame announcing a terabyte", func(ctx context.Context, c *Client) error {
			return onWebSocket(ctx, c, frames(frame{op: OpText, length: 1 << 40}))
		}},
		{"a WebSocket message fragmented past maxPayload", func(ctx context.Context, c *Client) error {
			half := []byte(over[:max/2+1])
			return onWebSocket(ctx, c, frames(frame{op: OpText, more: true, payload: half}, frame{op: opContinuation, payload: half}))
		}},
		{"attachments adding up past maxPayload", func(ctx context.Context, c *Client) error {
			s, _, err := connectSIO(ctx, c, "websocket")
			if err != nil {
				return err
			}
			defer s.close()
			if err := s.send(withAttachments(`53-["a",`+placeholders(3)+`]`, max/2, max/2, max/2)...); err != nil && !hungUp(ctx, err) {
				return err
			}
			return s.waitClosed(false)
		}},
		{"a 64 KiB header", func(ctx context.Context, c *Client) error {
			return answered(exchange(ctx, c, t.request(http.MethodGet, "EIO=4&transport=polling", "Cookie: a="+strings.Repeat("a", 64<<10))))
		}},
		{"a 64 KiB URL", func(ctx context.Context, c *Client) error {
			return answered(exchange(ctx, c, t.request(http.MethodGet, "EIO=4&transport=polling&x="+strings.Repeat("a", 64<<10))))
		}},
	})
}

// tooLarge fails unless a payload over maxPayload was refused.
func tooLarge(r Response, err error) error {
	if err == nil && (r.Status == http.StatusOK || r.Status >= 500) {
		err = fmt.Errorf("a payload over maxPayload was answered %d %.100q", r.Status, r.Body)
	}
	return err
}
