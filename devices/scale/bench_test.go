package scale_test

import (
	"context"
	"testing"
	"time"

	"lambtrace/devices/scale"
	"lambtrace/devices/sim"
	"lambtrace/line"
)

// benchmarkPolls runs s back to back and reports polls per second. One
// poll of the dgt4x profile is a single read of wire registers 201–203
// (status word and the two weight words).
func benchmarkPolls(b *testing.B, s *scale.ModbusScale) {
	s.PollInterval = time.Nanosecond // poll again as soon as a reply is decoded
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	polls := make(chan struct{}, 1)
	done := make(chan error, 1)
	go func() {
		done <- s.Run(ctx, func(line.Reading) { polls <- struct{}{} })
	}()

	<-polls // the first poll includes connecting
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		select {
		case <-polls:
		case err := <-done:
			b.Fatalf("Run returned %v", err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "polls/s")
	b.StopTimer()
	cancel()
	go func() {
		for range polls {
		}
	}()
	<-done
	close(polls)
}

func BenchmarkModbusTCPPoll(b *testing.B) {
	profile, _ := scale.LookupProfile("dgt4x")
	_, server := startTCPSim(b, profile, hold(23400))
	benchmarkPolls(b, tcpScale(profile, server.Addr))
}

// On a real RS-485 line each character takes 1 start bit, 8 data bits, a
// parity bit if any and 1 or 2 stop bits: 10 bits for 8N1. A poll sends
// an 8-byte request and receives a 5+2n-byte reply, here n = 3, so 19
// bytes, and each frame is followed by 3.5 characters of silence. The
// limit is therefore
//
//	polls/s = baud / (bits per character × (8 + 5 + 2n + 2 × 3.5))
//
// which is 9600 / (10 × 26) = 36.9 polls/s at 9600 baud and 73.8 at 19200.
// A pty does not pace bytes at the baud rate. Instead goburrow/modbus
// v0.1.0 sleeps before reading: 1.5 character times per byte of request
// and expected reply plus 3.5 character times, with 1.5625 ms per
// character at 9600 baud. That is 33.3 ms for this poll at 9600 and
// 16.7 ms at 19200, so the benchmark cannot pass about 30 and 60 polls/s.

func BenchmarkModbusRTUPoll9600(b *testing.B) {
	benchmarkRTU(b, 9600)
}

func BenchmarkModbusRTUPoll19200(b *testing.B) {
	benchmarkRTU(b, 19200)
}

func benchmarkRTU(b *testing.B, baud int) {
	profile, _ := scale.LookupProfile("dgt4x")
	_, path := startRTUSim(b, profile, hold(23400), baud)
	benchmarkPolls(b, rtuScale(profile, path, baud))
}

// Two indicators answer on one line, each polled by its own scale through
// the line's one goroutine. The figure is polls per second for the whole
// line, to compare with the single-unit benchmark at the same rate: the
// line carries one request at a time, so the two units share that rate.

func BenchmarkModbusRTUTwoUnits9600(b *testing.B) {
	benchmarkRTUTwoUnits(b, 9600)
}

func BenchmarkModbusRTUTwoUnits19200(b *testing.B) {
	benchmarkRTUTwoUnits(b, 19200)
}

func benchmarkRTUTwoUnits(b *testing.B, baud int) {
	profile, _ := scale.LookupProfile("dgt4x")
	station, simulator := startSocat(b)
	units := map[byte]*sim.Indicator{}
	for _, unit := range []byte{1, 2} {
		indicator, err := sim.NewIndicator(profile, hold(23400), nil)
		if err != nil {
			b.Fatal(err)
		}
		units[unit] = indicator
	}
	slave, err := sim.StartRTUUnits(units, simulator, baud)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { slave.Close() })

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	polls := make(chan byte, 2)
	done := make(chan error, 2)
	for _, unit := range []byte{1, 2} {
		s := rtuScale(profile, station, baud)
		s.UnitID = unit
		s.PollInterval = time.Nanosecond
		go func() {
			done <- s.Run(ctx, func(line.Reading) { polls <- unit })
		}()
	}

	seen := map[byte]bool{}
	for len(seen) < 2 { // the first poll of each includes opening the line
		seen[<-polls] = true
	}
	b.ResetTimer()
	start := time.Now()
	perUnit := map[byte]int{}
	for i := 0; i < b.N; i++ {
		select {
		case unit := <-polls:
			perUnit[unit]++
		case err := <-done:
			b.Fatalf("Run returned %v", err)
		}
	}
	elapsed := time.Since(start).Seconds()
	b.ReportMetric(float64(b.N)/elapsed, "polls/s")
	b.ReportMetric(float64(min(perUnit[1], perUnit[2]))/elapsed, "slowest-unit-polls/s")
	b.StopTimer()
	cancel()
	go func() {
		for range polls {
		}
	}()
	<-done
	<-done
	close(polls)
}
