#!/usr/bin/env bash
# Installs the Debian and npm packages that the build and the tests need.
# Idempotent: it installs only what is missing and prints nothing when
# everything is already there.
set -euo pipefail

# Build: cgo for fyne (GL, X11 headers) and SQLite. Tests: a virtual X
# server and screenshots, serial ptys, an independent Modbus client, a QR
# decoder, the sqlite3 shell, and Node.js for the ZPL renderer.
packages=(
  gcc pkg-config
  libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev libxinerama-dev libxi-dev libxxf86vm-dev
  xvfb xauth imagemagick xdotool
  socat mbpoll zbar-tools
  sqlite3 libsqlite3-dev
)
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ $status == "install ok installed" ]] || missing+=("$p")
done

if ((${#missing[@]})); then
  sudo=()
  if [[ $(id -u) -ne 0 ]]; then
    if ! command -v sudo >/dev/null 2>&1; then
      echo "deps: missing Debian packages: ${missing[*]}; run this as root or install sudo" >&2
      exit 1
    fi
    sudo=(sudo)
  fi
  echo "deps: installing ${missing[*]}"
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

tools=$(cd "$(dirname "$0")" && pwd)
installed="$tools/node_modules/zpl-renderer-js/package.json"
if ! grep -q '"version": "3.4.0"' "$installed" 2>/dev/null; then
  echo "deps: installing npm packages in $tools"
  (cd "$tools" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi
