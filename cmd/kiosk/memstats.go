package main

import (
	"context"
	"log/slog"
	"runtime/metrics"
)

// memoryMetrics are the runtime/metrics samples logMemory logs, by the
// log attribute that carries each.
var memoryMetrics = []struct{ attr, name string }{
	{"heap_live", "/gc/heap/live:bytes"},
	{"heap_goal", "/gc/heap/goal:bytes"},
	{"heap_objects", "/memory/classes/heap/objects:bytes"},
	{"heap_unused", "/memory/classes/heap/unused:bytes"},
	{"heap_free", "/memory/classes/heap/free:bytes"},
	{"heap_released", "/memory/classes/heap/released:bytes"},
	{"stacks", "/memory/classes/heap/stacks:bytes"},
	{"runtime_other", "/memory/classes/other:bytes"},
	{"metadata", "/memory/classes/metadata/other:bytes"},
	{"mapped", "/memory/classes/total:bytes"},
	{"gc_cycles", "/gc/cycles/total:gc-cycles"},
	{"gc_cpu_seconds", "/cpu/classes/gc/total:cpu-seconds"},
	{"user_cpu_seconds", "/cpu/classes/user:cpu-seconds"},
}

// logMemory logs the Go runtime's view of the process memory: the live
// heap, the heap in use and free, stacks, the runtime's own data, all
// memory mapped by the runtime, and the garbage collector's cycles and
// CPU time. Memory outside the Go runtime (the C heap, mapped files) is
// not in these figures, but /proc/PID/smaps_rollup has it.
func logMemory(log *slog.Logger, msg string) {
	samples := make([]metrics.Sample, len(memoryMetrics))
	for i, m := range memoryMetrics {
		samples[i].Name = m.name
	}
	metrics.Read(samples)

	attrs := make([]slog.Attr, 0, len(samples))
	for i, s := range samples {
		switch s.Value.Kind() {
		case metrics.KindUint64:
			attrs = append(attrs, slog.Uint64(memoryMetrics[i].attr, s.Value.Uint64()))
		case metrics.KindFloat64:
			attrs = append(attrs, slog.Float64(memoryMetrics[i].attr, s.Value.Float64()))
		}
	}
	log.LogAttrs(context.Background(), slog.LevelInfo, msg, attrs...)
}
