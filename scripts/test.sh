#!/usr/bin/env bash
# Runs every check: formatting, lints, unit and integration tests, then the browser tests in
# end2end/ against the debug build the tests made.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/prereqs.sh browser

say "cargo fmt"
cargo fmt --all --check

say "cargo clippy"
cargo clippy --workspace --all-targets -- -D warnings
cargo clippy -p frontend --features hydrate --target wasm32-unknown-unknown -- -D warnings

say "Unit and integration tests"
cargo test --workspace

# The browser tests run the debug server and sandbox the tests above just built: a release
# build of the same crates would compile every dependency again for little gain here.
say "The site for the browser tests"
scripts/build.sh --site-only

say "Browser tests (headless Chromium)"
target_dir=${CARGO_TARGET_DIR:-target}
case "$target_dir" in /*) ;; *) target_dir=$PWD/$target_dir ;; esac
export DASHBOARD_BIN="$target_dir/debug/dashboard"
export SANDBOX_BIN="$target_dir/debug/ciq-sandbox"
for bin in "$DASHBOARD_BIN" "$SANDBOX_BIN"; do
  [ -x "$bin" ] || { echo "$bin was not built by cargo test" >&2; exit 1; }
done
export SITE_ROOT="$PWD/target/site"
(cd end2end && npm test)
say "All tests passed"
