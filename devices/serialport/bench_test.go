//go:build linux

package serialport_test

import (
	"syscall"
	"testing"
	"time"

	"go.bug.st/serial"

	"lambtrace/devices/serialport"
)

// cpuTime returns the process's user and system time so far.
func cpuTime(b *testing.B) time.Duration {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		b.Fatal(err)
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}

// BenchmarkIdleRead reads a silent port with the reader driver's 50 ms
// read timeout, through this package and through go.bug.st/serial, and
// reports the process's CPU time as a share of one core.
func BenchmarkIdleRead(b *testing.B) {
	opens := map[string]func(string, *serial.Mode) (serialport.Port, error){
		"poller": serialport.Open,
		"select": func(path string, m *serial.Mode) (serialport.Port, error) { return serial.Open(path, m) },
	}
	for _, name := range []string{"poller", "select"} {
		b.Run(name, func(b *testing.B) {
			pair, _ := startPair(b)
			p, err := opens[name](pair.Station, mode9600)
			if err != nil {
				b.Fatal(err)
			}
			defer p.Close()
			p.SetReadTimeout(50 * time.Millisecond)
			buf := make([]byte, 64)
			b.ResetTimer()
			start, cpu := time.Now(), cpuTime(b)
			for b.Loop() {
				// One loop is one second of waiting.
				for range 20 {
					if _, err := p.Read(buf); err != nil {
						b.Fatal(err)
					}
				}
			}
			share := float64(cpuTime(b)-cpu) / float64(time.Since(start))
			b.ReportMetric(100*share, "%cpu")
		})
	}
}
