package sandbox

import (
	"errors"
	"fmt"
)

// This file reads a module's code to decide whether one of its instances
// may serve more than one event (instance.go). Between events the sandbox
// restores what an instance can change: its linear memory's bytes and its
// mutable globals. Its memory's size is checked after each event. What it
// cannot restore are tables and the dropped state of data and element
// segments, so a module whose code contains an instruction that changes
// them gets a fresh instance for every event. So does one with an
// instruction this reader does not know: unknown means not reusable.

const secCode = 10

// errNotReusable wraps why a module's instances are not reused.
var errNotReusable = errors.New("sandbox: instances are not reused")

// checkReusable returns nil if no instruction of wasm's code changes a
// table or drops a segment.
func checkReusable(wasm []byte) error {
	secs, err := readSections(wasm)
	if err != nil {
		return fmt.Errorf("%w: %v", errNotReusable, err)
	}
	for _, s := range secs {
		if s.id != secCode {
			continue
		}
		r := &reader{b: s.content}
		for n := r.uleb(); n > 0 && r.err == nil; n-- {
			size := r.uleb()
			body := &reader{b: r.bytes(size)}
			if r.err != nil {
				break
			}
			for groups := body.uleb(); groups > 0 && body.err == nil; groups-- {
				body.uleb() // count
				body.byte() // type
			}
			for body.err == nil && body.pos < len(body.b) {
				if why := body.instruction(); why != "" {
					return fmt.Errorf("%w: its code %s", errNotReusable, why)
				}
			}
			if body.err != nil {
				r.err = body.err
			}
		}
		if r.err != nil {
			return fmt.Errorf("%w: %v", errNotReusable, r.err)
		}
	}
	return nil
}

// instruction reads one instruction and its immediates. It returns what
// the instruction does that a reset cannot undo, or "" if nothing; an
// unknown opcode counts as such.
func (r *reader) instruction() string {
	switch op := r.byte(); {
	case op <= 0x01, op == 0x05, op == 0x0b, op == 0x0f, op == 0x1a, op == 0x1b,
		op >= 0x45 && op <= 0xc4, op == 0xd1:
		// No immediates: unreachable, nop, else, end, return, drop,
		// select, numeric and sign-extension operators, ref.is_null.
	case op >= 0x02 && op <= 0x04: // block, loop, if
		if c := r.byte(); c != 0x40 && !(c >= 0x6f && c <= 0x7f) {
			r.pos--
			r.uleb() // a type index, as a signed LEB128
		}
	case op == 0x0c, op == 0x0d, op == 0x10, op >= 0x20 && op <= 0x25, op == 0xd2:
		// br, br_if, call, local and global access, table.get, ref.func
		r.uleb()
	case op == 0x26:
		return "sets a table element (table.set)"
	case op == 0x0e: // br_table
		for n := r.uleb(); n > 0 && r.err == nil; n-- {
			r.uleb()
		}
		r.uleb()
	case op == 0x11: // call_indirect
		r.uleb()
		r.uleb()
	case op == 0x1c: // select t*
		for n := r.uleb(); n > 0 && r.err == nil; n-- {
			r.byte()
		}
	case op >= 0x28 && op <= 0x3e: // loads and stores
		r.memarg()
	case op == 0x3f, op == 0x40, op == 0xd0: // memory.size, memory.grow, ref.null
		r.byte()
	case op == 0x41, op == 0x42:
		r.uleb()
	case op == 0x43:
		r.bytes(4)
	case op == 0x44:
		r.bytes(8)
	case op == 0xfc:
		return r.miscInstruction()
	case op == 0xfd:
		r.vectorInstruction()
	default:
		if r.err == nil {
			return fmt.Sprintf("uses opcode 0x%02x, which the sandbox does not check", op)
		}
	}
	return ""
}

func (r *reader) memarg() {
	r.uleb() // alignment
	r.uleb() // offset
}

// miscInstruction reads the rest of a 0xfc instruction.
func (r *reader) miscInstruction() string {
	switch sub := r.uleb(); sub {
	case 0, 1, 2, 3, 4, 5, 6, 7: // saturating truncations
	case 8: // memory.init
		r.uleb()
		r.byte()
	case 9:
		return "drops a data segment (data.drop)"
	case 10: // memory.copy
		r.byte()
		r.byte()
	case 11: // memory.fill
		r.byte()
	case 12:
		return "initializes a table (table.init)"
	case 13:
		return "drops an element segment (elem.drop)"
	case 14:
		return "copies within a table (table.copy)"
	case 15:
		return "grows a table (table.grow)"
	case 16: // table.size
		r.uleb()
	case 17:
		return "fills a table (table.fill)"
	default:
		if r.err == nil {
			return fmt.Sprintf("uses opcode 0xfc %d, which the sandbox does not check", sub)
		}
	}
	return ""
}

// vectorInstruction reads the rest of a 0xfd (SIMD) instruction; none
// touches a table or a segment.
func (r *reader) vectorInstruction() {
	switch sub := r.uleb(); {
	case sub <= 11, sub == 92, sub == 93: // loads and stores
		r.memarg()
	case sub == 12, sub == 13: // v128.const, i8x16.shuffle
		r.bytes(16)
	case sub >= 21 && sub <= 34: // extract and replace lane
		r.byte()
	case sub >= 84 && sub <= 91: // load and store lane
		r.memarg()
		r.byte()
	}
}
