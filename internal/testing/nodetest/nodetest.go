// Package nodetest drives real socket.io-client sockets, running in Node.js,
// from Go tests. One Driver is one node process holding any number of
// clients; every client event comes back as a Msg that tests wait for.
//
// The npm packages come from the repository's package-lock.json; when they
// are missing the test fails and says how to install them (`just deps`), it
// never skips.
package nodetest

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"
)

// Timeout bounds every wait for a client event.
const Timeout = 10 * time.Second

// Msg is one event reported by the driver.
type Msg struct {
	C         string          `json:"c"`
	Ev        string          `json:"ev"` // connect, connect_error, disconnect, event, ack, upgrade, sync, driver_error
	Sid       string          `json:"sid"`
	Transport string          `json:"transport"`
	EngineID  string          `json:"engineId"`
	Message   string          `json:"message"`
	Reason    string          `json:"reason"`
	Name      string          `json:"name"`
	Data      json.RawMessage `json:"data"`
	Args      json.RawMessage `json:"args"`
	Ack       bool            `json:"ack"`
	Seq       int             `json:"seq"`
	Err       *string         `json:"err"`
}

// Bin is a binary value: it travels to the client as a Buffer, and Buffers
// the client receives come back as Bin values in Msg.Args.
type Bin []byte

// MarshalJSON encodes b as the driver's {"$bin": base64} form.
func (b Bin) MarshalJSON() ([]byte, error) {
	return []byte(`{"$bin":"` + base64.StdEncoding.EncodeToString(b) + `"}`), nil
}

// UnmarshalJSON decodes the driver's {"$bin": base64} form.
func (b *Bin) UnmarshalJSON(data []byte) error {
	var v struct {
		Bin string `json:"$bin"`
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	d, err := base64.StdEncoding.DecodeString(v.Bin)
	*b = d
	return err
}

// Driver is one node process running driver.js.
type Driver struct {
	t   testing.TB
	cmd *exec.Cmd
	in  io.WriteCloser

	mu      sync.Mutex
	cond    *sync.Cond
	inbox   map[string][]Msg // by client id; "" holds sync replies
	next    int
	done    bool
	stderr  []byte
	errLine string
}

// RepoRoot returns the repository's root directory.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..")
}

// RequireClient fails the test unless node and the npm packages are installed.
func RequireClient(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatal("node is not installed; the README's test command installs every dependency")
	}
	if _, err := os.Stat(filepath.Join(RepoRoot(), "node_modules", "socket.io-client")); err != nil {
		t.Fatal("socket.io-client is not installed: run `npm ci` in the repository root (the README's test command does)")
	}
}

// Start runs a driver for the duration of the test.
func Start(t testing.TB) *Driver {
	t.Helper()
	RequireClient(t)
	d := &Driver{t: t, inbox: make(map[string][]Msg)}
	d.cond = sync.NewCond(&d.mu)
	d.cmd = exec.Command("node", filepath.Join(RepoRoot(), "internal", "testing", "nodetest", "driver.js"))
	var err error
	if d.in, err = d.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	stdout, err := d.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := d.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go d.read(stdout)
	go func() {
		b, _ := io.ReadAll(stderr)
		d.mu.Lock()
		d.stderr = b
		d.mu.Unlock()
	}()
	t.Cleanup(d.stop)
	return d
}

func (d *Driver) read(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 64<<20)
	for sc.Scan() {
		var m Msg
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			continue
		}
		d.mu.Lock()
		if m.Ev == "driver_error" && d.errLine == "" {
			d.errLine = m.Message
		}
		d.inbox[m.C] = append(d.inbox[m.C], m)
		d.cond.Broadcast()
		d.mu.Unlock()
	}
	d.mu.Lock()
	d.done = true
	d.cond.Broadcast()
	d.mu.Unlock()
}

func (d *Driver) stop() {
	d.send(map[string]any{"op": "exit"})
	_ = d.in.Close()
	ch := make(chan struct{})
	go func() { _ = d.cmd.Wait(); close(ch) }()
	select {
	case <-ch:
	case <-time.After(5 * time.Second):
		_ = d.cmd.Process.Kill()
		<-ch
	}
}

func (d *Driver) send(cmd map[string]any) {
	b, err := json.Marshal(cmd)
	if err != nil {
		d.t.Fatalf("nodetest: %v", err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.done {
		return
	}
	_, _ = d.in.Write(append(b, '\n'))
}

// wait removes and returns the first message of client c that match accepts.
func (d *Driver) wait(c string, timeout time.Duration, what string, match func(Msg) bool) Msg {
	d.t.Helper()
	deadline := time.Now().Add(timeout)
	timer := time.AfterFunc(timeout, func() {
		d.mu.Lock()
		d.cond.Broadcast()
		d.mu.Unlock()
	})
	defer timer.Stop()
	d.mu.Lock()
	defer d.mu.Unlock()
	for {
		for i, m := range d.inbox[c] {
			if match(m) {
				d.inbox[c] = append(d.inbox[c][:i:i], d.inbox[c][i+1:]...)
				return m
			}
		}
		if d.errLine != "" {
			d.t.Fatalf("nodetest: driver error: %s", d.errLine)
		}
		if d.done || time.Now().After(deadline) {
			d.t.Fatalf("nodetest: client %q: no %s within %v (driver exited: %v; pending: %v; stderr: %s)", c, what, timeout, d.done, d.inbox[c], d.stderr)
		}
		d.cond.Wait()
	}
}

// Sync returns once the driver processed every command sent before it.
func (d *Driver) Sync() {
	d.t.Helper()
	d.mu.Lock()
	d.next++
	seq := d.next
	d.mu.Unlock()
	d.send(map[string]any{"op": "sync", "seq": seq})
	d.wait("", Timeout, "sync", func(m Msg) bool { return m.Ev == "sync" && m.Seq == seq })
}

// Client is one socket.io-client socket.
type Client struct {
	ID string
	d  *Driver
}

// Connect opens a socket to url (which names the namespace, like
// "http://127.0.0.1:1234/chat") with socket.io-client options opts; the
// driver defaults to forceNew: true and reconnection: false. It does not wait.
func (d *Driver) Connect(url string, opts map[string]any) *Client {
	d.mu.Lock()
	d.next++
	id := "c" + strconv.Itoa(d.next)
	d.mu.Unlock()
	if opts == nil {
		opts = map[string]any{}
	}
	d.send(map[string]any{"op": "connect", "c": id, "url": url, "opts": opts})
	return &Client{ID: id, d: d}
}

// Wait returns the client's first pending message of kind ev that match
// accepts (nil accepts any), waiting up to Timeout.
func (c *Client) Wait(ev string, match func(Msg) bool) Msg {
	c.d.t.Helper()
	return c.d.wait(c.ID, Timeout, ev, func(m Msg) bool { return m.Ev == ev && (match == nil || match(m)) })
}

// Connected waits for the connect event and returns it.
func (c *Client) Connected() Msg {
	c.d.t.Helper()
	m := c.Outcome()
	if m.Ev != "connect" {
		c.d.t.Fatalf("nodetest: client %s: connect_error %q %s", c.ID, m.Message, m.Data)
	}
	return m
}

// Outcome waits for the connect or connect_error event and returns it.
func (c *Client) Outcome() Msg {
	c.d.t.Helper()
	return c.d.wait(c.ID, Timeout, "connect or connect_error", func(m Msg) bool { return m.Ev == "connect" || m.Ev == "connect_error" })
}

// Event waits for the event name and returns it.
func (c *Client) Event(name string) Msg {
	c.d.t.Helper()
	return c.Wait("event", func(m Msg) bool { return m.Name == name })
}

// Events removes and returns the client's pending events, in arrival order.
func (c *Client) Events() []Msg {
	c.d.mu.Lock()
	defer c.d.mu.Unlock()
	var evs, rest []Msg
	for _, m := range c.d.inbox[c.ID] {
		if m.Ev == "event" {
			evs = append(evs, m)
		} else {
			rest = append(rest, m)
		}
	}
	c.d.inbox[c.ID] = rest
	return evs
}

// Emit sends an event with args (Bin values become Buffers).
func (c *Client) Emit(event string, args ...any) {
	c.d.send(map[string]any{"op": "emit", "c": c.ID, "event": event, "args": nonNil(args)})
}

// EmitAck sends an event with an acknowledgement callback and waits for the
// reply; it returns the reply's arguments, or fails the test on a timeout.
func (c *Client) EmitAck(event string, args ...any) json.RawMessage {
	c.d.t.Helper()
	reply, err := c.EmitAckTimeout(event, Timeout, args...)
	if err != nil {
		c.d.t.Fatalf("nodetest: client %s: ack for %q: %v", c.ID, event, err)
	}
	return reply
}

// EmitAckTimeout sends an event with an acknowledgement callback that gives
// up after timeout (socket.timeout(ms).emit) and returns the reply's
// arguments, or the client's error when it gave up.
func (c *Client) EmitAckTimeout(event string, timeout time.Duration, args ...any) (json.RawMessage, error) {
	c.d.t.Helper()
	c.d.mu.Lock()
	c.d.next++
	seq := c.d.next
	c.d.mu.Unlock()
	c.d.send(map[string]any{"op": "emit", "c": c.ID, "event": event, "args": nonNil(args), "ack": true, "seq": seq, "timeout": timeout.Milliseconds()})
	m := c.d.wait(c.ID, timeout+Timeout, "ack", func(m Msg) bool { return m.Ev == "ack" && m.Seq == seq })
	if m.Err != nil {
		return nil, errors.New(*m.Err)
	}
	return m.Args, nil
}

// AutoAck makes the client answer every server acknowledgement request with
// args. It returns once the driver applies it, so the server's next request
// is answered with args (an asynchronous setter lost that race in CI).
func (c *Client) AutoAck(args ...any) {
	c.d.t.Helper()
	c.d.send(map[string]any{"op": "autoAck", "c": c.ID, "args": nonNil(args)})
	c.d.Sync()
}

// IgnoreAcks makes the client leave every server acknowledgement request
// unanswered. Like AutoAck, it returns once the driver applies it.
func (c *Client) IgnoreAcks() {
	c.d.t.Helper()
	c.d.send(map[string]any{"op": "ignoreAcks", "c": c.ID})
	c.d.Sync()
}

// Disconnect calls socket.disconnect().
func (c *Client) Disconnect() { c.d.send(map[string]any{"op": "disconnect", "c": c.ID}) }

// StopPong makes the client's engine ignore pings from now on.
func (c *Client) StopPong() { c.d.send(map[string]any{"op": "stopPong", "c": c.ID}) }

// Raw sends an Engine.IO message as is, bypassing the Socket.IO encoder.
func (c *Client) Raw(data string) { c.d.send(map[string]any{"op": "raw", "c": c.ID, "data": data}) }

// RawBinary sends a binary Engine.IO message as is.
func (c *Client) RawBinary(data []byte) {
	c.d.send(map[string]any{"op": "raw", "c": c.ID, "data": base64.StdEncoding.EncodeToString(data), "binary": true})
}

func nonNil(args []any) []any {
	if args == nil {
		return []any{}
	}
	return args
}

// Args decodes a message's arguments into v.
func Args(t testing.TB, raw json.RawMessage, v any) {
	t.Helper()
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("nodetest: decoding %s: %v", raw, err)
	}
}

// String renders m for failure messages.
func (m Msg) String() string {
	return fmt.Sprintf("{%s %s name=%s args=%s reason=%s message=%s}", m.C, m.Ev, m.Name, m.Args, m.Reason, m.Message)
}

// JSONEq fails the test unless got and want are the same JSON value (object
// key order and spacing aside).
func JSONEq(t testing.TB, got json.RawMessage, want string) {
	t.Helper()
	var a, b any
	if err := json.Unmarshal(got, &a); err != nil {
		t.Fatalf("bad JSON %s: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &b); err != nil {
		t.Fatalf("bad expected JSON %s: %v", want, err)
	}
	ga, _ := json.Marshal(a)
	gb, _ := json.Marshal(b)
	if string(ga) != string(gb) {
		t.Fatalf("got %s, want %s", ga, gb)
	}
}
