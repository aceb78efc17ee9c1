# Fieldgate. Two commands do all set-up on a fresh Debian 12 machine with the Swift toolchain:
#   make demo   the gateway against the simulator, out of the box
#   make test   every test: unit, wire and end-to-end tests, then every simulator scenario
#               against the real gateway and a real mosquitto
# (make scenarios runs the scenarios alone.)
# Shipping (docs/install.md):
#   make release    out/fieldgate: static Swift stdlib, stripped, size and start-up RSS reported
#   make deb        out/fieldgate_VERSION_ARCH.deb from it (BOARD=id for the default site's board)
#   make deb-test   install, start, stop, upgrade, remove and purge that package in a throwaway root
SWIFT ?= swift
export PATH := /opt/swift/usr/bin:$(PATH)

.PHONY: deps build test scenarios demo bench release deb deb-test clean fuzz

deps:
	@bash scripts/install-deps.sh

build: deps
	$(SWIFT) build

test: deps
	$(SWIFT) build --build-tests
	bash scripts/test.sh
	.build/debug/fieldsim scenario --jobs 4 simulator/scenarios/*.json

scenarios: deps
	$(SWIFT) build
	.build/debug/fieldsim scenario --jobs 4 simulator/scenarios/*.json

demo: deps
	$(SWIFT) build
	@bash scripts/demo.sh

bench: deps
	$(SWIFT) build -c release
	.build/release/fieldbench all

BOARD ?= rpi4-2ch-rs485

release: deps
	@bash scripts/release.sh
	@bash scripts/measure-rss.sh out/fieldgate

deb: release
	@bash scripts/deb.sh --board $(BOARD) --lint

deb-test: deb
	@bash scripts/test-deb.sh out/fieldgate_*_$$(dpkg --print-architecture).deb

clean:
	rm -rf .build .build-release out

# Fuzzing for longer than make test does (a few seconds a target there): FUZZ_SECONDS per target,
# FUZZ_SEED to replay a run (every run prints its seed), FUZZ_CASE to replay one case.
FUZZ_SECONDS ?= 60
fuzz: deps
	$(SWIFT) build --build-tests
	FUZZ_SECONDS=$(FUZZ_SECONDS) $(SWIFT) test --skip-build --filter '^FuzzTests\.'
	FUZZ_SECONDS=$(FUZZ_SECONDS) $(SWIFT) test --skip-build --filter '^FieldConsoleTests\.ConsoleLineFuzzTests'
