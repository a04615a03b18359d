package main

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const sample = "../../testdata/xilingol-2026-12-04"

func checkArgs(products, registry, linerun string) []string {
	return []string{"check", "--products", products, "--registry", registry, "--linerun", linerun}
}

func sampleArgs() []string {
	return checkArgs(sample+".products.json", sample+".registry.json", sample+".linerun.json")
}

func TestCheckSampleDaySummary(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run(sampleArgs(), &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	var got, want map[string]any
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &got); err != nil {
		t.Fatal(err)
	}
	wantData, err := os.ReadFile(sample + ".summary.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(wantData, &want); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("summary =\n%s\nwant\n%s", lines[len(lines)-1], wantData)
	}

	// One decision line per decision counted in the summary.
	counted := 0
	for _, n := range want["decisions"].(map[string]any) {
		counted += int(n.(float64))
	}
	if len(lines)-1 != counted {
		t.Errorf("%d decision lines, summary counts %d", len(lines)-1, counted)
	}
	for _, l := range lines[:len(lines)-1] {
		var d decisionLine
		if err := json.Unmarshal([]byte(l), &d); err != nil {
			t.Fatalf("decision line %q: %v", l, err)
		}
		if d.Type != "decision" || d.Code == "" || d.ReasonZH == "" || d.ReasonEN == "" ||
			(d.Severity != "block" && d.Severity != "review") {
			t.Errorf("decision line %q is incomplete", l)
		}
	}
}

// TestCheckSampleDayPlanted ensures each irregularity planted in the sample
// day is reported under its code, for the animal it was planted on.
func TestCheckSampleDayPlanted(t *testing.T) {
	var stdout bytes.Buffer
	if code := run(sampleArgs(), &stdout, io.Discard); code != exitOK {
		t.Fatalf("exit %d", code)
	}
	seen := make(map[string]map[string]bool) // code -> rfid, ear tag and consignment
	for _, l := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
		var d decisionLine
		_ = json.Unmarshal([]byte(l), &d)
		if seen[d.Code] == nil {
			seen[d.Code] = make(map[string]bool)
		}
		seen[d.Code][d.RFID], seen[d.Code][d.EarTag], seen[d.Code][d.Consignment] = true, true, true
	}
	var planted map[string][]string
	data, _ := os.ReadFile(sample + ".expected.json")
	if err := json.Unmarshal(data, &planted); err != nil {
		t.Fatal(err)
	}
	kinds := map[string]string{
		"unknown_rfid": "tag.unknown", "tag_reuse": "tag.reused", "tagged_late": "tag.late",
		"tagged_before_slaughter": "tag.recent", "non_pastoral": "origin.non_pastoral", "feedlot": "origin.feedlot",
		"withdrawal": "drug.withdrawal",
		"condemned":  "inspection.condemned", "mass_excess": "mass.excess", "excess_loss": "mass.loss",
		"certificate_expired": "certificate.expired",
	}
	// Consignment rules are planted by owner id; decisions name the
	// consignment.
	var reg struct {
		Consignments []struct {
			ID    string
			Owner struct{ ID string }
		}
	}
	data, _ = os.ReadFile(sample + ".registry.json")
	if err := json.Unmarshal(data, &reg); err != nil {
		t.Fatal(err)
	}
	consignmentOf := make(map[string]string)
	for _, c := range reg.Consignments {
		consignmentOf[c.Owner.ID] = c.ID
	}
	kinds["late_declaration"] = "consignment.late_declaration"
	kinds["over_head_count"] = "consignment.over_head_count"
	for kind, ids := range planted {
		code, ok := kinds[kind]
		if !ok {
			t.Errorf("planted kind %s has no rule code", kind)
			continue
		}
		for _, id := range ids {
			if c, byOwner := consignmentOf[id]; byOwner {
				id = c
			}
			if !seen[code][id] {
				t.Errorf("%s planted as %s not reported as %s", id, kind, code)
			}
		}
	}
}

func TestCheckInvalidInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	registry, err := os.ReadFile(sample + ".registry.json")
	if err != nil {
		t.Fatal(err)
	}
	badRegistry := write("registry.json", strings.Replace(string(registry), `"head_count": 19`, `"head_count": "19"`, 1))
	tests := []struct {
		name string
		args []string
		want []string // substrings of stderr
	}{
		{"WrongType", checkArgs(sample+".products.json", badRegistry, sample+".linerun.json"),
			[]string{badRegistry, "consignments[0].certificate.head_count", "SB152502-20261203-001", "类型错误", "wrong type"}},
		{"MissingFile", checkArgs(filepath.Join(dir, "none.json"), sample+".registry.json", sample+".linerun.json"),
			[]string{"none.json", "无法读取文件", "文件不存在", "cannot read file", "no such file"}},
		{"Directory", checkArgs(dir, sample+".registry.json", sample+".linerun.json"),
			[]string{"这是一个目录", "it is a directory"}},
		{"Truncated", checkArgs(sample+".products.json", sample+".registry.json", write("run.json", `{"format":"lambtrace-linerun/1",`)),
			[]string{"run.json", "JSON"}},
		{"Swapped", checkArgs(sample+".registry.json", sample+".products.json", sample+".linerun.json"),
			[]string{"format", "lambtrace-products/1"}},
		{"NoFlags", []string{"check"}, []string{"--products"}},
		{"UnknownCommand", []string{"frobnicate"}, []string{"unknown command", "未知命令"}},
		{"UnknownFlag", []string{"check", "--bogus"}, []string{"not defined: -bogus", "参数错误"}},
		{"ExtraArgument", append(sampleArgs(), "extra.json"), []string{"unexpected arguments: extra.json", "多余的参数"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(tt.args, &stdout, &stderr); code != exitInvalid {
				t.Errorf("exit %d, want %d", code, exitInvalid)
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout not empty: %q", stdout.String())
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr.String())
				}
			}
			if n := strings.Count(stderr.String(), "usage:"); n > 1 {
				t.Errorf("usage printed %d times", n)
			}
		})
	}
}

func TestCheckHelp(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"--help"}, {"check", "-h"}} {
		var stdout, stderr bytes.Buffer
		if code := run(args, &stdout, &stderr); code != exitOK {
			t.Errorf("%v: exit %d, want 0", args, code)
		}
		if !strings.Contains(stdout.String(), "usage: tracectl") || stderr.Len() != 0 {
			t.Errorf("%v: stdout %q, stderr %q", args, stdout.String(), stderr.String())
		}
	}
}

func TestCheckListsDroppedProblems(t *testing.T) {
	registry, err := os.ReadFile(sample + ".registry.json")
	if err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(t.TempDir(), "registry.json")
	broken := strings.ReplaceAll(string(registry), `"sex": "F"`, `"sex": "X"`)
	if err := os.WriteFile(bad, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	if code := run(checkArgs(sample+".products.json", bad, sample+".linerun.json"), io.Discard, &stderr); code != exitInvalid {
		t.Fatalf("exit %d", code)
	}
	out := stderr.String()
	if !strings.Contains(out, "problem(s); nothing from it was used") || !strings.Contains(out, "more problem(s) not shown") ||
		!strings.Contains(out, "处错误未列出") {
		t.Errorf("stderr does not report the problems beyond the listed ones:\n%s", out[len(out)-300:])
	}
}

// BenchmarkCheckSampleDay measures the whole day check: reading and
// validating the three files, replaying 375 carcasses and writing the
// output.
func BenchmarkCheckSampleDay(b *testing.B) {
	args := sampleArgs()
	for b.Loop() {
		if code := run(args, io.Discard, io.Discard); code != exitOK {
			b.Fatalf("exit %d", code)
		}
	}
}
