package sandbox

import "time"

// OpKind is the kind of one recorded effect.
type OpKind uint8

// Effect kinds, in the ABI's terms.
const (
	OpEmit OpKind = iota + 1
	OpEmitAck
	OpAck
	OpJoin
	OpLeave
	OpDisconnect
)

func (k OpKind) String() string {
	switch k {
	case OpEmit:
		return "emit"
	case OpEmitAck:
		return "emit_ack"
	case OpAck:
		return "ack"
	case OpJoin:
		return "join"
	case OpLeave:
		return "leave"
	case OpDisconnect:
		return "disconnect"
	}
	return "unknown"
}

// Op is one effect a handler asked for. Every slice is a copy owned by the Op.
type Op struct {
	Kind OpKind
	// Emit, EmitAck and Ack.
	Mode        int32    // of an emit: abi.EmitSelf, abi.EmitBroadcast or abi.EmitNamespace
	To, Except  []string // room lists of an emit
	Event       string
	Args        []byte // JSON array
	Attachments [][]byte
	// EmitAck: the tag handed to the $ack run, and how long to wait for
	// the client's answer (the default already applied).
	Tag     string
	Timeout time.Duration
	// Join and Leave.
	Room string
	// Disconnect.
	Close bool
}

// Rejection is a $connect handler's refusal of the connection.
type Rejection struct {
	Message string
	Data    []byte // raw JSON, nil for none
}

// Effects are what a successful run asked for, in call order. The host
// applies them only after the run's key-value writes committed.
type Effects struct {
	Ops    []Op
	Reject *Rejection
}
