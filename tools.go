//go:build tools

// Package tools pins the modules of the station's stack in go.mod before
// the packages that use them exist, so every later change builds against
// the same versions. The build tag keeps this file out of every build.
package tools

import (
	_ "fyne.io/fyne/v2"
	_ "github.com/emmansun/gmsm/sm2"
	_ "github.com/goburrow/modbus"
	_ "github.com/goburrow/serial"
	_ "github.com/makiuchi-d/gozxing"
	_ "github.com/mattn/go-sqlite3"
	_ "github.com/santhosh-tekuri/jsonschema/v6"
	_ "github.com/simonvetter/modbus"
	_ "github.com/skip2/go-qrcode"
	_ "go.bug.st/serial"
	_ "golang.org/x/image/font"
)
