#!/usr/bin/env bash
# Benchmarks on whatever GPU this machine has, as it is: `bash scripts/bench-device.sh [OUT_DIR]`.
#
# 1. Installs what it lacks: Node >= 20.19 (says how, if absent), npm packages (npm ci), the Vulkan
#    loader (libvulkan1 through apt-get when root and missing).
# 2. Finds the GPU's Vulkan driver: an ICD JSON under /usr/share/vulkan/icd.d, /etc/vulkan/icd.d
#    or next to the NVIDIA driver (nvidia_icd.json), preferring a real GPU over lavapipe or
#    SwiftShader; VK_ICD_FILENAMES set by the caller wins.
# 3. Runs the matmul tuner (fresh: its own tuning file), then `bench:kernels --json --variants` and
#    `bench:model --json` (BENCH_MODEL_QUICK=1 adds --quick; BENCH_MODEL_ARGS more flags, e.g.
#    --small), with the tuned choice in force.
# 4. Prints one JSON object on stdout: { icd, adapter, tuning, kernels, model }; logs go to stderr
#    and, with everything else, to OUT_DIR (default ./bench-device-out).
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-${OUT:-bench-device-out}}
mkdir -p "$OUT"
log() { echo "[bench-device] $*" >&2; }

# --- Node and packages ---
if ! command -v node >/dev/null; then
  log "node not found: install Node >= 20.19 (https://nodejs.org, or apt-get install nodejs from NodeSource)"; exit 1
fi
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' \
  || { log "node $(node -v) is too old: need >= 20.19"; exit 1; }
if [ ! -d node_modules/webgpu ] || [ ! -d node_modules/@tensorflow/tfjs-backend-webgpu ]; then
  log "installing npm packages (npm ci)"; npm ci --no-audit --no-fund >&2 || { log "npm ci failed"; exit 1; }
fi

# --- Vulkan loader ---
if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1'; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "installing libvulkan1"; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libvulkan1 >&2 || true
  else
    log "libvulkan.so.1 not found: install the Vulkan loader (Debian/Ubuntu: libvulkan1)"
  fi
fi

# --- The GPU's Vulkan driver ---
if [ -z "${VK_ICD_FILENAMES:-}" ]; then
  icds=$(ls /usr/share/vulkan/icd.d/*.json /etc/vulkan/icd.d/*.json /usr/local/share/vulkan/icd.d/*.json 2>/dev/null || true)
  real=$(echo "$icds" | grep -v -E 'lvp_icd|swiftshader' | grep -E 'nvidia|radeon|intel|amd|freedreno|panfrost|asahi|broadcom' | head -1)
  [ -z "$real" ] && real=$(echo "$icds" | grep -v -E 'lvp_icd|swiftshader' | head -1)
  if [ -n "$real" ]; then
    export VK_ICD_FILENAMES=$real
  else
    log "no GPU Vulkan driver found (ICDs: ${icds:-none}); measuring on the software adapter instead"
    [ -f /usr/share/vulkan/icd.d/lvp_icd.json ] && export VK_ICD_FILENAMES=/usr/share/vulkan/icd.d/lvp_icd.json
  fi
fi
export WEBGPU_REAL_GPU=1 # src/node/webgpu.ts: do not default to lavapipe
log "VK_ICD_FILENAMES=${VK_ICD_FILENAMES:-<loader default>}"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version --format=csv,noheader >"$OUT/nvidia-smi.txt" 2>&1

# --- Tuner, then the benches (the bench tunes first and stores into this file) ---
export WEBGPU_GPT_TUNING_FILE="$OUT/tuning.json"
rm -f "$WEBGPU_GPT_TUNING_FILE"
log "building the Node entries"
npx vite build --config vite.node.config.ts --logLevel warn >&2 || { log "build failed"; exit 1; }
log "bench:kernels (tuner + kernels + every variant)"
node --no-use-osr dist-node/bench-kernels.js --json --variants >"$OUT/kernels.json" 2>"$OUT/kernels.log"
krc=$?
tail -n 20 "$OUT/kernels.log" >&2
log "bench:model"
# shellcheck disable=SC2086 # BENCH_MODEL_ARGS is a list of flags
node --no-use-osr dist-node/bench-model.js --json ${BENCH_MODEL_QUICK:+--quick} ${BENCH_MODEL_ARGS:-} >"$OUT/model.json" 2>"$OUT/model.log"
mrc=$?
tail -n 20 "$OUT/model.log" >&2

node -e '
const fs = require("fs");
const read = (f) => { try { return JSON.parse(fs.readFileSync(f, "utf8")); } catch (e) { return { error: String(e.message) }; } };
const [out, icd, krc, mrc] = process.argv.slice(1);
const kernels = read(out + "/kernels.json");
const summary = { icd: icd || null, adapter: kernels.adapter ?? null, tuning: read(out + "/tuning.json"), kernels, kernels_rc: +krc, model: read(out + "/model.json"), model_rc: +mrc };
fs.writeFileSync(out + "/summary.json", JSON.stringify(summary, null, 2));
console.log(JSON.stringify(summary));
' "$OUT" "${VK_ICD_FILENAMES:-}" "$krc" "$mrc"
[ "$krc" = 0 ] && [ "$mrc" = 0 ]
