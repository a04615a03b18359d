package line_test

import (
	"errors"
	"testing"
	"time"

	"lambtrace/line"
)

func problemOf(err error) line.IDProblem {
	var idErr *line.IDError
	if errors.As(err, &idErr) {
		return idErr.Problem
	}
	return ""
}

func TestParseRFID(t *testing.T) {
	tests := []struct {
		in      string
		problem line.IDProblem
	}{
		{"156000011051554", ""},
		{"036000982000123", ""},
		{"999274877906943", ""},
		{"156274877906944", line.ProblemRange},
		{"15600001105155", line.ProblemLength},
		{"1560000110515544", line.ProblemLength},
		{"156 00011051554", line.ProblemLength},
		{"", line.ProblemLength},
	}
	for _, tt := range tests {
		got, err := line.ParseRFID(tt.in)
		if p := problemOf(err); p != tt.problem {
			t.Errorf("ParseRFID(%q) problem = %q, want %q (err %v)", tt.in, p, tt.problem, err)
		}
		if err == nil && string(got) != tt.in {
			t.Errorf("ParseRFID(%q) = %q", tt.in, got)
		}
	}
}

func TestNewRFID(t *testing.T) {
	id, err := line.NewRFID(36, 982000123)
	if err != nil || id != "036000982000123" {
		t.Fatalf("NewRFID(36, 982000123) = %q, %v", id, err)
	}
	if id.Country() != "036" || id.National() != "000982000123" || id.Spaced() != "036 000982000123" {
		t.Errorf("fields of %q: %q %q %q", id, id.Country(), id.National(), id.Spaced())
	}
	if _, err := line.NewRFID(1000, 1); problemOf(err) != line.ProblemRange {
		t.Errorf("NewRFID(1000, 1) err = %v, want range", err)
	}
	if _, err := line.NewRFID(156, line.MaxRFIDNational+1); problemOf(err) != line.ProblemRange {
		t.Errorf("NewRFID(156, max+1) err = %v, want range", err)
	}
}

func TestParseEarTag(t *testing.T) {
	tests := []struct {
		in      string
		problem line.IDProblem
	}{
		{"315250200357041", ""},
		{"315022100357457", ""},
		{"215250200357041", line.ProblemSpecies},
		{"115250200357041", line.ProblemSpecies},
		{"315259900000001", line.ProblemCounty},
		{"319990000000001", line.ProblemCounty},
		{"31525020035704", line.ProblemLength},
		{"3152502003570411", line.ProblemLength},
		{"3-152502-0035704", line.ProblemLength},
	}
	for _, tt := range tests {
		got, err := line.ParseEarTag(tt.in, nil)
		if p := problemOf(err); p != tt.problem {
			t.Errorf("ParseEarTag(%q) problem = %q, want %q (err %v)", tt.in, p, tt.problem, err)
		}
		if err == nil && string(got) != tt.in {
			t.Errorf("ParseEarTag(%q) = %q", tt.in, got)
		}
	}
	tag := line.EarTag("315250200357041")
	if tag.County() != "152502" || tag.Serial() != "00357041" || tag.Dashed() != "3-152502-00357041" {
		t.Errorf("fields of %s: %q %q %q", tag, tag.County(), tag.Serial(), tag.Dashed())
	}
}

func TestCarcassNumber(t *testing.T) {
	day := line.Date{Year: 2026, Month: time.December, Day: 4}
	got, err := line.FormatCarcassNumber(day, 31)
	if err != nil || got != "20261204-0031" {
		t.Fatalf("FormatCarcassNumber(%v, 31) = %q, %v", day, got, err)
	}
	d, seq, err := line.ParseCarcassNumber(got)
	if err != nil || d != day || seq != 31 {
		t.Errorf("ParseCarcassNumber(%q) = %v, %d, %v", got, d, seq, err)
	}
	for _, seq := range []int{0, 10000} {
		if _, err := line.FormatCarcassNumber(day, seq); problemOf(err) != line.ProblemRange {
			t.Errorf("FormatCarcassNumber(day, %d) err = %v, want range", seq, err)
		}
	}
	for _, bad := range []string{"20261204-0000", "20261304-0001", "2026120400001", "20261204-001", "2026120a-0001"} {
		if _, _, err := line.ParseCarcassNumber(bad); err == nil {
			t.Errorf("ParseCarcassNumber(%q) accepted", bad)
		}
	}
}

func TestPackSerial(t *testing.T) {
	got, err := line.FormatPackSerial(1, 4806)
	if err != nil || got != "010000004806" {
		t.Fatalf("FormatPackSerial(1, 4806) = %q, %v", got, err)
	}
	station, counter, err := line.ParsePackSerial(got)
	if err != nil || station != 1 || counter != 4806 {
		t.Errorf("ParsePackSerial(%q) = %d, %d, %v", got, station, counter, err)
	}
	for _, args := range [][2]int64{{0, 1}, {100, 1}, {1, 0}, {1, 10_000_000_000}} {
		if _, err := line.FormatPackSerial(int(args[0]), args[1]); err == nil {
			t.Errorf("FormatPackSerial(%d, %d) accepted", args[0], args[1])
		}
	}
	for _, bad := range []string{"000000000001", "010000000000", "01000000480", "01000000480a"} {
		if _, _, err := line.ParsePackSerial(bad); err == nil {
			t.Errorf("ParsePackSerial(%q) accepted", bad)
		}
	}
}

func TestBatchID(t *testing.T) {
	day := line.Date{Year: 2026, Month: time.December, Day: 4}
	tests := []struct {
		in   string
		want line.BatchID
	}{
		{"20261204-L1-1", line.BatchID{Day: day, Line: 1, Shift: 1}},
		{"20261204-L12-3", line.BatchID{Day: day, Line: 12, Shift: 3}},
	}
	for _, tt := range tests {
		got, err := line.ParseBatchID(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseBatchID(%q) = %+v, %v, want %+v", tt.in, got, err, tt.want)
		}
		if got.String() != tt.in {
			t.Errorf("BatchID.String() = %q, want %q", got.String(), tt.in)
		}
	}
	for _, bad := range []string{"20261204-L0-1", "20261204-L01-1", "20261204-L1-0", "20261204-L100-1",
		"20261232-L1-1", "20261204L1-1", "20261204-X1-1", "B20261204-L1-1", ""} {
		if _, err := line.ParseBatchID(bad); err == nil {
			t.Errorf("ParseBatchID(%q) accepted", bad)
		}
	}
}

func TestDate(t *testing.T) {
	d, err := line.ParseDate("2026-12-04")
	if err != nil {
		t.Fatal(err)
	}
	born, _ := line.ParseDate("2026-02-27")
	if got := d.DaysSince(born); got != 280 {
		t.Errorf("DaysSince = %d, want 280", got)
	}
	if got := born.AddDays(2).String(); got != "2026-03-01" {
		t.Errorf("AddDays across February = %s, want 2026-03-01", got)
	}
	for _, bad := range []string{"2026-02-30", "2026-12-4", "04.12.2026", ""} {
		if _, err := line.ParseDate(bad); err == nil {
			t.Errorf("ParseDate(%q) accepted", bad)
		}
	}
}
