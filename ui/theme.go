package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"

	"lambtrace/labels"
)

// TouchTarget is the smallest height and width, in fyne units, of anything
// a finger presses: 15 mm at a canvas scale of 1 on panels of up to 135 dpi.
const TouchTarget float32 = 80

// Colour names the kiosk's screens use on top of fyne's. Theme.Color
// returns them; other themes return fyne's default for an unknown name.
const (
	ColorNameAlert      fyne.ThemeColorName = "lambtrace.alert"       // the background of a held-carcass alert
	ColorNameOnAlert    fyne.ThemeColorName = "lambtrace.on-alert"    // text on ColorNameAlert
	ColorNameStable     fyne.ThemeColorName = "lambtrace.stable"      // a steady weight, a device that is OK
	ColorNameUnstable   fyne.ThemeColorName = "lambtrace.unstable"    // a weight still moving
	ColorNameFault      fyne.ThemeColorName = "lambtrace.fault"       // a device or balance that is not OK
	ColorNameTile       fyne.ThemeColorName = "lambtrace.tile"        // the face of a tile
	ColorNameTileActive fyne.ThemeColorName = "lambtrace.tile-active" // the face of the picked tile
	ColorNameBar        fyne.ThemeColorName = "lambtrace.bar"         // the top bar and the status bar
	ColorNameOnBar      fyne.ThemeColorName = "lambtrace.on-bar"      // text on ColorNameBar
)

// Text sizes of the kiosk's large displays.
const (
	SizeNameWeight  fyne.ThemeSizeName = "lambtrace.weight"  // the digits of a live or recorded weight
	SizeNameCard    fyne.ThemeSizeName = "lambtrace.card"    // the carcass number on a card
	SizeNameBarText fyne.ThemeSizeName = "lambtrace.bartext" // the status bar
)

// Theme is the kiosk's fyne theme: the bundled Noto Sans SC faces that
// labels prints with, dark text on a light ground for a bright hall, and
// large text. It is the light variant whatever the system prefers.
type Theme struct {
	regular, bold fyne.Resource
}

var _ fyne.Theme = (*Theme)(nil)

// NewTheme returns the kiosk theme. Set it with
// app.Settings().SetTheme(ui.NewTheme()).
func NewTheme() *Theme {
	return &Theme{
		regular: fyne.NewStaticResource("NotoSansSC-Regular.otf", labels.FontRegular()),
		bold:    fyne.NewStaticResource("NotoSansSC-Bold.otf", labels.FontBold()),
	}
}

// Font returns the bundled face for every style but monospace. Fyne's
// monospace face has no CJK glyphs, so it is only for raw device bytes.
func (t *Theme) Font(s fyne.TextStyle) fyne.Resource {
	switch {
	case s.Monospace:
		return theme.DefaultTheme().Font(s)
	case s.Bold:
		return t.bold
	}
	return t.regular
}

// Colors of the theme. Text has a contrast of at least 7:1 (WCAG 2
// level AAA) on the grounds it is drawn on, except disabled text at 5.5:1.
var (
	black       = color.NRGBA{0x00, 0x00, 0x00, 0xff}
	white       = color.NRGBA{0xff, 0xff, 0xff, 0xff}
	ground      = color.NRGBA{0xf4, 0xf4, 0xf0, 0xff}
	buttonFace  = color.NRGBA{0xd8, 0xdc, 0xe2, 0xff}
	primaryBlue = color.NRGBA{0x0a, 0x3d, 0x7a, 0xff}
	alertRed    = color.NRGBA{0x96, 0x00, 0x00, 0xff}
	stableGreen = color.NRGBA{0x00, 0x60, 0x28, 0xff}
	movingAmber = color.NRGBA{0x73, 0x40, 0x00, 0xff}
	barGrey     = color.NRGBA{0x1e, 0x23, 0x2b, 0xff}
	greyText    = color.NRGBA{0x59, 0x59, 0x59, 0xff}
)

// Color returns the kiosk's colours; variant is ignored.
func (t *Theme) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	switch n {
	case theme.ColorNameBackground, theme.ColorNameOverlayBackground, theme.ColorNameMenuBackground:
		return ground
	case theme.ColorNameForeground, theme.ColorNameHyperlink:
		return black
	case theme.ColorNameButton, ColorNameTile:
		return buttonFace
	case theme.ColorNameDisabledButton:
		return color.NRGBA{0xe4, 0xe4, 0xe4, 0xff}
	case theme.ColorNameDisabled, theme.ColorNamePlaceHolder:
		return greyText
	case theme.ColorNamePrimary, theme.ColorNameFocus, ColorNameTileActive:
		return primaryBlue
	case theme.ColorNameForegroundOnPrimary, theme.ColorNameForegroundOnError, theme.ColorNameForegroundOnSuccess,
		ColorNameOnAlert, ColorNameOnBar:
		return white
	case theme.ColorNameError, ColorNameAlert, ColorNameFault:
		return alertRed
	case theme.ColorNameSuccess, ColorNameStable:
		return stableGreen
	case theme.ColorNameWarning, ColorNameUnstable:
		return movingAmber
	case ColorNameBar:
		return barGrey
	case theme.ColorNameInputBackground, theme.ColorNameHeaderBackground:
		return white
	case theme.ColorNameInputBorder, theme.ColorNameSeparator:
		return color.NRGBA{0x50, 0x50, 0x50, 0xff}
	case theme.ColorNameHover:
		return color.NRGBA{0x00, 0x00, 0x00, 0x18}
	case theme.ColorNamePressed:
		return color.NRGBA{0x00, 0x00, 0x00, 0x40}
	case theme.ColorNameSelection:
		return color.NRGBA{0x0a, 0x3d, 0x7a, 0x40}
	case theme.ColorNameShadow:
		return color.NRGBA{0x00, 0x00, 0x00, 0x50}
	case theme.ColorNameScrollBar:
		return color.NRGBA{0x00, 0x00, 0x00, 0x99}
	}
	return theme.DefaultTheme().Color(n, theme.VariantLight)
}

// Icon returns fyne's default icons.
func (t *Theme) Icon(n fyne.ThemeIconName) fyne.Resource { return theme.DefaultTheme().Icon(n) }

// Size returns large text and spacing for reading at arm's length.
func (t *Theme) Size(n fyne.ThemeSizeName) float32 {
	switch n {
	case theme.SizeNameText:
		return 24
	case theme.SizeNameHeadingText:
		return 34
	case theme.SizeNameSubHeadingText:
		return 28
	case theme.SizeNameCaptionText:
		return 18
	case theme.SizeNamePadding:
		return 6
	case theme.SizeNameInnerPadding:
		return 10
	case theme.SizeNameInputBorder:
		return 2
	case theme.SizeNameInlineIcon:
		return 32
	case theme.SizeNameScrollBar:
		return 24
	case theme.SizeNameScrollBarSmall:
		return 12
	case SizeNameWeight:
		return 96
	case SizeNameCard:
		return 56
	case SizeNameBarText:
		return 20
	}
	return theme.DefaultTheme().Size(n)
}

// themeColor returns a colour of the current app's theme.
func themeColor(n fyne.ThemeColorName) color.Color {
	return fyne.CurrentApp().Settings().Theme().Color(n, theme.VariantLight)
}

// themeSize returns a size of the current app's theme.
func themeSize(n fyne.ThemeSizeName) float32 {
	return fyne.CurrentApp().Settings().Theme().Size(n)
}
