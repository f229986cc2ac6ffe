package presence_test

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wasmio/wasmio/examples/internal/exampletest"
	"github.com/wasmio/wasmio/host"
	"github.com/wasmio/wasmio/internal/testing/nodetest"
	"github.com/wasmio/wasmio/wasmiotest"
)

const (
	ns    = "/presence"
	lease = time.Minute
)

// connect connects socket id of user, which joins the online room.
func connect(t *testing.T, k *wasmiotest.Kit, user, id string) (*wasmiotest.Socket, *wasmiotest.Result) {
	t.Helper()
	s, res := k.Connect(wasmiotest.Handshake{Auth: map[string]any{"userId": user}, ID: id})
	res.MustSucceed(t)
	if !slices.Equal(res.Joined, []string{"online"}) {
		t.Fatalf("joined %v", res.Joined)
	}
	return s, res
}

// wantStatus checks that res announced user online or offline, or nothing
// when want is "".
func wantStatus(t *testing.T, res *wasmiotest.Result, user, want string) {
	t.Helper()
	if want == "" {
		if len(res.Emits) != 0 {
			t.Fatalf("emits %v, want none", res.Emits)
		}
		return
	}
	e := exampletest.Emitted(t, res, "status", "namespace", nil, nil)
	nodetest.JSONEq(t, e.Args, `[{"userId":"`+user+`","online":`+strconv.FormatBool(want == "online")+`}]`)
}

// who returns the users of a who ack, like "ann:2 bob:1".
func who(t *testing.T, ack []byte) string {
	t.Helper()
	var v []struct {
		OK    bool
		Users []struct {
			UserID  string
			Sockets int
		}
	}
	nodetest.Args(t, ack, &v)
	if len(v) != 1 || !v[0].OK {
		t.Fatalf("who acked %s", ack)
	}
	var out []string
	for _, u := range v[0].Users {
		out = append(out, fmt.Sprintf("%s:%d", u.UserID, u.Sockets))
	}
	return strings.Join(out, " ")
}

// kitWho runs who for s on the kit, which must emit nothing.
func kitWho(t *testing.T, s *wasmiotest.Socket) string {
	t.Helper()
	res := s.EmitAck("who").MustSucceed(t)
	if len(res.Emits) != 0 {
		t.Fatalf("who emitted %v", res.Emits)
	}
	return who(t, res.Ack.Args)
}

// TestHandler runs every event on the real runtime. Each unit leaves no
// socket of its own counted.
func TestHandler(t *testing.T) {
	exampletest.RunUnits(t, &wasmiotest.Options{Namespace: ns},
		exampletest.Unit{Name: "sockets", Test: testSockets},
		exampletest.Unit{Name: "leases", Test: testLeases},
		exampletest.Unit{Name: "crash", Test: testCrash})
}

func testSockets(t *testing.T, k *wasmiotest.Kit) {
	for _, auth := range []map[string]any{nil, {"userId": ""}, {"userId": 7}, {"userId": strings.Repeat("u", 129)}} {
		if _, res := k.Connect(wasmiotest.Handshake{Auth: auth}); res.Rejection == nil ||
			res.Rejection.Message != "auth.userId is required: a string of 1 to 128 characters" {
			t.Fatalf("auth %v: %+v, want a rejection", auth, res)
		}
	}

	// Online with the first socket, offline with the last.
	ann1, res := connect(t, k, "ann", "a1")
	wantStatus(t, res, "ann", "online")
	end := strconv.FormatInt(k.Now().Add(lease).UnixMilli(), 10)
	if v, _ := k.Get("presence/3:ann/a1"); v != end {
		t.Fatalf("lease %q, want %s", v, end)
	}
	ann2, res := connect(t, k, "ann", "a2")
	wantStatus(t, res, "ann", "")
	bob, res := connect(t, k, "bob", "b1")
	wantStatus(t, res, "bob", "online")
	if got := kitWho(t, bob); got != "ann:2 bob:1" {
		t.Fatalf("who: %s", got)
	}
	wantStatus(t, ann1.Disconnect("transport close").MustSucceed(t), "ann", "")
	if got := kitWho(t, bob); got != "ann:1 bob:1" {
		t.Fatalf("who: %s", got)
	}
	wantStatus(t, ann2.Disconnect("").MustSucceed(t), "ann", "offline")
	if got := kitWho(t, bob); got != "bob:1" {
		t.Fatalf("who: %s", got)
	}
	if _, ok := k.Get("presence/3:ann/a2"); ok {
		t.Fatal("the last socket's entry survived")
	}

	// One user's id is a prefix of another's: their sockets stay apart.
	a, _ := connect(t, k, "a", "x1")
	ab, res := connect(t, k, "a/b", "x2")
	wantStatus(t, res, "a/b", "online")
	if got := kitWho(t, bob); got != "a:1 a/b:1 bob:1" {
		t.Fatalf("who: %s", got)
	}
	wantStatus(t, a.Disconnect("").MustSucceed(t), "a", "offline")
	wantStatus(t, ab.Disconnect("").MustSucceed(t), "a/b", "offline")
	wantStatus(t, bob.Disconnect("").MustSucceed(t), "bob", "offline")
}

func testLeases(t *testing.T, k *wasmiotest.Kit) {
	ann, _ := connect(t, k, "ann", "l1")
	bob, _ := connect(t, k, "bob", "l2")

	// A heartbeat renews the lease and announces nothing.
	k.Advance(lease - time.Second)
	res := ann.EmitAck("heartbeat").MustSucceed(t)
	wantStatus(t, res, "ann", "")
	nodetest.JSONEq(t, res.Ack.Args, `[{"ok":true,"leaseMs":60000}]`)
	if v, _ := k.Get("presence/3:ann/l1"); v != strconv.FormatInt(k.Now().Add(lease).UnixMilli(), 10) {
		t.Fatalf("renewed lease %q", v)
	}

	// bob's lease ends: he no longer counts, and who drops his entry.
	k.Advance(time.Second)
	if got := kitWho(t, ann); got != "ann:1" {
		t.Fatalf("who: %s", got)
	}
	if _, ok := k.Get("presence/3:bob/l2"); ok {
		t.Fatal("who kept an ended lease")
	}
	// His next heartbeat brings him back.
	wantStatus(t, bob.Emit("heartbeat").MustSucceed(t), "bob", "online")
	if got := kitWho(t, ann); got != "ann:1 bob:1" {
		t.Fatalf("who: %s", got)
	}
	ann.Disconnect("")
	bob.Disconnect("")
}

// testCrash is a crash as the store sees it: sockets that never run
// $disconnect, and new ones after the restart. The dead sockets count
// until their leases end, then they are swept.
func testCrash(t *testing.T, k *wasmiotest.Kit) {
	connect(t, k, "ann", "c1")
	connect(t, k, "bob", "c2")
	// The host crashes and restarts; new sockets connect.
	k.Advance(time.Second)
	cat, res := connect(t, k, "cat", "c3")
	wantStatus(t, res, "cat", "online")
	if got := kitWho(t, cat); got != "ann:1 bob:1 cat:1" {
		t.Fatalf("who within the dead sockets' leases: %s", got)
	}
	k.Advance(lease)
	ann, res := connect(t, k, "ann", "c4")
	wantStatus(t, res, "ann", "online") // her dead socket no longer counts
	if _, ok := k.Get("presence/3:ann/c1"); ok {
		t.Fatal("the dead socket's entry survived her reconnection")
	}
	if got := kitWho(t, ann); got != "ann:1" { // cat did not heartbeat either
		t.Fatalf("who after the leases ended: %s", got)
	}
	if _, ok := k.Get("presence/3:bob/c2"); ok {
		t.Fatal("who kept a dead socket's entry")
	}
}

// TestEndToEnd runs presence on a real host with real clients on mixed
// transports: users with several sockets connecting and leaving all at
// once, leases on the host's clock, and a restart.
func TestEndToEnd(t *testing.T) {
	exampletest.Run(t, func(t *testing.T, b exampletest.Build) {
		clock := exampletest.NewClock(time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC))
		srv := exampletest.Serve(t, b, &host.Options{Clock: clock.Now})
		d := nodetest.Start(t)
		url := srv.URL + ns
		status := func(user string, online bool) string {
			return `[{"userId":"` + user + `","online":` + strconv.FormatBool(online) + `}]`
		}

		obs, _ := exampletest.Connect(t, d, url, 0, map[string]any{"userId": "obs"})
		nodetest.JSONEq(t, obs.Event("status").Args, status("obs", true))
		anon := d.Connect(url, map[string]any{"transports": exampletest.Transport(1)})
		if m := anon.Outcome(); m.Ev != "connect_error" || !strings.HasPrefix(m.Message, "auth.userId is required") {
			t.Fatalf("without a userId: %v", m)
		}

		// Three users with four sockets each connect all at once: each user
		// is announced online exactly once.
		users := []string{"ann", "bob", "cat"}
		var socks []*nodetest.Client
		for i := 0; i < 4*len(users); i++ {
			socks = append(socks, d.Connect(url, map[string]any{"transports": exampletest.Transport(i), "auth": map[string]any{"userId": users[i%len(users)]}}))
		}
		for _, c := range socks {
			c.Connected()
			// Events of a socket run after its $connect's effects are
			// applied: once acked, its status (if any) is on its way to obs.
			c.EmitAck("heartbeat")
		}
		if got := who(t, obs.EmitAck("who")); got != "ann:4 bob:4 cat:4 obs:1" {
			t.Fatalf("who: %s", got)
		}
		var announced []string
		for range users {
			var st []struct{ UserID string }
			nodetest.Args(t, obs.Event("status").Args, &st)
			announced = append(announced, st[0].UserID)
		}
		slices.Sort(announced)
		if !slices.Equal(announced, users) {
			t.Fatalf("announced online: %v", announced)
		}
		exampletest.NoEvents(t, obs)

		// All of them leave at once: each user goes offline exactly once,
		// when their last socket's $disconnect commits.
		for _, c := range socks {
			c.Disconnect()
		}
		var left []string
		for range users {
			var st []struct {
				UserID string
				Online bool
			}
			nodetest.Args(t, obs.Event("status").Args, &st)
			if st[0].Online {
				t.Fatalf("status %+v while leaving", st)
			}
			left = append(left, st[0].UserID)
		}
		slices.Sort(left)
		if !slices.Equal(left, users) {
			t.Fatalf("announced offline: %v", left)
		}
		if got := who(t, obs.EmitAck("who")); got != "obs:1" {
			t.Fatalf("who after everyone left: %s", got)
		}
		exampletest.NoEvents(t, obs)

		// Leases run on the host's clock: dan heartbeats, obs does not.
		dan, _ := exampletest.Connect(t, d, url, 1, map[string]any{"userId": "dan"})
		for _, c := range []*nodetest.Client{obs, dan} {
			nodetest.JSONEq(t, c.Event("status").Args, status("dan", true))
		}
		clock.Advance(lease - 15*time.Second)
		nodetest.JSONEq(t, dan.EmitAck("heartbeat"), `[{"ok":true,"leaseMs":60000}]`)
		clock.Advance(30 * time.Second)
		if got := who(t, dan.EmitAck("who")); got != "dan:1" {
			t.Fatalf("who after obs's lease ended: %s", got)
		}
		nodetest.JSONEq(t, obs.EmitAck("heartbeat"), `[{"ok":true,"leaseMs":60000}]`)
		for _, c := range []*nodetest.Client{obs, dan} {
			nodetest.JSONEq(t, c.Event("status").Args, status("obs", true))
		}

		// After a restart nobody is left online once the leases have run:
		// the host's shutdown should have run obs's and dan's $disconnect,
		// but it may skip some (README.md, "Restarts and crashes"), and
		// then their leases end as after a crash.
		srv.Restart()
		clock.Advance(lease)
		eve, _ := exampletest.Connect(t, d, srv.URL+ns, 2, map[string]any{"userId": "eve"})
		if got := who(t, eve.EmitAck("who")); got != "eve:1" {
			t.Fatalf("who after a restart: %s", got)
		}
	})
}
