package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The GUI benchmarks run the built kiosk binary under Xvfb on simulated
// devices: the time from exec to the login screen on the display, the
// CPU of an idle kiosk and the resident memory after the sample day.
// They take minutes, so they run only with LAMBTRACE_KIOSK_BENCH=1
// (make bench-kiosk). LAMBTRACE_BENCH_DISPLAY=:N makes Xvfb use display
// N, and without it Xvfb picks a free one.

// Environment variables of the GUI benchmarks.
const (
	guiBenchEnv     = "LAMBTRACE_KIOSK_BENCH"
	benchDisplayEnv = "LAMBTRACE_BENCH_DISPLAY"
	// benchStartsEnv sets the number of starts of BenchmarkKioskColdStart.
	benchStartsEnv = "LAMBTRACE_BENCH_STARTS"
	// benchIdleEnv sets the seconds over which BenchmarkKioskIdleCPU
	// measures the CPU time.
	benchIdleEnv = "LAMBTRACE_BENCH_IDLE_SECONDS"
	// benchSpeedEnv sets the line pace of BenchmarkKioskShiftMemory.
	benchSpeedEnv = "LAMBTRACE_BENCH_SPEED"
)

// Targets of the GUI benchmarks.
const (
	idleCPUTarget     = 3.0 // per cent of one core
	shiftMemoryTarget = 200 // MB of resident memory
)

// Screen of the benchmarks' Xvfb, the kiosk's default window size.
const (
	screenWidth  = 1024
	screenHeight = 600
	// statusBarHeight is the height of the bottom rows that the login
	// check leaves out: the status bar shows the devices as they connect.
	statusBarHeight = 60
)

// needGUIBench skips a GUI benchmark unless it is asked for and its tools
// are installed.
func needGUIBench(b *testing.B) {
	b.Helper()
	if os.Getenv(guiBenchEnv) != "1" {
		b.Skipf("the GUI benchmarks take minutes: set %s=1 or run make bench-kiosk", guiBenchEnv)
	}
	needSocat(b)
	for _, tool := range []string{"Xvfb", "import", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			b.Skipf("%s is not on PATH; the GUI benchmarks need Xvfb, ImageMagick's import and the go command (apt-get install xvfb imagemagick)", tool)
		}
	}
}

// envInt returns the positive integer in the environment variable name,
// or def when it is not set.
func envInt(b *testing.B, name string, def int) int {
	b.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		b.Fatalf("%s=%q: expected a positive integer", name, v)
	}
	return n
}

// buildKiosk builds the kiosk binary into a temporary directory with the
// build tags of make build, and returns its path.
func buildKiosk(b *testing.B) string {
	b.Helper()
	bin := filepath.Join(b.TempDir(), "kiosk")
	out, err := exec.Command("go", "build", "-tags", "no_emoji", "-o", bin, ".").CombinedOutput()
	if err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// xvfb is a virtual X server the benchmark started.
type xvfb struct {
	display string
	cmd     *exec.Cmd
}

// startXvfb starts Xvfb with one 1024×600 screen, on the display that
// LAMBTRACE_BENCH_DISPLAY names or on a free one, and waits until it
// takes connections. The cleanup stops it by its process id.
func startXvfb(b *testing.B) *xvfb {
	b.Helper()
	ready, w, err := os.Pipe()
	if err != nil {
		b.Fatal(err)
	}
	defer ready.Close()
	var args []string
	if d := os.Getenv(benchDisplayEnv); d != "" {
		args = append(args, d)
	}
	args = append(args, "-displayfd", "3", "-screen", "0", fmt.Sprintf("%dx%dx24", screenWidth, screenHeight), "-nolisten", "tcp")
	cmd := exec.Command("Xvfb", args...)
	cmd.ExtraFiles = []*os.File{w}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		w.Close()
		b.Fatalf("start Xvfb: %v", err)
	}
	w.Close()
	x := &xvfb{cmd: cmd}
	b.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	})

	// Xvfb writes its display number to fd 3 once it takes connections.
	number := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(ready).ReadString('\n')
		number <- strings.TrimSpace(line)
	}()
	select {
	case n := <-number:
		if n == "" {
			b.Fatalf("Xvfb did not start: %s", stderr.String())
		}
		x.display = ":" + n
	case <-time.After(30 * time.Second):
		b.Fatalf("Xvfb did not take connections within 30 s: %s", stderr.String())
	}
	return x
}

// screenshot returns the root window of display as 8-bit RGB.
func screenshot(display string) ([]byte, error) {
	cmd := exec.Command("import", "-window", "root", "-depth", "8", "rgb:-")
	cmd.Env = append(os.Environ(), "DISPLAY="+display)
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	if len(out) != screenWidth*screenHeight*3 {
		return nil, fmt.Errorf("import returned %d bytes, want %d", len(out), screenWidth*screenHeight*3)
	}
	return out, nil
}

// sameScreen reports whether two screenshots match in at least 99 % of
// the pixels above the status bar.
func sameScreen(a, b []byte) bool {
	n := screenWidth * (screenHeight - statusBarHeight)
	differ := 0
	for i := range n {
		if a[3*i] != b[3*i] || a[3*i+1] != b[3*i+1] || a[3*i+2] != b[3*i+2] {
			differ++
		}
	}
	return differ*100 <= n
}

// colours returns the number of distinct colours in a screenshot, every
// fourth pixel of every fourth row.
func colours(img []byte) int {
	seen := make(map[[3]byte]bool)
	for y := 0; y < screenHeight; y += 4 {
		for x := 0; x < screenWidth; x += 4 {
			i := 3 * (y*screenWidth + x)
			seen[[3]byte{img[i], img[i+1], img[i+2]}] = true
		}
	}
	return len(seen)
}

// kioskProcess is a kiosk the benchmark started, with its log.
type kioskProcess struct {
	cmd     *exec.Cmd
	started time.Time // just before exec
	log     *syncBuffer
	done    chan struct{}
	err     error
}

// startKiosk execs the kiosk binary on display with args and env added to
// the environment, logging at info. The cleanup stops it.
func startKiosk(b *testing.B, bin, display string, env []string, args ...string) *kioskProcess {
	b.Helper()
	cmd := exec.Command(bin, append(args, "-log", "info")...)
	cmd.Env = append(os.Environ(), "DISPLAY="+display, "LANG=zh_CN.UTF-8")
	cmd.Env = append(cmd.Env, env...)
	p := &kioskProcess{cmd: cmd, log: &syncBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.log, p.log
	// Its own process group, so that a kiosk that must be killed takes its
	// socat children with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	p.started = time.Now()
	if err := cmd.Start(); err != nil {
		b.Fatalf("start kiosk: %v", err)
	}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	b.Cleanup(func() { p.stop(b) })
	return p
}

// stop sends SIGTERM to the kiosk and waits for it to exit. A kiosk
// still running after 30 s is killed with its process group.
func (p *kioskProcess) stop(b *testing.B) {
	select {
	case <-p.done:
		return
	default:
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		b.Errorf("the kiosk did not stop within 30 s of SIGTERM; killing its process group\n%s", p.log.String())
		syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
	}
}

// waitScreen takes screenshots until one matches ref, or until one shows
// a drawn window when ref is nil, and returns the time after that
// screenshot and the screenshot. A drawn window has at least 8 colours
// and looks the same in two screenshots half a second apart.
func (p *kioskProcess) waitScreen(b *testing.B, display string, ref []byte, timeout time.Duration) (time.Time, []byte) {
	b.Helper()
	deadline := time.Now().Add(timeout)
	var last []byte
	for time.Now().Before(deadline) {
		select {
		case <-p.done:
			b.Fatalf("the kiosk exited before its login screen was drawn: %v\n%s", p.err, p.log.String())
		default:
		}
		img, err := screenshot(display)
		if err != nil {
			b.Fatal(err)
		}
		at := time.Now()
		switch {
		case ref != nil && sameScreen(img, ref):
			return at, img
		case ref == nil && colours(img) >= 8:
			if last != nil && sameScreen(img, last) {
				return at, img
			}
			last = img
			time.Sleep(500 * time.Millisecond)
		}
	}
	b.Fatalf("the login screen was not drawn within %v\n%s", timeout, p.log.String())
	return time.Time{}, nil
}

// logTime returns the time of the first log line with msg, from the
// time=… field of the text handler.
func (p *kioskProcess) logTime(msg string) (time.Time, bool) {
	for _, l := range strings.Split(p.log.String(), "\n") {
		if !strings.Contains(l, "msg=\""+msg+"\"") && !strings.Contains(l, "msg="+msg+" ") {
			continue
		}
		field, _, _ := strings.Cut(l, " ")
		if t, err := time.Parse(time.RFC3339Nano, strings.TrimPrefix(field, "time=")); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// waitLog waits until the kiosk logs msg.
func (p *kioskProcess) waitLog(b *testing.B, msg string, timeout time.Duration) {
	b.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if _, ok := p.logTime(msg); ok {
			return
		}
		select {
		case <-p.done:
			b.Fatalf("the kiosk exited before it logged %q: %v\n%s", msg, p.err, p.log.String())
		case <-time.After(200 * time.Millisecond):
		}
	}
	b.Fatalf("the kiosk did not log %q within %v\n%s", msg, timeout, p.log.String())
}

// sampleDataDir makes a data directory with the sample registry and
// product master imported, the demo users and keys made, as the first
// start of a simulated kiosk leaves it. It returns the directory and a
// screenshot of the login screen.
func sampleDataDir(b *testing.B, bin string, x *xvfb) (string, []byte) {
	b.Helper()
	data := filepath.Join(b.TempDir(), "data")
	p := startKiosk(b, bin, x.display, []string{"MESA_SHADER_CACHE_DIR=" + b.TempDir()}, "-sim",
		"-products", sample+".products.json", "-registry", sample+".registry.json", "-data", data)
	_, img := p.waitScreen(b, x.display, nil, 2*time.Minute)
	p.stop(b)
	return data, img
}

// cpuTicks returns the user and system time of a process in clock ticks.
func cpuTicks(pid int) (int64, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name in brackets may contain spaces. The fields after
	// it are state, ppid, …, utime (14th field) and stime (15th).
	_, rest, ok := strings.Cut(string(raw), ") ")
	if !ok {
		return 0, fmt.Errorf("/proc/%d/stat: no command name", pid)
	}
	f := strings.Fields(rest)
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f))
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, fmt.Errorf("/proc/%d/stat: %w", pid, err)
	}
	return utime + stime, nil
}

// children returns the process ids whose parent is pid.
func children(pid int) []int {
	entries, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		raw, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		_, rest, _ := strings.Cut(string(raw), ") ")
		if f := strings.Fields(rest); len(f) > 1 && f[1] == strconv.Itoa(pid) {
			out = append(out, child)
		}
	}
	return out
}

// clockTicks is the kernel's USER_HZ, the unit of /proc/PID/stat times,
// which is 100 on every Linux architecture Go supports.
const clockTicks = 100

// memoryStatus returns the VmRSS and VmHWM of a process in bytes.
func memoryStatus(pid int) (rss, hwm int64, err error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	for _, l := range strings.Split(string(raw), "\n") {
		name, value, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		f := strings.Fields(value)
		if len(f) != 2 || f[1] != "kB" {
			continue
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("/proc/%d/status %s: %w", pid, name, err)
		}
		switch name {
		case "VmRSS":
			rss = kb << 10
		case "VmHWM":
			hwm = kb << 10
		}
	}
	if rss == 0 || hwm == 0 {
		return 0, 0, fmt.Errorf("/proc/%d/status has no VmRSS or VmHWM", pid)
	}
	return rss, hwm, nil
}

// residentBreakdown returns the resident memory of process pid from
// /proc/PID/smaps: anonymous and file-backed totals, and the largest
// mappings by resident size, summed by path (anonymous mappings under
// "[anon]").
func residentBreakdown(pid int) (string, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps", pid))
	if err != nil {
		return "", err
	}

	byPath := map[string]int64{}
	var anon, file int64
	path := ""
	for _, l := range strings.Split(string(raw), "\n") {
		f := strings.Fields(l)
		if len(f) == 0 {
			continue
		}
		// A mapping's header starts with its address range, "lo-hi".
		if strings.Contains(f[0], "-") && !strings.HasSuffix(f[0], ":") {
			path = "[anon]"
			if len(f) >= 6 {
				path = strings.Join(f[5:], " ")
			}
			continue
		}
		if len(f) != 3 || f[2] != "kB" {
			continue
		}
		kb, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil {
			return "", fmt.Errorf("/proc/%d/smaps %s: %w", pid, l, err)
		}
		switch f[0] {
		case "Rss:":
			byPath[path] += kb
		case "Anonymous:":
			anon += kb
		}
	}

	var total int64
	for _, kb := range byPath {
		total += kb
	}
	file = total - anon
	paths := make([]string, 0, len(byPath))
	for p := range byPath {
		paths = append(paths, p)
	}
	slices.SortFunc(paths, func(a, b string) int { return int(byPath[b] - byPath[a]) })

	var out strings.Builder
	fmt.Fprintf(&out, "Rss %.1f MB: anonymous %.1f MB, file %.1f MB; largest:", float64(total)/1e3*1.024, float64(anon)/1e3*1.024, float64(file)/1e3*1.024)
	for _, p := range paths[:min(len(paths), 10)] {
		fmt.Fprintf(&out, "\n  %7.1f MB %s", float64(byPath[p])/1e3*1.024, p)
	}
	return out.String(), nil
}

// BenchmarkKioskColdStart measures the time from exec of the kiosk binary
// to its login screen on the display, with simulated devices and a data
// directory that holds the sample day's registry and product master. The
// first start runs with an empty Mesa shader cache; the later ones reuse
// it. The time ends after the first screenshot that matches the login
// screen, so it is up to one screenshot (about 40 ms) late. It also
// reports the time to the "kiosk started" log line, when the frame is
// built and the window is about to show.
func BenchmarkKioskColdStart(b *testing.B) {
	needGUIBench(b)
	starts := envInt(b, benchStartsEnv, 5)
	bin := buildKiosk(b)
	x := startXvfb(b)
	data, login := sampleDataDir(b, bin, x)

	var drawn, logged []time.Duration
	for b.Loop() {
		drawn, logged = drawn[:0], logged[:0]
		shaders := b.TempDir()
		for range starts {
			p := startKiosk(b, bin, x.display, []string{"MESA_SHADER_CACHE_DIR=" + shaders}, "-sim", "-data", data)
			at, _ := p.waitScreen(b, x.display, login, time.Minute)
			drawn = append(drawn, at.Sub(p.started))
			if t, ok := p.logTime("kiosk started"); ok {
				logged = append(logged, t.Sub(p.started))
			}
			p.stop(b)
		}
	}
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b.ReportMetric(ms(drawn[0]), "cold-ms")
	if len(logged) == len(drawn) {
		b.ReportMetric(ms(logged[0]), "cold-started-log-ms")
	}
	if len(drawn) > 1 {
		warm := slices.Clone(drawn[1:])
		slices.Sort(warm)
		b.ReportMetric(ms(warm[len(warm)/2]), "warm-median-ms")
		b.ReportMetric(ms(warm[len(warm)-1]), "warm-max-ms")
	}
	if len(logged) == len(drawn) && len(logged) > 1 {
		warm := slices.Clone(logged[1:])
		slices.Sort(warm)
		b.ReportMetric(ms(warm[len(warm)/2]), "warm-started-log-ms")
	}
	b.Logf("start to login screen: %v; to the \"kiosk started\" log line: %v", drawn, logged)
}

// BenchmarkKioskIdleCPU measures the CPU time of a kiosk that shows its
// login screen, with simulated devices and no line run. The Modbus scales
// are polled every 100 ms (10 Hz), the simulated ASCII scale sends a
// frame every 140 ms, and the status bar polls every 2 s. It reports the
// kiosk's CPU in per cent of one core, and separately Xvfb's and that of
// the socat processes behind the simulated serial devices.
func BenchmarkKioskIdleCPU(b *testing.B) {
	needGUIBench(b)
	seconds := envInt(b, benchIdleEnv, 60)
	bin := buildKiosk(b)
	x := startXvfb(b)
	data, login := sampleDataDir(b, bin, x)

	var kiosk, server, socat float64
	for b.Loop() {
		p := startKiosk(b, bin, x.display, nil, "-sim", "-data", data)
		p.waitScreen(b, x.display, login, time.Minute)
		// Let the first status polls, the devices' connections and the
		// first garbage collections pass.
		time.Sleep(10 * time.Second)

		pids := map[string][]int{"kiosk": {p.cmd.Process.Pid}, "xvfb": {x.cmd.Process.Pid}, "socat": children(p.cmd.Process.Pid)}
		before := make(map[string]int64)
		for name, list := range pids {
			for _, pid := range list {
				t, err := cpuTicks(pid)
				if err != nil {
					b.Fatal(err)
				}
				before[name] += t
			}
		}
		start := time.Now()
		time.Sleep(time.Duration(seconds) * time.Second)
		elapsed := time.Since(start).Seconds()
		share := func(name string) float64 {
			var after int64
			for _, pid := range pids[name] {
				t, err := cpuTicks(pid)
				if err != nil {
					b.Fatal(err)
				}
				after += t
			}
			return float64(after-before[name]) / clockTicks / elapsed * 100
		}
		kiosk, server, socat = share("kiosk"), share("xvfb"), share("socat")
		p.stop(b)
	}
	b.Logf("CPU over %d s: kiosk %.2f %%, Xvfb %.2f %%, socat %.2f %% of one core", seconds, kiosk, server, socat)
	b.ReportMetric(kiosk, "kiosk-cpu-%")
	b.ReportMetric(server, "xvfb-cpu-%")
	b.ReportMetric(socat, "socat-cpu-%")
	if kiosk >= idleCPUTarget {
		b.Errorf("the idle kiosk used %.2f %% of one core, target under %.0f %%", kiosk, idleCPUTarget)
	}
}

// BenchmarkKioskShiftMemory plays the sample day in the GUI kiosk into a
// fresh data directory, as make run does but at LAMBTRACE_BENCH_SPEED
// times line pace (30 by default). It reports the resident memory (VmRSS)
// when the day is done and its peak (VmHWM).
func BenchmarkKioskShiftMemory(b *testing.B) {
	needGUIBench(b)
	speed := envInt(b, benchSpeedEnv, 30)
	bin := buildKiosk(b)
	x := startXvfb(b)

	var rss, hwm int64
	var day time.Duration
	var breakdown, runtimeLine string
	for b.Loop() {
		data := filepath.Join(b.TempDir(), "data")
		p := startKiosk(b, bin, x.display, nil, "-sim", "-products", sample+".products.json", "-registry",
			sample+".registry.json", "-linerun", sample+".linerun.json", "-data", data, "-speed", strconv.Itoa(speed))
		p.waitLog(b, "simulated day done", 2*time.Hour)
		day = time.Since(p.started)
		if strings.Contains(p.log.String(), "simulated day stopped") {
			b.Fatalf("the simulated day stopped\n%s", p.log.String())
		}
		var err error
		if rss, hwm, err = memoryStatus(p.cmd.Process.Pid); err != nil {
			b.Fatal(err)
		}
		if breakdown, err = residentBreakdown(p.cmd.Process.Pid); err != nil {
			b.Fatal(err)
		}
		// The kiosk logs the Go runtime's figures after the day.
		p.waitLog(b, "memory after the simulated day", time.Minute)
		for _, l := range strings.Split(p.log.String(), "\n") {
			if strings.Contains(l, "memory after the simulated day") {
				runtimeLine = l
			}
		}
		p.stop(b)
	}
	// The testing package cuts a benchmark's log after 10 lines, so
	// the figures come first and the list of mappings last.
	b.Logf("after the day: VmRSS %.1f MB, VmHWM %.1f MB, %v from exec", float64(rss)/1e6, float64(hwm)/1e6, day.Round(time.Second))
	b.Log(runtimeLine)
	b.Logf("after the day: %s", breakdown)
	b.ReportMetric(float64(rss)/1e6, "rss-MB")
	b.ReportMetric(float64(hwm)/1e6, "peak-rss-MB")
	b.ReportMetric(day.Seconds(), "day-s")
	if hwm/1e6 >= shiftMemoryTarget {
		b.Errorf("the kiosk's resident memory peaked at %.0f MB, target under %d MB", float64(hwm)/1e6, shiftMemoryTarget)
	}
}
