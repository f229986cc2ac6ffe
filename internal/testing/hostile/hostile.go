// Package hostile attacks a live Engine.IO and Socket.IO server the way a
// broken or malicious client would, for tests of any package that serves
// one: malformed Engine.IO and Socket.IO packets over polling and
// WebSocket, binary packets whose attachments never all arrive, half-open
// and slow HTTP requests, upgrade abuse, abrupt disconnects in bulk and
// oversized payloads. The attacks use raw TCP, net/http and a raw
// WebSocket (Client), never a client library, so that the server sees the
// attack's exact bytes. Answers and SettleRSS then check that the server
// came through: it answers a new client within AnswerWithin and its
// memory returns near its baseline.
//
// An attack fails on what no server may do whatever its configuration:
// answer with a 5xx status, serve a polling request after an upgrade, or
// keep open a connection it must close. Every attack connection ends idle
// and, unless it tests a timeout that needs a live client, answers no
// heartbeat, so the server's timeouts (read timeout, ping interval plus
// ping timeout, attachment timeout) close it; an attack waits for that
// until its context ends, so its deadline must pass those timeouts.
package hostile

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// Attack is one kind of hostile client.
type Attack struct {
	// Name names the attack, for subtests.
	Name string
	// Run attacks t until done or ctx ends; connections it opened are
	// closed when it returns.
	Run func(ctx context.Context, t Target) error
}

// Attacks are every attack of the package.
var Attacks = []Attack{
	{"engine-polling", malformedPolling},
	{"engine-websocket", malformedWebSocket},
	{"socketio-packets", malformedSocketIO},
	{"partial-binary", partialBinary},
	{"slow-requests", slowAttack},
	{"upgrade-abuse", upgradeAbuse},
	{"abrupt-disconnects", abruptDisconnects},
	{"oversized", oversized},
}

// step is one case of an attack.
type step struct {
	name string
	run  func(ctx context.Context, c *Client) error
}

// runSteps runs the steps concurrently, as hostile clients arrive
// together, and joins their failures. Each step has a client of its own:
// steps sharing one would race for its idle connections, and net/http
// would dial connections no request uses.
func runSteps(ctx context.Context, t Target, steps []step) error {
	errs := make([]error, len(steps))
	var wg sync.WaitGroup
	for i, s := range steps {
		wg.Go(func() {
			c := NewClient(t)
			defer c.Close()
			if err := s.run(ctx, c); err != nil {
				errs[i] = fmt.Errorf("%s: %w", s.name, err)
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// answered fails on a server error.
func answered(r Response, err error) error {
	if err == nil && r.Status >= 500 {
		err = fmt.Errorf("answered %d %.100q", r.Status, r.Body)
	}
	return err
}
