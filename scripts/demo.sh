#!/usr/bin/env bash
# Builds the dashboard and starts it with demo data: an embedded SQLite database under ./data,
# the CreatorIQ sandbox, and a demo organization and admin. Prints the URL and the sign-in.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/prereqs.sh

say "Building the dashboard (release)"
scripts/build.sh --features demo

target_dir=${CARGO_TARGET_DIR:-target}
say "Starting the demo"
export SITE_ROOT=${SITE_ROOT:-target/site}
exec "$target_dir/release/dashboard" demo
