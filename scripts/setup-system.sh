#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine lacks for WebGPU without a GPU (see docs/software-gpu.md):
# the Vulkan loader, Mesa lavapipe >= 24 from bookworm-backports (Dawn rejects bookworm's 22.3),
# and Debian's Chromium for the browser tests. Idempotent; needs root.
set -euo pipefail
need=()
have_lavapipe() { [ -f /usr/share/vulkan/icd.d/lvp_icd.json ] && dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null | grep -qE '^(2[4-9]|[3-9][0-9])\.'; }
have_lavapipe || need+=(lavapipe)
command -v chromium >/dev/null || need+=(chromium)
dpkg-query -W libvulkan1 >/dev/null 2>&1 || need+=(libvulkan1)
if [ ${#need[@]} -eq 0 ]; then echo "setup-system: all present"; exit 0; fi
if [ "$(id -u)" != 0 ]; then echo "setup-system: missing ${need[*]}; run as root" >&2; exit 1; fi
export DEBIAN_FRONTEND=noninteractive
if ! grep -rqs bookworm-backports /etc/apt/sources.list /etc/apt/sources.list.d/; then
  cat > /etc/apt/sources.list.d/backports.sources <<SRC
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi
apt-get update -qq
apt-get install -y -qq --no-install-recommends libvulkan1 chromium fonts-dejavu-core >/dev/null
apt-get install -y -qq --no-install-recommends -t bookworm-backports mesa-vulkan-drivers >/dev/null
echo "setup-system: installed; lavapipe $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers)"
