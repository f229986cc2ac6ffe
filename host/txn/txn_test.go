package txn_test

import (
	"bytes"
	"errors"
	"path/filepath"
	"slices"
	"testing"

	"github.com/wasmio/wasmio/abi"
	"github.com/wasmio/wasmio/host/sandbox"
	"github.com/wasmio/wasmio/host/txn"
	"github.com/wasmio/wasmio/kv"
)

func TestApplyOrder(t *testing.T) {
	op := func(k sandbox.OpKind, room string) sandbox.Op { return sandbox.Op{Kind: k, Room: room} }
	for _, tc := range []struct {
		name string
		eff  sandbox.Effects
		want []string
	}{
		{"as made", sandbox.Effects{Ops: []sandbox.Op{op(sandbox.OpJoin, "a"), op(sandbox.OpEmit, ""), op(sandbox.OpLeave, "a")}},
			[]string{"join a", "emit ", "leave a"}},
		{"a disconnect last", sandbox.Effects{Ops: []sandbox.Op{op(sandbox.OpDisconnect, ""), op(sandbox.OpEmit, ""), op(sandbox.OpAck, "")}},
			[]string{"emit ", "ack ", "disconnect "}},
		{"a rejection applies nothing", sandbox.Effects{Ops: []sandbox.Op{op(sandbox.OpJoin, "a")}, Reject: &sandbox.Rejection{Message: "no"}},
			nil},
	} {
		var got []string
		txn.Apply(&tc.eff, func(op *sandbox.Op) { got = append(got, op.Kind.String()+" "+op.Room) })
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestScopeLayout(t *testing.T) {
	store, err := kv.Open(filepath.Join(t.TempDir(), "kv.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	tx := store.Begin()
	for _, s := range []txn.Scope{{tx, "/a", "s1"}, {tx, "/a", "s2"}, {tx, "/b", "s1"}} {
		for _, scope := range []int32{abi.ScopeNamespace, abi.ScopeSocket} {
			if err := s.Put(scope, []byte("k"), []byte(s.Namespace+" "+s.SocketID)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := store.Commit(tx); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		ns, sid string
		scope   int32
		want    string
	}{
		{"/a", "s1", abi.ScopeSocket, "/a s1"},
		{"/a", "s2", abi.ScopeSocket, "/a s2"},
		{"/b", "s1", abi.ScopeSocket, "/b s1"},
		{"/a", "", abi.ScopeNamespace, "/a s2"}, // the last writer of /a's key
		{"/b", "", abi.ScopeNamespace, "/b s1"},
	} {
		if v, ok, err := txn.Read(store, tc.ns, tc.sid, tc.scope, []byte("k")); err != nil || !ok || string(v) != tc.want {
			t.Errorf("%s %s scope %d: %q %v %v, want %q", tc.ns, tc.sid, tc.scope, v, ok, err, tc.want)
		}
	}
	// Listed keys are relative to the scope.
	entries, err := txn.Scope{Txn: store.Begin(), Namespace: "/a", SocketID: "s1"}.List(abi.ScopeSocket, nil, 0)
	if err != nil || len(entries) != 1 || !bytes.Equal(entries[0].Key, []byte("k")) {
		t.Fatalf("list %v %v", entries, err)
	}
	// Every socket scope is under SocketsPrefix, and one drops alone.
	if err := (&txn.Runner{Store: store}).DropSocket(t.Context(), "/a", "s1"); err != nil {
		t.Fatal(err)
	}
	all, err := store.Begin().List(txn.SocketsPrefix(), 0)
	if err != nil || len(all) != 2 {
		t.Fatalf("socket keys left %v %v", all, err)
	}
	for _, bad := range []struct {
		scope int32
		key   string
		err   error
	}{{2, "k", txn.ErrScope}, {abi.ScopeSocket, "", kv.ErrEmptyKey}} {
		if _, _, err := txn.Read(store, "/a", "s1", bad.scope, []byte(bad.key)); !errors.Is(err, bad.err) {
			t.Errorf("scope %d key %q: %v, want %v", bad.scope, bad.key, err, bad.err)
		}
	}
}
