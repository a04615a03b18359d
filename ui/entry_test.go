package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"lambtrace/line"
)

// lateConsignment declared its animals for slaughter too late, so every
// carcass of it is held with consignment.late_declaration.
const lateConsignment = "SB152522-20261203-010"

func TestEntryShowsLastCarcass(t *testing.T) {
	r := newRig(t, rigOptions{})
	entry := NewEntryScreen(r.k, hookScale)
	r.start(entry)
	r.signIn("op7", testPIN)
	if r.k.Current() != entry {
		t.Fatalf("operator sees %v, want the entry screen", r.k.Current())
	}

	a := r.cleanAnimals(1)[0]
	c := r.tag(a)
	if got := entry.number.Text; got != c.Number {
		t.Errorf("card number = %q, want %s", got, c.Number)
	}
	if got := entry.earTag.Text; got != a.EarTag.Dashed() {
		t.Errorf("card ear tag = %q, want %s", got, a.EarTag.Dashed())
	}
	if got := entry.owner.Text; got != a.Consignment.Owner.Name {
		t.Errorf("card owner = %q, want %s", got, a.Consignment.Owner.Name)
	}
	if got := entry.banner.Text; got != a.Consignment.Owner.CountyName {
		t.Errorf("card banner = %q, want %s", got, a.Consignment.Owner.CountyName)
	}
	if got := entry.breed.Text; got != a.Breed {
		t.Errorf("card breed = %q, want %s", got, a.Breed)
	}
	if got := entry.hot.Text; got != "等待称重" {
		t.Errorf("hot weight before weighing = %q", got)
	}
	if got := entry.next.Text; !strings.Contains(got, c.Number) {
		t.Errorf("next on the hook scale = %q, want %s", got, c.Number)
	}

	hot := a.LiveWeight / 2
	r.weigh(hookScale, hot, carcassDiv)
	if got := entry.hot.Text; got != hot.String() {
		t.Errorf("hot weight after weighing = %q, want %s", got, hot)
	}
	if got := entry.weight.Text(); !strings.Contains(got, "稳定") || !strings.HasPrefix(got, formatMass(hot, 3)) {
		t.Errorf("weight display = %q, want %s steady", got, formatMass(hot, 3))
	}
	if got := entry.counts.Text; !strings.Contains(got, "入场 1 头") || !strings.Contains(got, "已称热胴体重 1 头") ||
		!strings.Contains(got, "等待称重 0 头") {
		t.Errorf("counts = %q", got)
	}
	if entry.Alerting() {
		t.Error("a clean carcass raised an alert")
	}
}

func TestEntryHeldAlertNeedsAcknowledging(t *testing.T) {
	r := newRig(t, rigOptions{})
	entry := NewEntryScreen(r.k, hookScale)
	cut := NewCuttingScreen(r.k, CuttingScales{Carcass: carcassScale, Pack: packScale})
	r.start(entry, cut)
	r.signIn("op7", testPIN)

	held := r.tag(r.animal(lateConsignment))
	if !entry.Alerting() || entry.alert.Hidden {
		t.Fatal("a held carcass raised no alert")
	}
	decisions, err := r.st.Decisions(r.k.ctx, held.Number)
	if err != nil || len(decisions) == 0 {
		t.Fatalf("decisions of %s = %v, %v", held.Number, decisions, err)
	}
	if got := entry.alertTitle.Text; !strings.Contains(got, held.Number) || !strings.Contains(got, "扣留") {
		t.Errorf("alert title = %q", got)
	}
	text := entry.alertText.String()
	for _, d := range decisions {
		if reason := d.Reason(line.LangZH); !strings.Contains(text, reason) {
			t.Errorf("alert %q lacks the reason %q", text, reason)
		}
	}

	// Taps on the red area, other screens and a fresh Show keep it.
	test.Tap(entry.alert.Objects[0].(*blocker))
	r.k.ShowScreen("cutting")
	r.k.ShowScreen("entry")
	if !entry.Alerting() || entry.alert.Hidden {
		t.Fatal("the alert went away without acknowledgement")
	}

	// In English the Chinese reason stays, with the English one below.
	r.k.SetLang(line.LangEN)
	text = entry.alertText.String()
	for _, d := range decisions {
		for _, lang := range line.Langs {
			if reason := d.Reason(lang); !strings.Contains(text, reason) {
				t.Errorf("English alert %q lacks the %s reason %q", text, lang, reason)
			}
		}
	}
	r.k.SetLang(line.LangZH)

	test.Tap(entry.ack)
	if entry.Alerting() || !entry.alert.Hidden {
		t.Error("the alert stays after acknowledgement")
	}
	if got := entry.state.Text; got != "扣留" {
		t.Errorf("card state after acknowledgement = %q, want 扣留", got)
	}
}

func TestEntryAlertsOneCarcassAtATime(t *testing.T) {
	r := newRig(t, rigOptions{})
	entry := NewEntryScreen(r.k, hookScale)
	r.start(entry)
	r.signIn("op7", testPIN)

	unknown := line.RFID("156000099999999")
	first, err := r.st.TagRead(r.k.ctx, line.TagEvent{Reader: "reader-1", TagRead: line.TagRead{Raw: string(unknown), RFID: unknown}})
	if err != nil {
		t.Fatal(err)
	}
	second := r.tag(r.animal(lateConsignment))
	r.k.pump()
	if got := entry.alertTitle.Text; !strings.Contains(got, first.Number) || !strings.Contains(got, "禁止出品") {
		t.Errorf("first alert title = %q, want blocked %s", got, first.Number)
	}
	if got := entry.alertMore.Text; !strings.Contains(got, "另有 1 个") {
		t.Errorf("alert count = %q", got)
	}
	test.Tap(entry.ack)
	if got := entry.alertTitle.Text; !strings.Contains(got, second.Number) {
		t.Errorf("second alert title = %q, want %s", got, second.Number)
	}
	test.Tap(entry.ack)
	if entry.Alerting() {
		t.Error("alerts left after two acknowledgements")
	}
}

func TestEntryScanTargetsHotWeight(t *testing.T) {
	r := newRig(t, rigOptions{})
	entry := NewEntryScreen(r.k, hookScale)
	r.start(entry)
	r.signIn("op7", testPIN)
	animals := r.cleanAnimals(2)
	first, second := r.tag(animals[0]), r.tag(animals[1])

	// A keyboard scanner types the label's code and Enter.
	for _, c := range second.Number {
		r.win.Canvas().OnTypedRune()(c)
	}
	r.k.typedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	r.work.runAll()
	if got := entry.next.Text; !strings.Contains(got, second.Number) {
		t.Errorf("next after scanning %s = %q", second.Number, got)
	}
	r.weigh(hookScale, animals[1].LiveWeight/2, carcassDiv)
	if c, _ := r.st.Carcass(second.Number); c.Hot == 0 {
		t.Errorf("scanned carcass %s got no hot weight", second.Number)
	}
	if c, _ := r.st.Carcass(first.Number); c.Hot != 0 {
		t.Errorf("carcass %s got the hot weight of %s", first.Number, second.Number)
	}

	r.k.Scan("LA 156 000011051554")
	if got := r.k.notice.Text(); !strings.Contains(got, "不是胴体号") {
		t.Errorf("notice after scanning an RFID = %q", got)
	}
}
