#!/usr/bin/env bash
# Benchmarks on whatever GPU this machine has, as it is: `bash scripts/bench-device.sh [OUT_DIR]`.
#
# 1. Installs what it lacks: Node >= 20.19 (says how, if absent), npm packages (npm ci), the Vulkan
#    loader (libvulkan1 through apt-get when root and missing).
# 2. Finds the GPU's Vulkan driver: the loader's own search (Dawn takes the high-performance
#    adapter), plus an nvidia_icd.json outside the loader's directories; VK_ICD_FILENAMES set by
#    the caller wins. Says so when only a software adapter (lavapipe, SwiftShader) was found.
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
# The Vulkan loader tries every ICD it finds (Mesa installs ICDs for Intel, AMD, ... whether or not
# that hardware is present) and Dawn picks the high-performance adapter among those that work, so
# by default nothing is forced: only an NVIDIA ICD outside the loader's directories is pointed at.
export WEBGPU_REAL_GPU=1 # src/node/webgpu.ts: do not default to lavapipe
if [ -z "${VK_ICD_FILENAMES:-}" ]; then
  std=$(ls /usr/share/vulkan/icd.d/*.json /etc/vulkan/icd.d/*.json /usr/local/share/vulkan/icd.d/*.json 2>/dev/null | grep -c nvidia || true)
  if [ "$std" = 0 ]; then
    nv=$(find /usr /etc /opt -name 'nvidia_icd*.json' 2>/dev/null | head -1)
    [ -n "$nv" ] && export VK_ICD_FILENAMES=$nv
  fi
fi
log "VK_ICD_FILENAMES=${VK_ICD_FILENAMES:-<loader default: every installed ICD>}"
adapter=$(node --input-type=module -e '
import { create, globals } from "webgpu";
Object.assign(globalThis, globals);
const a = await create([]).requestAdapter({ powerPreference: "high-performance" });
const i = a?.info;
console.log(i ? JSON.stringify({ vendor: i.vendor, architecture: i.architecture, device: i.device, description: i.description }) : "null");
process.exit(0);' 2>/dev/null | tail -1)
log "adapter: ${adapter:-none}"
case "$adapter" in
  null|"") log "no WebGPU adapter: install the GPU's Vulkan driver (and libvulkan1)"; exit 1 ;;
  *swiftshader*|*'"software"'*|*llvmpipe*) log "only a software adapter was found: the figures below are not a GPU's" ;;
esac
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
