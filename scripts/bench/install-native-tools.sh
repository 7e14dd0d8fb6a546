#!/usr/bin/env bash
# Installs the native baselines `npm run bench:extraction` compares against (benchmark only; the
# product never calls them): pdftotext (poppler-utils) and the tesseract CLI with English and
# Japanese data. Idempotent: does nothing when they are already there.
set -euo pipefail
need=()
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
if ! command -v tesseract >/dev/null 2>&1; then
  need+=(tesseract-ocr tesseract-ocr-eng tesseract-ocr-jpn)
elif ! tesseract --list-langs 2>/dev/null | grep -qx jpn; then
  need+=(tesseract-ocr-jpn)
fi
if [ ${#need[@]} -eq 0 ]; then
  echo "native benchmark tools already installed"
  exit 0
fi
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
$SUDO apt-get update
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends "${need[@]}"
