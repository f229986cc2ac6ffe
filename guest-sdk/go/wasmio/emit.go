package wasmio

// Operator is a selection of receivers, built by Socket.To, Socket.Except,
// Socket.Broadcast, Namespace.To and Namespace.Except, like Socket.IO's
// BroadcastOperator. Its methods return a new Operator, so one can be
// reused: s.To("a").To("b").Except("c").Emit("hello").
type Operator struct {
	mode   int32
	to     []string
	except []string
}

// To adds rooms to the selection: the receivers are the sockets in any of
// the To rooms (every socket of the namespace when there is none).
func (o *Operator) To(rooms ...string) *Operator {
	return &Operator{o.mode, concat(o.to, rooms), o.except}
}

// Except removes the sockets in rooms from the selection.
func (o *Operator) Except(rooms ...string) *Operator {
	return &Operator{o.mode, o.to, concat(o.except, rooms)}
}

// Emit sends event with args to the selected sockets. Arguments are encoded
// as for Socket.Emit.
func (o *Operator) Emit(event string, args ...any) error {
	return emit(o.mode, o.to, o.except, event, args)
}

func concat(a, b []string) []string {
	return append(append(make([]string, 0, len(a)+len(b)), a...), b...)
}

func emit(mode int32, to, except []string, event string, args []any) error {
	data, atts, err := encodeArgs(args)
	if err != nil {
		return err
	}
	toList, err := joinRooms(to)
	if err != nil {
		return err
	}
	exceptList, err := joinRooms(except)
	if err != nil {
		return err
	}
	if err := stage(atts); err != nil {
		return err
	}
	return codeError(sysEmit(mode, toList, exceptList, event, data))
}

// stage stages binary attachments for the next emit or ack.
func stage(atts [][]byte) error {
	for _, a := range atts {
		if n := sysAttach(a); n < 0 {
			return codeError(n)
		}
	}
	return nil
}
