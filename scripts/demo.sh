#!/usr/bin/env bash
# The day-one demo. Until the simulator and runtime land it shows the firmware's version.
set -euo pipefail
cd "$(dirname "$0")/.."
.build/debug/fieldgate version
.build/debug/fieldsim version
