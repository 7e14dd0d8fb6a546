#!/usr/bin/env bash
# System tools the service tests need that npm cannot provide: redis-server (Debian), unzip (the
# search-server distributions), Java 17 and Go (present on the CI machine; checked here).
set -euo pipefail
missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v unzip >/dev/null 2>&1 || missing+=(unzip)
if ((${#missing[@]} > 0)); then
  echo "== apt-get install ${missing[*]}"
  sudo_cmd=()
  [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get install -y --no-install-recommends "${missing[@]}" ||
    { "${sudo_cmd[@]}" apt-get update && "${sudo_cmd[@]}" apt-get install -y --no-install-recommends "${missing[@]}"; }
  # Debian starts the packaged redis on 6379; the tests start their own on free ports.
  if command -v systemctl >/dev/null 2>&1; then "${sudo_cmd[@]}" systemctl disable --now redis-server 2>/dev/null || true; fi
fi
for tool in java go; do
  command -v "$tool" >/dev/null 2>&1 || { echo "install-service-tools.sh: $tool is required" >&2; exit 1; }
done
echo "redis-server $(redis-server --version | sed -E 's/.*v=([^ ]+).*/\1/'), $(java -version 2>&1 | head -1), $(go version)"
