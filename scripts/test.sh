#!/usr/bin/env bash
# Runs every check: formatting, lints, unit and integration tests, then the browser tests in
# end2end/ against the debug build the tests made.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/prereqs.sh browser

say "cargo fmt"
cargo fmt --all --check

# Clippy runs as the compiler of the workspace's own crates while they are built for the tests
# (clippy-driver is a drop-in rustc), so the lints cost no separate pass over the dependencies:
# `cargo clippy` would check every dependency again just to lint our crates. CLIPPY_ARGS carries
# `-D warnings` the way cargo-clippy passes it; dependencies are built by plain rustc, so their
# builds are shared with the demo's.
say "Build for the tests, linted by clippy (every target, warnings are errors)"
export RUSTC_WORKSPACE_WRAPPER
RUSTC_WORKSPACE_WRAPPER=$(rustup which clippy-driver 2>/dev/null || command -v clippy-driver)
export CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__"
cargo test --workspace --all-targets --no-run

say "Unit and integration tests"
cargo test --workspace

# The browser tests run the debug server and sandbox the tests above just built: a release
# build of the same crates would compile every dependency again for little gain here. The
# browser bundles are built (and linted, for wasm with `hydrate` and `hydrate,apply`) as for
# production.
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
