#!/usr/bin/env bash
# Debian packages the Python dependencies cannot bring: Pango for WeasyPrint (PDF minutes),
# fonts for those PDFs, and Chromium for the browser tests (Debian's, never a test tool's
# own download; only with --with-browser, for the tests).
set -euo pipefail

missing=()
if [ "${1:-}" = "--with-browser" ]; then
  [ -x /usr/bin/chromium ] || missing+=(chromium)
fi
ldconfig -p | grep -q 'libpango-1.0.so' || missing+=(libpango-1.0-0)
ldconfig -p | grep -q 'libpangoft2-1.0.so' || missing+=(libpangoft2-1.0-0)
[ -d /usr/share/fonts/truetype/dejavu ] || missing+=(fonts-dejavu-core)
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing Debian packages: ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
elif command -v sudo >/dev/null; then
  sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "Please install them (as root): apt-get install ${missing[*]}" >&2
  exit 1
fi
