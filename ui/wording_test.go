package ui

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// blockedKeys are the Chinese texts that name a blocked carcass, a
// carcass that yields nothing.
var blockedKeys = []string{
	"decision.quality.blocked",
	"station.refused.carcass_blocked",
	"station.refused.signoff_held",
	"station.refused.signoff_cutting",
	"ui.entry.counts",
	"ui.entry.alert.blocked",
	"ui.carcass.state.blocked",
	"ui.office.holds.block",
	"ui.office.holds.confirm_block",
	"ui.office.holds.block_title",
	"ui.office.holds.blocked",
	"ui.office.decision.block",
	"ui.office.inspection.condemned_title",
	"ui.office.lab.confirm_positive",
	"ui.office.signoff.figures",
	"ui.office.signoff.note.held",
	"ui.office.signoff.refused.held",
}

// A blocked carcass is 禁止出品 on every screen. 封存 is kept for a sealed
// batch and 停用 for a deactivated user, so no Chinese text calls a
// carcass by either, and 禁用 is used nowhere.
func TestBlockedCarcassHasOneTerm(t *testing.T) {
	files, err := filepath.Glob("../line/translations/zh-CN/*.json")
	if err != nil {
		t.Fatal(err)
	}
	texts := make(map[string]string)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var part map[string]string
		if err := json.Unmarshal(data, &part); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for key, text := range part {
			texts[key] = text
			if strings.Contains(text, "禁用") {
				t.Errorf("%s: %s = %q uses 禁用", filepath.Base(f), key, text)
			}
		}
	}
	for _, key := range blockedKeys {
		text, ok := texts[key]
		switch {
		case !ok:
			t.Errorf("no Chinese text %s", key)
		case !strings.Contains(text, "禁止出品"):
			t.Errorf("%s = %q does not say 禁止出品", key, text)
		case strings.Contains(text, "封存"):
			t.Errorf("%s = %q calls a blocked carcass 封存", key, text)
		}
	}
}
