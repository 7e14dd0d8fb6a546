#!/usr/bin/env bash
# Runs the unit/API suite (`npm test`) on Node 24 LTS — the Node of the Docker images — while the rest
# of CI (and everyone else using this checkout) stays on the machine's Node 20.
#
# 1. Node 24 comes from the npm registry: `npm pack node-linux-<arch>@24` is a tarball with bin/node
#    and include/node (the headers native modules compile against). Unpacked once into
#    ${AA_SERVICES_CACHE:-~/.cache/academic-assist/services}/node-v<version>-linux-<arch>.
# 2. Native modules. argon2 and @napi-rs/canvas are N-API: one binary serves every Node version (this
#    script checks that they load under Node 24). better-sqlite3 is NOT N-API: its binary is tied to
#    the V8 ABI (NODE_MODULE_VERSION 115 on Node 20, 137 on Node 24), so it is compiled again, from
#    the sources in node_modules/better-sqlite3, with node-gyp --nodedir=<the Node 24 package>, into a
#    separate cached copy (better-sqlite3-<version>-node-v<node version>-<arch>). The checkout's own
#    Node 20 binary is never rebuilt.
# 3. The suite then runs with Node 24 first on PATH, and sees the Node 24 binary of better-sqlite3:
#    - preferably in a private mount namespace (`unshare --mount`), where the Node 24 binary is
#      bind-mounted over node_modules/better-sqlite3/build/Release/better_sqlite3.node. Only the
#      processes of this run see it; other processes on the machine (later CI steps, other shells
#      running tests in the same checkout) keep the Node 20 binary, and nothing needs restoring even
#      when the run is killed.
#    - where unshare is not permitted (not root, no user namespaces): the file is swapped by an atomic
#      rename and renamed back by an EXIT trap. Processes already running keep the inode they mapped;
#      but Node 20 processes *started* during the run in this checkout would fail to load it, so in
#      that mode do not run other tests at the same time.
#    Either way the script finally checks that Node 20 still loads better-sqlite3.
#
# Usage: bash scripts/ci/node24.sh [extra vitest arguments]   (AA_NODE24_SPEC overrides the "24" range)
set -euo pipefail
cd "$(dirname "$0")/../.."
repo="$PWD"
started=$SECONDS

cache="${AA_SERVICES_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/academic-assist/services}"
spec="${AA_NODE24_SPEC:-24}"
mkdir -p "$cache"

case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) echo "node24: unsupported machine $(uname -m)" >&2; exit 1 ;;
esac
pkg="node-linux-$arch"

# --- 1. Node 24 -----------------------------------------------------------------------------------
# The newest version in the range; when the registry cannot be asked, the newest one already cached.
version="$(npm view "$pkg@$spec" version --json 2>/dev/null | node -e '
  let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
    const v = [].concat(JSON.parse(s || "[]"));
    const key = (x) => x.split(".").map(Number);
    v.sort((a, b) => { const [p, q] = [key(a), key(b)]; return p[0] - q[0] || p[1] - q[1] || p[2] - q[2]; });
    if (v.length) console.log(v.at(-1));
  });' || true)"
if [[ -z "$version" ]]; then
  version="$(ls -d "$cache"/node-v"$spec".*-linux-"$arch" 2>/dev/null | sed -E 's/.*node-v([0-9.]+)-linux.*/\1/' | sort -V | tail -1 || true)"
fi
[[ -n "$version" ]] || { echo "node24: cannot resolve $pkg@$spec (registry unreachable, nothing cached)" >&2; exit 1; }

node24_dir="$cache/node-v$version-linux-$arch"
if [[ ! -x "$node24_dir/bin/node" ]]; then
  echo "== node24: fetching $pkg@$version from the npm registry"
  tmp="$(mktemp -d "$cache/.node24.XXXXXX")"
  (cd "$tmp" && npm pack "$pkg@$version" --silent >/dev/null)
  tar -xzf "$tmp"/"$pkg"-*.tgz -C "$tmp"
  rm -rf "$node24_dir"
  mv "$tmp/package" "$node24_dir"
  rm -rf "$tmp"
fi
node24="$node24_dir/bin/node"
abi24="$("$node24" -p process.versions.modules)"
echo "== node24: $("$node24" --version) (NODE_MODULE_VERSION $abi24) from $node24_dir"

# --- 2. native modules ----------------------------------------------------------------------------
bs3="$repo/node_modules/better-sqlite3"
bs3_binary="build/Release/better_sqlite3.node"
[[ -f "$bs3/$bs3_binary" ]] || { echo "node24: $bs3/$bs3_binary missing; run npm ci first" >&2; exit 1; }
bs3_version="$(node -p "require('$bs3/package.json').version")"
bs3_24="$cache/better-sqlite3-$bs3_version-node-v$version-linux-$arch"

if [[ ! -f "$bs3_24/$bs3_binary" ]]; then
  echo "== node24: compiling better-sqlite3 $bs3_version against Node $version's headers (a few minutes)"
  node_gyp="$(npm prefix -g)/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js"
  [[ -f "$node_gyp" ]] || { echo "node24: npm's bundled node-gyp not found at $node_gyp" >&2; exit 1; }
  tmp="$(mktemp -d "$cache/.better-sqlite3.XXXXXX")"
  # Sources only (binding.gyp, src/, deps/ with the SQLite amalgamation); the Node 20 build stays put.
  tar -C "$bs3" --exclude=./build -cf - . | tar -C "$tmp" -xf -
  (cd "$tmp" && PATH="$node24_dir/bin:$PATH" "$node24" "$node_gyp" rebuild --release \
    --nodedir="$node24_dir" --jobs="$(nproc)" >"$tmp/node-gyp.log" 2>&1) || {
    tail -40 "$tmp/node-gyp.log" >&2
    echo "node24: node-gyp failed; full log in $tmp/node-gyp.log" >&2
    exit 1
  }
  rm -rf "$bs3_24"
  mv "$tmp" "$bs3_24"
fi

# The copy must load under Node 24 (and the checkout's binary must be the Node 20 one).
"$node24" -e "process.dlopen({ exports: {} }, process.argv[1])" "$bs3_24/$bs3_binary"
echo "== node24: better-sqlite3 $bs3_version built for NODE_MODULE_VERSION $abi24: $bs3_24/$bs3_binary"
# N-API modules: the checkout's binaries must load under Node 24 as they are.
(cd "$repo/core" && "$node24" -e '
  require("argon2");
  const { createCanvas } = require("@napi-rs/canvas");
  createCanvas(2, 2).toBuffer("image/png");
  console.log("== node24: argon2 and @napi-rs/canvas (N-API) load under Node " + process.version);')

# --- 3. the suite on Node 24 ----------------------------------------------------------------------
inner='
  set -euo pipefail
  echo "== node24: npm test on node $(node --version) (NODE_MODULE_VERSION $(node -p process.versions.modules)), npm $(npm --version)"
  npm test -- "$@"
'
status=0
if unshare --mount --propagation private true 2>/dev/null; then
  echo "== node24: better-sqlite3 swapped in a private mount namespace (this run only)"
  PATH="$node24_dir/bin:$PATH" unshare --mount --propagation private bash -c \
    'mount --bind "$1" "$2" && shift 2 && exec bash -c "$0" bash "$@"' \
    "$inner" "$bs3_24/$bs3_binary" "$bs3/$bs3_binary" "$@" || status=$?
else
  echo "== node24: no mount namespace; swapping better-sqlite3's binary in place until the run ends"
  saved="$bs3/$bs3_binary.node20.$$"
  cp -p "$bs3/$bs3_binary" "$saved"
  trap 'mv -f "$saved" "$bs3/$bs3_binary"' EXIT
  cp -p "$bs3_24/$bs3_binary" "$bs3/$bs3_binary.node24.$$"
  mv -f "$bs3/$bs3_binary.node24.$$" "$bs3/$bs3_binary"
  PATH="$node24_dir/bin:$PATH" bash -c "$inner" bash "$@" || status=$?
  mv -f "$saved" "$bs3/$bs3_binary"
  trap - EXIT
fi

# Later CI steps run on Node 20: its better-sqlite3 must still load.
node -e "new (require('$bs3'))(':memory:').close()"
echo "== node24: done in $((SECONDS - started)) s (exit $status); Node $(node --version) still loads better-sqlite3"
exit "$status"
