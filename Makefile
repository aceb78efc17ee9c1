# Fieldgate. Two commands do all set-up on a fresh Debian 12 machine with the Swift toolchain:
#   make demo   the gateway against the simulator, out of the box
#   make test   every test: unit, wire and end-to-end tests, then every simulator scenario
#               against the real gateway and a real mosquitto
# (make scenarios runs the scenarios alone.)
SWIFT ?= swift
export PATH := /opt/swift/usr/bin:$(PATH)

.PHONY: deps build test scenarios demo bench clean

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

clean:
	rm -rf .build
