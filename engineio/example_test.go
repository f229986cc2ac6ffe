package engineio_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"

	"github.com/wasmio/wasmio/engineio"
)

// echo sends every message back to its session.
type echo struct{}

func (echo) OnOpen(*engineio.Session) {}
func (echo) OnMessage(s *engineio.Session, data []byte, binary bool) {
	_ = s.Send(engineio.NewMessage(append([]byte(nil), data...), binary))
}
func (echo) OnClose(*engineio.Session, string) {}

// An echo server, and a client speaking the long-polling transport by hand.
func Example() {
	srv, _ := engineio.NewServer(nil, echo{})
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
	fmt.Println(poll("POST", sid, "4hello\x1e4world")) // two message packets
	fmt.Printf("%q\n", poll("GET", sid, ""))
	poll("POST", sid, "1") // close
	// Output:
	// ok
	// "4hello\x1e4world"
}
