// Package units holds the config value types shared by wasmio's TOML
// configuration: durations like "1s" and byte sizes like "16MiB".
package units

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Duration is a time.Duration written as "1s", "250ms" or "1m30s".
type Duration time.Duration

// UnmarshalText parses a Go duration string.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("%q is not a duration like \"1s\" or \"250ms\"", b)
	}
	*d = Duration(v)
	return nil
}

// MarshalText writes d as a Go duration string.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// String returns d as a Go duration string.
func (d Duration) String() string { return time.Duration(d).String() }

// ByteSize is a size in bytes, written as a plain integer or with a unit:
// "64KiB", "16MiB", "1GiB" (powers of 1024) or "1KB", "1MB", "1GB" (powers
// of 1000).
type ByteSize int64

var byteUnits = []struct {
	suffix string
	mult   int64
}{
	{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30},
	{"KB", 1000}, {"MB", 1000 * 1000}, {"GB", 1000 * 1000 * 1000}, {"B", 1},
}

// UnmarshalText parses a size with an optional unit.
func (s *ByteSize) UnmarshalText(b []byte) error {
	t := strings.TrimSpace(string(b))
	mult := int64(1)
	for _, u := range byteUnits {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n < 0 || n > (1<<62)/mult {
		return fmt.Errorf("%q is not a size like 65536, \"64KiB\" or \"16MiB\"", b)
	}
	*s = ByteSize(n * mult)
	return nil
}

// UnmarshalTOML accepts a TOML integer as well as a string.
func (s *ByteSize) UnmarshalTOML(v any) error {
	switch x := v.(type) {
	case int64:
		if x < 0 {
			return fmt.Errorf("%d is negative", x)
		}
		*s = ByteSize(x)
		return nil
	case string:
		return s.UnmarshalText([]byte(x))
	}
	return fmt.Errorf("%v is not a size", v)
}

// String writes s with the largest binary unit that divides it.
func (s ByteSize) String() string {
	for _, u := range byteUnits[:3] {
		if s != 0 && int64(s)%u.mult == 0 && (u.suffix == "GiB" || int64(s)%(u.mult<<10) != 0) {
			return strconv.FormatInt(int64(s)/u.mult, 10) + u.suffix
		}
	}
	return strconv.FormatInt(int64(s), 10)
}
