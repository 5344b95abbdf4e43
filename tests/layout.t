#!/usr/bin/env bash
# The layout of lib/ and host/: concept folders, dependencies one way, no
# host-only code in /init (scripts/check-layout.py says which rules).
cd "$(dirname "$0")/.." && exec python3 scripts/check-layout.py
