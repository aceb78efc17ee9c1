# Fieldgate. Two commands do all set-up on a fresh Debian 12 machine with the Swift toolchain:
#   make demo   the gateway against the simulator, out of the box
#   make test   every test: unit, wire and end-to-end tests, then every simulator scenario
#               against the real gateway and a real mosquitto
# (make scenarios runs the scenarios alone.)
# Shipping (docs/install.md):
#   make release    out/fieldgate: static Swift stdlib, stripped, size and start-up RSS reported
#   make deb        out/fieldgate_VERSION_ARCH.deb from it (BOARD=id for the default site's board)
#   make deb-test   install, start, stop, upgrade, remove and purge that package in a throwaway root
#   make arm64      the same for arm64 Debian 13 boards, with Debian's Swift (below)
SWIFT ?= swift
export PATH := /opt/swift/usr/bin:$(PATH)
# Which libgpiod API FieldHAL compiles against (Package.swift): 1.x here, 2.x on Debian 13.
export FIELDGATE_LIBGPIOD ?= $(shell pkg-config --modversion libgpiod 2>/dev/null)

.PHONY: deps venv build test scenarios demo bench release deb deb-test arm64 arm64-test arm64-compile clean fuzz

deps:
	@bash scripts/install-deps.sh

build: deps
	$(SWIFT) build

# Test-only Python tools (an independent Modbus implementation for the interop tests), pinned;
# the firmware never uses them. [serial] brings pyserial, which pymodbus's RTU server (the RTU
# interop test) needs.
PYMODBUS ?= pymodbus[serial]==3.6.9
venv: .venv/.installed
.venv/.installed:
	python3 -m venv .venv
	.venv/bin/pip install --quiet "$(PYMODBUS)"
	touch $@

test: deps venv
	$(SWIFT) build --build-tests
	FIELDGATE_INTEROP_REQUIRED=1 bash scripts/test.sh
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

# arm64 for Debian 13 boards with Debian's own Swift 6.0.3 (scripts/arm64.sh; needs root and
# Debian's archive; the SDK is cached in FIELDGATE_ARM64_CACHE, default /var/cache/fieldgate-arm64):
#   make arm64          out/arm64/fieldgate and out/fieldgate_VERSION_arm64.deb
#   make arm64-test     the arm64 unit tests and the end-to-end tests against the arm64 gateway,
#                       under qemu-aarch64-static (after make test: it uses the x86 test build)
#   make arm64-compile  sources and tests compiled with Swift 6.0.3, nothing run
arm64: deps
	@bash scripts/arm64.sh build

arm64-test: deps
	@bash scripts/arm64.sh test

arm64-compile: deps
	@bash scripts/arm64.sh compile

clean:
	rm -rf .build .build-release out

# Fuzzing for longer than make test does (a few seconds a target there): FUZZ_SECONDS per target,
# FUZZ_SEED to replay a run (every run prints its seed), FUZZ_CASE to replay one case.
FUZZ_SECONDS ?= 60
fuzz: deps
	$(SWIFT) build --build-tests
	FUZZ_SECONDS=$(FUZZ_SECONDS) $(SWIFT) test --skip-build --filter '^FuzzTests\.'
	FUZZ_SECONDS=$(FUZZ_SECONDS) $(SWIFT) test --skip-build --filter '^FieldConsoleTests\.ConsoleLineFuzzTests'
