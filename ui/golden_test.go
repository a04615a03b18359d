package ui

import (
	"flag"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"fyne.io/fyne/v2/test"
)

var update = flag.Bool("update", false, "rewrite the golden screenshots in testdata/")

// assertScreen compares the window with testdata/<name>, or rewrites the
// file with -update. A mismatch leaves the new image in
// testdata/failed/<name>.
func assertScreen(t *testing.T, r *rig, name string) {
	t.Helper()
	img := r.win.Canvas().Capture()
	if *update {
		writePNG(t, filepath.Join("testdata", name), img)
		return
	}
	test.AssertImageMatches(t, name, img)
}

func writePNG(t *testing.T, path string, img image.Image) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
}

// The golden screenshots are the main floor screens in Chinese on a
// 1024×600 panel, drawn with the bundled fonts, so they come out the same
// on any machine.
func TestGoldenScreens(t *testing.T) {
	r, cut := cuttingRig(t, rigOptions{})
	r.k.Lock()
	r.tapUser("op7")
	r.pressDigits("12")
	assertScreen(t, r, "login.png")

	r.k.login.pad.Clear()
	r.typePIN(testPIN)
	animals := r.cleanAnimals(3)
	r.tag(animals[0])
	r.weigh(hookScale, animals[0].LiveWeight/2, carcassDiv)
	r.tag(animals[1])
	assertScreen(t, r, "entry.png")

	r.tag(r.animal(lateConsignment))
	assertScreen(t, r, "entry-held.png")

	r.k.ShowScreen("cutting")
	r.work.runAll()
	r.readyToCut(cut, animals[2], 10000)
	tapOutput(t, r, cut, "leg_bone_in", "")
	r.weigh(packScale, 6000, packDiv)
	assertScreen(t, r, "cutting.png")
	r.weigh(packScale, 5000, packDiv)
	assertScreen(t, r, "cutting-refused.png")
}
