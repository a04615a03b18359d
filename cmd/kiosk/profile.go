package main

import (
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"runtime/pprof"
)

// startProfiles starts the CPU profile that o names, if any, and returns
// the function that stops it and writes the heap profile o names. The
// profiles show what costs CPU or memory on a running kiosk, and `go tool
// pprof` reads them.
func startProfiles(o options, log *slog.Logger) (stop func(), err error) {
	var cpu *os.File
	if o.cpuProfile != "" {
		if cpu, err = os.Create(o.cpuProfile); err != nil {
			return nil, fmt.Errorf("CPU profile: %w", err)
		}
		if err := pprof.StartCPUProfile(cpu); err != nil {
			cpu.Close()
			return nil, fmt.Errorf("CPU profile %s: %w", o.cpuProfile, err)
		}
		log.Info("CPU profile started", "file", o.cpuProfile)
	}
	return func() {
		if cpu != nil {
			pprof.StopCPUProfile()
			if err := cpu.Close(); err != nil {
				log.Error("CPU profile not written", "file", o.cpuProfile, "err", err)
			}
		}
		if o.memProfile != "" {
			writeHeapProfile(o.memProfile, log)
		}
	}, nil
}

// writeHeapProfile writes the heap profile of the live objects after a
// garbage collection to name, and logs a failure.
func writeHeapProfile(name string, log *slog.Logger) {
	f, err := os.Create(name)
	if err != nil {
		log.Error("heap profile not written", "file", name, "err", err)
		return
	}
	runtime.GC()
	err = pprof.Lookup("heap").WriteTo(f, 0)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		log.Error("heap profile not written", "file", name, "err", err)
	}
}
