#!/usr/bin/env bash
# Builds the dashboard and starts it with demo data: an embedded SQLite database under ./data,
# the CreatorIQ sandbox, and a demo organization and admin. Prints the URL and the sign-in.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/prereqs.sh

# A debug server: it compiles in a fraction of a release build's time, and the demo's few
# hundred creators do not need more speed. The browser bundles are built as for production.
say "Building the dashboard"
scripts/build.sh --profile dev --features demo

target_dir=${CARGO_TARGET_DIR:-target}
say "Starting the demo"
export SITE_ROOT=${SITE_ROOT:-target/site}
exec "$target_dir/debug/dashboard" demo
