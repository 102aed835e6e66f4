#!/usr/bin/env bash
# Benchmarks one service's redeploy on moto + the local registry + the Docker engine, after a one-line change to mcp each
# time, median of 3 runs each:
#   (a) ./build.sh Redeploy --service mcp                          (--image-build auto: mcp published on the host)
#   (b) ./build.sh Redeploy --service mcp --image-build dockerfile (mcp built in its Dockerfile, as before the host path)
#   (s) the shell pipeline: docker build, docker push to the local registry, aws ecs update-service --force-new-deployment,
#       aws ecs wait services-stable
# and prints the ratios a/s (target <= 0.5) and a/b, and the image build alone in (a) and (b) (the pipeline's own
# "built ... in N s" line). The environment is deployed once first (not measured), so every Redeploy has its service.
# On moto there is no endpoint that serves the services, so the runs skip HealthCheck (--skip HealthCheck), as bench/deploy.sh does.
# A host publish uses the compiler and MSBuild servers of its SDK that already run (an IDE's, your own builds') and starts
# none, so the figure of (a) is warm or cold depending on them: the script says which it found. To measure cold on a machine
# whose servers run, put a hard-linked copy of the SDK first on PATH (cp -al /usr/share/dotnet DIR; PATH=DIR:$PATH):
# servers belong to one installation's folder.
# Needs: Docker engine, a registry on 127.0.0.1:5000 with the base images (.ci/setup), python3 with moto[server], the aws CLI, node.
set -euo pipefail

cd "$(dirname "$0")/.."
readonly REGISTRY=${REGISTRY:-127.0.0.1:5000}
readonly RUNS=3
readonly RUN_ID=$(date +%s)$$
readonly WORK=$(mktemp -d "${TMPDIR:-/tmp}/redeploy-bench-XXXXXX")
readonly LOG=$WORK/bench.log
readonly SECRET="bench-fake-secret-$RUN_ID"
readonly COPY=$WORK/repo
readonly ENVIRONMENT="br${RUN_ID: -12}"   # environment names are at most 16 characters
moto_pid=""

source bench/lib.sh

change_mcp() { echo "// bench $RUN_ID $RANDOM$RANDOM" >>"$COPY/services/mcp/Program.cs"; }

cleanup() {
  set +e
  [[ -n $moto_pid ]] && kill "$moto_pid" 2>/dev/null
  docker images --format '{{.Repository}}:{{.Tag}}' | grep -E "(^|/)apigw-$ENVIRONMENT(-shell)?/" | xargs -r docker rmi >/dev/null 2>&1
  rm -rf "$COPY"
  echo "(full output: $LOG)"
}
trap cleanup EXIT

# The compiler and MSBuild servers of the SDK on PATH that run now, as "pid command" lines (another installation's are not
# the ones the pipeline's publishes use).
readonly SDK_FOLDER="$(dirname "$(readlink -f "$(command -v dotnet)")")/sdk/"
build_servers() {
  ps -eo pid=,args= | grep -F "$SDK_FOLDER" | grep -E 'VBCSCompiler .*-pipename|MSBuild.* /nodemode:(8|1 .*/nodeReuse:true)' | grep -v grep || true
}

# Runs a command with moto's endpoint and fake credentials, appending its output to the log; prints its wall time in seconds.
timed() {
  local label=$1 start end
  shift
  echo "-- $label" >&2
  echo "== $label: $*" >>"$LOG"
  start=$(date +%s.%N)
  if ! (
    cd "$COPY"
    export AWS_ENDPOINT_URL="http://127.0.0.1:$moto_port" AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY="$SECRET" AWS_REGION=us-east-1 \
      AWS_DEFAULT_REGION=us-east-1 BASE_IMAGE_REGISTRY="$REGISTRY"
    "$@"
  ) >>"$LOG" 2>&1; then
    tail -n 40 "$LOG" >&2
    echo "bench run '$label' failed; full output in $LOG" >&2
    exit 1
  fi
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }'
}

# The image build time the last run of the pipeline logged ("mcp: built <ref> (<id>) in 1.9 s").
last_image_build() { grep -oE 'mcp: built [^ ]+ \([0-9a-f]+\) in [0-9.]+ s' "$LOG" | tail -1 | grep -oE '[0-9.]+ s$' | cut -d' ' -f1; }

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

echo "-- preparing a copy of the repository and moto in $WORK" >&2
mkdir -p "$COPY"
git ls-files -z | xargs -0 cp --parents -t "$COPY"
start_moto "$WORK/moto.log"
servers_before=$(build_servers)
# The pipeline compiles itself on its first run in a copy, and the environment must exist: neither is measured.
(cd "$COPY" && ./build.sh --help >/dev/null)
args=(--profile dev --deploy-environment "$ENVIRONMENT" --registry "$REGISTRY" --skip HealthCheck)
timed "setup: full Deploy (not measured)" ./build.sh Deploy "${args[@]}" >/dev/null

cluster=$(timed "setup: find the ECS service" aws ecs list-clusters >/dev/null; grep -oE 'arn:aws:ecs:[^"]+:cluster/[^"]+' "$LOG" | grep -F "$ENVIRONMENT" | tail -1)
[[ -n $cluster ]] || { echo "no ECS cluster of $ENVIRONMENT on moto; see $LOG" >&2; exit 1; }
timed "setup: list the cluster's services" aws ecs list-services --cluster "$cluster" >/dev/null
service=$(grep -oE 'arn:aws:ecs:[^"]+:service/[^"]+' "$LOG" | grep -i mcp | tail -1)
[[ -n $service ]] || { echo "no mcp ECS service in $cluster on moto; see $LOG" >&2; exit 1; }

host=() host_build=() dockerfile=() dockerfile_build=() shell=()
for i in $(seq 1 $RUNS); do
  change_mcp
  host+=("$(timed "(a) Redeploy --service mcp, run $i" ./build.sh Redeploy --service mcp "${args[@]}")")
  host_build+=("$(last_image_build)")
done
servers_after=$(build_servers)
for i in $(seq 1 $RUNS); do
  change_mcp
  dockerfile+=("$(timed "(b) Redeploy --service mcp --image-build dockerfile, run $i" ./build.sh Redeploy --service mcp --image-build dockerfile "${args[@]}")")
  dockerfile_build+=("$(last_image_build)")
done
for i in $(seq 1 $RUNS); do
  change_mcp
  image="$REGISTRY/apigw-$ENVIRONMENT-shell/mcp:run$i-$RUN_ID"
  shell+=("$(timed "(s) shell pipeline, run $i" bash -c "
    set -euo pipefail
    docker build --network host --build-arg BASE_IMAGE_PREFIX=$REGISTRY/ --build-arg VERSION=run$i -t $image services/mcp
    docker push $image
    aws ecs update-service --cluster $cluster --service $service --force-new-deployment >/dev/null
    aws ecs wait services-stable --cluster $cluster --services $service")")
done

if grep -qF "$SECRET" "$LOG"; then
  echo "the fake AWS secret key appears in the output ($LOG): a secret was printed" >&2
  exit 1
fi

a=$(median "${host[@]}") b=$(median "${dockerfile[@]}") s=$(median "${shell[@]}")
ratio() { awk -v x="$1" -v y="$2" 'BEGIN { printf "%.2f", x / y }'; }
echo
echo "Redeploy of mcp after a one-line change (moto, registry $REGISTRY, HealthCheck skipped), median of $RUNS:"
echo "  (a) ./build.sh Redeploy --service mcp (host path):            ${a} s   runs: ${host[*]}"
echo "  (b) ./build.sh Redeploy --service mcp --image-build dockerfile: ${b} s   runs: ${dockerfile[*]}"
echo "  (s) shell pipeline (docker build + push + aws ecs update-service + wait): ${s} s   runs: ${shell[*]}"
echo "  a/s = $(ratio "$a" "$s") (target <= 0.5)    b/s = $(ratio "$b" "$s")    a/b = $(ratio "$a" "$b")"
echo "  image build alone: host path $(median "${host_build[@]}") s (runs: ${host_build[*]}), Dockerfile $(median "${dockerfile_build[@]}") s (runs: ${dockerfile_build[*]})"
echo "  compiler/MSBuild servers of $SDK_FOLDER running before the bench: $( [[ -n $servers_before ]] && echo "yes (the host-path runs used them warm)" || echo "none (the host-path runs compiled cold)")"
echo "  servers left after the host-path runs: $( [[ "$servers_after" == "$servers_before" ]] && echo "the same as before" || printf 'changed:\n%s' "$servers_after")"
