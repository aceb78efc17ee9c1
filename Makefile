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

.PHONY: deps venv build test scenarios demo bench release deb deb-test clean

deps:
	@bash scripts/install-deps.sh

build: deps
	$(SWIFT) build

# Test-only Python tools (an independent Modbus implementation for the interop tests), pinned;
# the firmware never uses them.
PYMODBUS ?= pymodbus==3.6.9
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

clean:
	rm -rf .build .build-release out
