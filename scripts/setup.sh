#!/usr/bin/env bash
# One-time set-up of a fresh clone: npm packages (versions pinned by package-lock.json) and, for the tests,
# the system packages that give WebGPU without a GPU (scripts/setup-system.sh, needs root).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  # `npm install`, not `npm ci`: npm 11.19's ci rejects this lock file over a Windows-only optional
  # dependency of vite (napi-windows-process-start-time) that `npm install` never records.
  npm install --no-audit --no-fund --loglevel=warn
fi
if [ "${1:-}" = "--system" ]; then
  if [ "$(id -u)" = 0 ]; then bash scripts/setup-system.sh
  elif command -v sudo >/dev/null; then sudo bash scripts/setup-system.sh
  else bash scripts/setup-system.sh; fi
fi
