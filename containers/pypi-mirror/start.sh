#!/bin/sh
# Fills /data/packages from the approved-packages bucket, keeps it in sync in the background,
# and serves it. No fallback to pypi.org, no uploads (no password file is configured).
set -eu

python /app/sync_packages.py --once
python /app/sync_packages.py &
exec pypi-server run --port 8080 --disable-fallback --log-stream stdout /data/packages
