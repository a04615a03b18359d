package ui

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"lambtrace/line"
)

// officeKey matches a whole catalog key of the office screens in Go
// source; keys built from a prefix end in a dot and do not match.
var officeKey = regexp.MustCompile(`"(ui\.office\.[a-z0-9_.]*[a-z0-9_])"`)

func TestOfficeKeysInCatalogs(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range officeKey.FindAllStringSubmatch(string(data), -1) {
			seen++
			for _, lang := range line.Langs {
				if got := line.Translate(lang, m[1], nil); got == m[1] {
					t.Errorf("%s: key %s has no %s text", f, m[1], lang)
				}
			}
		}
	}
	if seen < 100 {
		t.Errorf("found %d office keys in the source, want the screens' keys", seen)
	}
}

func TestOfficeBuiltKeysInCatalogs(t *testing.T) {
	// Keys built from a prefix and a value of the domain.
	var keys []string
	for _, st := range []line.CarcassState{line.CarcassEntered, line.CarcassWeighed, line.CarcassInspected,
		line.CarcassChilled, line.CarcassCutting, line.CarcassClosed} {
		keys = append(keys, "ui.office.stage."+string(st))
	}
	for _, st := range []line.BatchState{line.BatchOpen, line.BatchCutting, line.BatchReview, line.BatchSigned,
		line.BatchSealed, line.BatchUploaded} {
		keys = append(keys, "ui.office.batch_state."+string(st))
	}
	for _, st := range []line.PrintState{line.PrintQueued, line.PrintSent, line.PrintConfirmed, line.PrintFailed} {
		keys = append(keys, "ui.office.print."+string(st))
	}
	for _, st := range []UploadState{UploadQueued, UploadSending, UploadDelivered, UploadRejected} {
		keys = append(keys, "ui.office.upload."+string(st))
	}
	for _, st := range SignOffSteps {
		keys = append(keys, "ui.office.signoff.step."+string(st))
	}
	for _, r := range []string{RefusedSignHeld, RefusedSignState, RefusedSignCertificate, RefusedSignRole,
		RefusedSignPIN, RefusedSignProblems} {
		keys = append(keys, "ui.office.signoff.refused."+r)
	}
	for _, a := range labAnalytes {
		keys = append(keys, "ui.office.analyte."+a)
	}
	for _, r := range []string{line.LabNegative, line.LabPositive} {
		keys = append(keys, "ui.office.lab.result."+r)
	}
	for _, r := range []string{line.InspectionPartial, line.InspectionCondemned} {
		keys = append(keys, "ui.office.inspection."+r+"_title")
	}
	for _, r := range []string{"station", "inspector"} {
		keys = append(keys, "ui.office.keys.role."+r)
	}
	for _, f := range ruleFields {
		keys = append(keys, "ui.office.rules."+f.key, "ui.office.rules.unit."+f.unit)
	}
	for _, k := range keys {
		for _, lang := range line.Langs {
			if got := line.Translate(lang, k, map[string]string{"value": "1"}); got == k || strings.Contains(got, "<no value>") {
				t.Errorf("key %s renders %q in %s", k, got, lang)
			}
		}
	}
}
