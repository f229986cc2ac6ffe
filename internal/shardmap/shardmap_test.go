package shardmap

import (
	"fmt"
	"sort"
	"sync"
	"testing"
)

func TestMap(t *testing.T) {
	m := New[int]()
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 500; i++ {
				m.Set(fmt.Sprint(g, "-", i), i)
			}
			for i := 0; i < 500; i += 2 {
				if !m.Delete(fmt.Sprint(g, "-", i)) {
					t.Errorf("%d-%d missing", g, i)
				}
			}
		}()
	}
	wg.Wait()
	if m.Len() != 8*250 {
		t.Fatalf("len %d", m.Len())
	}
	m.Set("0-1", 42) // replacing does not count twice
	if v, ok := m.Get("0-1"); !ok || v != 42 || m.Len() != 2000 {
		t.Fatalf("get %d %v len %d", v, ok, m.Len())
	}
	if m.Delete("nope") {
		t.Fatal("deleted a missing key")
	}
	vals := m.AppendValues(nil)
	sort.Ints(vals)
	if len(vals) != 2000 || vals[len(vals)-1] != 499 {
		t.Fatalf("values %d", len(vals))
	}
}
