package line_test

import (
	"errors"
	"strings"
	"testing"

	"lambtrace/line"
)

// TestRefusalTexts ensures every refusal reason has a message in both
// catalogs that renders its facts.
func TestRefusalTexts(t *testing.T) {
	data := map[string]string{"carcass": "20261204-0031", "lot": "ROLL-1", "scale": "pack", "serial": "010000000001",
		"product": "leg_bone_in", "lot_product": "roll", "kind": "bone", "grams": "18280", "batch": "20261204-L1-1",
		"state": "review", "result": "pass", "sample": "LAB-1", "consignment": "C-1", "job": "7"}
	for _, reason := range line.RefusalReasons {
		for _, lang := range line.Langs {
			text := line.Refusal{Reason: reason, Data: data}.Text(lang)
			if text == "" || strings.HasPrefix(text, "station.refused.") || strings.Contains(text, "<no value>") {
				t.Errorf("refusal %s in %s = %q", reason, lang, text)
			}
		}
	}
}

func TestRefusalDecisionText(t *testing.T) {
	d := line.Decision{Code: line.CodeMassExcess, Severity: line.SeverityBlock, Carcass: "20261204-0052",
		Facts: map[string]string{"kind": "pack", "weight_g": "2950", "input_g": "18670", "outputs_g": "20962",
			"tolerance_g": "48", "excess_g": "2244"}}
	err := error(&line.RefusalError{Refusal: line.Refusal{Reason: line.RefusedMassExcess, Decision: &d}})
	var ref *line.RefusalError
	if !errors.As(err, &ref) || ref.Reason != line.RefusedMassExcess {
		t.Fatalf("errors.As(%v) failed", err)
	}
	if got := ref.Text(line.LangEN); got != d.Reason(line.LangEN) {
		t.Errorf("Text(en) = %q, want the decision's reason %q", got, d.Reason(line.LangEN))
	}
	if !strings.Contains(err.Error(), "18.670 kg") {
		t.Errorf("Error() = %q, want the input weight", err.Error())
	}
}
