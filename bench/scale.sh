#!/usr/bin/env bash
# Scale benchmark: the stack-per-service layout with N services, on moto + the local registry + the Docker engine.
# For each N (default: 2 10 40) it makes a copy of the repository's tracked files with N service folders (fastapi, mcp,
# and N-2 copies of services/fastapi under other names, ports and route prefixes) and measures, through ./build.sh:
#   synth        SynthInfra --profile dev (CDK app run + rules + limits; the CDK app is built before the clock starts)
#   largest      the largest template's resource count, and its stack
#   full         Deploy on a fresh moto, --skip HealthCheck (no endpoint serves the services on moto)
#   one change   Deploy after a one-line change in one service (expected: exactly one service stack updated)
#   serial       (N = 10 only) full Deploys to a fresh moto with the images present: default --max-parallel vs 1
# Every template of every N is linted with cfn-lint (errors only); a lint error fails the benchmark.
# Needs: Docker engine, a registry on 127.0.0.1:5000 with the base images (.ci/setup), python3 with moto[server],
# node, cfn-lint. Usage: bench/scale.sh [N...]
set -euo pipefail

cd "$(dirname "$0")/.."
readonly REGISTRY=${REGISTRY:-127.0.0.1:5000}
readonly RUN_ID=$(date +%s)$$
readonly WORK=$(mktemp -d "${TMPDIR:-/tmp}/scale-bench-XXXXXX")
readonly LOG=$WORK/bench.log
sizes=("$@")
((${#sizes[@]} > 0)) || sizes=(2 10 40)
moto_pid=""
results=()

source bench/lib.sh

cleanup() {
  set +e
  [[ -n $moto_pid ]] && kill "$moto_pid" 2>/dev/null
  docker images --format '{{.Repository}}:{{.Tag}}' | grep -E "/apigw-s[0-9]+x${RUN_ID: -8}/" | xargs -r docker rmi >/dev/null 2>&1
  rm -rf "$WORK"/copy-*
  echo "(full output: $LOG)"
}
trap cleanup EXIT

# A copy with N services: the two real ones plus N-2 copies of fastapi (svc03, svc04, ...) on free ports.
make_copy() {
  local target=$1 count=$2
  mkdir -p "$target"
  git ls-files -z | xargs -0 cp --parents -t "$target"
  python3 - "$target" "$count" <<'PY'
import json, pathlib, shutil, socket, sys
root, count = pathlib.Path(sys.argv[1]), int(sys.argv[2])
services = root / "services"
for i in range(3, count + 1):
    name = f"svc{i:02d}"
    shutil.copytree(services / "fastapi", services / name)
    manifest = services / name / "service.json"
    data = json.loads(manifest.read_text())
    data["name"] = name
    data["routePrefix"] = f"/api/{name}"
    data.pop("uses", None)
    manifest.write_text(json.dumps(data, indent=2) + "\n")
for manifest in sorted(services.glob("*/service.json")):
    data = json.loads(manifest.read_text())
    s = socket.socket(); s.bind(("127.0.0.1", 0)); data["port"] = s.getsockname()[1]; s.close()
    manifest.write_text(json.dumps(data, indent=2) + "\n")
PY
}

# A fresh moto for each measurement: the previous one is stopped first.
restart_moto() {
  [[ -n $moto_pid ]] && kill "$moto_pid" 2>/dev/null && wait "$moto_pid" 2>/dev/null || true
  start_moto "$WORK/moto-$1.log"
}

# Runs ./build.sh in a copy against moto; prints its wall time in seconds. On failure shows the end of its output.
timed() {
  local label=$1 dir=$2 start end
  shift 2
  echo "-- $label" >&2
  echo "== $label: ./build.sh $*" >>"$LOG"
  start=$(date +%s.%N)
  if ! (cd "$dir" && env AWS_ENDPOINT_URL="http://127.0.0.1:$moto_port" AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing \
      AWS_REGION=us-east-1 BASE_IMAGE_REGISTRY="$REGISTRY" ./build.sh "$@") >"$WORK/last.log" 2>&1; then
    cat "$WORK/last.log" >>"$LOG"
    tail -n 40 "$WORK/last.log" >&2
    echo "bench run '$label' failed; full output in $LOG" >&2
    exit 1
  fi
  end=$(date +%s.%N)
  cat "$WORK/last.log" >>"$LOG"
  awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }'
}

updated_stacks() { grep -cE '^\s+apigw-\S+\s+(updated|created)\b' "$WORK/last.log" || true; }

for n in "${sizes[@]}"; do
  copy=$WORK/copy-$n
  env_name="s${n}x${RUN_ID: -8}"
  echo "-- N = $n: preparing $copy" >&2
  make_copy "$copy" "$n"
  restart_moto "$n"
  args=(--profile dev --deploy-environment "$env_name" --registry "$REGISTRY" --skip HealthCheck)
  # Compile the pipeline and build the CDK app outside the measurements.
  (cd "$copy" && ./build.sh --help >/dev/null && ./build.sh SynthInfra --profile dev --deploy-environment warmup >/dev/null)

  synth=$(timed "N=$n synth" "$copy" SynthInfra --profile dev --deploy-environment "$env_name")
  out=$copy/artifacts/cdk.out/$env_name
  largest=$(python3 - "$out" <<'PY'
import json, pathlib, sys
best = max(((len(json.loads(p.read_text()).get("Resources", {})), p.name.replace(".template.json", "")) for p in pathlib.Path(sys.argv[1]).glob("*.template.json")))
print(f"{best[0]} ({best[1]})")
PY
)
  if ! cfn-lint --format parseable "$out"/*.template.json >"$WORK/lint-$n.txt" 2>&1; then
    if grep -qE ':E[0-9]+:' "$WORK/lint-$n.txt"; then
      grep -E ':E[0-9]+:' "$WORK/lint-$n.txt" | head -20 >&2
      echo "cfn-lint found errors in the N=$n templates" >&2
      exit 1
    fi
  fi
  lint_errors=$(grep -cE ':E[0-9]+:' "$WORK/lint-$n.txt" || true)

  full=$(timed "N=$n full Deploy" "$copy" Deploy "${args[@]}")
  echo "# scale bench $RUN_ID $RANDOM" >>"$copy/services/fastapi/app/main.py"
  one=$(timed "N=$n Deploy after a one-line change to fastapi" "$copy" Deploy "${args[@]}")
  one_updated=$(updated_stacks)

  parallel="-" serial="-"
  if [[ $n == 10 ]]; then
    # Images are in the registry by now, so both runs deploy the same stacks to a fresh moto and build nothing.
    restart_moto "$n-parallel"
    parallel=$(timed "N=$n full Deploy, images present, default --max-parallel" "$copy" Deploy "${args[@]}")
    restart_moto "$n-serial"
    serial=$(timed "N=$n full Deploy, images present, --max-parallel 1" "$copy" Deploy "${args[@]}" --max-parallel 1)
  fi
  results+=("$n|$synth|$largest|$lint_errors|$full|$one|$one_updated|$parallel|$serial")
done

echo
printf '%-4s %-9s %-26s %-11s %-13s %-19s %s\n' N "synth s" "largest template" "lint errors" "full Deploy" "one-change Deploy" "stacks updated"
for row in "${results[@]}"; do
  IFS='|' read -r n synth largest lint full one updated parallel serial <<<"$row"
  printf '%-4s %-9s %-26s %-11s %-13s %-19s %s\n' "$n" "$synth" "$largest" "$lint" "$full s" "$one s" "$updated"
  if [[ $serial != - ]]; then
    echo "     N=$n, images present: parallel ${parallel} s vs one at a time ${serial} s -> ratio $(awk -v a="$parallel" -v b="$serial" 'BEGIN { printf "%.2f", a / b }')"
  fi
done
