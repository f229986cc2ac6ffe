// Package socketio is a Socket.IO v5 server (what socket.io 4.x speaks) on
// the Engine.IO server of package engineio: the standard socket.io-client,
// in a browser or any of its ports, connects over WebSocket or HTTP
// long-polling.
//
// A Server serves namespaces ("/", "/chat"); each has Hooks (events.go)
// that decide connections and receive events, disconnects and acks.
// Sockets join rooms and emit to themselves, to rooms, to everyone but
// themselves, or to the namespace, as in Socket.IO's server API; every
// broadcast is encoded once and the same frame is queued for every
// receiver. A namespace's rooms and broadcasts go through its Adapter
// (adapter.go): NewMemoryAdapter keeps them in this process.
//
// Event arguments travel as raw JSON arrays, exactly as the client sent
// them, with binary arguments as {"_placeholder":true,"num":N} and their
// bytes as attachments: the package never decodes what it only passes on.
//
// # Caveats
//
//   - Hooks for one socket run one at a time, on the connection's reader: a
//     hook that takes long should hand its work off, or the client's next
//     packets wait.
//   - A receiver that does not read fast enough is disconnected
//     (engineio.ReasonSlowConsumer) rather than buffered without bound.
//   - Shutdown closes the transports, so clients reconnect (to the next
//     server, after a restart); DisconnectAll first tells them to stay away.
//   - Connection-state recovery (Socket.IO 4.6) is not implemented: a
//     reconnecting client gets a new socket id.
package socketio
