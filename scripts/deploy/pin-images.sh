#!/usr/bin/env bash
# Pins every image the deployment pulls by digest: the Node base of Dockerfile.server and
# Dockerfile.worker (`ARG NODE_IMAGE=`) and the images of docker-compose.yml (`image:` and the
# `x-…-image: &…` anchors; `${…}` references are our own builds and are skipped). Each `name:tag`
# becomes `name:tag@sha256:<digest of the tag's manifest list>`: Docker then pulls exactly that
# build on every platform, and the tag stays for people to read.
#
# Needs `docker buildx` and a registry it can reach (CI, or a workstation): the machine that wrote
# this has none, so scripts/deploy/unpinned-images.txt lists what is still unpinned, and
# scripts/deploy/images.test.ts fails on any unpinned image that is not listed there.
#
#   scripts/deploy/pin-images.sh            pin what is unpinned, and drop it from the list
#   scripts/deploy/pin-images.sh --refresh  resolve every tag again (after a base image update)
#   scripts/deploy/pin-images.sh --check    exit 1 when any image is unpinned (for CI)
#
# Review the diff and commit it; rebuild the images (`docker build --pull`) to pick the digests up.
# AA_PIN_ROOT points it at another checkout (the tests run it on a copy).
set -euo pipefail

root="${AA_PIN_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}"
mode="${1:-pin}"
case "$mode" in pin | --refresh | --check) ;; *)
  echo "usage: $0 [--refresh | --check]" >&2
  exit 2
  ;;
esac
files=("$root/Dockerfile.server" "$root/Dockerfile.worker" "$root/docker-compose.yml")
list="$root/scripts/deploy/unpinned-images.txt"

# The image references the files hold, one per line.
references() {
  sed -nE \
    -e 's/^ARG NODE_IMAGE=([^[:space:]]+).*/\1/p' \
    -e 's/^[[:space:]]+image:[[:space:]]+([^[:space:]#*$"][^[:space:]#"]*).*/\1/p' \
    -e 's/^x-[a-z0-9-]+:[[:space:]]+&[a-z0-9-]+[[:space:]]+([^[:space:]#]+).*/\1/p' \
    "${files[@]}" | sort -u
}

# The digest of a reference's manifest list (or manifest), from the registry.
resolve() {
  local manifest digest
  manifest="$(docker buildx imagetools inspect "$1" --format '{{json .Manifest}}')"
  digest="$(node -e 'process.stdout.write(String(JSON.parse(process.argv[1]).digest ?? ""))' "$manifest")"
  if [[ ! "$digest" =~ ^sha256:[0-9a-f]{64}$ ]]; then
    echo "pin-images: no digest for $1 (got: ${digest:-nothing})" >&2
    return 1
  fi
  printf '%s' "$digest"
}

# Replaces the reference `$1` by `$2` in every file (whole references only).
replace() {
  node -e '
    const fs = require("node:fs");
    const [from, to, ...files] = process.argv.slice(1);
    const escaped = from.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const pattern = new RegExp(`(?<![\\w./@:-])${escaped}(?![\\w.@:/-])`, "g");
    for (const file of files) {
      const text = fs.readFileSync(file, "utf8");
      const next = text.replace(pattern, to);
      if (next !== text) fs.writeFileSync(file, next);
    }
  ' "$1" "$2" "${files[@]}"
}

# Drops `$1` from the list of unpinned images.
unlist() {
  [[ -f "$list" ]] || return 0
  node -e '
    const fs = require("node:fs");
    const [file, ref] = process.argv.slice(1);
    const lines = fs.readFileSync(file, "utf8").split("\n");
    fs.writeFileSync(file, lines.filter((l) => l.split("#")[0].trim() !== ref).join("\n"));
  ' "$list" "$1"
}

unpinned=()
while IFS= read -r ref; do
  [[ -z "$ref" ]] && continue
  if [[ "$ref" == *@sha256:* && "$mode" != --refresh ]]; then continue; fi
  if [[ "$mode" == --check ]]; then
    unpinned+=("$ref")
    continue
  fi
  base="${ref%@*}"
  digest="$(resolve "$base")"
  if [[ "$ref" != "$base@$digest" ]]; then
    replace "$ref" "$base@$digest"
    echo "pinned $base@$digest"
  fi
  unlist "$base"
done < <(references)

if [[ "$mode" == --check && ${#unpinned[@]} -gt 0 ]]; then
  printf 'unpinned image: %s\n' "${unpinned[@]}" >&2
  exit 1
fi
