#!/bin/sh
# Set up everything that is missing or stale, then start Rasa and the service (Ctrl-C stops both).
cd "$(dirname "$0")/.." && exec python3 -m daofu.bootstrap run "$@"
