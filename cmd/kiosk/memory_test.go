package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"math"
	"runtime"
	"runtime/debug"
	"testing"
	"time"

	"lambtrace/store"
	"lambtrace/upload/sign"
)

func TestMemoryLimitDefault(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(before) })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))

	t.Setenv("GOMEMLIMIT", "")
	applyMemoryLimit(log)
	if got := debug.SetMemoryLimit(-1); got != defaultMemoryLimit {
		t.Errorf("limit without GOMEMLIMIT = %d, want %d", got, defaultMemoryLimit)
	}

	debug.SetMemoryLimit(before)
	t.Setenv("GOMEMLIMIT", "off")
	applyMemoryLimit(log)
	if got := debug.SetMemoryLimit(-1); got != before {
		t.Errorf("limit with GOMEMLIMIT set = %d, want the runtime's %d", got, before)
	}
}

// kioskLiveHeap is about the kiosk's live Go heap after the sample day, 34 MB
// in the "memory after the simulated day" log line under Xvfb.
const kioskLiveHeap = 35 << 20

// BenchmarkArgon2UnderMemoryLimit measures a PIN check and an inspector
// signature, each of which allocates 64 MiB for Argon2id, with a live heap
// the size of the kiosk's after a shift, once without a memory limit and
// once under the kiosk's. It reports the garbage collections per
// operation, so that a limit too low to hold the Argon2id memory shows as
// many collections and a slower operation.
func BenchmarkArgon2UnderMemoryLimit(b *testing.B) {
	ctx := context.Background()
	db, err := store.Open(ctx, b.TempDir(), store.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	vet := store.User{ID: "vet", Name: "Vet", Role: store.RoleVet, Active: true}
	if err := db.Update(ctx, store.System, func(tx *store.Tx) error { return tx.CreateUser(vet) }); err != nil {
		b.Fatal(err)
	}
	if err := db.SetPIN(ctx, store.System, vet.ID, demoVetPIN); err != nil {
		b.Fatal(err)
	}
	pair, err := sign.GenerateKey(sign.RoleInspector, sign.Ed25519, []byte(demoVetPIN))
	if err != nil {
		b.Fatal(err)
	}
	key, err := sign.ParsePrivateKey(pair.PrivatePEM)
	if err != nil {
		b.Fatal(err)
	}
	payload := bytes.Repeat([]byte("lambtrace "), 500_000)

	ballast := make([]byte, kioskLiveHeap)
	for i := range ballast {
		ballast[i] = byte(i)
	}
	before := debug.SetMemoryLimit(-1)
	defer debug.SetMemoryLimit(before)

	for _, limit := range []struct {
		name  string
		bytes int64
	}{{"limit=none", math.MaxInt64}, {"limit=kiosk", defaultMemoryLimit}} {
		debug.SetMemoryLimit(limit.bytes)
		b.Run(limit.name+"/CheckPIN", func(b *testing.B) {
			measureGC(b, func() {
				if _, err := db.CheckPIN(ctx, vet.ID, demoVetPIN); err != nil {
					b.Fatal(err)
				}
			})
		})
		b.Run(limit.name+"/SignInspector", func(b *testing.B) {
			measureGC(b, func() {
				if _, err := sign.Sign(payload, time.Now(), sign.Signer{Key: key, PIN: []byte(demoVetPIN)}); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
	runtime.KeepAlive(ballast)
}

// measureGC runs op b.N times and reports the garbage collections per run.
func measureGC(b *testing.B, op func()) {
	var start, end runtime.MemStats
	runtime.ReadMemStats(&start)
	for b.Loop() {
		op()
	}
	runtime.ReadMemStats(&end)
	b.ReportMetric(float64(end.NumGC-start.NumGC)/float64(b.N), "gc/op")
}
