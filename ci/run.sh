#!/usr/bin/env bash
# Runs exactly what CI runs (.ci/run: `make check`), for a local check.
exec "$(dirname "$0")/../.ci/run" "$@"
