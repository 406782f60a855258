#!/usr/bin/env bash
# One-time set-up of a fresh clone: npm packages (versions pinned by package-lock.json) and, for the tests,
# the system packages that give WebGPU without a GPU (scripts/setup-system.sh, needs root).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  # `npm ci`: exactly what package-lock.json records (it lists every platform's optional packages,
  # so installing never rewrites it).
  npm ci --no-audit --no-fund --loglevel=warn
fi
if [ "${1:-}" = "--system" ]; then
  if [ "$(id -u)" = 0 ]; then bash scripts/setup-system.sh
  elif command -v sudo >/dev/null; then sudo bash scripts/setup-system.sh
  else bash scripts/setup-system.sh; fi
fi
