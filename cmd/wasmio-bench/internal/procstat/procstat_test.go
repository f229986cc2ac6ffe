package procstat

import (
	"os"
	"testing"
	"time"
)

func TestParseProcStat(t *testing.T) {
	// A command name with spaces and parentheses, as proc(5) allows.
	line := "4242 (my (odd) prog) S 1 4242 4242 0 -1 4194560 1234 0 0 0 250 75 0 0 20 0 7 0 100 123456789 3000 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n"
	st, err := parseProcStat([]byte(line), 4096)
	if err != nil {
		t.Fatal(err)
	}
	if st.CPU != 325*clockTick || st.Threads != 7 || st.RSS != 3000*4096 {
		t.Errorf("%+v", st)
	}
	for _, bad := range []string{"", "1 (x) S 1 2 3", "1 (x) S 1 2 3 4 5 6 7 8 9 10 x 12 13 14 15 16 17 18 19 20 21 22 23"} {
		if _, err := parseProcStat([]byte(bad), 4096); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestReadProcStatSelf(t *testing.T) {
	a, err := Read(os.Getpid())
	if err != nil {
		t.Skip("no /proc:", err)
	}
	// Burn some CPU: the reading must not go backwards, and RSS is real.
	end := time.Now().Add(30 * time.Millisecond)
	for time.Now().Before(end) {
	}
	b, err := Read(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if b.CPU < a.CPU || b.RSS <= 0 || b.Threads < 1 {
		t.Errorf("before %+v after %+v", a, b)
	}
}

func TestParseCPUBusy(t *testing.T) {
	stat := []byte("cpu  10 0 10 100 0 0 0 0 0 0\ncpu0 1 2 3 400 5 6 7 8 0 0\ncpu1 10 20 30 40 50 60 70 80 0 0\nintr 1\n")
	if v, idle, ok := parseCPUBusy(stat, "cpu0 "); !ok || v != (1+2+3+6+7+8)*clockTick || idle != (400+5)*clockTick {
		t.Errorf("cpu0: %v %v %v", v, idle, ok)
	}
	if v, idle, ok := parseCPUBusy(stat, "cpu1 "); !ok || v != (10+20+30+60+70+80)*clockTick || idle != (40+50)*clockTick {
		t.Errorf("cpu1: %v %v %v", v, idle, ok)
	}
	if v, idle, ok := parseCPUBusy(stat, "cpu "); !ok || v != 20*clockTick || idle != 100*clockTick {
		t.Errorf("cpu: %v %v %v", v, idle, ok)
	}
	if _, _, ok := parseCPUBusy(stat, "cpu7 "); ok {
		t.Error("cpu7 found")
	}
}
