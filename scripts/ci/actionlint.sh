#!/usr/bin/env bash
# Lints .github/workflows with actionlint, built from source through the Go module proxy (no binary
# download). The build is cached under ${AA_SERVICES_CACHE:-~/.cache/academic-assist/services} and
# skipped when that version is already there. shellcheck is used for `run:` blocks only when it is
# installed; otherwise actionlint's shellcheck integration stays off.
set -euo pipefail
cd "$(dirname "$0")/../.."

version="v1.7.12"
cache="${AA_SERVICES_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/academic-assist/services}"
gobin="$cache/actionlint-$version"
bin="$gobin/actionlint"

if [[ ! -x "$bin" ]]; then
  if ! command -v go >/dev/null 2>&1; then
    echo "actionlint.sh: Go is needed to build actionlint $version (https://go.dev/dl/)" >&2
    exit 1
  fi
  echo "== building actionlint $version into $gobin"
  mkdir -p "$gobin"
  GOBIN="$gobin" GOFLAGS="${GOFLAGS:-} -trimpath" go install "github.com/rhysd/actionlint/cmd/actionlint@$version"
fi

args=(-no-color)
if command -v shellcheck >/dev/null 2>&1; then
  args+=("-shellcheck=$(command -v shellcheck)")
else
  args+=(-shellcheck=)
fi
# pyflakes checks `shell: python` steps; we have none, and a stray pyflakes must not change results.
args+=(-pyflakes=)

echo "== actionlint $version on .github/workflows"
"$bin" "${args[@]}" .github/workflows/*.yml
