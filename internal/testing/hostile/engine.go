package hostile

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
)

// pollingPayloads are POST bodies that break Engine.IO's payload format
// or its rules for a client.
var pollingPayloads = []string{
	"", "\x1e", "4a\x1e", "\x1e4a", "4a\x1e\x1e4b", "9", "x", "\x00", "4\xff\xfe",
	"b", "b!!!!", "bAQ", "bAQID\x1e", "b====",
	"0{}", "2", "2probe", "5", "1\x1e4after the close",
}

// badRequests are polling requests no Engine.IO client sends; SID in a
// query stands for a live session's id.
var badRequests = []struct{ method, query string }{
	{http.MethodGet, ""},
	{http.MethodGet, "EIO=3&transport=polling"},
	{http.MethodGet, "EIO=4"},
	{http.MethodGet, "EIO=4&transport=flash"},
	{http.MethodGet, "EIO=4&transport=polling&j=0"}, // JSONP, from Engine.IO v3
	{http.MethodGet, "EIO=4&transport=polling&sid=unknown"},
	{http.MethodGet, "EIO=4&transport=polling&sid=%00%ff%1e"},
	{http.MethodGet, "EIO=4&transport=polling&sid=" + strings.Repeat("a", 4000)},
	{http.MethodPost, "EIO=4&transport=polling"},          // a handshake is a GET
	{http.MethodGet, "EIO=4&transport=websocket&sid=SID"}, // without the upgrade headers
	{http.MethodGet, "EIO=4&transport=polling&sid=SID&sid=other"},
	{http.MethodGet, "EIO=3&transport=polling&sid=SID"},
	{http.MethodPut, "EIO=4&transport=polling&sid=SID"},
	{http.MethodDelete, "EIO=4&transport=polling&sid=SID"},
	{http.MethodPatch, "EIO=4&transport=polling&sid=SID"},
	{http.MethodHead, "EIO=4&transport=polling&sid=SID"},
	{http.MethodOptions, "EIO=4&transport=polling&sid=SID"},
}

// malformedPolling sends malformed Engine.IO payloads and requests over
// long-polling, each on a session of its own, and overlapping GETs and
// POSTs, which break the protocol.
func malformedPolling(ctx context.Context, t Target) error {
	var steps []step
	for _, payload := range pollingPayloads {
		steps = append(steps, step{fmt.Sprintf("POST %q", payload), func(ctx context.Context, c *Client) error {
			return onPollingSession(ctx, c, func(sid string) error { return answered(c.Post(ctx, sid, payload)) })
		}})
	}
	for _, r := range badRequests {
		steps = append(steps, step{r.method + " ?" + r.query[:min(len(r.query), 60)], func(ctx context.Context, c *Client) error {
			if !strings.Contains(r.query, "SID") {
				return answered(c.Do(ctx, r.method, r.query, "", nil))
			}
			return onPollingSession(ctx, c, func(sid string) error {
				return answered(c.Do(ctx, r.method, strings.ReplaceAll(r.query, "SID", sid), "", nil))
			})
		}})
	}
	steps = append(steps,
		step{"binary POST body (Engine.IO v3)", func(ctx context.Context, c *Client) error {
			return onPollingSession(ctx, c, func(sid string) error {
				return answered(c.Do(ctx, http.MethodPost, pollQuery(sid), "application/octet-stream", []byte{4, 0xff}))
			})
		}},
		step{"overlapping GETs", func(ctx context.Context, c *Client) error {
			return onPollingSession(ctx, c, func(sid string) error {
				return twice(func() error { return answered(c.Poll(ctx, sid)) })
			})
		}},
		step{"overlapping POSTs", func(ctx context.Context, c *Client) error {
			payload := "4" + strings.Repeat("a", 200_000)
			return onPollingSession(ctx, c, func(sid string) error {
				return twice(func() error { return answered(c.Post(ctx, sid, payload)) })
			})
		}},
	)
	return runSteps(ctx, t, steps)
}

// onPollingSession runs attack on a new polling session, then waits for
// the server to end the session, which answers no ping.
func onPollingSession(ctx context.Context, c *Client, attack func(sid string) error) error {
	o, err := c.Handshake(ctx)
	if err != nil {
		return err
	}
	if err := attack(o.SID); err != nil {
		return err
	}
	return c.waitGone(ctx, o.SID, false)
}

// twice runs two copies of fn at once.
func twice(fn func() error) error {
	var errs [2]error
	var wg sync.WaitGroup
	for i := range errs {
		wg.Go(func() { errs[i] = fn() })
	}
	wg.Wait()
	return errors.Join(errs[:]...)
}

func text(s string) frame { return frame{op: OpText, payload: []byte(s)} }

// frames joins the bytes of fs.
func frames(fs ...frame) []byte {
	var b []byte
	for _, f := range fs {
		b = append(b, f.bytes()...)
	}
	return b
}

// wsAttacks are bytes sent on an open WebSocket session: Engine.IO
// packets a client may not send, and frames that break RFC 6455.
var wsAttacks = []struct {
	name  string
	bytes []byte
}{
	{"empty text frame", frames(text(""))},
	{"unknown packet type", frames(text("9"))},
	{"open packet from a client", frames(text(`0{"sid":"x"}`))},
	{"ping from a client", frames(text("2"))},
	{"probe on a WebSocket session", frames(text("2probe"))},
	{"upgrade on a WebSocket session", frames(text("5"))},
	{"message after a close", frames(text("1"), text("4after the close"))},
	{"invalid UTF-8", frames(text("4\xff\xfe"))},
	{"raw binary message", frames(frame{op: OpBinary, payload: []byte{0, 1, 0xff}})},
	{"unmasked frame", frames(frame{op: OpText, unmasked: true, payload: []byte("40")})},
	{"reserved bits", frames(frame{op: OpText, rsv: 0x70, payload: []byte("40")})},
	{"reserved opcode", frames(frame{op: 0x3, payload: []byte("40")})},
	{"continuation without a start", frames(frame{op: opContinuation, payload: []byte("40")})},
	{"fragmented ping", frames(frame{op: opPing, more: true})},
	{"ping over 125 bytes", frames(frame{op: opPing, payload: make([]byte, 126)})},
	{"one-byte close payload", frames(frame{op: opClose, payload: []byte{3}})},
	{"invalid close code", frames(frame{op: opClose, payload: []byte{0x03, 0xe7}})},
	{"data frame inside a fragmented message", frames(frame{op: OpText, more: true, payload: []byte("4a")}, text("4b"))},
	{"length with the top bit set", frames(frame{op: OpText, length: 1 << 63})},
	{"truncated frame header", []byte{0x81}},
	{"truncated payload", frames(frame{op: OpText, length: 100, payload: []byte("4abc")})},
}

// malformedWebSocket sends wsAttacks, each on a WebSocket session of its
// own, then waits for the server to close it.
func malformedWebSocket(ctx context.Context, t Target) error {
	var steps []step
	for _, a := range wsAttacks {
		steps = append(steps, step{a.name, func(ctx context.Context, c *Client) error { return onWebSocket(ctx, c, a.bytes) }})
	}
	return runSteps(ctx, t, steps)
}

// onWebSocket sends b on a new WebSocket session and waits for the
// server to close it.
func onWebSocket(ctx context.Context, c *Client, b []byte) error {
	ws, _, err := c.OpenWS(ctx)
	if err != nil {
		return err
	}
	defer ws.Close()
	if _, err := ws.Write(b); err != nil && !hungUp(ctx, err) {
		return err
	}
	return ws.waitClosed(ctx, false)
}
