// Package engineio is an Engine.IO v4 server, the transport under
// Socket.IO (package socketio): HTTP long-polling on fasthttp and WebSocket
// (RFC 6455, its own frame parser, wsframe.go), on one port and one path,
// with the upgrade from the first to the second, heartbeats and the
// protocol's error answers, matching Node's engine.io 6.
//
// A Server reports each session's life to a Handler (events.go): its
// opening, every message, its close with a reason. Session.Send queues
// messages and returns at once. A polling session's pending packets leave
// in the next GET's answer; WebSocket sessions are written by a flusher per
// processor, which gives each dirty session one non-blocking writev with
// everything it has queued per pass, so that frames batch under load (see
// flusher.go). A Message is encoded once per transport and may be sent to
// any number of sessions.
//
// On Linux, WebSocket connections are read through one epoll set for the
// process (wsread_linux.go): an idle connection holds no goroutine and no
// read buffer, only its parser's partial frame, and a connection that
// turns readable gets a goroutine that reads it for up to 50 ms
// (wsLinger), woken by Go's netpoller meanwhile.
// Elsewhere, and for connections without a descriptor, each connection
// has a reading goroutine.
//
// # Caveats
//
//   - Handler calls for one session run on its reader, one at a time: a
//     handler that blocks holds that session's next packets back (and, as
//     its connection is not read meanwhile, the client's sends).
//   - A session whose unsent data passes Config.MaxBufferedBytes is closed
//     (ReasonSlowConsumer) rather than buffered without bound.
//   - Servers built around ServeHTTP must set fasthttp's KeepHijackedConns,
//     or WebSocket connections are closed under the engine.
package engineio
