#!/usr/bin/env bash
# The lab is one per machine: every run that uses it takes this lock, so that several developers
# (or their helpers) on one machine never use the lab at once. Arguments go to vitest.
set -euo pipefail
cd "$(dirname "$0")/.."
exec flock /tmp/mk8s-lab.lock npx vitest run --project e2e "$@"
