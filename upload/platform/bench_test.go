package platform_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"
	"time"

	"lambtrace/line"
	"lambtrace/upload"
	"lambtrace/upload/platform"
)

// BenchmarkVerifyIngest measures what the platform does with a full
// batch of 400 carcasses and 5,000 packs: read the body, verify both
// signatures, parse the document, validate its EPCIS part against the
// official schema, repeat the station's checks, compare it with the
// batches received before and store it with its pack views. Each
// iteration stores into a new, empty database, opened outside the timer.
func BenchmarkVerifyIngest(b *testing.B) {
	k := mustTestKeys(b)
	doc := buildBatch(b, batchSpec{batch: line.BatchID{Day: line.DateOf(shift), Line: 1, Shift: 1},
		animals: syntheticAnimals(0, 400), totalPacks: 5000})
	if len(doc.Carcasses) != 400 || len(doc.Packs) != 5000 {
		b.Fatalf("generated %d carcasses and %d packs", len(doc.Carcasses), len(doc.Packs))
	}
	body := mustSign(b, k, doc)
	cfg := platformConfig(b)
	cfg.Logger = quietLogger

	var cpu cpuMeter
	for b.Loop() {
		b.StopTimer()
		cfg.DataDir = b.TempDir()
		s, err := platform.Open(context.Background(), cfg)
		if err != nil {
			b.Fatal(err)
		}
		req := httptest.NewRequest(http.MethodPost, upload.BatchesPath, bytes.NewReader(body))
		req.Header.Set("Content-Type", upload.ContentTypeJWS)
		rec := httptest.NewRecorder()
		handler := s.Handler()
		cpu.start()
		b.StartTimer()

		handler.ServeHTTP(rec, req)

		b.StopTimer()
		cpu.stop()
		if rec.Code != http.StatusCreated {
			b.Fatalf("status %d: %s", rec.Code, rec.Body.Bytes()[:min(rec.Body.Len(), 2000)])
		}
		s.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(len(body)), "doc_bytes")
	cpu.report(b)
}

// BenchmarkVerifyIngestAfterBatches is BenchmarkVerifyIngest into a
// database that holds 8 earlier batches of the same size, 40,000 packs
// and 3,200 ear tags, so the uniqueness checks search real indexes. Each
// iteration ingests a new batch with its own serials and ear tags, built
// and signed outside the timer.
func BenchmarkVerifyIngestAfterBatches(b *testing.B) {
	const earlier = 8
	k := mustTestKeys(b)
	cfg := platformConfig(b)
	cfg.Logger = quietLogger
	s, err := platform.Open(context.Background(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	handler := s.Handler()
	day := line.DateOf(shift)
	batchN := 0
	nextBody := func() []byte {
		batchN++
		doc := buildBatch(b, batchSpec{
			batch:   line.BatchID{Day: day.AddDays(batchN / 9), Line: 1 + batchN%9/3, Shift: 1 + batchN%3},
			animals: syntheticAnimals(batchN, 400), totalPacks: 5000, firstPack: int64(batchN) * 10000,
		})
		return mustSign(b, k, doc)
	}
	ingest := func(body []byte) {
		req := httptest.NewRequest(http.MethodPost, upload.BatchesPath, bytes.NewReader(body))
		req.Header.Set("Content-Type", upload.ContentTypeJWS)
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		if rec.Code != http.StatusCreated {
			b.Fatalf("status %d: %s", rec.Code, rec.Body.Bytes()[:min(rec.Body.Len(), 2000)])
		}
	}
	for range earlier {
		ingest(nextBody())
	}

	var cpu cpuMeter
	for b.Loop() {
		b.StopTimer()
		body := nextBody()
		cpu.start()
		b.StartTimer()
		ingest(body)
		b.StopTimer()
		cpu.stop()
		b.StartTimer()
	}
	cpu.report(b)
}

// cpuMeter adds up the CPU time, user and system, that the process
// spends between start and stop. Unlike the wall time it hardly changes
// when other processes compete for the cores.
type cpuMeter struct {
	began, total time.Duration
	n            int
}

func processCPU() time.Duration {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		return 0
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}

func (c *cpuMeter) start() { c.began = processCPU() }

func (c *cpuMeter) stop() {
	c.total += processCPU() - c.began
	c.n++
}

// report adds the CPU time per operation to the benchmark's output.
func (c *cpuMeter) report(b *testing.B) {
	if c.n > 0 {
		b.ReportMetric(float64(c.total.Nanoseconds())/float64(c.n), "cpu-ns/op")
	}
}
