package hostile

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// slowRequests are half-open and slow HTTP requests (slowloris): what
// each connection sends before it falls silent, given a live polling
// session's open packet. The server must close every one.
var slowRequests = []struct {
	name    string
	request func(t Target, o Open) string
}{
	{"nothing", func(Target, Open) string { return "" }},
	{"half a request line", func(t Target, _ Open) string {
		return t.request(http.MethodGet, "EIO=4&transport=polling")[:20]
	}},
	{"a header without its end", func(t Target, _ Open) string {
		return strings.TrimSuffix(t.request(http.MethodGet, "EIO=4&transport=polling"), "\r\n")
	}},
	{"a WebSocket handshake without its end", func(t Target, _ Open) string {
		return strings.TrimSuffix(t.request(http.MethodGet, "EIO=4&transport=websocket", wsHeaders...), "\r\n")
	}},
	{"a POST announcing maxPayload bytes, sending 16", func(t Target, o Open) string {
		return t.request(http.MethodPost, pollQuery(o.SID), "Content-Type: text/plain", "Content-Length: "+strconv.Itoa(o.MaxPayload)) +
			"4" + strings.Repeat("a", 15)
	}},
	{"a handshake POST announcing a body it does not send", func(t Target, o Open) string {
		return t.request(http.MethodPost, "EIO=4&transport=polling", "Content-Length: "+strconv.Itoa(o.MaxPayload))
	}},
	{"a chunked POST that stops", func(t Target, o Open) string {
		return t.request(http.MethodPost, pollQuery(o.SID), "Content-Type: text/plain", "Transfer-Encoding: chunked") + "2\r\n4a\r\n"
	}},
	{"an idle keep-alive connection", func(t Target, _ Open) string {
		return t.request(http.MethodGet, "EIO=4&transport=polling")
	}},
}

// slowAttack opens Conns/10 connections of each slowRequests kind, and
// as many that send a handshake one byte every 50 ms, and waits for the
// server to close them all.
func slowAttack(ctx context.Context, t Target) error {
	n := max(1, t.conns()/10)
	var steps []step
	for _, r := range slowRequests {
		for i := range n {
			steps = append(steps, step{fmt.Sprintf("%s #%d", r.name, i), func(ctx context.Context, c *Client) error {
				// Each request in a session of its own: one POST would
				// end the session for the next.
				o, err := c.Handshake(ctx)
				if err != nil {
					return err
				}
				conn, err := c.dial(ctx)
				if err != nil {
					return err
				}
				defer conn.Close()
				if _, err := io.WriteString(conn, r.request(t, o)); err != nil && !hungUp(ctx, err) {
					return err
				}
				return waitClosedConn(ctx, conn)
			}})
		}
	}
	for i := range n {
		steps = append(steps, step{fmt.Sprintf("a handshake one byte at a time #%d", i), func(ctx context.Context, c *Client) error {
			conn, err := c.dial(ctx)
			if err != nil {
				return err
			}
			defer conn.Close()
			go dribble(ctx, conn, t.request(http.MethodGet, "EIO=4&transport=polling"))
			return waitClosedConn(ctx, conn)
		}})
	}
	return runSteps(ctx, t, steps)
}

// dribble writes s to conn one byte every 50 ms, until the write fails or
// ctx ends.
func dribble(ctx context.Context, conn net.Conn, s string) {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for i := 0; i < len(s); i++ {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if _, err := conn.Write([]byte{s[i]}); err != nil {
			return
		}
	}
}

// exchange sends request on a connection of its own and reads the
// answer. A server that hangs up instead of answering, even before the
// request is all sent, answers 0; one that holds the connection until
// ctx ends fails.
func exchange(ctx context.Context, c *Client, request string) (Response, error) {
	conn, err := c.dial(ctx)
	if err != nil {
		return Response{}, err
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, request); err != nil && ctx.Err() == nil {
		return Response{}, nil
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	switch {
	case ctx.Err() != nil:
		return Response{}, errHeld
	case err != nil:
		return Response{}, nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<10))
	return Response{resp.StatusCode, string(b)}, nil
}
