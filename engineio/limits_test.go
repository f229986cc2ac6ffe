package engineio_test

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/wasmio/wasmio/engineio"
)

// failingListener fails its next Accept calls with err, as a process out
// of descriptors sees them, then accepts again.
type failingListener struct {
	net.Listener
	fails atomic.Int64
	err   error
}

func (l *failingListener) Accept() (net.Conn, error) {
	if l.fails.Add(-1) >= 0 {
		return nil, l.err
	}
	return l.Listener.Accept()
}

// TestAcceptErrorsPass checks that accept errors which pass by themselves
// neither end Serve nor the open sessions: the server retries, counts, and
// serves the next client.
func TestAcceptErrorsPass(t *testing.T) {
	for _, errno := range []syscall.Errno{syscall.EMFILE, syscall.ENFILE, syscall.ECONNABORTED, syscall.ENOBUFS} {
		t.Run(errno.Error(), func(t *testing.T) {
			inner, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			ln := &failingListener{Listener: inner, err: &net.OpError{Op: "accept", Net: "tcp", Err: os.NewSyscallError("accept4", errno)}}
			ln.fails.Store(4)
			ts := startServerOn(t, nil, ln)
			// The first client waits in the backlog while Accept fails
			// four times, then is served, and so is the next one.
			c, sid := ts.openWS(t, nil)
			ts.handshake(t)
			ts.expectServing(t)
			if n := ts.srv.AcceptFailures(); n != 4 {
				t.Fatalf("AcceptFailures %d, want 4", n)
			}
			// The session still works.
			c.send(t, "4still here")
			if m := ts.waitMessages(t, sid, 1); m[0].data != "still here" {
				t.Fatalf("messages %v", m)
			}
		})
	}
}

// TestOutOfDescriptors runs a server under a real descriptor limit (in a
// child process, since the limit is the process's): connections past the
// limit wait, the open session keeps working, and once descriptors free up
// new clients are served.
func TestOutOfDescriptors(t *testing.T) {
	if os.Getenv("ENGINEIO_EMFILE_CHILD") == "" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestOutOfDescriptors$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(), "ENGINEIO_EMFILE_CHILD=1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("child: %v\n%s", err, out)
		}
		return
	}
	ts := startServer(t, nil)
	c, sid := ts.openWS(t, nil)
	// Leave room for a few more descriptors only: the dials below use up
	// the rest, on the client side and the server's.
	open, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	limit := uint64(len(open) + 40)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &syscall.Rlimit{Cur: limit, Max: limit}); err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	for {
		conn, err := net.Dial("tcp", ts.addr)
		if err != nil {
			if !errors.Is(err, syscall.EMFILE) {
				t.Fatalf("dial: %v", err)
			}
			break
		}
		conns = append(conns, conn)
		if len(conns) > 1000 {
			t.Fatal("the descriptor limit does not apply")
		}
	}
	// Connections wait in the backlog, unaccepted, until the server
	// retries; meanwhile the open session works.
	deadline := time.Now().Add(waitTimeout)
	for ts.srv.AcceptFailures() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no accept failed: the limit was not reached")
		}
		time.Sleep(5 * time.Millisecond)
	}
	c.send(t, "4still here")
	if m := ts.waitMessages(t, sid, 1); m[0].data != "still here" {
		t.Fatalf("messages %v", m)
	}
	for _, conn := range conns {
		conn.Close()
	}
	ts.expectServing(t)
	ts.client.CloseIdleConnections()
	ts.handshake(t)
	fmt.Printf("accept failures: %d\n", ts.srv.AcceptFailures())
}

// TestSlowRequestsCutOff checks that a request sent slowly, or a body
// announced and never sent, holds its connection no longer than
// ReadTimeout.
func TestSlowRequestsCutOff(t *testing.T) {
	ts := startServer(t, &engineio.Config{ReadTimeout: 200 * time.Millisecond})
	sid := ts.handshake(t)
	for _, tc := range []struct{ name, req string }{
		{"nothing sent", ""},
		{"a header never finished", "GET " + ts.path + "?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\n"},
		{"a body announced, never sent", "POST " + ts.path + pollQuery(sid) + " HTTP/1.1\r\nHost: x\r\n" +
			"Content-Type: text/plain\r\nContent-Length: 900000\r\n\r\n4hello"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conns := make([]net.Conn, 20)
			for i := range conns {
				c, err := net.Dial("tcp", ts.addr)
				if err != nil {
					t.Fatal(err)
				}
				defer c.Close()
				if _, err := c.Write([]byte(tc.req)); err != nil {
					t.Fatal(err)
				}
				conns[i] = c
			}
			for i, c := range conns {
				_ = c.SetReadDeadline(time.Now().Add(waitTimeout))
				_, err := io.Copy(io.Discard, c)
				var ne net.Error
				if errors.As(err, &ne) && ne.Timeout() {
					t.Fatalf("connection %d still open after %v", i, waitTimeout)
				}
			}
		})
	}
	// A WebSocket is not cut off by the request's timeout.
	c, wsid := ts.openWS(t, nil)
	time.Sleep(400 * time.Millisecond)
	c.send(t, "4still here")
	if m := ts.waitMessages(t, wsid, 1); m[0].data != "still here" {
		t.Fatalf("messages %v", m)
	}
}

// TestConnectionCaps checks MaxConnections and MaxConnectionsPerIP: a
// connection over a cap is closed at once and counted, and a freed slot
// serves the next client.
func TestConnectionCaps(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  engineio.Config
	}{{"MaxConnections", engineio.Config{MaxConnections: 3}}, {"MaxConnectionsPerIP", engineio.Config{MaxConnectionsPerIP: 3}}} {
		t.Run(tc.name, func(t *testing.T) {
			ts := startServer(t, &tc.cfg)
			// Two WebSockets and one idle connection fill the three slots.
			ws1, sid1 := ts.openWS(t, nil)
			ws2, _ := ts.openWS(t, nil)
			idle, err := net.Dial("tcp", ts.addr)
			if err != nil {
				t.Fatal(err)
			}
			over, err := net.Dial("tcp", ts.addr)
			if err != nil {
				t.Fatal(err)
			}
			_ = over.SetReadDeadline(time.Now().Add(waitTimeout))
			if n, err := over.Read(make([]byte, 1)); n != 0 || err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatalf("the connection over the cap: %d bytes, %v", n, err)
			}
			over.Close()
			if n := ts.srv.RefusedConnections(); n != 1 {
				t.Fatalf("RefusedConnections %d, want 1", n)
			}
			// Open sessions still work; a closed WebSocket frees its slot.
			ws1.send(t, "4hi")
			ts.waitMessages(t, sid1, 1)
			ws2.conn.NetConn().Close()
			ws2.waitClosed(t)
			eventually(t, "the slot freed", func() bool {
				c, _, err := ts.dialWS(t, "EIO=4&transport=websocket", nil)
				if err != nil {
					return false
				}
				c.conn.NetConn().Close()
				return true
			})
			idle.Close()
		})
	}
}

// TestHeaderTooLarge checks that a header block over MaxHeaderBytes gets
// 431, as Node's HTTP server answers.
func TestHeaderTooLarge(t *testing.T) {
	ts := startServer(t, &engineio.Config{MaxHeaderBytes: 4096})
	r := ts.mustDo(t, http.MethodGet, "?EIO=4&transport=polling", "", http.Header{"X-Big": {strings.Repeat("a", 8192)}})
	if r.status != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("status %d %q, want 431", r.status, r.body)
	}
	ts.handshake(t)
}

// expectServing fails the test if Serve has returned.
func (ts *testServer) expectServing(t *testing.T) {
	t.Helper()
	select {
	case err := <-ts.served:
		t.Fatalf("Serve returned %v", err)
	default:
	}
}
