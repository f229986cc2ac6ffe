// Package procstat reads what the benchmark measures from /proc: a
// process's CPU time, memory and threads, and how busy the CPUs are.
package procstat

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"
)

// clockTick is the unit of utime and stime in /proc/<pid>/stat: USER_HZ,
// which is 100 on every Linux architecture Go supports.
const clockTick = 10 * time.Millisecond

// Stat is what the benchmark reads from /proc/<pid>/stat.
type Stat struct {
	// CPU is user plus system time of every thread, with a resolution of
	// one clock tick (10 ms).
	CPU time.Duration
	// RSS is the resident set size in bytes.
	RSS int64
	// Threads is the number of threads.
	Threads int
}

var pageSize = int64(os.Getpagesize())

// Read reads /proc/<pid>/stat.
func Read(pid int) (Stat, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return Stat{}, err
	}
	return parseProcStat(b, pageSize)
}

// parseProcStat parses the contents of /proc/<pid>/stat (see proc(5)). The
// command name (field 2) is in parentheses and may itself hold spaces and
// parentheses, so fields are counted from the last ')'.
func parseProcStat(b []byte, pageSize int64) (Stat, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return Stat{}, errors.New("bench: /proc/<pid>/stat: no command name")
	}
	f := bytes.Fields(b[i+1:])
	// f[0] is field 3 (state): field k is f[k-3].
	const utime, stime, threads, rss = 14, 15, 20, 24
	if len(f) < rss-2 {
		return Stat{}, fmt.Errorf("bench: /proc/<pid>/stat: %d fields", len(f)+2)
	}
	num := func(k int) (int64, error) {
		v, err := strconv.ParseInt(string(f[k-3]), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("bench: /proc/<pid>/stat field %d: %v", k, err)
		}
		return v, nil
	}
	var vals [4]int64
	for j, k := range []int{utime, stime, threads, rss} {
		v, err := num(k)
		if err != nil {
			return Stat{}, err
		}
		vals[j] = v
	}
	return Stat{
		CPU:     time.Duration(vals[0]+vals[1]) * clockTick,
		Threads: int(vals[2]),
		RSS:     vals[3] * pageSize,
	}, nil
}

// CPUTime is a CPU's (or all CPUs') busy and idle time since boot.
type CPUTime struct{ Busy, Idle time.Duration }

// CPUs reads /proc/stat once and returns the times of the lines starting
// with each prefix ("cpu0 ", or "cpu " for all CPUs); a line it cannot read
// is zero.
func CPUs(prefixes ...string) []CPUTime {
	out := make([]CPUTime, len(prefixes))
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return out
	}
	for i, p := range prefixes {
		out[i].Busy, out[i].Idle, _ = parseCPUBusy(b, p)
	}
	return out
}

// parseCPUBusy returns the busy time (user, nice, system, irq, softirq,
// steal) and the idle time (idle, iowait) of the /proc/stat line starting
// with prefix ("cpu0 ", or "cpu " for all CPUs).
func parseCPUBusy(stat []byte, prefix string) (busy, idle time.Duration, ok bool) {
	for len(stat) > 0 {
		var line []byte
		line, stat, _ = bytes.Cut(stat, []byte("\n"))
		if !bytes.HasPrefix(line, []byte(prefix)) {
			continue
		}
		f := bytes.Fields(line[len(prefix):])
		if len(f) < 8 {
			return 0, 0, false
		}
		var v [8]int64
		for i := range v {
			n, err := strconv.ParseInt(string(f[i]), 10, 64)
			if err != nil {
				return 0, 0, false
			}
			v[i] = n
		}
		busy = time.Duration(v[0]+v[1]+v[2]+v[5]+v[6]+v[7]) * clockTick
		return busy, time.Duration(v[3]+v[4]) * clockTick, true
	}
	return 0, 0, false
}
