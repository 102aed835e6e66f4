#!/usr/bin/env bash
# Benchmarks the Deploy chain through ./build.sh, on moto + the local registry + the Docker engine, and prints:
#   AWS:   (a) full Deploy, cold (new environment, new content tags)   (b) no-op Deploy right after
#          (c) after a one-line change to mcp: Redeploy --service mcp  (d) after another one-line change to mcp: full Deploy
#          ratios  b/a (target <= 10 %)  and  c/d (target <= 60 %)
#   local: full Deploy from clean (images, gateway, containers, health) and a no-op Deploy right after
# Each platform runs in its own copy of the repository's tracked files with a unique comment line in every service, so
# every content tag is new and each first build really builds (base layers and package restores stay cached).
# On moto there is no endpoint that serves the services, so the AWS runs skip HealthCheck (--skip HealthCheck).
# Needs: Docker engine, a registry on 127.0.0.1:5000 with the base images (.ci/setup), python3 with moto[server], node.
set -euo pipefail

cd "$(dirname "$0")/.."
readonly SOURCE=$PWD
readonly REGISTRY=${REGISTRY:-127.0.0.1:5000}
readonly RUN_ID=$(date +%s)$$
readonly WORK=$(mktemp -d "${TMPDIR:-/tmp}/deploy-bench-XXXXXX")
readonly LOG=$WORK/bench.log
readonly SECRET="bench-fake-secret-$RUN_ID"
moto_pid=""
aws_copy="$WORK/aws"
local_copy="$WORK/local"
local_env="bl${RUN_ID: -12}"   # environment names are at most 16 characters
aws_env="ba${RUN_ID: -12}"
gateway_port=""

source bench/lib.sh

# A copy of the tracked files, each service on a free port, each service's sources with a unique line.
make_copy() {
  local target=$1
  mkdir -p "$target"
  git ls-files -z | xargs -0 cp --parents -t "$target"
  python3 - "$target" <<'PY'
import json, pathlib, socket, sys
root = pathlib.Path(sys.argv[1])
for manifest in sorted((root / "services").glob("*/service.json")):
    data = json.loads(manifest.read_text())
    s = socket.socket(); s.bind(("127.0.0.1", 0)); data["port"] = s.getsockname()[1]; s.close()
    manifest.write_text(json.dumps(data, indent=2) + "\n")
PY
  change fastapi "$target" ; change mcp "$target"
}

# A one-line change that gives the service a new content tag.
change() {
  local service=$1 root=$2
  case $service in
    fastapi) echo "# bench $RUN_ID $RANDOM$RANDOM" >>"$root/services/fastapi/app/main.py" ;;
    mcp) echo "// bench $RUN_ID $RANDOM$RANDOM" >>"$root/services/mcp/Program.cs" ;;
  esac
}

cleanup() {
  set +e
  if [[ -n $gateway_port && -x $local_copy/build.sh ]]; then
    (cd "$local_copy" && ./build.sh Down --deploy-environment "$local_env" --gateway-port "$gateway_port" >>"$LOG" 2>&1)
  fi
  [[ -n $moto_pid ]] && kill "$moto_pid" 2>/dev/null
  docker images --format '{{.Repository}}:{{.Tag}}' | grep -E "(^|/)apigw-($local_env|$aws_env)/" | xargs -r docker rmi >/dev/null 2>&1
  rm -rf "$local_copy" "$aws_copy"
  echo "(full output: $LOG)"
}
trap cleanup EXIT

# Runs ./build.sh in a copy and prints its wall time in seconds; on failure shows the end of its output and stops.
timed() {
  local label=$1 dir=$2 start end
  shift 2
  echo "-- $label" >&2
  echo "== $label: ./build.sh $*" >>"$LOG"
  start=$(date +%s.%N)
  if ! (cd "$dir" && env BASE_IMAGE_REGISTRY="$REGISTRY" ./build.sh "$@") >>"$LOG" 2>&1; then
    tail -n 40 "$LOG" >&2
    echo "bench run '$label' failed; full output in $LOG" >&2
    exit 1
  fi
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }'
}

echo "-- preparing copies and moto in $WORK" >&2
make_copy "$aws_copy"
make_copy "$local_copy"
start_moto "$WORK/moto.log"
# The pipeline compiles itself on its first run in a copy; that is not part of any measurement.
(cd "$aws_copy" && ./build.sh --help >/dev/null)
(cd "$local_copy" && ./build.sh --help >/dev/null)

# timed, with moto's endpoint and fake credentials for the pipeline only.
aws() {
  (
    export AWS_ENDPOINT_URL="http://127.0.0.1:$moto_port" AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY="$SECRET" AWS_REGION=us-east-1
    timed "$@"
  )
}
aws_args=(--profile dev --deploy-environment "$aws_env" --registry "$REGISTRY" --skip HealthCheck)

cold=$(aws "aws (a): full Deploy, cold" "$aws_copy" Deploy "${aws_args[@]}")
noop=$(aws "aws (b): no-op Deploy" "$aws_copy" Deploy "${aws_args[@]}")
change mcp "$aws_copy"
redeploy=$(aws "aws (c): Redeploy --service mcp after a one-line change" "$aws_copy" Redeploy --service mcp "${aws_args[@]}")
change mcp "$aws_copy"
full_after_change=$(aws "aws (d): full Deploy after a one-line change to mcp" "$aws_copy" Deploy "${aws_args[@]}")

gateway_port=$(free_port)
local_full=$(timed "local: full Deploy from clean" "$local_copy" Deploy --deploy-environment "$local_env" --gateway-port "$gateway_port")
local_noop=$(timed "local: no-op Deploy" "$local_copy" Deploy --deploy-environment "$local_env" --gateway-port "$gateway_port")

if grep -qF "$SECRET" "$LOG"; then
  echo "the fake AWS secret key appears in the output ($LOG): a secret was printed" >&2
  exit 1
fi

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", 100 * a / b }'; }
echo
echo "AWS (moto, registry $REGISTRY, HealthCheck skipped):"
echo "  (a) full Deploy, cold:                      ${cold} s"
echo "  (b) no-op Deploy:                           ${noop} s  -> $(ratio "$noop" "$cold") % of (a) (target <= 10 %)"
echo "  (c) Redeploy --service mcp after a change:  ${redeploy} s  -> $(ratio "$redeploy" "$full_after_change") % of (d) (target <= 60 %)"
echo "  (d) full Deploy after a change to mcp:      ${full_after_change} s"
echo "local platform:"
echo "  full Deploy from clean:                     ${local_full} s"
echo "  no-op Deploy:                               ${local_noop} s"
