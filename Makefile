# Localsigner build, test and CI entry points. Every target works on a fresh Debian bookworm
# machine with Go installed: the targets that compile first install the Debian packages they
# need through scripts/deps.sh (missing ones only, so a second run costs a second or so).

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := build

# Go lives in /usr/local/go/bin on our machines, which is not always on PATH (sudo, cron).
ifeq ($(shell command -v go),)
export PATH := $(PATH):/usr/local/go/bin
endif
GO ?= go

# Package groups of scripts/deps.sh that each target needs.
RUN_DEPS := build
# browser: the end-to-end tests (e2e/) drive Debian's chromium.
# keychain: the vault's Secret Service tests start their own gnome-keyring on a
# private session bus (they skip without it).
TEST_DEPS := build window browser node keychain package
# Groups `make deps` installs: everything any target needs.
DEPS ?= $(sort $(RUN_DEPS) $(TEST_DEPS))

# Fyne wants a UTF-8 locale and takes its UI language from it. Use en_US.UTF-8 where that
# locale is installed; otherwise C.UTF-8, which Debian's libc always has, so that libc and
# perl (apt's debconf) do not complain about a missing locale. LANGUAGE tells Fyne "English"
# in the C.UTF-8 case (it logs an error on a bare "C" language otherwise).
export LANG := $(shell locale -a 2>/dev/null | grep -qiE '^en_US\.utf-?8$$' && echo en_US.UTF-8 || echo C.UTF-8)
export LANGUAGE ?= en_US

# Fyne's no_emoji tag leaves out its bundled colour-emoji font, which Fyne parses again for every
# text style it draws: about 12 MB of the app's idle memory (BENCHMARKS.md). Emoji in dapp text
# then come from the system's fonts. Exported through GOFLAGS so that every go command here, and
# the go builds the tests run themselves, build the same binary.
export GOFLAGS := $(strip $(GOFLAGS) -tags=no_emoji)

BIN := bin/localsigner
# Build and test share one build cache: the same tags, so only -race differs.
GO_BUILD := $(GO) build -o $(BIN) .
# One virtual X server for the whole test run, for the tests that open a real window.
XVFB := xvfb-run -a -s '-screen 0 1280x800x24'
# Packages to vet, test and benchmark, e.g. make test PKGS=./app/...
PKGS ?= ./...
# Extra flags for go test, e.g. make test TESTFLAGS='-count=1 -v'.
TESTFLAGS ?=
FUZZTIME ?= 20s
# Linters, pinned, fetched through the Go module proxy and cached by go run.
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
GOVULNCHECK := golang.org/x/vuln/cmd/govulncheck@v1.9.0

# Lists the Go files to format-check: all but testdata (may hold deliberately broken files),
# hidden folders and node_modules.
FIND_GO := find . \( -name testdata -o -name node_modules -o -name '.?*' \) -prune -o -name '*.go' -type f -print

.PHONY: deps deps-run deps-test build run test package fuzz bench bench-compare clean

## deps: install every Debian package any target needs (missing ones only).
deps:
	scripts/deps.sh $(DEPS)

deps-run:
	@scripts/deps.sh $(RUN_DEPS)

deps-test:
	@scripts/deps.sh $(TEST_DEPS)

## build: compile bin/localsigner.
build: deps-run
	$(GO_BUILD)

## run: build, then open the desktop app on the development network.
# --devnet points the app at the local test chains (the CLI accepts the flag already; it
# takes effect as devnet support lands). It needs a display: on a headless machine use `xvfb-run -a make run`.
run: deps-run
	$(GO_BUILD)
	@if [ -z "$${DISPLAY:-}" ] && [ -z "$${WAYLAND_DISPLAY:-}" ]; then \
		echo "make run: no DISPLAY set; the window cannot open (try: xvfb-run -a make run)" >&2; \
	fi
	./$(BIN) --devnet

## test: gofmt check, go vet, then go test -race under a virtual X server.
test: deps-test
	@echo "== gofmt"
	@unformatted=$$($(FIND_GO) | xargs -r gofmt -l); \
	if [ -n "$$unformatted" ]; then \
		echo "gofmt: these files need formatting (run gofmt -w):"; \
		echo "$$unformatted"; \
		exit 1; \
	fi
	@echo "== go mod tidy"
	@$(GO) mod tidy -diff || { echo "go mod tidy: go.mod/go.sum are not tidy (run go mod tidy)"; exit 1; }
	@echo "== go vet"
	$(GO) vet $(PKGS)
	@echo "== staticcheck"
	$(GO) run $(STATICCHECK) $(PKGS)
	@echo "== govulncheck"
	@if out=$$($(GO) run $(GOVULNCHECK) $(PKGS) 2>&1); then echo "$$out"; \
	elif echo "$$out" | grep -q 'fetching vulnerabilities'; then \
		echo "govulncheck: skipped: the vulnerability database is not reachable from this machine"; \
	else echo "$$out"; exit 1; fi
	@echo "== go test -race"
	$(XVFB) $(GO) test -race $(TESTFLAGS) $(PKGS)
	@echo "== go test (internal/earlylocale, a module of its own)"
	cd internal/earlylocale && $(GO) test $(TESTFLAGS) ./...
	@echo "== package (built with the pinned fyne tool, contents checked)"
	scripts/package.sh

## package: the Linux package dist/localsigner-linux-ARCH.tar.xz (binary, icon, a desktop entry
## that handles hive: and has: links), checked, the browser extension packed as dist/localsigner-bridge-VERSION.zip,
## plus the macOS and Windows link-handler metadata.
package: deps-run
	@scripts/deps.sh package
	scripts/package.sh

## fuzz: run every Fuzz* target in the repo for FUZZTIME each (go runs one target at a time).
# Go 1.26 can fail a target with "context deadline exceeded" at the end of a time budget
# although nothing crashed (go.dev/issue/75804, fixed in Go 1.27); such a run wrote no failing
# input and is reported as a flake, not a failure. A count budget (FUZZTIME=100000x) avoids it.
fuzz: deps-run
	@passed=0; failed=0; flaked=0; log=$$(mktemp); trap 'rm -f "$$log"' EXIT; \
	for file in $$(grep -rl --include='*_test.go' --exclude-dir=testdata --exclude-dir='.?*' --exclude-dir=node_modules '^func Fuzz' .); do \
		dir=$$(dirname "$$file"); \
		for name in $$(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' "$$file"); do \
			echo "== fuzz $$name in $$dir for $(FUZZTIME)"; \
			if $(GO) test -run='^$$' -fuzz="^$$name\$$" -fuzztime=$(FUZZTIME) "$$dir" 2>&1 | tee "$$log"; then \
				passed=$$((passed + 1)); \
			elif grep -q 'context deadline exceeded' "$$log" && ! grep -q 'Failing input written to' "$$log"; then \
				echo "fuzz: $$name hit Go's end-of-fuzztime race (go.dev/issue/75804), no failing input: not a failure"; \
				flaked=$$((flaked + 1)); passed=$$((passed + 1)); \
			else \
				failed=$$((failed + 1)); \
			fi; \
		done; \
	done; \
	echo "fuzz: $$passed passed, $$failed failed ($$flaked passed after the deadline race)"; \
	[ "$$failed" -eq 0 ]

## bench: run every benchmark once, with allocations.
bench: deps-run
	$(GO) test -run='^$$' -bench=. -benchmem $(PKGS)

## bench-compare: signing benchmarks beside @hiveio/dhive (installed from npm into a temp dir).
bench-compare: deps-run
	scripts/bench-compare.sh

## clean: remove what the build and tests leave in the tree (never the shared Go cache).
clean:
	rm -rf bin/ artifacts/ dist/
	find . \( -name testdata -o -name '.?*' \) -prune -o \( -name '*.test' -o -name '*.out' \) -type f -print -exec rm -f {} +
