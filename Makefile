# lambtrace build, test and run targets. `make help` lists them.

GO       ?= go
BIN      ?= bin
DATA_DIR ?= data
SAMPLE   := testdata/xilingol-2026-12-04

# The race detector needs cgo and a C compiler.
RACE := $(shell [ "$$($(GO) env CGO_ENABLED)" = 1 ] && command -v gcc >/dev/null && echo -race)

.PHONY: help deps build test vet bench run fuzz clean

help:
	@echo "make deps   install the Debian and npm packages the build and tests need"
	@echo "make build  build the commands into $(BIN)/"
	@echo "make test   go vet, then every test ($(if $(RACE),with,without) the race detector)"
	@echo "make bench  run the benchmarks"
	@echo "make run    replay the sample day through the rules and print its summary"
	@echo "make fuzz   run each fuzz target for FUZZTIME (default 30s)"

deps:
	@bash tools/deps.sh

build:
	$(GO) build -o $(BIN)/ ./cmd/...

vet:
	$(GO) vet ./...

test: vet
	$(GO) test $(RACE) -count=1 ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

FUZZTIME ?= 30s
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for target in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "fuzz $$pkg $$target"; \
	    $(GO) test -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

# Until the kiosk exists, run replays the sample day headless. The full
# output (one JSON line per decision, then the summary) goes to
# $(DATA_DIR)/; the summary is printed.
run: build
	@mkdir -p $(DATA_DIR)
	@$(BIN)/tracectl check --products $(SAMPLE).products.json --registry $(SAMPLE).registry.json \
	  --linerun $(SAMPLE).linerun.json > $(DATA_DIR)/check-xilingol-2026-12-04.jsonl
	@echo "decisions and summary: $(DATA_DIR)/check-xilingol-2026-12-04.jsonl"
	@tail -n 1 $(DATA_DIR)/check-xilingol-2026-12-04.jsonl

clean:
	rm -rf $(BIN)
