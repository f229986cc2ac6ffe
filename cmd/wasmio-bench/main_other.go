//go:build !linux

package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "wasmio-bench: Linux only (epoll, /proc, taskset)")
	os.Exit(2)
}
