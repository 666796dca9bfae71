#!/usr/bin/env bash
# Installs the Debian packages the platform builds, tests and runs with. Safe to run again.
set -euo pipefail
packages=(
  pkg-config libprotobuf-c-dev protobuf-c-compiler libzstd-dev libpq-dev libhiredis-dev
  postgresql redis-server redis-tools prometheus
)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Debian starts packaged servers on install; the platform runs private ones instead.
for service in redis-server postgresql prometheus; do
  if command -v systemctl >/dev/null && systemctl is-active --quiet "$service" 2>/dev/null; then
    systemctl stop "$service" || true
  fi
done
