#!/usr/bin/env bash
# Installs everything Demand needs on a fresh Debian machine with the .NET SDK and Node.js, then builds.
# Idempotent: each step is skipped when already done. Used by ./run.sh and ./test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

config="${DEMAND_CONFIGURATION:-Release}"

# Debian packages for training (python3-torch & co.; PyPI is unreachable here), for the pandas baseline of
# `demand bench ingest`, and Chromium for the dashboard's browser tests (Playwright launches it by path; its own
# browser download cannot reach its host from here), with CJK fonts for the Chinese pages.
debs=(python3-torch python3-onnx python3-numpy python3-sklearn python3-pandas chromium fonts-noto-cjk)
missing=()
for p in "${debs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm packages pinned by package-lock.json. Install scripts are skipped (none is needed) and our own
# postinstall (patch-package) is run explicitly.
stamp=node_modules/.demand-lock.sha256
want=$(sha256sum package-lock.json patches/* | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "setup: npm ci"
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
  npx --no-install patch-package
  echo "$want" > "$stamp"
fi

echo "setup: dotnet build ($config)"
dotnet build Demand.sln -c "$config" -nologo -v quiet -clp:ErrorsOnly
