package engineio

import (
	"net"
	"slices"
	"testing"
)

// TestConsume checks what a partial writev leaves, and that the frames the
// buffers share are never modified.
func TestConsume(t *testing.T) {
	a, b, c := []byte("abc"), []byte("de"), []byte("fghi")
	for _, tc := range []struct {
		n    int
		want []string
	}{
		{0, []string{"abc", "de", "fghi"}},
		{1, []string{"bc", "de", "fghi"}},
		{3, []string{"de", "fghi"}},
		{4, []string{"e", "fghi"}},
		{5, []string{"fghi"}},
		{8, []string{"i"}},
		{9, nil},
	} {
		v := net.Buffers{a, b, c}
		consume(&v, tc.n)
		var got []string
		for _, p := range v {
			got = append(got, string(p))
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("consume(%d) left %q, want %q", tc.n, got, tc.want)
		}
		if string(a) != "abc" || string(b) != "de" || string(c) != "fghi" {
			t.Fatalf("consume(%d) modified the frames", tc.n)
		}
	}
}
