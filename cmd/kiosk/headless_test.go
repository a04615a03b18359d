package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"lambtrace/cmd/internal/dayrun"
	"lambtrace/line"
	"lambtrace/store"
)

// sample is the sample day, from the repository's testdata.
const sample = "../../testdata/xilingol-2026-12-04"

// shortPasses is the number of the sample day's passes a short day keeps.
const shortPasses = 20

// needSocat skips a test that needs socat for its ptys.
func needSocat(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("socat"); err != nil {
		t.Skip("socat is not installed; the simulated reader and ASCII scale need it for their ptys (apt-get install socat)")
	}
}

// shortLineRun writes the first passes of the sample line run to dir and
// returns its path. The mixed lot keeps its declared sources and its
// first packs, so some of them fit the trim of the passes kept.
func shortLineRun(t testing.TB, dir string, passes, lotPacks int) string {
	t.Helper()
	data, err := os.ReadFile(sample + ".linerun.json")
	if err != nil {
		t.Fatal(err)
	}
	var run map[string]any
	if err := json.Unmarshal(data, &run); err != nil {
		t.Fatal(err)
	}
	run["passes"] = run["passes"].([]any)[:passes]
	for _, lot := range run["lots"].([]any) {
		l := lot.(map[string]any)
		l["packs_g"] = l["packs_g"].([]any)[:lotPacks]
	}
	out, err := json.MarshalIndent(run, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "short.linerun.json")
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// checkSummary returns the summary tracectl check prints for a line run.
func checkSummary(t testing.TB, runPath string) dayrun.Summary {
	t.Helper()
	day, err := loadDay(sample+".products.json", sample+".registry.json", runPath)
	if err != nil {
		t.Fatal(err)
	}
	result, err := day.Replay(dayrun.DecodePass)
	if err != nil {
		t.Fatal(err)
	}
	return dayrun.SummaryOf(result.Summary)
}

// readSummary reads OUT/summary.json.
func readSummary(t testing.TB, out string) daySummary {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(out, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s daySummary
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatalf("summary.json: %v\n%s", err, data)
	}
	return s
}

func headlessArgs(runPath, data, out string) []string {
	return []string{"-headless", "-products", sample + ".products.json", "-registry", sample + ".registry.json",
		"-linerun", runPath, "-data", data, "-out", out}
}

// TestHeadlessShortDay plays the first passes of the sample day through
// the simulators, the real drivers, the station and the printers, and
// checks the summary against the day check, the labels and the journal.
func TestHeadlessShortDay(t *testing.T) {
	needSocat(t)
	dir := t.TempDir()
	runPath := shortLineRun(t, dir, shortPasses, 4)
	data, out := filepath.Join(dir, "data"), filepath.Join(dir, "out")

	var stdout, stderr bytes.Buffer
	if code := run(headlessArgs(runPath, data, out), &stdout, &stderr); code != exitOK {
		t.Fatalf("kiosk -headless: exit %d\n%s", code, stderr.String())
	}
	got := readSummary(t, out)
	want := checkSummary(t, runPath)
	if !reflect.DeepEqual(got.Summary, want) {
		t.Errorf("summary =\n%+v\nwant the day check's\n%+v", got.Summary, want)
	}
	if !got.JournalVerified {
		t.Error("journal_verified is false")
	}
	for name, n := range map[string]*int{"batches": got.Batches, "uploaded": got.Uploaded, "receipts_verified": got.ReceiptsVerified} {
		if n == nil || *n != 1 {
			t.Errorf("%s = %v, want 1", name, n)
		}
	}
	if got.ElapsedS <= 0 {
		t.Errorf("elapsed_s = %v", got.ElapsedS)
	}
	for name, f := range map[string]Figures{"tag to committed": got.Latency.TagToCommitted,
		"tag to carcass label": got.Latency.TagToCarcassLabel, "pack to label": got.Latency.PackStableToLabel} {
		if f.Count == 0 || f.P50MS <= 0 || f.P99MS < f.P50MS || f.MaxMS < f.P99MS {
			t.Errorf("latency %s = %+v", name, f)
		}
	}
	if got.Latency.PackStableToLabel.Count != got.Packs {
		t.Errorf("pack latency has %d samples for %d packs", got.Latency.PackStableToLabel.Count, got.Packs)
	}
	for _, w := range []string{"summary.json"} {
		if !strings.Contains(stderr.String(), w) {
			t.Errorf("stderr lacks %q:\n%s", w, stderr.String())
		}
	}

	checkLabels(t, data, filepath.Join(out, "labels"), got)
}

// checkLabels checks that every pack and every carcass that was not
// blocked at entry has its label job in labels, that the job carries its
// serial, and that previews of each template were drawn.
func checkLabels(t *testing.T, data, labelsDir string, s daySummary) {
	t.Helper()
	db, err := store.Open(context.Background(), data, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	day, _ := line.ParseDate("2026-12-04")
	facts, err := db.BatchFacts(context.Background(), line.BatchID{Day: day, Line: 1, Shift: 1}.String())
	if err != nil {
		t.Fatal(err)
	}

	serials := make(map[string]bool)
	for _, p := range facts.Packs {
		serials[p.Serial] = true
	}
	entryBlocked := make(map[string]bool)
	for _, d := range facts.Decisions {
		if d.Blocks() && d.Code != line.CodeMassExcess && d.Code != line.CodeInspectionCondemned {
			entryBlocked[d.Carcass] = true
		}
	}
	for _, c := range facts.Carcasses {
		if !entryBlocked[c.Number] {
			serials[c.Number] = true
		}
	}
	for serial := range serials {
		job, err := os.ReadFile(filepath.Join(labelsDir, serial+".zpl"))
		if err != nil {
			t.Errorf("label %s: %v", serial, err)
			continue
		}
		if got, ok := labelSerial(job); !ok || got != serial {
			t.Errorf("label job %s.zpl carries serial %q", serial, got)
		}
	}
	if s.LabelsPrinted != len(serials) {
		t.Errorf("labels_printed = %d, want %d: every pack and every carcass not blocked at entry", s.LabelsPrinted, len(serials))
	}

	previews, err := filepath.Glob(filepath.Join(labelsDir, "*.png"))
	if err != nil {
		t.Fatal(err)
	}
	carcass, pack, mixed := 0, 0, 0
	for _, p := range previews {
		serial := strings.TrimSuffix(filepath.Base(p), ".png")
		switch {
		case strings.Contains(serial, "-"):
			carcass++
		case lotPack(facts, serial):
			mixed++
		default:
			pack++
		}
	}
	if carcass != previewsPerTemplate || pack != previewsPerTemplate || mixed == 0 {
		t.Errorf("previews: %d carcass, %d pack and %d mixed-lot labels, want %d, %d and at least one: %v",
			carcass, pack, mixed, previewsPerTemplate, previewsPerTemplate, previews)
	}
}

func lotPack(f *line.BatchFacts, serial string) bool {
	for _, p := range f.Packs {
		if p.Serial == serial {
			return p.Lot != ""
		}
	}
	return false
}

// TestHeadlessDayDoneTwice checks that a second run on a finished day
// records nothing more and writes the same summary.
func TestHeadlessDayDoneTwice(t *testing.T) {
	needSocat(t)
	dir := t.TempDir()
	runPath := shortLineRun(t, dir, 5, 1)
	data, out := filepath.Join(dir, "data"), filepath.Join(dir, "out")
	var stderr bytes.Buffer
	if code := run(headlessArgs(runPath, data, out), &bytes.Buffer{}, &stderr); code != exitOK {
		t.Fatalf("first run: exit %d\n%s", code, stderr.String())
	}
	first := readSummary(t, out)
	stderr.Reset()
	if code := run(headlessArgs(runPath, data, out), &bytes.Buffer{}, &stderr); code != exitOK {
		t.Fatalf("second run: exit %d\n%s", code, stderr.String())
	}
	second := readSummary(t, out)
	if !reflect.DeepEqual(first.Summary, second.Summary) || first.LabelsPrinted != second.LabelsPrinted {
		t.Errorf("second run summary =\n%+v\nfirst\n%+v", second, first)
	}
	if !second.JournalVerified {
		t.Error("journal_verified is false after the second run")
	}
}
