package engineio

// The callbacks a Server makes, in one place.

// Handler receives a server's session events. Calls for one session never
// overlap and arrive in the order the client sent its packets; different
// sessions are handled in parallel. A call blocks the session's reader, so a
// handler that needs long must hand work off.
type Handler interface {
	// OnOpen is called once a session completed its handshake, before its
	// first message. It is the place to attach per-session state (SetUserData).
	OnOpen(s *Session)
	// OnMessage is called for every message packet. data is a view valid only
	// during the call; copy what must outlive it. binary tells a binary
	// message from a text one.
	OnMessage(s *Session, data []byte, binary bool)
	// OnClose is called once when the session leaves the open state, with one
	// of the Reason* strings. Send fails from then on.
	OnClose(s *Session, reason string)
}
