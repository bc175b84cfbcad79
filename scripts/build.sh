#!/usr/bin/env bash
# Builds what the product serves, the one build path of the demo, the tests and CI:
#   - the server binary (`dashboard`, features `ssr` through its `app` dependency);
#   - the site: the hydrate wasm (`frontend` with `hydrate`, profile `wasm-release`), its JS glue
#     from `wasm-bindgen --target web` (names stripped), the stylesheet and `public/`.
# Usage: scripts/build.sh [--profile release|dev] [--features demo] [--site-root DIR] [--site-only]
# The server is built with the given cargo profile (release by default); the wasm is always built
# size-optimised, as it is what a creator's phone downloads. `cargo leptos watch` builds the same
# site from `[workspace.metadata.leptos]` for live reload while developing.
set -euo pipefail
cd "$(dirname "$0")/.."
root_dir=$PWD

profile=release
features=
site_root=${SITE_ROOT:-$root_dir/target/site}
server=yes
while [ $# -gt 0 ]; do
  case "$1" in
    --profile) profile=$2; shift 2 ;;
    --features) features=$2; shift 2 ;;
    --site-root) site_root=$2; shift 2 ;;
    --site-only) server=no; shift ;;
    *) echo "scripts/build.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

export PATH="$HOME/.cargo/bin:$root_dir/tools/node_modules/.bin:$PATH"
target_dir=${CARGO_TARGET_DIR:-$root_dir/target}
case "$target_dir" in /*) ;; *) target_dir=$root_dir/$target_dir ;; esac
step() { printf '\033[1m==> %s\033[0m\n' "$*"; }
elapsed() { printf '    %s in %ds\n' "$1" "$((SECONDS - $2))"; }

# The server and the bundles build at the same time: their dependencies are compiled for
# different targets anyway, and each ends in a long single-threaded step (the server crate, the
# bundles' link-time optimisation) that leaves the other core free. The bundles have their own
# target directory, as two cargo processes cannot share one.
server_pid=
if [ "$server" = yes ]; then
  step "Server ($profile${features:+, features $features}), in the background"
  (
    t=$SECONDS
    cargo build --profile "$profile" -p dashboard ${features:+--features "$features"} 2>&1 \
      | sed -u 's/^/    [server] /'
    elapsed "    [server] built" "$t"
  ) &
  server_pid=$!
fi

t=$SECONDS
step "Browser bundles (wasm, hydrate): the dashboard's, and the creator's application page's"
pkg=$site_root/pkg
staging=$(mktemp -d "${TMPDIR:-/tmp}/site-pkg.XXXXXX")
trap 'rm -rf "$staging"; [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null' EXIT
wasm_target=$target_dir/site-wasm
wasm=$wasm_target/wasm32-unknown-unknown/wasm-release/frontend.wasm
# One bundle: the wasm for `features`, bound to JS as `name`, shrunk, content-hashed and listed
# in `list` (`js: <hash>`, `wasm: <hash>`), which the server reads for the names.
bundle() {
  local name=$1 features=$2 list=$3
  CARGO_TARGET_DIR=$wasm_target cargo build --profile wasm-release -p frontend --lib \
    --target wasm32-unknown-unknown --features "$features"
  # Without the name and producers sections: symbol names are most of an unstripped bundle.
  # (wasm-opt -Oz made the raw file 14% smaller but the brotli one 3% larger, in 30-90 s.)
  wasm-bindgen --target web --no-typescript --remove-name-section --remove-producers-section \
    --out-dir "$staging" --out-name "$name" "$wasm"
  mv "$staging/${name}_bg.wasm" "$staging/$name.wasm"
  : > "$list"
  hashed "$name.js" "$name" js "$list"
  hashed "$name.wasm" "$name" wasm "$list"
}
# Content-hashed names, so browsers may keep each file for good (the server marks them
# immutable).
hashed() {
  local file=$1 name=$2 kind=$3 list=$4 hash
  hash=$(sha256sum "$staging/$file" | cut -c1-20)
  mv "$staging/$file" "$staging/$name.$hash.$kind"
  echo "$kind: $hash" >> "$list"
}
bundle dashboard hydrate "$staging/hash.txt"
bundle apply hydrate,apply "$staging/hash-apply.txt"
cp style/main.css "$staging/dashboard.css"
hashed dashboard.css dashboard css "$staging/hash.txt"
# Each file compressed ahead, br and gzip at their best levels, for browsers that accept them.
node "$root_dir/scripts/compress.mjs" "$staging"/dashboard.* "$staging"/apply.*
elapsed "browser bundle" "$t"

# Replace the site in one move, so a running server never serves a half-written bundle.
mkdir -p "$site_root"
cp -R public/. "$site_root/"
for list in hash.txt hash-apply.txt; do mv "$staging/$list" "$site_root/$list.new"; done
rm -rf "$pkg.old"
[ -d "$pkg" ] && mv "$pkg" "$pkg.old"
mv "$staging" "$pkg"
for list in hash.txt hash-apply.txt; do mv "$site_root/$list.new" "$site_root/$list"; done
chmod 755 "$pkg"
rm -rf "$pkg.old"
trap - EXIT
if [ -n "$server_pid" ]; then
  step "Waiting for the server build"
  wait "$server_pid"
fi
out_dir=$profile
[ "$profile" = dev ] && out_dir=debug
if [ "$server" = yes ]; then
  step "Built: $target_dir/$out_dir/dashboard, site in $site_root"
else
  step "Built: site in $site_root"
fi
ls -l "$pkg"
