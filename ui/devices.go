package ui

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"lambtrace/line"
)

// rawBytesPerRow is how many bytes a row of the raw view shows, in hex
// and as text. Eight keep a row of small monospace text within the
// detail pane of a 1024-unit panel.
const rawBytesPerRow = 8

// rawTextSize is the text size of the raw view.
const rawTextSize = 18

// devicesArgs hold the device the command buttons' jobs address.
type devicesArgs struct {
	id string
}

// DevicesScreen shows each configured device with its status and, for
// commissioning, the raw bytes exchanged with the one picked. A scale
// can be zeroed and tared, and a printer can print a test label.
type DevicesScreen struct {
	k       *Kiosk
	dev     Devices
	shown   bool
	devices []Device
	picked  string
	rows    []rawLine
	args    shared[devicesArgs]

	list      *PagedList
	title     *widget.Label
	raw       *PagedList
	refresh   *TouchButton
	zero      *ActionButton
	tare      *ActionButton
	testPrint *ActionButton
	content   fyne.CanvasObject
}

var (
	_ Screen       = (*DevicesScreen)(nil)
	_ EventHandler = (*DevicesScreen)(nil)
)

// NewDevicesScreen returns the devices screen of the kiosk.
func NewDevicesScreen(k *Kiosk, dev Devices) *DevicesScreen {
	s := &DevicesScreen{k: k, dev: dev}
	s.list = NewPagedList(k, 4, func() int { return len(s.devices) },
		func() fyne.CanvasObject { return NewTile(k, "", "", nil) },
		func(i int, row fyne.CanvasObject) {
			d := s.devices[i]
			t := row.(*Tile)
			t.OnTapped = func() { s.pick(d.ID) }
			t.Set(k.T("ui.status.kind."+string(d.Kind), nil)+" "+d.ID, s.linkText(d.Link), d.ID == s.picked)
		})
	s.title = newTitleLabel()
	s.raw = NewPagedList(k, 8, func() int { return len(s.rows) },
		func() fyne.CanvasObject {
			t := canvas.NewText("", themeColor(theme.ColorNameForeground))
			t.TextSize = rawTextSize
			return t
		},
		func(i int, row fyne.CanvasObject) {
			t := row.(*canvas.Text)
			t.Text = s.rows[i].text
			t.TextStyle.Monospace = s.rows[i].dump
			t.Refresh()
		})
	s.refresh = NewTouchButton(k, "", nil, func() { s.Show() })
	command := func(run func(ctx context.Context, id string) error) *ActionButton {
		b := NewActionButton(k, "", func(ctx context.Context) error { return run(ctx, s.args.get().id) })
		b.Done = s.commandDone
		return b
	}
	s.zero = command(s.dev.Zero)
	s.tare = command(s.dev.Tare)
	s.testPrint = command(s.dev.TestPrint)
	buttons := container.NewGridWithColumns(4, s.refresh, s.zero, s.tare, s.testPrint)
	detail := container.NewBorder(s.title, buttons, nil, nil, s.raw)
	s.content = container.NewBorder(nil, nil, container.NewGridWrap(fyne.NewSize(300, 4*TouchTarget+60), s.list), nil, detail)
	return s
}

// Name returns "devices".
func (s *DevicesScreen) Name() string { return "devices" }

// TitleKey returns the navigation button's key.
func (s *DevicesScreen) TitleKey() string { return "ui.office.devices.title" }

// Roles returns the operator, who zeroes and tares, and the admin, who
// commissions the devices.
func (s *DevicesScreen) Roles() []Role { return []Role{RoleOperator, RoleAdmin} }

// Content returns the screen.
func (s *DevicesScreen) Content() fyne.CanvasObject { return s.content }

// Show reads the devices and the raw bytes of the one picked.
func (s *DevicesScreen) Show() {
	k := s.k
	s.shown = true
	s.refresh.SetText(k.T("ui.office.devices.refresh", nil))
	s.zero.SetText(k.T("ui.office.devices.zero", nil))
	s.tare.SetText(k.T("ui.office.devices.tare", nil))
	s.testPrint.SetText(k.T("ui.office.devices.test_print", nil))
	ctx, cancel := context.WithTimeout(k.ctx, readTimeout)
	defer cancel()
	// Devices returns at once by its contract, so it runs here.
	s.devices = s.dev.Devices(ctx)
	if _, ok := s.find(s.picked); !ok && len(s.devices) > 0 {
		s.picked = s.devices[0].ID
	}
	s.list.Reload()
	s.pick(s.picked)
}

// Hide stops following the scales.
func (s *DevicesScreen) Hide() { s.shown = false }

// HandleEvent shows new raw bytes of the picked scale as its readings
// arrive.
func (s *DevicesScreen) HandleEvent(ev line.Event) {
	if e, ok := ev.(line.ScaleReadingEvent); ok && s.shown && e.Reading.Scale == s.picked {
		s.showRaw()
	}
}

func (s *DevicesScreen) find(id string) (Device, bool) {
	for _, d := range s.devices {
		if d.ID == id {
			return d, true
		}
	}
	return Device{}, false
}

func (s *DevicesScreen) pick(id string) {
	k := s.k
	s.picked = id
	s.list.Reload()
	d, ok := s.find(id)
	s.args.set(devicesArgs{id: id})
	s.zero.SetAllowed(ok && d.Kind == LinkScale && d.CanZero)
	s.tare.SetAllowed(ok && d.Kind == LinkScale && d.CanTare)
	s.testPrint.SetAllowed(ok && d.Kind == LinkPrinter)
	if !ok {
		s.title.SetText(k.T("ui.office.devices.none", nil))
		s.rows = nil
		s.raw.Reload()
		return
	}
	s.title.SetText(k.T("ui.office.devices.device", map[string]string{"id": d.ID, "address": d.Address,
		"kind": k.T("ui.status.kind."+string(d.Kind), nil), "status": s.linkText(d.Link)}))
	s.showRaw()
}

// rawLine is a row of the raw view: a hex dump row, in the monospace
// font, or a note in the text font, which has the Chinese glyphs that
// the monospace font lacks.
type rawLine struct {
	text string
	dump bool
}

// showRaw shows the raw bytes of the picked device, the newest exchange
// first on the first page. A chunk the driver kept only the first bytes
// of is followed by a note saying so.
func (s *DevicesScreen) showRaw() {
	s.rows = nil
	chunks := s.dev.Raw(s.picked)
	for i := len(chunks) - 1; i >= 0; i-- {
		c := chunks[i]
		for _, row := range rawRows(c) {
			s.rows = append(s.rows, rawLine{text: row, dump: true})
		}
		if c.Size > len(c.Data) {
			note := s.k.T("ui.office.devices.raw_cut",
				map[string]string{"shown": strconv.Itoa(len(c.Data)), "size": strconv.Itoa(c.Size)})
			s.rows = append(s.rows, rawLine{text: note})
		}
	}
	if len(s.rows) == 0 {
		s.rows = []rawLine{{text: s.k.T("ui.office.devices.no_raw", nil)}}
	}
	s.raw.SetPage(0)
}

// rawRows formats a chunk as hex dump rows: the time and direction, the
// bytes in hex and the printable ASCII bytes, a dot for the others.
func rawRows(c RawChunk) []string {
	dir := "<"
	if c.Sent {
		dir = ">"
	}
	var rows []string
	for i := 0; i < len(c.Data); i += rawBytesPerRow {
		part := c.Data[i:min(i+rawBytesPerRow, len(c.Data))]
		var hex, text strings.Builder
		for _, b := range part {
			fmt.Fprintf(&hex, "%02X ", b)
			if b >= 0x20 && b < 0x7f {
				text.WriteByte(b)
			} else {
				text.WriteByte('.')
			}
		}
		stamp := c.At.Format("15:04:05.000")
		if i > 0 {
			stamp = strings.Repeat(" ", len(stamp))
		}
		rows = append(rows, fmt.Sprintf("%s %s %-*s|%s|", stamp, dir, 3*rawBytesPerRow, hex.String(), text.String()))
	}
	return rows
}

// linkText describes whether a device works, and what is wrong when it does
// not.
func (s *DevicesScreen) linkText(l LinkStatus) string {
	if l.OK {
		return s.k.T("ui.office.devices.ok", nil)
	}
	if p := l.Problem.Text(s.k.Lang()); p != "" {
		return p
	}
	return s.k.T("ui.status.problem.unknown", nil)
}

func (s *DevicesScreen) commandDone(err error) {
	if err != nil {
		s.k.ShowError(err)
	} else {
		s.k.ShowNotice(Message{Key: "ui.office.devices.done", Data: map[string]string{"id": s.picked}})
	}
	s.Show()
}
