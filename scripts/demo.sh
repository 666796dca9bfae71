#!/usr/bin/env bash
# Builds the platform and runs its main job on a local stack: installs the Debian packages the
# build needs, builds (debug), then `dcmms demo`, which starts PostgreSQL, Redis and the five
# services on loopback if they are not running and prints what happened.
# Usage: scripts/demo.sh [--state-dir DIR]     (stop the stack with .build/debug/dcmms down)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build
exec .build/debug/dcmms demo "$@"
