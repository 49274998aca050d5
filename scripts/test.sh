#!/bin/sh
# Set up everything that is missing or stale, then run the whole test suite (extra args go to pytest).
cd "$(dirname "$0")/.." && exec python3 -m daofu.bootstrap test "$@"
