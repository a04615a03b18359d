package main

import (
	"bytes"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestWindowUnderXvfb starts the kiosk's real GL window under Xvfb on
// simulated devices playing a short day, takes a screenshot with
// ImageMagick's import and checks that the login screen is drawn.
func TestWindowUnderXvfb(t *testing.T) {
	needSocat(t)
	for _, tool := range []string{"xvfb-run", "Xvfb", "/usr/bin/import"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed; the window test needs Xvfb and ImageMagick (apt-get install xvfb imagemagick)", tool)
		}
	}
	dir := t.TempDir()
	runPath := shortLineRun(t, dir, 5, 1)
	shot := filepath.Join(dir, "window.png")
	kiosk := strings.Join([]string{os.Args[0], "-sim", "-products", sample + ".products.json", "-registry",
		sample + ".registry.json", "-linerun", runPath, "-data", filepath.Join(dir, "data"), "-speed", "5", "-log", "info"}, " ")
	// The shell starts the kiosk, waits for the window, takes the
	// screenshot and stops the kiosk by its process id.
	script := kiosk + " & pid=$!; sleep 8; /usr/bin/import -window root " + shot + "; kill $pid; wait $pid"
	cmd := exec.Command("xvfb-run", "-a", "-s", "-screen 0 1024x600x24 -nolisten tcp", "sh", "-c", script)
	cmd.Env = append(os.Environ(), childEnv+"=1", "LANG=zh_CN.UTF-8")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("xvfb-run: %v\n%s", err, out.String())
		}
	case <-time.After(2 * time.Minute):
		cmd.Process.Kill()
		t.Fatalf("the window test did not end within 2 minutes\n%s", out.String())
	}

	f, err := os.Open(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v\n%s", err, out.String())
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	colours := make(map[[3]uint32]bool)
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 4 {
		for x := b.Min.X; x < b.Max.X; x += 4 {
			r, g, bl, _ := img.At(x, y).RGBA()
			colours[[3]uint32{r >> 8, g >> 8, bl >> 8}] = true
		}
	}
	if len(colours) < 8 {
		t.Errorf("the screenshot has %d colours: the window was not drawn\n%s", len(colours), out.String())
	}
	if !strings.Contains(out.String(), "kiosk started") {
		t.Errorf("the kiosk frame did not log its start:\n%s", out.String())
	}
}
