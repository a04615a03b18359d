package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lambtrace/devices/rfid"
	"lambtrace/devices/scale"
	"lambtrace/devices/sim"
)

func TestProbeScaleTCP(t *testing.T) {
	profile, _ := scale.LookupProfile("dgt4x")
	script := sim.NewScript(0, 1).Settle(18280, 200*time.Millisecond).Hold(time.Hour)
	ind, err := sim.NewIndicator(profile, script, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := sim.StartTCP(ind, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()

	var stdout, stderr bytes.Buffer
	code := run([]string{"probe", "scale", "--modbus", "tcp://" + srv.Addr, "--profile", "dgt4x", "--count", "12", "--interval", "50ms"}, &stdout, &stderr)
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if len(lines) != 12 {
		t.Fatalf("%d readings, want 12:\n%s", len(lines), stdout.String())
	}
	if last := lines[len(lines)-1]; !strings.Contains(last, `"grams":18280`) {
		t.Errorf("last reading %s, want the settled 18280 g", last)
	}
}

func TestProbeTargetErrors(t *testing.T) {
	for _, target := range []string{"", "udp://127.0.0.1:502", "tcp://127.0.0.1", "rtu:///dev/ttyS0?baud=9600", "rtu:///dev/ttyS0?parity=N"} {
		var stderr bytes.Buffer
		if code := run([]string{"probe", "scale", "--modbus", target, "--profile", "dgt4x"}, &bytes.Buffer{}, &stderr); code != exitInvalid {
			t.Errorf("--modbus %q: exit %d, want %d", target, code, exitInvalid)
		}
	}
}

func TestProbePrinter(t *testing.T) {
	p := sim.NewPrinter()
	addr, err := p.Listen()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	p.SetState(sim.PrinterState{HeadOpen: true})
	var stdout, stderr bytes.Buffer
	if code := run([]string{"probe", "printer", "--addr", addr}, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), `"head_open":true`) || !strings.Contains(stdout.String(), "raw: ") {
		t.Errorf("stdout = %s", stdout.String())
	}
}

func TestProbeReader(t *testing.T) {
	if _, err := exec.LookPath("socat"); err != nil {
		t.Skip("socat is not installed; make deps installs it")
	}
	pty, err := sim.StartPty(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer pty.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	go func() {
		readerSim := sim.NewReaderSim(pty, rfid.FormatAllflex)
		// The same tag twice: probe shows repeats, which the line drops.
		for ctx.Err() == nil {
			readerSim.Read("156000011051554")
			time.Sleep(100 * time.Millisecond)
		}
	}()
	var stdout, stderr bytes.Buffer
	code := run([]string{"probe", "reader", "--port", pty.Path, "--count", "2"}, &stdout, &stderr)
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr.String())
	}
	if n := strings.Count(stdout.String(), "156000011051554"); n != 2 {
		t.Errorf("stdout shows %d reads, want 2:\n%s", n, stdout.String())
	}
}

func TestProbeScaleGivesUp(t *testing.T) {
	// Nothing listens on this port: the listener is closed at once.
	srvProfile, _ := scale.LookupProfile("dgt4x")
	ind, err := sim.NewIndicator(srvProfile, sim.NewScript(0, 1).Hold(time.Hour), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := sim.StartTCP(ind, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := srv.Addr
	srv.Close()

	var stdout, stderr bytes.Buffer
	start := time.Now()
	code := run([]string{"probe", "scale", "--modbus", "tcp://" + addr, "--profile", "dgt4x", "--count", "1", "--wait", "500ms"}, &stdout, &stderr)
	if code != exitFailure {
		t.Errorf("exit %d, want %d", code, exitFailure)
	}
	if time.Since(start) > 10*time.Second {
		t.Errorf("probe took %v to give up after a 500ms wait", time.Since(start))
	}
	if !strings.Contains(stderr.String(), "no reading arrived within 500ms") || !strings.Contains(stderr.String(), "没有收到读数") {
		t.Errorf("stderr = %s", stderr.String())
	}
	if strings.Contains(stderr.String(), "usage:") {
		t.Error("a device that does not answer printed the usage")
	}
}

func TestProbePrinterProblems(t *testing.T) {
	p := sim.NewPrinter()
	addr, err := p.Listen()
	if err != nil {
		t.Fatal(err)
	}
	p.SetNonZPLReply([]byte("READY\r\n"))
	var stderr bytes.Buffer
	if code := run([]string{"probe", "printer", "--addr", addr}, &bytes.Buffer{}, &stderr); code != exitFailure {
		t.Errorf("non-ZPL printer: exit %d, want %d", code, exitFailure)
	}
	if !strings.Contains(stderr.String(), "不是 ZPL 模式") || !strings.Contains(stderr.String(), "not in ZPL mode") {
		t.Errorf("non-ZPL printer: stderr = %s", stderr.String())
	}
	p.Close()

	stderr.Reset()
	if code := run([]string{"probe", "printer", "--addr", addr}, &bytes.Buffer{}, &stderr); code != exitFailure {
		t.Errorf("closed printer: exit %d, want %d", code, exitFailure)
	}
	if !strings.Contains(stderr.String(), "离线") || !strings.Contains(stderr.String(), "is offline") {
		t.Errorf("closed printer: stderr = %s", stderr.String())
	}
}

func TestProbeScaleUnknownUnit(t *testing.T) {
	profile, _ := scale.LookupProfile("dgt4x")
	ind, err := sim.NewIndicator(profile, sim.NewScript(0, 1).Hold(time.Hour), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := sim.StartTCPUnits(map[byte]*sim.Indicator{1: ind}, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()

	var stderr bytes.Buffer
	code := run([]string{"probe", "scale", "--modbus", "tcp://" + srv.Addr, "--profile", "dgt4x", "--unit", "7", "--count", "1"}, &bytes.Buffer{}, &stderr)
	if code != exitFailure {
		t.Errorf("exit %d, want %d", code, exitFailure)
	}
	for _, want := range []string{"没有仪表响应", "no indicator answers", "unit 7"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
		}
	}
}

func TestProbeScaleProfileFile(t *testing.T) {
	profile, _ := scale.LookupProfile("dgt4x")
	profile.Name = "plant-hook"
	ind, err := sim.NewIndicator(profile, sim.NewScript(0, 1).Settle(7700, 0).Hold(time.Hour), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := sim.StartTCP(ind, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	data, err := json.Marshal(profile)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "plant-hook.json")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}

	var stdout, stderr bytes.Buffer
	code := run([]string{"probe", "scale", "--modbus", "tcp://" + srv.Addr, "--profile-file", path, "--count", "1"}, &stdout, &stderr)
	if code != exitOK || !strings.Contains(stdout.String(), `"grams":7700`) {
		t.Errorf("exit %d, stdout %q, stderr %s", code, stdout.String(), stderr.String())
	}
	stderr.Reset()
	code = run([]string{"probe", "scale", "--modbus", "tcp://" + srv.Addr, "--profile-file", path + ".missing"}, &bytes.Buffer{}, &stderr)
	if code != exitInvalid || !strings.Contains(stderr.String(), "无法读取秤配置文件") || !strings.Contains(stderr.String(), "cannot read the profile file") {
		t.Errorf("missing profile file: exit %d, stderr %s", code, stderr.String())
	}
}

func TestProbeReaderDetectsBaud(t *testing.T) {
	if _, err := exec.LookPath("socat"); err != nil {
		t.Skip("socat is not installed; make deps installs it")
	}
	pty, err := sim.StartPty(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer pty.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		readerSim := sim.NewReaderSim(pty, rfid.FormatAllflex)
		readerSim.Baud = 19200
		for ctx.Err() == nil {
			readerSim.Read("156000011051554")
			time.Sleep(100 * time.Millisecond)
		}
	}()
	defer func() {
		cancel()
		<-done
	}()
	var stdout, stderr bytes.Buffer
	code := run([]string{"probe", "reader", "--port", pty.Path, "--baud", "auto", "--count", "1"}, &stdout, &stderr)
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr.String())
	}
	for _, want := range []string{"已检测到波特率 19200", "baud rate 19200 detected", "156000011051554"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout.String())
		}
	}
}

func TestProbeUsageIsBilingual(t *testing.T) {
	tests := []struct {
		args   []string
		zh, en string
	}{
		{[]string{"probe", "reader"}, "必须给出 --port", "--port is required"},
		{[]string{"probe", "reader", "--port", "/dev/null", "--parity", "X"}, "--parity X 无效", "--parity X is invalid"},
		{[]string{"probe", "reader", "--port", "/dev/null", "--baud", "fast"}, "--baud fast 无效", "--baud fast is invalid"},
		{[]string{"probe", "scale", "--modbus", "udp://x:1", "--profile", "dgt4x"}, "协议只能是 tcp 或 rtu", "the scheme must be tcp or rtu"},
		{[]string{"probe", "scale", "--modbus", "tcp://127.0.0.1:1", "--profile", "dgt4x", "--unit", "300"}, "Modbus 站号应为 0 到 247", "a Modbus unit id is 0 to 247"},
		{[]string{"decode", "scale", "--profile", "dgt4x", "--registers", "201:zz"}, "寄存器 201 的值 zz 无效", "the value zz of register 201 is invalid"},
		{[]string{"decode", "tag", "--format", "morse"}, "未知的读卡器格式 morse", "unknown reader format morse"},
	}
	for _, tt := range tests {
		var stderr bytes.Buffer
		if code := run(tt.args, &bytes.Buffer{}, &stderr); code != exitInvalid {
			t.Errorf("%v: exit %d, want %d", tt.args, code, exitInvalid)
		}
		for _, want := range []string{tt.zh, tt.en} {
			if !strings.Contains(stderr.String(), want) {
				t.Errorf("%v: stderr lacks %q:\n%s", tt.args, want, stderr.String())
			}
		}
	}
}

func TestHelpShowsDeviceCommandsInBothLanguages(t *testing.T) {
	var stdout bytes.Buffer
	if code := run([]string{"help"}, &stdout, &bytes.Buffer{}); code != exitOK {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"设备调试命令", "commissioning commands for devices", "keli-reversed", "--baud B|auto", "--profile-file"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("help lacks %q", want)
		}
	}
}
