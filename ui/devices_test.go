package ui

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"lambtrace/devices/printer"
	"lambtrace/devices/scale"
	"lambtrace/devices/sim"
	"lambtrace/line"
)

// driverDevices is the Devices of the devices screen over the real
// drivers, for the tests: a Modbus TCP scale polling a simulated
// indicator and a ZPL printer talking to a simulated printer, both on
// 127.0.0.1. It keeps the printer's status replies and the test labels
// sent as the raw bytes.
type driverDevices struct {
	scale     *scale.ModbusScale
	scaleAddr string
	printer   *printer.Printer
	printAddr string
	now       func() time.Time

	mu       sync.Mutex
	readings int
	raw      []RawChunk
	status   LinkStatus
}

func (d *driverDevices) deliver(line.Reading) {
	d.mu.Lock()
	d.readings++
	d.mu.Unlock()
}

func (d *driverDevices) readingCount() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.readings
}

func (d *driverDevices) Devices(ctx context.Context) []Device {
	d.mu.Lock()
	defer d.mu.Unlock()
	scaleLink := LinkStatus{Kind: LinkScale, ID: d.scale.ID, OK: d.readings > 0}
	if !scaleLink.OK {
		scaleLink.Problem = Message{Key: "ui.status.problem.no_data"}
	}
	printerLink := d.status
	printerLink.Kind, printerLink.ID = LinkPrinter, "zebra-1"
	return []Device{
		{Kind: LinkScale, ID: d.scale.ID, Address: d.scaleAddr, Link: scaleLink,
			CanZero: d.scale.Profile.Zero != nil, CanTare: d.scale.Profile.Tare != nil},
		{Kind: LinkPrinter, ID: "zebra-1", Address: d.printAddr, Link: printerLink},
	}
}

func (d *driverDevices) Raw(id string) []RawChunk {
	d.mu.Lock()
	defer d.mu.Unlock()
	if id != "zebra-1" {
		return nil
	}
	return append([]RawChunk(nil), d.raw...)
}

func (d *driverDevices) Zero(ctx context.Context, id string) error { return d.scale.Zero(ctx) }
func (d *driverDevices) Tare(ctx context.Context, id string) error { return d.scale.Tare(ctx) }

// TestPrint prints a test label and asks for the status, keeping both
// exchanges as raw bytes.
func (d *driverDevices) TestPrint(ctx context.Context, id string) error {
	job := []byte("^XA^CI28^FO20,20^A0N,28,28^FDTEST " + id + "^FS^XZ")
	if err := d.printer.Print(ctx, job); err != nil {
		return err
	}
	st, err := d.printer.Status(ctx)
	d.mu.Lock()
	defer d.mu.Unlock()
	d.raw = append(d.raw, RawChunk{At: d.now(), Sent: true, Data: job})
	if err != nil {
		d.status = LinkStatus{Problem: Message{Key: "ui.status.problem.no_reply"}}
		return err
	}
	d.raw = append(d.raw, RawChunk{At: d.now(), Data: st.Raw})
	d.status = PrinterLink(line.PrinterView{Name: id, Known: true, Status: st})
	return nil
}

func TestDevicesZeroTareAndTestPrint(t *testing.T) {
	r := newRig(t, rigOptions{})

	// A Modbus TCP indicator with zero and tare commands, polled by the
	// scale driver.
	profile, ok := scale.LookupProfile("ind570")
	if !ok {
		t.Fatal("no ind570 profile")
	}
	indicator, err := sim.NewIndicator(profile, sim.NewScript(0, 1).Settle(800, 0), nil)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := sim.StartTCP(indicator, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	dev := &driverDevices{now: r.clock.Now, scaleAddr: srv.Addr,
		scale: &scale.ModbusScale{ID: packScale, Profile: profile, Address: srv.Addr, PollInterval: 20 * time.Millisecond, Logger: quiet}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		dev.scale.Run(ctx, dev.deliver)
	}()
	t.Cleanup(func() { cancel(); <-done })

	// A ZPL printer.
	sp := sim.NewPrinter()
	if dev.printAddr, err = sp.Listen(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sp.Close() })
	dev.printer = printer.NewTCP("zebra-1", dev.printAddr)
	dev.printer.Logger = quiet
	t.Cleanup(func() { dev.printer.Close() })

	deadline := time.Now().Add(5 * time.Second)
	for dev.readingCount() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no reading from the simulated indicator in 5 s")
		}
		time.Sleep(10 * time.Millisecond)
	}

	s := NewDevicesScreen(r.k, dev)
	r.start(s)
	r.signIn("admin1", testPIN)
	if r.k.Current() != s {
		t.Fatal("admin1 does not see the devices screen")
	}
	if len(s.devices) != 2 || s.picked != packScale {
		t.Fatalf("devices %+v, picked %q", s.devices, s.picked)
	}
	containsAll(t, "title", s.title.Text, packScale, srv.Addr, "正常")
	if s.testPrint.Disabled() == false {
		t.Error("test print is enabled for a scale")
	}

	// Zero and tare reach the indicator once each, however often tapped.
	test.Tap(s.zero)
	test.Tap(s.zero)
	r.settle()
	test.Tap(s.tare)
	r.settle()
	if indicator.Zeros() != 1 || indicator.Tares() != 1 {
		t.Errorf("indicator got %d zeros and %d tares, want 1 and 1", indicator.Zeros(), indicator.Tares())
	}
	containsAll(t, "notice", r.k.notice.Text(), "已发送到 "+packScale)

	// The test print goes to the printer, and the raw view shows the
	// label sent and the status reply.
	test.Tap(s.list.rows[1].(*Tile))
	if !s.zero.Disabled() || s.testPrint.Disabled() {
		t.Fatal("zero enabled or test print disabled for the printer")
	}
	test.Tap(s.testPrint)
	r.settle()
	if n := sp.JobCount(); n != 1 {
		t.Fatalf("printer got %d jobs, want the test label", n)
	}
	if len(s.rows) < 2 {
		t.Fatalf("raw rows = %v", s.rows)
	}
	// The newest exchange comes first: the status reply, then the label.
	containsAll(t, "first raw row", s.rows[0].text, "< ")
	containsAll(t, "raw view", fmt.Sprint(s.rows), "> 5E 58 41 5E 43 49 32 38 |^XA^CI28|")
}
