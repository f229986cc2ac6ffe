package kv_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"sync"

	"github.com/wasmio/wasmio/kv"
)

// openExample opens a store in a fresh temporary directory and returns it with
// a cleanup function.
func openExample() (*kv.Store, func()) {
	dir, err := os.MkdirTemp("", "kv-example")
	if err != nil {
		log.Fatal(err)
	}
	s, err := kv.Open(filepath.Join(dir, "kv.db"), nil)
	if err != nil {
		log.Fatal(err)
	}
	return s, func() {
		s.Close()
		os.RemoveAll(dir)
	}
}

// Concurrent handlers increment one counter; Update re-runs each on conflict,
// so no increment is lost.
func ExampleStore_Update() {
	s, cleanup := openExample()
	defer cleanup()

	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			err := s.Update(context.Background(), func(tx *kv.Txn) error {
				_, err := tx.Incr([]byte("room/lobby/visits"), 1)
				return err
			})
			if err != nil {
				log.Fatal(err)
			}
		})
	}
	wg.Wait()

	v, _, err := s.Begin().Get([]byte("room/lobby/visits"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("visits: %s\n", v)
	// Output: visits: 10
}

// CompareAndSwap claims a name only if nobody holds it.
func ExampleTxn_CompareAndSwap() {
	s, cleanup := openExample()
	defer cleanup()

	claim := func(socket string) bool {
		var won bool
		err := s.Update(context.Background(), func(tx *kv.Txn) error {
			var err error
			won, err = tx.CompareAndSwap([]byte("nick/alice"), nil, []byte(socket))
			return err
		})
		if err != nil {
			log.Fatal(err)
		}
		return won
	}
	fmt.Println("sock1 claims alice:", claim("sock1"))
	fmt.Println("sock2 claims alice:", claim("sock2"))

	owner, _, _ := s.Begin().Get([]byte("nick/alice"))
	fmt.Printf("owner: %s\n", owner)
	// Output:
	// sock1 claims alice: true
	// sock2 claims alice: false
	// owner: sock1
}
