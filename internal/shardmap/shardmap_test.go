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

func TestUpdateView(t *testing.T) {
	m := New[[]int]()
	push := func(k string, v int) {
		m.Update(k, func(old []int, _ bool) ([]int, bool) { return append(old, v), true })
	}
	pop := func(k string) {
		m.Update(k, func(old []int, ok bool) ([]int, bool) {
			if !ok {
				t.Fatalf("pop of absent %q", k)
			}
			return old[1:], len(old) > 1
		})
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 100 {
				push(fmt.Sprint("k", g), i)
			}
		}()
	}
	wg.Wait()
	if m.Len() != 8 {
		t.Fatalf("len %d", m.Len())
	}
	var n int
	if !m.View("k3", func(v []int) { n = len(v) }) || n != 100 {
		t.Fatalf("view: %d", n)
	}
	if m.View("nope", func([]int) { t.Fatal("called for an absent key") }) {
		t.Fatal("absent key seen")
	}
	for range 100 {
		pop("k3")
	}
	if _, ok := m.Get("k3"); ok || m.Len() != 7 {
		t.Fatalf("k3 still there, len %d", m.Len())
	}
	m.Update("gone", func(v []int, ok bool) ([]int, bool) { return nil, false }) // absent stays absent
	keys := m.AppendKeys(nil)
	sort.Strings(keys)
	if len(keys) != 7 || keys[0] != "k0" || m.Len() != 7 {
		t.Fatalf("keys %v len %d", keys, m.Len())
	}
}
