#!/usr/bin/env bash
# Installs what Switchyard needs on a Debian/Ubuntu machine with Node 20.18+ and builds it.
# Idempotent: each step is skipped when its result is already there. Sourced by start.sh and
# test.sh; exports PNPM (the pnpm command that works here).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { printf '\033[1m[switchyard]\033[0m %s\n' "$*" >&2; }

# Node.js 20.18.1 or newer (undici 7 needs it).
if ! command -v node >/dev/null 2>&1; then
  say "Node.js is missing: install Node 20.18+ (https://nodejs.org or your distribution) and run this again."; exit 1
fi
if ! node -e 'const [a,b,c]=process.versions.node.split(".").map(Number);process.exit(a>20||(a===20&&(b>18||(b===18&&c>=1)))?0:1)'; then
  say "Node $(node -v) is too old: Switchyard needs Node 20.18.1 or newer."; exit 1
fi

# pnpm 10: an installed one, else corepack (its signature check may fail against the registry,
# hence COREPACK_INTEGRITY_KEYS=0), else npm install -g.
if command -v pnpm >/dev/null 2>&1 && [[ "$(pnpm --version 2>/dev/null)" == 10.* ]]; then
  PNPM="pnpm"
elif command -v corepack >/dev/null 2>&1 && COREPACK_ENABLE_DOWNLOAD_PROMPT=0 COREPACK_INTEGRITY_KEYS=0 corepack pnpm --version >/dev/null 2>&1; then
  PNPM="env COREPACK_ENABLE_DOWNLOAD_PROMPT=0 COREPACK_INTEGRITY_KEYS=0 corepack pnpm"
else
  say "installing pnpm 10 with npm"
  npm install -g pnpm@10.34.8 >/dev/null
  PNPM="pnpm"
fi
export PNPM

# redis-server, unless REDIS_URL points at a Redis already.
if [[ -z "${REDIS_URL:-}" ]] && ! command -v redis-server >/dev/null 2>&1; then
  if [[ "$(id -u)" == "0" ]] && command -v apt-get >/dev/null 2>&1; then
    say "installing redis-server with apt-get"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
  else
    say "redis-server is missing. Install it (sudo apt-get install -y redis-server) or set REDIS_URL, then run this again."
    exit 1
  fi
fi

# Debian's chromium, for the dashboard's browser test (playwright-core drives /usr/bin/chromium;
# no browser build is ever downloaded). Only as root with apt-get; otherwise that test says what is missing.
if [[ ! -x /usr/bin/chromium ]] && [[ "$(id -u)" == "0" ]] && command -v apt-get >/dev/null 2>&1; then
  say "installing chromium with apt-get (for the dashboard test)"
  apt-get update -qq >/dev/null || true
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null || say "chromium could not be installed: the dashboard test will fail"
fi

# Dependencies (exactly the lockfile) and the build.
if [[ ! -d node_modules/.pnpm ]] || [[ pnpm-lock.yaml -nt node_modules/.modules.yaml ]]; then
  say "installing dependencies"
  $PNPM install --frozen-lockfile --reporter=silent
fi
say "building"
$PNPM run --silent build
