package units

import (
	"testing"
	"time"
)

func TestByteSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want ByteSize
		ok   bool
	}{
		{"65536", 65536, true}, {"64KiB", 64 << 10, true}, {"16MiB", 16 << 20, true}, {"1GiB", 1 << 30, true},
		{"1MB", 1_000_000, true}, {"2 KB", 2000, true}, {"10B", 10, true},
		{"", 0, false}, {"-1", 0, false}, {"1TiB", 0, false}, {"lots", 0, false}, {"1.5MiB", 0, false},
	} {
		var s ByteSize
		err := s.UnmarshalText([]byte(tc.in))
		if (err == nil) != tc.ok || s != tc.want {
			t.Errorf("%q: got %d, %v", tc.in, s, err)
		}
	}
	var s ByteSize
	if err := s.UnmarshalTOML(int64(42)); err != nil || s != 42 {
		t.Errorf("toml int: %d %v", s, err)
	}
	for _, tc := range []struct {
		s    ByteSize
		want string
	}{{16 << 20, "16MiB"}, {64 << 10, "64KiB"}, {1000, "1000"}, {3 << 30, "3GiB"}} {
		if got := tc.s.String(); got != tc.want {
			t.Errorf("%d: %q", tc.s, got)
		}
	}
}

func TestDuration(t *testing.T) {
	var d Duration
	if err := d.UnmarshalText([]byte("1m30s")); err != nil || time.Duration(d) != 90*time.Second {
		t.Fatal(d, err)
	}
	if err := d.UnmarshalText([]byte("soon")); err == nil {
		t.Fatal("accepted soon")
	}
}
