package host_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wasmio/wasmio/host"
	"github.com/wasmio/wasmio/host/config"
	"github.com/wasmio/wasmio/internal/testing/hostile"
	"github.com/wasmio/wasmio/internal/testing/hosttest"
	"github.com/wasmio/wasmio/internal/testing/wat"
	"github.com/wasmio/wasmio/internal/units"
)

// TestHostile runs every hostile client at once against a real host with
// short timeouts, then checks that the host came through: nothing
// panicked, a new client is answered within a second, every session and
// handler job is gone, and resident memory is back near its baseline.
func TestHostile(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "d.wasm"), wat.Build(t, filepath.Join("testdata", "disconnects.wat")), 0o644); err != nil {
		t.Fatal(err)
	}
	ms := func(n int) units.Duration { return units.Duration(time.Duration(n) * time.Millisecond) }
	cfg := &config.Config{
		// An idle attack connection is closed within about a second, also
		// under the race detector with the attacks' large payloads in flight;
		// a CONNECT may wait for $connect runs queued behind a hundred others.
		Engine: config.Engine{PingInterval: ms(500), PingTimeout: ms(500), ReadTimeout: ms(1000),
			AttachmentTimeout: ms(1000), ConnectTimeout: ms(5000)},
		Namespaces: []config.Namespace{{Path: "/", Module: "d.wasm"}},
	}
	errs := &hostile.ErrorLog{}
	r := hosttest.Start(t, cfg, dir, &host.Options{Logger: errs.Logger()})
	target := hostile.Target{URL: r.URL}
	// A first client, so that the baseline includes what serving one takes.
	if err := hostile.Answers(t.Context(), target); err != nil {
		t.Fatal(err)
	}
	baseline, err := hostile.RSS(0)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("attacks", func(t *testing.T) {
		for _, a := range hostile.Attacks {
			t.Run(a.Name, func(t *testing.T) {
				t.Parallel()
				ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
				defer cancel()
				if err := a.Run(ctx, target); err != nil {
					t.Error(err)
				}
			})
		}
	})

	if err := hostile.Answers(t.Context(), target); err != nil {
		t.Error(err)
	}
	eng := r.Host.Server().Engine()
	deadline := time.Now().Add(5 * time.Second)
	for eng.Len() > 0 || r.Host.QueuedJobs() > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d sessions and %d handler jobs are left after the attacks", eng.Len(), r.Host.QueuedJobs())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if hostile.RaceDetector {
		t.Log("resident memory is not checked under the race detector")
	} else {
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		rss, err := hostile.SettleRSS(ctx, 0, baseline, hostile.SelfRSSBound)
		t.Logf("resident memory: %d MiB before the attacks, %d MiB after", baseline>>20, rss>>20)
		if err != nil {
			t.Error(err)
		}
	}
	for _, line := range errs.Take() {
		if strings.Contains(strings.ToLower(line), "panic") {
			t.Errorf("the host logged a panic: %s", line)
		} else {
			t.Logf("the host logged an error: %s", line)
		}
	}
}
