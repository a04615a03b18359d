// Package ui is the touchscreen kiosk of the line: a fyne frame with a
// top bar, a status bar and screens chosen by the signed-in user's role.
//
// The package talks to the outside only through the interfaces in
// service.go: the line service (Station, which *line.Station implements),
// the users who sign in (Users) and the status of devices and the outbox
// (StatusSource). cmd/kiosk wires them. The package never imports
// fyne.io/fyne/v2/app, so it builds and its tests run with the fyne test
// driver, without cgo or a display.
//
// # Threads
//
// Widgets are touched only on the fyne goroutine. The kiosk reads the
// station's events on a goroutine of its own and applies each one with
// fyne.Do. A button with a side effect runs its job on a goroutine and
// applies the result with fyne.Do as well.
//
// # Screens
//
// A screen implements Screen and is added with Kiosk.Register before
// Kiosk.Start. Screens that follow the line implement EventHandler too.
// Every text a person reads comes from the translation catalogs of line
// (keys prefixed "ui."), Simplified Chinese first.
//
// # Touch targets
//
// Every button, tile and key is at least TouchTarget (80) fyne units high
// and wide. At a canvas scale of 1 that is 15 mm on a panel of up to
// 135 dpi, such as a 7-inch 800×480 (133 dpi) or a 10.1-inch 1024×600
// (118 dpi) panel. A denser panel needs FYNE_SCALE raised to keep 15 mm.
package ui
