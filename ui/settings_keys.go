package ui

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// Key roles and algorithms, as the signing package names them.
var (
	keyAlgorithms = []string{"ed25519", "sm2"}
)

// keyArgs hold what the new station key button's job makes.
type keyArgs struct {
	actor     string
	algorithm string
}

// keysSection lists the signing keys the station holds by their key ids
// and makes new ones: a station key, or an inspector key encrypted under
// the veterinarian's PIN.
type keysSection struct {
	s         *SettingsScreen
	keys      []KeyInfo
	algorithm int
	args      shared[keyArgs]

	list      *PagedList
	algTiles  []*Tile
	hint      *widget.Label
	station   *ActionButton
	inspector *TouchButton
	body      fyne.CanvasObject
}

func newKeysSection(s *SettingsScreen) *keysSection {
	ks := &keysSection{s: s}
	k := s.k
	ks.list = NewPagedList(k, 4, func() int { return len(ks.keys) },
		func() fyne.CanvasObject { return NewTile(k, "", "", nil) },
		func(i int, row fyne.CanvasObject) {
			// The key id is the detail line, whose smaller text keeps all
			// of its hex digits in the tile, so it can be compared with
			// the id the platform registered.
			key := ks.keys[i]
			row.(*Tile).Set(ks.keyTitle(key), key.KID, false)
		})
	algs := container.NewGridWithColumns(len(keyAlgorithms))
	for i := range keyAlgorithms {
		t := NewTile(k, "", "", func() {
			ks.algorithm = i
			ks.render()
		})
		ks.algTiles = append(ks.algTiles, t)
		algs.Add(t)
	}
	ks.hint = widget.NewLabel("")
	ks.hint.Wrapping = fyne.TextWrapWord
	ks.station = NewActionButton(k, "", func(ctx context.Context) error {
		a := ks.args.get()
		_, err := s.set.NewKey(ctx, a.actor, "station", a.algorithm, "")
		return err
	})
	ks.station.Done = s.saved
	ks.inspector = NewTouchButton(k, "", nil, ks.openInspector)
	detail := container.NewBorder(algs, container.NewVBox(ks.station, ks.inspector), nil, nil, ks.hint)
	// The list takes half the width, so a 32-digit key id fits its tile.
	ks.body = container.New(&splitLayout{share: 0.5}, ks.list, detail)
	return ks
}

func (ks *keysSection) titleKey() string           { return "ui.office.settings.keys" }
func (ks *keysSection) content() fyne.CanvasObject { return ks.body }

func (ks *keysSection) show() {
	k := ks.s.k
	ks.station.SetText(k.T("ui.office.keys.new_station", nil))
	ks.inspector.SetText(k.T("ui.office.keys.new_inspector", nil))
	ks.hint.SetText(k.T("ui.office.keys.hint", nil))
	var got []KeyInfo
	ks.s.read(func(ctx context.Context) error {
		var err error
		got, err = ks.s.set.Keys(ctx)
		return err
	}, func(err error) {
		if err != nil {
			k.ShowError(err)
			return
		}
		ks.keys = got
		ks.list.Reload()
	})
	ks.render()
}

// keyTitle names a key's role, algorithm and protection.
func (ks *keysSection) keyTitle(key KeyInfo) string {
	k := ks.s.k
	lock := "ui.office.keys.plain"
	if key.Encrypted {
		lock = "ui.office.keys.encrypted"
	}
	return k.T("ui.office.keys.role."+key.Role, nil) + " · " + key.Algorithm + " · " + k.T(lock, nil)
}

func (ks *keysSection) render() {
	for i, a := range keyAlgorithms {
		ks.algTiles[i].Set(a, "", i == ks.algorithm)
	}
	ks.args.set(keyArgs{actor: ks.s.k.Actor(), algorithm: keyAlgorithms[ks.algorithm]})
}

// openInspector prompts for the veterinarian's PIN twice and makes an
// inspector key encrypted under it.
func (ks *keysSection) openInspector() {
	k := ks.s.k
	actor, algorithm := k.Actor(), keyAlgorithms[ks.algorithm]
	ks.s.pin = openPINDialog(k, k.T("ui.office.keys.inspector_title", map[string]string{"algorithm": algorithm}),
		func(ctx context.Context, pin string) error {
			_, err := ks.s.set.NewKey(ctx, actor, "inspector", algorithm, pin)
			return err
		}, func() { ks.s.saved(nil) })
}
