package socketio_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"

	"github.com/wasmio/wasmio/socketio"
)

// An echo server: every event is acknowledged with its own arguments.
// The client side is spoken by hand over long-polling here; a
// socket.io-client would connect to "http://" + addr.
func Example() {
	srv, _ := socketio.NewServer(nil)
	srv.Of("/", socketio.Hooks{
		Event: func(s *socketio.Socket, e *socketio.Event) {
			if e.Ack != nil {
				_ = e.Ack(e.Args)
			}
		},
	})
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	go srv.Serve(ln, nil)
	defer srv.Shutdown(context.Background())

	base := "http://" + ln.Addr().String() + "/socket.io/?EIO=4&transport=polling"
	poll := func(method, sid, body string) string {
		req, _ := http.NewRequest(method, base+"&sid="+sid, strings.NewReader(body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	open := poll("GET", "", "")
	sid := open[len(`0{"sid":"`) : len(`0{"sid":"`)+20]
	poll("POST", sid, "40")                      // CONNECT to "/"
	fmt.Println(poll("GET", sid, "")[:3])        // the CONNECT reply: 40{"sid":...}
	poll("POST", sid, `421["hello","world",42]`) // EVENT "hello" asking for ack 1
	fmt.Println(poll("GET", sid, ""))
	poll("POST", sid, "1") // close the session
	// Output:
	// 40{
	// 431["world",42]
}
