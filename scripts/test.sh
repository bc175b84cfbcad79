#!/usr/bin/env bash
# Runs every check: formatting, lints, unit and integration tests, then the browser tests in
# end2end/ against a release build.
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

say "Release build for the browser tests"
scripts/build.sh
cargo build --release -p ciq-sandbox

say "Browser tests (headless Chromium)"
target_dir=${CARGO_TARGET_DIR:-target}
export DASHBOARD_BIN="$PWD/$target_dir/release/dashboard"
case "$target_dir" in /*) export DASHBOARD_BIN="$target_dir/release/dashboard" ;; esac
export SITE_ROOT="$PWD/target/site"
(cd end2end && npm test)
say "All tests passed"
