#!/usr/bin/env bash
# Warm start of ./build.sh --help, as a ratio to starting the built pipeline DLL directly with dotnet.
# Usage: bench/startup.sh [runs]   (default 20). Compiles first if needed; measures only warm starts.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
RUNS="${1:-20}"

./build.sh --help >/dev/null   # compile if the sources changed, so every measured run is warm

median_ms() { # command...
  local times=()
  for _ in $(seq "$RUNS"); do
    local start end
    start=$(date +%s%N)
    "$@" >/dev/null
    end=$(date +%s%N)
    times+=($(( (end - start) / 1000000 )))
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

script=$(median_ms ./build.sh --help)
direct=$(median_ms dotnet artifacts/build-bin/Pipeline.Build.dll --help)
echo "warm ./build.sh --help:                      ${script} ms (median of $RUNS)"
echo "dotnet artifacts/build-bin/Pipeline.Build.dll --help: ${direct} ms (median of $RUNS)"
awk -v s="$script" -v d="$direct" 'BEGIN { printf "ratio: %.2f\n", s / d }'
