package ui

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"lambtrace/line"
)

// maxShownProblems bounds the problems of a bad file listed on screen,
// each in Chinese and English. A line below gives the count of the rest.
const maxShownProblems = 4

// fileStep imports one file: a paged list of the candidate files found on
// the USB sticks, the picked file's size, date and contents, and the
// import button. A file with problems is described with every problem
// shown in both languages, and the button stays disabled.
type fileStep struct {
	f    *FirstStart
	kind ImportKind

	files    []ImportFile
	scanned  bool
	picked   int // index into files, -1 when none
	summary  *ImportSummary
	problem  error // the reason the picked file cannot be imported
	describe int   // counts descriptions, so a late one for an old pick is dropped
	path     shared[string]

	list     *PagedList
	rescan   *TouchButton
	detail   *widget.Label
	importer *ActionButton
	body     fyne.CanvasObject
}

func newFileStep(f *FirstStart, kind ImportKind) *fileStep {
	s := &fileStep{f: f, kind: kind, picked: -1}
	h := f.host
	s.list = NewPagedList(h, 3, func() int { return len(s.files) },
		func() fyne.CanvasObject { return NewTile(h, "", "", nil) },
		func(i int, row fyne.CanvasObject) {
			file := s.files[i]
			t := row.(*Tile)
			t.OnTapped = func() { s.pick(i) }
			t.Set(shortName(file.Name(), maxTileName), s.fileLine(file), i == s.picked)
		})
	s.rescan = NewTouchButton(h, "", nil, s.scan)
	s.detail = widget.NewLabel("")
	s.detail.Wrapping = fyne.TextWrapWord
	s.importer = NewActionButton(h, "", func(ctx context.Context) error {
		return f.setup.Import(ctx, kind, s.path.get())
	})
	s.importer.SetAllowed(false)
	s.importer.Done = s.imported
	left := container.NewBorder(nil, s.rescan, nil, nil, s.list)
	right := container.NewBorder(nil, s.importer, nil, nil, container.NewVScroll(s.detail))
	s.body = container.NewGridWithColumns(2, left, right)
	return s
}

func (s *fileStep) stepKey() string            { return "ui.firststart.step." + string(s.kind) }
func (s *fileStep) hintKey() string            { return "ui.firststart." + string(s.kind) + ".hint" }
func (s *fileStep) content() fyne.CanvasObject { return s.body }

func (s *fileStep) done(st SetupState) bool {
	if s.kind == ImportRegistry {
		return st.Registry
	}
	return st.Products
}

func (s *fileStep) show() {
	s.retranslate()
	s.scan()
}

func (s *fileStep) retranslate() {
	h := s.f.host
	s.rescan.SetText(h.T("ui.firststart.rescan", nil))
	s.importer.SetText(h.T("ui.firststart.import", nil))
	s.list.Reload()
	s.render()
}

// scan searches the roots for candidate files off the fyne goroutine.
func (s *fileStep) scan() {
	var found []ImportFile
	s.f.host.work.Go(func() error {
		var err error
		found, err = FindImportFiles(s.f.roots, s.kind)
		return err
	}, func(err error) {
		if err != nil {
			s.f.ShowError(err)
			return
		}
		s.scanned = true
		s.files = found
		s.picked, s.summary, s.problem = -1, nil, nil
		s.describe++
		s.path.set("")
		s.f.host.log.Info("import files searched", "kind", s.kind, "found", len(found), "roots", strings.Join(s.f.roots, " "))
		s.list.SetPage(0)
		s.render()
	})
}

// pick describes file i off the fyne goroutine.
func (s *fileStep) pick(i int) {
	s.picked, s.summary, s.problem = i, nil, nil
	s.describe++
	n := s.describe
	file := s.files[i]
	s.path.set("")
	s.list.Reload()
	s.render()
	var sum ImportSummary
	s.f.host.work.Go(func() error {
		var err error
		sum, err = DescribeImportFile(file.Path, s.kind)
		return err
	}, func(err error) {
		if n != s.describe {
			return
		}
		if err != nil {
			s.problem = err
		} else {
			s.summary = &sum
			s.path.set(file.Path)
		}
		s.render()
	})
}

// imported moves on after an import, or shows why the file was rejected.
func (s *fileStep) imported(err error) {
	if err != nil {
		s.problem = err
		s.summary = nil
		s.path.set("")
		s.render()
		return
	}
	file := s.files[s.picked]
	s.f.host.log.Info("first start imported", "kind", s.kind, "file", file.Path)
	s.f.stepDone("ui.firststart."+string(s.kind)+".imported", map[string]string{"file": file.Name()})
}

// render shows the picked file's facts, or why it cannot be imported.
func (s *fileStep) render() {
	h := s.f.host
	s.importer.SetAllowed(s.summary != nil)
	switch {
	case !s.scanned:
		s.detail.SetText(h.T(s.hintKey(), nil) + "\n\n" + h.T("ui.firststart.searching", nil))
		s.detail.Importance = widget.MediumImportance
	case len(s.files) == 0:
		s.detail.SetText(h.T(s.hintKey(), nil) + "\n\n" +
			h.T("ui.firststart.no_files", map[string]string{"format": s.kind.Format(), "roots": strings.Join(s.f.roots, "  ")}))
		s.detail.Importance = widget.MediumImportance
	case s.picked < 0:
		s.detail.SetText(h.T(s.hintKey(), nil) + "\n\n" +
			h.T("ui.firststart.pick_file", map[string]string{"count": strconv.Itoa(len(s.files))}))
		s.detail.Importance = widget.MediumImportance
	default:
		s.detail.SetText(s.fileText())
		s.detail.Importance = widget.MediumImportance
		if s.problem != nil {
			s.detail.Importance = widget.DangerImportance
		}
	}
	s.detail.Refresh()
}

// fileLine is the second line of a file's tile: its size, its date and
// its stick.
func (s *fileStep) fileLine(file ImportFile) string {
	return formatBytes(file.Size) + " · " + s.modified(file) + " · " + shortName(filepath.Base(file.Root), maxTileStick)
}

// Lengths in characters of a file's name and its stick's name on its
// tile, which fit half of a 1024-unit window beside the pager. The
// detail shows the name and the folder in full.
const (
	maxTileName  = 28
	maxTileStick = 12
)

// shortName cuts the middle out of a name longer than max characters and
// puts an ellipsis there, keeping the end, where a file's kind and
// extension are.
func shortName(name string, max int) string {
	r := []rune(name)
	if len(r) <= max {
		return name
	}
	tail := (max - 1) / 2
	head := max - 1 - tail
	return string(r[:head]) + "…" + string(r[len(r)-tail:])
}

// modified returns the file's modification time in the kiosk clock's
// zone, which is the station's.
func (s *fileStep) modified(file ImportFile) string {
	return file.ModTime.In(s.f.host.now().Location()).Format("2006-01-02 15:04")
}

// fileText describes the picked file: where it is, its size and date,
// then what it holds or its problems.
func (s *fileStep) fileText() string {
	h := s.f.host
	file := s.files[s.picked]
	lines := []string{h.T("ui.firststart.file", map[string]string{"name": file.Name(), "dir": file.Place(),
		"size": formatBytes(file.Size), "modified": s.modified(file)})}
	switch {
	case s.problem != nil:
		lines = append(lines, problemLines(h, s.problem)...)
	case s.summary == nil:
		lines = append(lines, h.T("ui.firststart.checking", nil))
	default:
		lines = append(lines, s.summaryText(*s.summary))
	}
	return strings.Join(lines, "\n")
}

func (s *fileStep) summaryText(sum ImportSummary) string {
	h := s.f.host
	data := map[string]string{"format": sum.Format}
	switch sum.Kind {
	case ImportProducts:
		data["products"], data["byproducts"], data["plant"] = strconv.Itoa(sum.Products), strconv.Itoa(sum.Byproducts), sum.Plant
	case ImportRegistry:
		data["consignments"], data["animals"], data["source"] = strconv.Itoa(sum.Consignments), strconv.Itoa(sum.Animals), sum.Source
		if !sum.ExportedAt.IsZero() {
			data["exported"] = sum.ExportedAt.Format("2006-01-02 15:04 -07:00")
		}
	}
	return h.T("ui.firststart."+string(sum.Kind)+".summary", data)
}

// problemLines returns the lines that explain why a file cannot be
// imported. The problems of a
// *line.ValidationError are listed in Chinese and English whatever the
// language on screen, because the person who fixes the file may read
// either.
func problemLines(h *Kiosk, err error) []string {
	var v *line.ValidationError
	if !errors.As(err, &v) {
		return []string{h.T("ui.firststart.unreadable", map[string]string{"error": err.Error()})}
	}
	var lines []string
	for _, lang := range line.Langs {
		lines = append(lines, line.Translate(lang, "ui.firststart.invalid", map[string]string{"count": strconv.Itoa(v.Total())}))
	}
	for i, p := range v.Problems {
		if i == maxShownProblems {
			break
		}
		lines = append(lines, "• "+p.Message(line.LangZH), "  "+p.Message(line.LangEN))
	}
	if more := v.Total() - min(len(v.Problems), maxShownProblems); more > 0 {
		for _, lang := range line.Langs {
			lines = append(lines, line.Translate(lang, "ui.firststart.more_problems", map[string]string{"count": strconv.Itoa(more)}))
		}
	}
	return lines
}

// formatBytes writes a file size with a binary unit, as file managers do.
func formatBytes(n int64) string {
	switch {
	case n < 1<<10:
		return strconv.FormatInt(n, 10) + " B"
	case n < 1<<20:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	default:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
}
