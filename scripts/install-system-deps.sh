#!/usr/bin/env bash
# Installs the Debian packages the site and its tests need (tesseract-ocr with
# its ind and eng data for scanned guides, chromium for the browser tests, plus
# those named as arguments, e.g. wrk and nginx for the bench, postgresql for the
# replica tests) when they are missing. Runs as root on CI; uses sudo otherwise.
set -euo pipefail

# --runtime: only what the site itself needs (make serve), not the browser for the tests.
runtime_only=false
if [ "${1:-}" = "--runtime" ]; then
  runtime_only=true
  shift
fi

needed=()
$runtime_only || command -v chromium >/dev/null 2>&1 || needed+=(chromium)
# The text version of scanned guides: Tesseract with its Indonesian and English data.
langs="$(tesseract --list-langs 2>/dev/null || true)"
for lang in ind eng; do
  grep -qx "$lang" <<<"$langs" || needed+=("tesseract-ocr-$lang")
done
command -v tesseract >/dev/null 2>&1 || needed+=(tesseract-ocr)
for extra in "$@"; do
  if [ "$extra" = postgresql ]; then
    # Debian keeps the server's programs (initdb, pg_ctl) off the PATH, per major version.
    compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || needed+=(postgresql)
    continue
  fi
  # nginx lives in /usr/sbin, which a user's PATH may lack.
  command -v "${extra%%-*}" >/dev/null 2>&1 || [ -x "/usr/sbin/${extra%%-*}" ] || needed+=("$extra")
done
[ ${#needed[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "Installing Debian packages: ${needed[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${needed[@]}" >/dev/null
# Debian's nginx package starts a site on port 80, and its postgresql package a cluster
# on port 5432; the tests run their own of each on loopback ports, so stop the ones we
# just installed.
for package in "${needed[@]}"; do
  case "$package" in
    nginx | nginx-*) $sudo service nginx stop >/dev/null 2>&1 || true ;;
    postgresql) $sudo service postgresql stop >/dev/null 2>&1 || true ;;
  esac
done
