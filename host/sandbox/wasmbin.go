package sandbox

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
)

// This file rewrites a module binary for snapshots (see snapshot.go): it
// exports every mutable global, so that their values after _initialize can
// be read and restored, and optionally keeps instantiation from writing
// the data segments over the restored memory. Sections it does not rewrite
// are copied byte for byte.

var errNoSnapshot = errors.New("sandbox: module cannot be snapshotted")

// Section ids of the WebAssembly binary format.
const (
	secImport    = 2
	secGlobal    = 6
	secExport    = 7
	secStart     = 8
	secData      = 11
	secDataCount = 12
)

// snapshotGlobalPrefix names the exports added for mutable globals.
const snapshotGlobalPrefix = "__wasmio_global_"

type reader struct {
	b   []byte
	pos int
	err error
}

func (r *reader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: %s at byte %d", errNoSnapshot, fmt.Sprintf(format, args...), r.pos)
	}
}

func (r *reader) byte() byte {
	if r.err != nil || r.pos >= len(r.b) {
		r.fail("unexpected end")
		return 0
	}
	c := r.b[r.pos]
	r.pos++
	return c
}

func (r *reader) uleb() uint64 {
	var v uint64
	for shift := 0; shift < 64; shift += 7 {
		c := r.byte()
		v |= uint64(c&0x7f) << shift
		if c&0x80 == 0 {
			return v
		}
	}
	r.fail("LEB128 too long")
	return 0
}

func (r *reader) bytes(n uint64) []byte {
	if r.err != nil || n > uint64(len(r.b)-r.pos) {
		r.fail("truncated")
		return nil
	}
	b := r.b[r.pos : r.pos+int(n)]
	r.pos += int(n)
	return b
}

// skipConstExpr skips a constant expression up to its end opcode.
func (r *reader) skipConstExpr() {
	for r.err == nil {
		switch op := r.byte(); op {
		case 0x0b: // end
			return
		case 0x41, 0x42: // i32.const, i64.const (signed LEB: same encoding length rules)
			r.uleb()
		case 0x43:
			r.bytes(4)
		case 0x44:
			r.bytes(8)
		case 0x23, 0xd2: // global.get, ref.func
			r.uleb()
		case 0xd0: // ref.null
			r.byte()
		case 0x6a, 0x6b, 0x6c, 0x7c, 0x7d, 0x7e: // extended-const arithmetic
		default:
			r.fail("unsupported constant expression opcode 0x%x", op)
		}
	}
}

func appendULEB(dst []byte, v uint64) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v != 0 {
			dst = append(dst, c|0x80)
			continue
		}
		return append(dst, c)
	}
}

// section is one section of a module binary.
type section struct {
	id      byte
	content []byte
}

func readSections(wasm []byte) ([]section, error) {
	if len(wasm) < 8 || !bytes.Equal(wasm[:4], []byte("\x00asm")) || binary.LittleEndian.Uint32(wasm[4:8]) != 1 {
		return nil, fmt.Errorf("%w: not a WebAssembly 1.0 binary", errNoSnapshot)
	}
	r := &reader{b: wasm, pos: 8}
	var out []section
	for r.pos < len(wasm) && r.err == nil {
		id := r.byte()
		out = append(out, section{id, r.bytes(r.uleb())})
	}
	return out, r.err
}

// rewriteInfo is what rewriting learned about the module.
type rewriteInfo struct {
	globals []string // export names of the mutable globals, by global index order
}

// rewriteForSnapshot returns wasm with every mutable global exported and,
// if restoring, no data written at instantiation: the data section goes
// when no instruction can name a segment (memory.init and data.drop need a
// data count section), otherwise its active segments become passive.
// Dropping it matters: standard Go emits tens of thousands of segments,
// and wazero allocates a slice entry for each on every instantiation. It
// refuses modules with a start section (their start would run again on
// restored state) and mutable globals that a uint64 cannot hold (v128).
func rewriteForSnapshot(wasm []byte, restoring bool) ([]byte, rewriteInfo, error) {
	var info rewriteInfo
	secs, err := readSections(wasm)
	if err != nil {
		return nil, info, err
	}
	importedGlobals := 0
	var mutable []uint64 // global indices
	dataCount := false
	for _, s := range secs {
		r := &reader{b: s.content}
		switch s.id {
		case secDataCount:
			dataCount = true
		case secStart:
			return nil, info, fmt.Errorf("%w: it has a start section", errNoSnapshot)
		case secImport:
			for n := r.uleb(); n > 0 && r.err == nil; n-- {
				r.bytes(r.uleb()) // module
				r.bytes(r.uleb()) // name
				switch kind := r.byte(); kind {
				case 0x00: // func
					r.uleb()
				case 0x01: // table
					r.byte()
					if r.byte()&1 != 0 {
						r.uleb()
					}
					r.uleb()
				case 0x02: // memory
					if r.byte()&1 != 0 {
						r.uleb()
					}
					r.uleb()
				case 0x03: // global
					r.byte()
					if r.byte() != 0 {
						return nil, info, fmt.Errorf("%w: it imports a mutable global", errNoSnapshot)
					}
					importedGlobals++
				default:
					r.fail("import kind 0x%x", kind)
				}
			}
		case secGlobal:
			n := r.uleb()
			for i := uint64(0); i < n && r.err == nil; i++ {
				valType, mut := r.byte(), r.byte()
				r.skipConstExpr()
				if mut == 1 {
					if valType == 0x7b { // v128
						return nil, info, fmt.Errorf("%w: it has a mutable v128 global", errNoSnapshot)
					}
					mutable = append(mutable, uint64(importedGlobals)+i)
				}
			}
		}
		if r.err != nil {
			return nil, info, r.err
		}
	}

	out := append([]byte(nil), wasm[:8]...)
	exported := false
	for _, s := range secs {
		if !exported && sectionRank(s.id) > sectionRank(secExport) {
			// A module without exports gets an export section before the
			// first section that follows it in the binary format's order.
			var exp []byte
			exp, info.globals, _ = appendGlobalExports([]byte{0}, mutable)
			out = appendSection(out, secExport, exp)
			exported = true
		}
		content := s.content
		switch {
		case s.id == secExport:
			content, info.globals, err = appendGlobalExports(content, mutable)
			exported = true
		case s.id == secData && restoring && !dataCount:
			continue
		case s.id == secData && restoring:
			content, err = passiveSegments(content)
		}
		if err != nil {
			return nil, info, err
		}
		out = appendSection(out, s.id, content)
	}
	if !exported {
		var exp []byte
		exp, info.globals, _ = appendGlobalExports([]byte{0}, mutable)
		out = appendSection(out, secExport, exp)
	}
	return out, info, nil
}

// sectionRank orders section ids as the binary format requires: custom
// sections (0) anywhere, the tag section (13) before globals, the data count
// section (12) before code.
func sectionRank(id byte) int {
	switch id {
	case 0:
		return -1
	case 13:
		return 55 // between memory (5) and global (6)
	case 12:
		return 95 // between element (9) and code (10)
	}
	return int(id) * 10
}

func appendSection(dst []byte, id byte, content []byte) []byte {
	dst = append(dst, id)
	dst = appendULEB(dst, uint64(len(content)))
	return append(dst, content...)
}

// appendGlobalExports adds an export for each global index to an export
// section's content.
func appendGlobalExports(content []byte, globals []uint64) ([]byte, []string, error) {
	r := &reader{b: content}
	n := r.uleb()
	rest := content[r.pos:]
	if r.err != nil {
		return nil, nil, r.err
	}
	out := appendULEB(nil, n+uint64(len(globals)))
	out = append(out, rest...)
	names := make([]string, len(globals))
	for i, g := range globals {
		names[i] = snapshotGlobalPrefix + strconv.FormatUint(g, 10)
		out = appendULEB(out, uint64(len(names[i])))
		out = append(out, names[i]...)
		out = append(out, 0x03)
		out = appendULEB(out, g)
	}
	return out, names, nil
}

// passiveSegments re-encodes a data section with every active segment
// passive; segment indices, and so memory.init and data.drop, are unchanged.
func passiveSegments(content []byte) ([]byte, error) {
	r := &reader{b: content}
	n := r.uleb()
	out := appendULEB(nil, n)
	for i := uint64(0); i < n && r.err == nil; i++ {
		switch flags := r.uleb(); flags {
		case 0:
			r.skipConstExpr()
		case 1:
		case 2:
			r.uleb() // memory index
			r.skipConstExpr()
		default:
			r.fail("data segment flags %d", flags)
		}
		data := r.bytes(r.uleb())
		out = appendULEB(out, 1)
		out = appendULEB(out, uint64(len(data)))
		out = append(out, data...)
	}
	return out, r.err
}
