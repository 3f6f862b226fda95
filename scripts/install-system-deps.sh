#!/usr/bin/env bash
# Installs the Debian packages the tests need (chromium for the browser tests)
# when they are missing. Runs as root on CI; uses sudo otherwise.
set -euo pipefail

needed=()
command -v chromium >/dev/null 2>&1 || needed+=(chromium)
for extra in "$@"; do
  command -v "${extra%%-*}" >/dev/null 2>&1 || needed+=("$extra")
done
[ ${#needed[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "Installing Debian packages: ${needed[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${needed[@]}" >/dev/null
