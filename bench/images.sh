#!/usr/bin/env bash
# Benchmarks BuildImages + PushImages on the real services against the local registry and prints two ratios:
#   no-op run / cold run        (target <= 5 %)
#   concurrent / sequential     (target <= 75 %)
# Cold runs use a fresh repository namespace and --no-cache, so every Dockerfile step runs again.
# Needs a Docker engine and a registry on 127.0.0.1:5000 with the base images (.ci/setup provides all three).
set -euo pipefail

cd "$(dirname "$0")/.."
readonly REGISTRY=${REGISTRY:-127.0.0.1:5000}
readonly RUN_ID=bench-$(date +%s)-$$
bench_dll=bench/ImagesBench/bin/Release/net10.0/ImagesBench.dll

dotnet build bench/ImagesBench/ImagesBench.csproj -c Release -nologo -v quiet >/dev/null
readonly LOG=${TMPDIR:-/tmp}/$RUN_ID.log
run() {
  local label=$1 output
  shift
  echo "-- $label (output in $LOG)" >&2
  echo "== $label" >>"$LOG"
  dotnet "$bench_dll" "$@" >>"$LOG" 2>&1 || { tail -n 40 "$LOG" >&2; echo "bench run '$label' failed; full output in $LOG" >&2; exit 1; }
  output=$(grep '^seconds=' "$LOG" | tail -n 1)
  echo "${output#seconds=}"
}
cleanup() {
  for namespace in "$REGISTRY/$RUN_ID-a" "$REGISTRY/$RUN_ID-b" "$REGISTRY/$RUN_ID-c"; do
    dotnet "$bench_dll" "$namespace" "$REGISTRY" all concurrent --cleanup >/dev/null 2>&1 || true
  done
}
trap cleanup EXIT

cold=$(run "cold: both services, concurrent, no cache" "$REGISTRY/$RUN_ID-a" "$REGISTRY" all concurrent --no-cache)
noop=$(run "no-op: same sources again" "$REGISTRY/$RUN_ID-a" "$REGISTRY" all concurrent)
sequential=$(run "sequential: one service after the other, no cache" "$REGISTRY/$RUN_ID-b" "$REGISTRY" all sequential --no-cache)
concurrent=$(run "concurrent: both at once, no cache" "$REGISTRY/$RUN_ID-c" "$REGISTRY" all concurrent --no-cache)

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", 100 * a / b }'; }
echo
echo "cold build+push:        ${cold} s"
echo "no-op build+push:       ${noop} s  -> $(ratio "$noop" "$cold") % of cold (target <= 5 %)"
echo "sequential build+push:  ${sequential} s"
echo "concurrent build+push:  ${concurrent} s  -> $(ratio "$concurrent" "$sequential") % of sequential (target <= 75 %)"
