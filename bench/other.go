//go:build !linux

package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
)

var errLinuxOnly = errors.New("bench: the load generator and the driver need Linux (epoll, timerfd, /proc, taskset)")

// Main runs the benchmark; Linux only.
func Main(ctx context.Context, opt Options) error { return errLinuxOnly }

// LoadMain runs one load generator scenario; Linux only.
func LoadMain(specJSON string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, errLinuxOnly)
	return 2
}
