# lambtrace build, test and run targets. `make help` lists them.

GO       ?= go
BIN      ?= bin
DATA_DIR ?= data
SAMPLE   := testdata/xilingol-2026-12-04
# no_emoji leaves fyne's 4.2 MB colour emoji font out of the kiosk. Fyne
# parses it again for every text style it draws, about 4.8 MB of heap
# each, and no screen or catalog text of the kiosk contains emoji.
TAGS     ?= no_emoji

# The race detector needs cgo and a C compiler.
RACE := $(shell [ "$$($(GO) env CGO_ENABLED)" = 1 ] && command -v gcc >/dev/null && echo -race)

.PHONY: help deps build test vet bench bench-kiosk run demo fuzz clean

help:
	@echo "make deps   install the Debian and npm packages the build and tests need"
	@echo "make build  build the commands into $(BIN)/"
	@echo "make test   go vet, then every test ($(if $(RACE),with,without) the race detector)"
	@echo "make bench  run the benchmarks"
	@echo "make bench-kiosk  start time, idle CPU and shift memory of the GUI kiosk under Xvfb (several minutes)"
	@echo "make run    open the kiosk on simulated devices playing the sample day (make demo without a display)"
	@echo "make demo   play the sample day headless through the simulators and write its summary"
	@echo "make fuzz   run each fuzz target for FUZZTIME (default 30s)"

deps:
	@bash tools/deps.sh

build:
	$(GO) build -tags '$(TAGS)' -o $(BIN)/ ./cmd/...

vet:
	$(GO) vet ./...

test: vet
	$(GO) test $(RACE) -count=1 ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

# bench-kiosk builds the kiosk and runs it under its own Xvfb: the time
# from exec to the login screen, the CPU of an idle kiosk and the
# resident memory after the sample day. docs/benchmarks.md lists the
# environment variables that change the number of starts, the seconds
# measured and the pace of the day.
bench-kiosk:
	LAMBTRACE_KIOSK_BENCH=1 $(GO) test -run '^$$' -bench 'Kiosk(ColdStart|IdleCPU|ShiftMemory)' -benchtime 1x -timeout 2h ./cmd/kiosk/

FUZZTIME ?= 30s
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for target in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "fuzz $$pkg $$target"; \
	    $(GO) test -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

# demo plays the sample day headless as fast as the machine allows: tag
# reads through a pty and the reader driver, weights through the Modbus
# and ASCII scale drivers, labels through the printer driver to simulated
# printers. It starts from a fresh data directory and writes
# $(DEMO_DIR)/summary.json and $(DEMO_DIR)/labels/.
DEMO_DIR ?= $(DATA_DIR)/demo
SPEED    ?= 0
DAY      := -products $(SAMPLE).products.json -registry $(SAMPLE).registry.json -linerun $(SAMPLE).linerun.json
# fyne logs an error at start for a locale such as C.UTF-8 that is not a
# language tag; the kiosk's own language comes from its configuration.
KIOSK    := LANG=zh_CN.UTF-8 $(BIN)/kiosk

demo: build
	@rm -rf $(DEMO_DIR)
	$(KIOSK) -headless -sim $(DAY) -data $(DEMO_DIR) -out $(DEMO_DIR) -speed $(SPEED)
	@cat $(DEMO_DIR)/summary.json

# run opens the kiosk on simulated devices with a fresh data directory,
# and the simulators play the sample day at line pace. Without a display
# it runs demo instead.
RUN_DIR ?= $(DATA_DIR)/kiosk

run: build
	@if [ -z "$$DISPLAY" ] && [ -z "$$WAYLAND_DISPLAY" ]; then \
	  echo "no display (DISPLAY is not set): running make demo instead"; \
	  $(MAKE) --no-print-directory demo; \
	else \
	  rm -rf $(RUN_DIR); \
	  $(KIOSK) -sim $(DAY) -data $(RUN_DIR) -speed 1; \
	fi

clean:
	rm -rf $(BIN)
