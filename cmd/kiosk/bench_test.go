package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// BenchmarkHeadlessSampleDay plays the whole sample day headless at full
// speed into a fresh data directory. That is 375 tag reads through the
// reader's pty, about 6,700 weighings through the Modbus and ASCII
// drivers, and 5,175 labels through the printer driver to the simulated
// printers. It reports the latency figures of summary.json and the
// database size. LAMBTRACE_BENCH_PASSES=N plays only the first N passes.
func BenchmarkHeadlessSampleDay(b *testing.B) {
	needSocat(b)
	runPath := sample + ".linerun.json"
	if n := os.Getenv("LAMBTRACE_BENCH_PASSES"); n != "" {
		passes, err := strconv.Atoi(n)
		if err != nil {
			b.Fatalf("LAMBTRACE_BENCH_PASSES=%q: %v", n, err)
		}
		runPath = shortLineRun(b, b.TempDir(), passes, 23)
	}

	var s daySummary
	var dbSize int64
	for b.Loop() {
		b.StopTimer()
		dir := b.TempDir()
		data := filepath.Join(dir, "data")
		var stderr bytes.Buffer
		b.StartTimer()
		if code := run(headlessArgs(runPath, data, dir), &bytes.Buffer{}, &stderr); code != exitOK {
			b.Fatalf("exit %d\n%s", code, stderr.String())
		}
		b.StopTimer()
		s = readSummary(b, dir)
		dbSize = 0
		for _, name := range []string{"lambtrace.db", "lambtrace.db-wal"} {
			if info, err := os.Stat(filepath.Join(data, name)); err == nil {
				dbSize += info.Size()
			}
		}
		b.StartTimer()
	}
	b.ReportMetric(s.Latency.TagToCommitted.P50MS, "tag-commit-p50-ms")
	b.ReportMetric(s.Latency.TagToCommitted.P99MS, "tag-commit-p99-ms")
	b.ReportMetric(s.Latency.TagToCarcassLabel.P50MS, "tag-label-p50-ms")
	b.ReportMetric(s.Latency.TagToCarcassLabel.P99MS, "tag-label-p99-ms")
	b.ReportMetric(s.Latency.PackStableToLabel.P50MS, "pack-label-p50-ms")
	b.ReportMetric(s.Latency.PackStableToLabel.P99MS, "pack-label-p99-ms")
	b.ReportMetric(float64(s.LabelsPrinted), "labels")
	b.ReportMetric(float64(dbSize)/(1<<20), "db-MiB")
}
