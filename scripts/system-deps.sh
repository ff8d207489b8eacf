#!/usr/bin/env bash
# Installs the Debian packages tradeassist uses when they are missing: Tesseract (OCR),
# poppler-utils (PDF tools), Chromium (browser tests). Needs root; otherwise says what to run.
set -euo pipefail
missing=()
command -v tesseract >/dev/null 2>&1 || missing+=(tesseract-ocr tesseract-ocr-eng)
command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
[ -x /usr/bin/chromium ] || missing+=(chromium)
ldconfig -p 2>/dev/null | grep -q libmagic.so.1 || missing+=(libmagic1)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "tradeassist: please install these system packages: ${missing[*]}" >&2
  echo "  (sudo apt-get install ${missing[*]}); tests that need them will be skipped." >&2
  exit 0
fi
echo "tradeassist: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
