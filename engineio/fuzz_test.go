package engineio

import (
	"bytes"
	"encoding/base64"
	"errors"
	"testing"
)

func FuzzDecodePacket(f *testing.F) {
	for _, s := range []string{
		"", "0", `0{"sid":"abc","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}`,
		"1", "2", "2probe", "3", "3probe", "4", "4hello", "4\x00\xff", "5", "6", "7", "9", "b", "bAQID", "\x1e", "/",
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, frame []byte, binary bool) {
		orig := bytes.Clone(frame)
		p, err := DecodePacket(frame, binary)
		if err != nil {
			if !errors.Is(err, ErrParse) {
				t.Fatalf("error %v does not wrap ErrParse", err)
			}
			if binary {
				t.Fatal("a binary frame was rejected")
			}
			return
		}
		if !bytes.Equal(frame, orig) {
			t.Fatal("DecodePacket modified its input")
		}
		if !p.Type.valid() || p.Binary != binary || (binary && p.Type != PacketMessage) {
			t.Fatalf("bad packet %s", fmtPacket(p))
		}
		// The packet re-encodes to the frame it came from.
		fin, opcode, payload, rest, err := parseFrame(appendWSFrame(nil, p))
		if err != nil || !fin || len(rest) != 0 || (opcode == 2) != binary || !bytes.Equal(payload, orig) {
			t.Fatalf("frame of %s does not carry %q back (%v)", fmtPacket(p), orig, err)
		}
	})
}

func FuzzDecodePayload(f *testing.F) {
	for _, s := range []string{
		"4hello",
		"4hello\x1e4world",
		"2\x1e3\x1e6\x1e1",
		"2probe",
		"bAQID",
		"b",
		"bAA==\x1ebAAA=",
		"4a\x1ebAAEC/w==\x1e4b",
		"4\x1e4",
		"5",
		"", "\x1e", "4a\x1e", "\x1e4a", "4a\x1e\x1e4b",
		"b!!!!", "bAQI", "bA", "bAQ\nID", "bAQ\rID\x1e4x", "b====", "bAQ=D",
		"9x", "4a\x1ex", "x",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		orig := bytes.Clone(payload)
		var got []Packet
		err := DecodePayload(payload, func(p Packet) error {
			if !p.Type.valid() {
				t.Fatalf("invalid type %d", p.Type)
			}
			p.Data = bytes.Clone(p.Data)
			got = append(got, p)
			return nil
		})
		if err != nil {
			if !errors.Is(err, ErrParse) {
				t.Fatalf("error %v does not wrap ErrParse", err)
			}
			return
		}
		if len(got) == 0 {
			t.Fatal("a payload decoded to no packets")
		}
		// Each record decodes as it would on its own; base64 records as the
		// standard library decodes them out of place.
		recs := bytes.Split(orig, []byte{recordSeparator})
		if len(recs) != len(got) {
			t.Fatalf("%d records, %d packets", len(recs), len(got))
		}
		for i, rec := range recs {
			if rec[0] == 'b' {
				want, err := base64.StdEncoding.DecodeString(string(rec[1:]))
				if err != nil || !got[i].Binary || !bytes.Equal(got[i].Data, want) {
					t.Fatalf("record %q decoded to %s, want %x (%v)", rec, fmtPacket(got[i]), want, err)
				}
			}
		}
		// Re-encoding every packet gives a payload that decodes to the same packets.
		var enc []byte
		for i, p := range got {
			if i > 0 {
				enc = append(enc, recordSeparator)
			}
			enc = AppendPacket(enc, p)
		}
		var again []Packet
		if err := DecodePayload(bytes.Clone(enc), func(p Packet) error {
			p.Data = bytes.Clone(p.Data)
			again = append(again, p)
			return nil
		}); err != nil {
			t.Fatalf("re-encoded payload %q does not decode: %v", enc, err)
		}
		if len(again) != len(got) {
			t.Fatalf("re-encoded payload has %d packets, want %d", len(again), len(got))
		}
		for i := range got {
			if !packetEqual(got[i], again[i]) {
				t.Fatalf("packet %d: %s became %s", i, fmtPacket(got[i]), fmtPacket(again[i]))
			}
		}
	})
}
