package hostile

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
)

// expect reads the server's next frame and fails unless it is the text
// frame want.
func (w *WS) expect(want string) error {
	op, p, err := w.ReadFrame()
	if err != nil {
		return fmt.Errorf("waiting for %q: %w", want, err)
	}
	if op != OpText || string(p) != want {
		return fmt.Errorf("got frame %d %.100q, want %q", op, p, want)
	}
	return nil
}

// probe opens a polling session and a WebSocket probing its upgrade,
// answered "3probe".
func probe(ctx context.Context, c *Client) (Open, *WS, error) {
	o, err := c.Handshake(ctx)
	if err != nil {
		return o, nil, err
	}
	ws, err := c.DialWS(ctx, "EIO=4&transport=websocket&sid="+o.SID)
	if err != nil {
		return o, nil, err
	}
	if err := ws.Text("2probe"); err != nil {
		ws.Close()
		return o, nil, err
	}
	if err := ws.expect("3probe"); err != nil {
		ws.Close()
		return o, nil, err
	}
	return o, ws, nil
}

// refused dials a WebSocket for session sid, which cannot take one now
// (or, when several race for it, only one of them), and checks the
// server's answer: a status, or a WebSocket it closes. With probe, the
// WebSocket sends "2probe" first.
func refused(ctx context.Context, c *Client, sid string, probe bool) error {
	ws, err := c.DialWS(ctx, "EIO=4&transport=websocket&sid="+sid)
	var se *StatusError
	switch {
	case errors.As(err, &se) && se.Status < 500:
		return nil
	case err != nil:
		return err
	}
	defer ws.Close()
	if probe {
		_ = ws.Text("2probe")
	}
	return ws.waitClosed(ctx, false)
}

// mustRefuse fails unless a polling request is refused with 400, as
// every request of a session that upgraded must be.
func mustRefuse(r Response, err error) error {
	if err == nil && r.Status != http.StatusBadRequest {
		err = fmt.Errorf("a polling request after the upgrade was answered %d %.100q", r.Status, r.Body)
	}
	return err
}

// badUpgrades are WebSocket handshakes no client sends; SID in a query
// stands for a live polling session's id.
var badUpgrades = []struct {
	name, method, query string
	hdr                 []string
}{
	{"no upgrade headers", http.MethodGet, "EIO=4&transport=websocket", nil},
	{"version 8", http.MethodGet, "EIO=4&transport=websocket", []string{"Connection: Upgrade", "Upgrade: websocket",
		"Sec-WebSocket-Version: 8", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=="}},
	{"no key", http.MethodGet, "EIO=4&transport=websocket", wsHeaders[:3]},
	{"a bad key", http.MethodGet, "EIO=4&transport=websocket", append(wsHeaders[:3:3], "Sec-WebSocket-Key: !")},
	{"h2c", http.MethodGet, "EIO=4&transport=websocket", []string{"Connection: Upgrade", "Upgrade: h2c"}},
	{"a POST", http.MethodPost, "EIO=4&transport=websocket", wsHeaders},
	{"Engine.IO v3", http.MethodGet, "EIO=3&transport=websocket", wsHeaders},
	{"an unknown session", http.MethodGet, "EIO=4&transport=websocket&sid=unknown", wsHeaders},
	{"the polling transport", http.MethodGet, "EIO=4&transport=polling&sid=SID", wsHeaders},
}

// upgradeAbuse breaks the upgrade from polling to WebSocket: probes that
// never complete, second WebSockets for a session, upgrades of closed
// and WebSocket sessions, polling after the upgrade, garbage on the
// probe, probes in a crowd, and malformed WebSocket handshakes.
func upgradeAbuse(ctx context.Context, t Target) error {
	steps := []step{
		{"a probe that never upgrades", func(ctx context.Context, c *Client) error {
			_, ws, err := probe(ctx, c)
			if err != nil {
				return err
			}
			defer ws.Close()
			return ws.waitClosed(ctx, false)
		}},
		{"a second probe during a probe", func(ctx context.Context, c *Client) error {
			o, ws, err := probe(ctx, c)
			if err != nil {
				return err
			}
			defer ws.Close()
			if err := refused(ctx, c, o.SID, false); err != nil {
				return err
			}
			return ws.waitClosed(ctx, false)
		}},
		{"a second WebSocket and polling after the upgrade", func(ctx context.Context, c *Client) error {
			o, ws, err := probe(ctx, c)
			if err != nil {
				return err
			}
			defer ws.Close()
			if err := ws.Text("5"); err != nil {
				return err
			}
			if err := mustRefuse(c.Poll(ctx, o.SID)); err != nil {
				return err
			}
			if err := mustRefuse(c.Post(ctx, o.SID, "4polling after the upgrade")); err != nil {
				return err
			}
			if err := refused(ctx, c, o.SID, false); err != nil {
				return err
			}
			return ws.waitClosed(ctx, false)
		}},
		{"an upgrade after a close", func(ctx context.Context, c *Client) error {
			o, err := c.Handshake(ctx)
			if err != nil {
				return err
			}
			if err := answered(c.Post(ctx, o.SID, "1")); err != nil {
				return err
			}
			return refused(ctx, c, o.SID, false)
		}},
		{"an upgrade of a WebSocket session", func(ctx context.Context, c *Client) error {
			ws, o, err := c.OpenWS(ctx)
			if err != nil {
				return err
			}
			defer ws.Close()
			if err := refused(ctx, c, o.SID, false); err != nil {
				return err
			}
			return ws.waitClosed(ctx, false)
		}},
		{"an upgrade without a probe", func(ctx context.Context, c *Client) error {
			o, err := c.Handshake(ctx)
			if err != nil {
				return err
			}
			ws, err := c.DialWS(ctx, "EIO=4&transport=websocket&sid="+o.SID)
			if err != nil {
				return err
			}
			defer ws.Close()
			if err := ws.Text("5"); err != nil {
				return err
			}
			if err := answered(c.Poll(ctx, o.SID)); err != nil {
				return err
			}
			return ws.waitClosed(ctx, false)
		}},
		{"ten probes at once", func(ctx context.Context, c *Client) error {
			o, err := c.Handshake(ctx)
			if err != nil {
				return err
			}
			errs := make([]error, 10)
			var wg sync.WaitGroup
			for i := range errs {
				wg.Go(func() { errs[i] = refused(ctx, c, o.SID, true) })
			}
			wg.Wait()
			return errors.Join(errs...)
		}},
	}
	for _, f := range []frame{text("4not a probe"), text(""), text("9"), {op: OpBinary, payload: []byte("2probe")}} {
		steps = append(steps, step{fmt.Sprintf("%q on the probe", f.payload), func(ctx context.Context, c *Client) error {
			o, err := c.Handshake(ctx)
			if err != nil {
				return err
			}
			ws, err := c.DialWS(ctx, "EIO=4&transport=websocket&sid="+o.SID)
			if err != nil {
				return err
			}
			defer ws.Close()
			if _, err := ws.Write(f.bytes()); err != nil && !hungUp(ctx, err) {
				return err
			}
			if err := ws.waitClosed(ctx, false); err != nil {
				return err
			}
			return c.waitGone(ctx, o.SID, false)
		}})
	}
	for _, u := range badUpgrades {
		steps = append(steps, step{"a handshake with " + u.name, func(ctx context.Context, c *Client) error {
			query := u.query
			if strings.Contains(query, "SID") {
				o, err := c.Handshake(ctx)
				if err != nil {
					return err
				}
				query = strings.ReplaceAll(query, "SID", o.SID)
			}
			return answered(exchange(ctx, c, t.request(u.method, query, u.hdr...)))
		}})
	}
	return runSteps(ctx, t, steps)
}
