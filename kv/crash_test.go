package kv

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// crashChildEnv, when set, turns the test binary into the crash test's child:
// a writer that runs against the store file named by the variable until it
// is killed.
const crashChildEnv = "KV_CRASH_CHILD_DB"

func TestMain(m *testing.M) {
	if path := os.Getenv(crashChildEnv); path != "" {
		crashChild(path)
	}
	os.Exit(m.Run())
}

// crashValue is the value the child writes for key number i; varying sizes
// make commits touch several pages.
func crashValue(i int) string {
	return fmt.Sprintf("value-%d-%s", i, strings.Repeat("x", i%300))
}

func crashKey(i int) string {
	return fmt.Sprintf("k%08d", i)
}

// crashChild commits Put(key_i, value_i) from concurrent writers and prints
// "ack <i>" after each successful Commit, forever.
func crashChild(path string) {
	s, err := Open(path, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var next atomic.Int64
	for range 16 {
		go func() {
			for {
				i := int(next.Add(1))
				tx := s.Begin()
				if err := tx.Put([]byte(crashKey(i)), []byte(crashValue(i))); err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(2)
				}
				if err := s.Commit(tx); err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(2)
				}
				// os.Stdout is unbuffered and one short write to a pipe is
				// atomic, so each ack leaves as a whole line, after the fsync.
				os.Stdout.WriteString("ack " + strconv.Itoa(i) + "\n")
			}
		}()
	}
	select {}
}

// TestCrashDurability SIGKILLs a child process in the middle of concurrent
// commits and checks that every commit it acknowledged survived.
func TestCrashDurability(t *testing.T) {
	path := filepath.Join(t.TempDir(), "crash.db")
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), crashChildEnv+"="+path)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}

	var (
		acked    []int
		badLine  string
		first    = make(chan struct{})
		readDone = make(chan struct{})
		once     sync.Once
	)
	go func() {
		defer close(readDone)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			n, err := strconv.Atoi(strings.TrimPrefix(sc.Text(), "ack "))
			if err != nil {
				badLine = sc.Text()
				continue
			}
			acked = append(acked, n)
			once.Do(func() { close(first) })
		}
	}()
	select {
	case <-first:
		time.Sleep(300 * time.Millisecond)
	case <-time.After(10 * time.Second):
		t.Error("child acknowledged nothing within 10s")
	case <-readDone:
		t.Error("child stopped before acknowledging anything")
	}
	cmd.Process.Kill() // SIGKILL on Unix; a child that already died is caught below
	<-readDone         // acks still in the pipe were written after their commit
	cmd.Wait()
	if t.Failed() || cmd.ProcessState.Exited() || badLine != "" {
		t.Fatalf("child did not run until killed: %v, bad line %q, stderr:\n%s", cmd.ProcessState, badLine, stderr.Bytes())
	}

	s := openTest(t, path)
	err = s.db.View(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			t.Errorf("bbolt check: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	tx := s.Begin()
	for _, i := range acked {
		v, ok, err := tx.Get([]byte(crashKey(i)))
		if err != nil || !ok || string(v) != crashValue(i) {
			t.Fatalf("acknowledged key %d: got %.20q, %v, %v", i, v, ok, err)
		}
	}
	seed(t, s, "after-crash", "writable")
	t.Logf("%d acknowledged commits survived SIGKILL", len(acked))
}
