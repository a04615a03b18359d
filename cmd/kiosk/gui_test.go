package main

import (
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// windowTimeout bounds one window test: the kiosk under Xvfb, its start
// and the screenshot. Starting took 3 to 4 seconds here on a quiet
// machine and, as an estimate, over a minute when every core is busy.
const windowTimeout = 3 * time.Minute

// runWindow starts the kiosk with args in a real GL window under Xvfb at
// 1024x600 and waits until its log contains marker. Two seconds later it
// takes a screenshot with ImageMagick's import and stops the kiosk by its
// process id. It returns the screenshot and the kiosk's log, and skips
// the test where a tool is missing.
func runWindow(t *testing.T, args []string, marker string) (image.Image, string) {
	t.Helper()
	for _, tool := range []string{"xvfb-run", "Xvfb", "/usr/bin/import"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed; the window test needs Xvfb and ImageMagick (apt-get install xvfb imagemagick)", tool)
		}
	}
	dir := t.TempDir()
	shot := filepath.Join(dir, "window.png")
	logPath := filepath.Join(dir, "kiosk.log")
	kiosk := os.Args[0] + " " + strings.Join(args, " ")
	// The shell waits for the marker in the kiosk's log rather than for a
	// fixed time, so a slow start on a busy machine is not a failure.
	script := kiosk + " >" + logPath + " 2>&1 & pid=$!\n" +
		"i=0; until grep -q '" + marker + "' " + logPath + "; do\n" +
		"  kill -0 $pid 2>/dev/null || exit 3\n" +
		"  i=$((i+1)); [ $i -gt 300 ] && break; sleep 0.5\n" +
		"done\n" +
		"sleep 2; /usr/bin/import -window root " + shot + "; kill $pid; wait $pid\n"
	cmd := exec.Command("xvfb-run", "-a", "-s", "-screen 0 1024x600x24 -nolisten tcp", "sh", "-c", script)
	cmd.Env = append(os.Environ(), childEnv+"=1", "LANG=zh_CN.UTF-8")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	readLog := func() string {
		b, _ := os.ReadFile(logPath)
		return out.String() + string(b)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("xvfb-run: %v\n%s", err, readLog())
		}
	case <-time.After(windowTimeout):
		// The group contains xvfb-run, Xvfb, the shell and the kiosk.
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
		t.Fatalf("window test timed out after %v\n%s", windowTimeout, readLog())
	}

	log := readLog()
	f, err := os.Open(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v\n%s", err, log)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img, log
}

// countColours returns how many colours a grid of every fourth pixel of
// img has. A window that was never painted shows one or two.
func countColours(img image.Image) int {
	colours := make(map[[3]uint32]bool)
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 4 {
		for x := b.Min.X; x < b.Max.X; x += 4 {
			r, g, bl, _ := img.At(x, y).RGBA()
			colours[[3]uint32{r >> 8, g >> 8, bl >> 8}] = true
		}
	}
	return len(colours)
}

// TestWindowUnderXvfb starts the kiosk's real GL window under Xvfb on
// simulated devices playing a short day and checks that the login screen
// is drawn.
func TestWindowUnderXvfb(t *testing.T) {
	needSocat(t)
	dir := t.TempDir()
	runPath := shortLineRun(t, dir, 5, 1)
	img, log := runWindow(t, []string{"-sim", "-products", sample + ".products.json", "-registry",
		sample + ".registry.json", "-linerun", runPath, "-data", filepath.Join(dir, "data"), "-speed", "5", "-log", "info"},
		"kiosk started")
	if n := countColours(img); n < 8 {
		t.Errorf("the screenshot has %d colours: the window was not drawn\n%s", n, log)
	}
	if !strings.Contains(log, "kiosk started") {
		t.Errorf("the kiosk frame did not log its start:\n%s", log)
	}
}
