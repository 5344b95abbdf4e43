#!/usr/bin/env bash
# What CI runs: `make check`, the README's test command, and nothing weaker.
# The dependency builds are cached under build/ and reused when CI keeps it.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "ci: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -r)"
start=$(date +%s)
make -j2 check
echo "ci: make check took $(( $(date +%s) - start )) s"
