module lambtrace

go 1.26.0

require (
	fyne.io/fyne/v2 v2.7.1
	github.com/dlclark/regexp2 v1.11.0
	github.com/emmansun/gmsm v0.15.5
	github.com/goburrow/modbus v0.1.0
	github.com/goburrow/serial v0.1.0
	github.com/makiuchi-d/gozxing v0.1.1
	github.com/mattn/go-sqlite3 v1.14.53
	github.com/santhosh-tekuri/jsonschema/v6 v6.0.3
	github.com/simonvetter/modbus v1.6.4
	github.com/skip2/go-qrcode v0.0.0-20200617195104-da1b6568686e
	go.bug.st/serial v1.8.0
	golang.org/x/crypto v0.4.0
	golang.org/x/image v0.48.0
	golang.org/x/sys v0.50.0
)

require (
	golang.org/x/text v0.44.0 // indirect
	golang.org/x/xerrors v0.0.0-20200804184101-5ec99f83aff1 // indirect
)
