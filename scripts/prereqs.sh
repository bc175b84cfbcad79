# Installs what building and testing need, skipping anything already present at the right
# version. Sourced by demo.sh and test.sh: `source scripts/prereqs.sh [browser]`.
# wasm-bindgen's version is pinned because it must match the wasm-bindgen in Cargo.lock;
# everything comes from crates.io, npm or Debian.

WASM_BINDGEN_VERSION=0.2.130

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

root_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PATH="$HOME/.cargo/bin:$root_dir/tools/node_modules/.bin:$PATH"

need_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

if ! command -v cargo >/dev/null; then
  echo "Rust is not installed: install it with rustup (https://rustup.rs) and run this again." >&2
  exit 1
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "Adding the wasm32 target"
  rustup target add wasm32-unknown-unknown
fi

if ! wasm-bindgen --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION"; then
  say "Installing wasm-bindgen-cli $WASM_BINDGEN_VERSION"
  # Not --locked: one of its locked dependencies is not on the registry mirror.
  # Only the one binary the build runs, without the TLS stack its test runner needs, and at
  # opt-level 1: 87 s on a 2-core machine instead of 214 s, and its run on our bundles takes
  # as long as a fully optimized build's.
  CARGO_PROFILE_RELEASE_OPT_LEVEL=1 CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
    cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" \
    --no-default-features --bin wasm-bindgen
fi

if ! command -v npm >/dev/null; then
  say "Installing Node.js and npm"
  need_root apt-get update -qq
  need_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm
fi

if [ "${1:-}" = browser ]; then
  # From npm (tools/package.json): Stoplight Prism, which mocks CreatorIQ's published OpenAPI
  # documents for the contract test.
  if [ ! -x "$root_dir/tools/node_modules/.bin/prism" ]; then
    say "Installing Prism (npm @stoplight/prism-cli)"
    (cd "$root_dir/tools" && npm ci --no-audit --no-fund --silent)
  fi
  # The tests check every PDF the product makes (certificates, invoices) with qpdf, read it
  # back with poppler's pdftotext and render pages with pdftoppm, in URW's Helvetica-metric
  # fonts as a PDF viewer would.
  if ! command -v qpdf >/dev/null || ! command -v pdftotext >/dev/null || [ ! -d /usr/share/fonts/opentype/urw-base35 ]; then
    say "Installing qpdf, poppler-utils and the URW base fonts (the tests check the PDFs)"
    need_root apt-get update -qq
    need_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends qpdf poppler-utils fonts-urw-base35
  fi
  if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
    say "Installing Chromium for the browser tests"
    need_root apt-get update -qq
    need_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium chromium-driver
  fi
  if [ ! -d "$root_dir/end2end/node_modules/playwright-core" ] || [ ! -d "$root_dir/end2end/node_modules/axe-core" ]; then
    say "Installing the browser-test driver (playwright-core) and axe-core"
    (cd "$root_dir/end2end" && npm ci --no-audit --no-fund --silent)
  fi
fi
