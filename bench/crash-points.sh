#!/usr/bin/env bash
# Crash-point benchmark: stops Deploy, Redeploy (local and moto), Rollback and Destroy (moto) with SIGINT and with
# kill -9 at N points spread over a run's duration, runs the same command again with no manual step, and prints:
#
#   target x platform x signal -> converged n/N, clean no-op n/N, change sets left AVAILABLE, containers left,
#                                 processes left, temporary files left
#
# How a point goes:
#   1. a one-line change in services/fastapi (Deploy, Redeploy, Rollback: a new image, so there is real work); on moto
#      the new image is built and pushed before the run (BuildImages PushImages), so the run's time, and the points it is
#      stopped at, go to synthesis, change sets and the ECS rollout rather than to the image build;
#   2. the command starts in a process group of its own; after (i / (N+1)) x the calibrated duration of an uninterrupted
#      run of the same kind, SIGINT or SIGKILL goes to the whole group (a SIGINT run gets 90 s to exit, then SIGKILL);
#   3. the same command runs again: "converged" means it exited 0;
#   4. it runs once more: "clean no-op" means that run exited 0 and changed nothing. "Nothing" is judged on the
#      environment's state, not on wording: locally the ids of the environment's containers and the gateway's PID are the
#      same before and after; on moto each of the environment's stacks keeps its status, its parameter values and its
#      number of stack events (every change set executed adds events), and each ECS service keeps its task definition and
#      desired count. A Redeploy rolls its service again by design even when nothing changed, so for it the event count
#      is left out (same image tag parameter, same task definition = nothing changed). After a Destroy the state is the
#      registry stack alone (kept without --include-images), so a no-op Destroy exits 0 and deletes nothing;
#   5. what is left is counted: change sets with ExecutionStatus AVAILABLE on the environment's stacks (aws cloudformation
#      list-change-sets), containers of the environment besides the live ones (-next / -previous names, or any not
#      running), processes beyond the one gateway a local environment runs (gateway processes of the environment, and any
#      other process whose command line names the scratch copy), temporary files the pipeline writes (TMPDIR is private to
#      the benchmark: tmp*.tmp, pipeline-blob-*, files under pipeline-scratch-*/; and *.tmp under artifacts/). The .NET
#      runtime's own diagnostic pipes and sockets (clr-debug-pipe-*, dotnet-diagnostic-*), which every .NET process killed
#      with -9 leaves in TMPDIR, are not counted. Then the benchmark removes what it counted, so each point starts from the
#      same clean state (that cleanup is the benchmark's, not part of "converged").
#
# moto runs on 127.0.0.1 with MOTO_ECS_SERVICE_RUNNING=2; the measured runs reach it through a proxy (python3 stdlib,
# 127.0.0.1) that delays every call by 150-300 ms, so a run lasts long enough to be stopped in the middle. Setup runs
# (first deploys, the deploys a Rollback needs, the Deploy that restores after a Destroy) go to moto directly.
# On moto the runs use --profile dev --registry <registry> --skip HealthCheck, as bench/deploy.sh does; Rollback checks
# health itself, so it gets --health-url pointing at the proxy, which answers with the version the Rollback goes to.
#
# Usage: bench/crash-points.sh [N] [--platform local|moto|both] [--targets Deploy,Redeploy,Rollback,Destroy] [--signals INT,KILL]
#   N defaults to 5. Rollback and Destroy exist on moto only. --targets Deploy+gateway (local, not in the default set)
#   also changes a line of the gateway's code before each run, so the gateway is rebuilt and replaced too. Measured on a 2-core machine shared with other builds: N=3 for
#   everything (36 points, a point is three runs plus the setup deploys of Rollback and Destroy) took 26 min;
#   --platform local with N=3 about 6 min; --targets Deploy+gateway --platform local with N=4 about 7 min.
# Needs: Docker engine, a registry on 127.0.0.1:5000 with the base images (.ci/setup), python3 with moto[server], awscli, node.
set -euo pipefail

cd "$(dirname "$0")/.."
readonly REGISTRY=${REGISTRY:-127.0.0.1:5000}
readonly RUN_ID=$(od -An -N4 -tx4 /dev/urandom | tr -d ' \n')

points=5
platforms=(local moto)
targets=(Deploy Redeploy Rollback Destroy)
signals=(INT KILL)
while (($# > 0)); do
  case $1 in
    --platform) [[ $2 == both ]] && platforms=(local moto) || platforms=("$2"); shift 2 ;;
    --targets) IFS=, read -r -a targets <<<"$2"; shift 2 ;;
    --signals) IFS=, read -r -a signals <<<"$2"; shift 2 ;;
    -h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    [0-9]*) points=$1; shift ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done
((points >= 1 && points <= 20)) || { echo "N must be between 1 and 20" >&2; exit 2; }
for signal in "${signals[@]}"; do [[ $signal == INT || $signal == KILL ]] || { echo "signals are INT and KILL, not $signal" >&2; exit 2; }; done
for platform in "${platforms[@]}"; do [[ $platform == local || $platform == moto ]] || { echo "platforms are local and moto, not $platform" >&2; exit 2; }; done

readonly WORK=$(mktemp -d "${TMPDIR:-/tmp}/crash-bench-XXXXXX")
readonly LOG=$WORK/bench.log
readonly PIPELINE_TMP=$WORK/tmp
readonly SECRET="bench-fake-secret-$RUN_ID"
readonly SIGINT_EXIT_LIMIT=90
readonly RUN_LIMIT=900
mkdir -p "$PIPELINE_TMP"
local_copy=$WORK/local
moto_copy=$WORK/moto
local_env="crashl$RUN_ID"
moto_env="crasha$RUN_ID"
gateway_port=""
moto_pid=""
proxy_pid=""
moto_port=""
proxy_port=""
results=()

source bench/lib.sh
log() { echo "$*" >>"$LOG"; }
say() { echo "-- $*" >&2; log "== $*"; }

make_copy() {
  local target=$1
  mkdir -p "$target"
  git ls-files -z | xargs -0 cp --parents -t "$target"
  python3 - "$target" <<'PY'
import json, pathlib, socket, sys
for manifest in sorted((pathlib.Path(sys.argv[1]) / "services").glob("*/service.json")):
    data = json.loads(manifest.read_text())
    s = socket.socket(); s.bind(("127.0.0.1", 0)); data["port"] = s.getsockname()[1]; s.close()
    manifest.write_text(json.dumps(data, indent=2) + "\n")
PY
}

change_fastapi() { echo "# crash bench $RUN_ID $RANDOM$RANDOM" >>"$1/services/fastapi/app/main.py"; }

cleanup() {
  set +e
  [[ -f $WORK/run.pgid ]] && kill -KILL -- "-$(cat "$WORK/run.pgid")" 2>/dev/null
  if [[ -n $gateway_port && -x $local_copy/build.sh ]]; then
    (cd "$local_copy" && ./build.sh Down --deploy-environment "$local_env" --gateway-port "$gateway_port" >>"$LOG" 2>&1)
  fi
  for env_name in "$local_env" "$moto_env"; do
    for pid in $(gateway_pids "$local_copy" "$env_name") $(gateway_pids "$moto_copy" "$env_name"); do kill "$pid" 2>/dev/null; done
    docker ps -aq --filter "label=apigw.platform=$env_name" | xargs -r docker rm -f >/dev/null 2>&1
  done
  [[ -n $proxy_pid ]] && kill "$proxy_pid" 2>/dev/null
  [[ -n $moto_pid ]] && kill "$moto_pid" 2>/dev/null
  docker images --format '{{.Repository}}:{{.Tag}}' | grep -E "(^|/)apigw-($local_env|$moto_env)/" | xargs -r docker rmi >/dev/null 2>&1
  rm -rf "$local_copy" "$moto_copy" "$PIPELINE_TMP"
  echo "(full output: $LOG)" >&2
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- what a run leaves behind ---------------------------------------------------------------------------------------

# PIDs of processes running this environment's gateway (any build of it under artifacts/<env>/gateway-bin).
gateway_pids() {
  local copy=$1 env_name=$2 pid
  for pid in $(ls /proc | grep -E '^[0-9]+$'); do
    tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -qF "$copy/artifacts/$env_name/gateway-bin/" || continue
    tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -qF "Pipeline.Gateway.dll" && echo "$pid"
  done
  return 0
}

# PIDs of other processes whose command line names the copy: a pipeline, a compiler or a synth that outlived its run.
stray_pids() {
  local copy=$1 pid
  for pid in $(ls /proc | grep -E '^[0-9]+$'); do
    [[ $pid == "$$" || $pid == "$BASHPID" ]] && continue
    tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -qF "$copy/" || continue
    tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -qF "Pipeline.Gateway.dll" && continue
    echo "$pid"
  done
  return 0
}

# Containers of the environment besides the live ones: -next / -previous, or any that is not running.
extra_containers() {
  local env_name=$1
  docker ps -a --filter "label=apigw.platform=$env_name" --format '{{.ID}} {{.Names}} {{.State}}' |
    awk '$2 ~ /-(next|previous)$/ || $3 != "running" { print $1 }'
}

temp_files() {
  local copy=$1
  find "$PIPELINE_TMP" -maxdepth 1 -type f \( -name 'tmp*.tmp' -o -name 'pipeline-blob-*' \) 2>/dev/null
  find "$PIPELINE_TMP" -mindepth 2 -path '*/pipeline-scratch-*/*' -type f 2>/dev/null
  [[ -d $copy/artifacts ]] && find "$copy/artifacts" -type f -name '*.tmp' 2>/dev/null
  return 0
}

moto_aws() { AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY="$SECRET" AWS_DEFAULT_REGION=us-east-1 aws --endpoint-url "http://127.0.0.1:$moto_port" "$@"; }

env_stacks() {
  moto_aws cloudformation list-stacks --output text \
    --query "StackSummaries[?StackStatus!='DELETE_COMPLETE'].StackName" | tr '\t' '\n' | grep -F -- "$moto_env" || true
}

# "stack change-set-name" of every change set left AVAILABLE on the environment's stacks. Each summary names its stack:
# moto answers ListChangeSets with the change sets of every stack, whatever --stack-name says, so they are filtered here.
available_change_sets() {
  local stacks
  stacks=$(env_stacks)
  [[ -n $stacks ]] || return 0
  moto_aws cloudformation list-change-sets --stack-name "$(head -1 <<<"$stacks")" --output text \
    --query "Summaries[?ExecutionStatus=='AVAILABLE'].[StackName,ChangeSetName]" |
    awk -v stacks="$stacks" 'BEGIN { split(stacks, list, "\n"); for (i in list) ours[list[i]] = 1 } ($1 in ours) { print $1, $2 }' | sort -u
}

# The environment's state, to tell whether a run changed anything (see the header).
state_of() {
  local platform=$1 target=$2
  if [[ $platform == local ]]; then
    docker ps -a --filter "label=apigw.platform=$local_env" --format '{{.Names}} {{.ID}} {{.State}}' | sort
    gateway_pids "$local_copy" "$local_env" | sort
    return
  fi
  local stack cluster
  for stack in $(env_stacks | sort); do
    echo "$stack $(moto_aws cloudformation describe-stacks --stack-name "$stack" --output text \
      --query 'Stacks[0].[StackStatus, join(`,`, Parameters[].ParameterValue || `[]`)]' | tr '\t' ' ')"
    # A Redeploy rolls its service again by design, even with nothing changed: for it, the same parameters and task
    # definitions are "nothing changed"; for every other target the stack must not even have run a change set.
    [[ $target == Redeploy ]] ||
      echo "  events=$(moto_aws cloudformation describe-stack-events --stack-name "$stack" --query 'length(StackEvents)' --output text)"
  done
  for cluster in $(moto_aws ecs list-clusters --query 'clusterArns' --output text | tr '\t' '\n' | grep -F -- "$moto_env"); do
    local services
    services=$(moto_aws ecs list-services --cluster "$cluster" --query 'serviceArns' --output text)
    [[ -n $services && $services != None ]] || continue
    # shellcheck disable=SC2086
    moto_aws ecs describe-services --cluster "$cluster" --services $services --output text \
      --query 'services[].[serviceName,taskDefinition,desiredCount]' | sort
  done
}

# --- running the pipeline ---------------------------------------------------------------------------------------------

# Runs ./build.sh to the end; prints nothing, returns its exit code. Output goes to the log.
run_to_end() {
  local copy=$1 endpoint=$2
  shift 2
  log "\$ ./build.sh $* (endpoint ${endpoint:-none})"
  local code=0
  (cd "$copy" && run_env "$endpoint" timeout "$RUN_LIMIT" ./build.sh "$@") >>"$LOG" 2>&1 || code=$?
  log "exit $code"
  return "$code"
}

# Runs a command with the pipeline's environment: private TMPDIR, base images from the registry, moto's endpoint if any.
run_env() {
  local endpoint=$1
  shift
  local variables=(TMPDIR="$PIPELINE_TMP" BASE_IMAGE_REGISTRY="$REGISTRY")
  [[ -n $endpoint ]] && variables+=(AWS_ENDPOINT_URL="$endpoint" AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY="$SECRET" AWS_REGION=us-east-1)
  exec env "${variables[@]}" "$@"
}

# Starts ./build.sh in a process group of its own, stops the group after the delay, waits for it.
# Prints "<exit code> <missed>" where missed is 1 when the run ended before the signal.
run_and_stop() {
  local copy=$1 endpoint=$2 signal=$3 delay=$4
  shift 4
  log "\$ ./build.sh $* (endpoint ${endpoint:-none}; SIG$signal after ${delay}s)"
  # exec all the way down: the background PID is setsid's, which makes it the leader of a new process group.
  (cd "$copy" && run_env "$endpoint" setsid ./build.sh "$@") >>"$LOG" 2>&1 &
  local run_pgid=$!
  echo "$run_pgid" >"$WORK/run.pgid"
  local deadline missed=0 code=0
  deadline=$(awk -v d="$delay" 'BEGIN { printf "%d", d * 10 }')
  for ((tick = 0; tick < deadline; tick++)); do
    kill -0 "$run_pgid" 2>/dev/null || { missed=1; break; }
    sleep 0.1
  done
  if ((missed == 0)); then
    kill "-$signal" -- "-$run_pgid" 2>/dev/null || true
    if [[ $signal == INT ]]; then
      for ((tick = 0; tick < SIGINT_EXIT_LIMIT * 10; tick++)); do
        kill -0 "$run_pgid" 2>/dev/null || break
        sleep 0.1
      done
      if kill -0 "$run_pgid" 2>/dev/null; then
        log "still running ${SIGINT_EXIT_LIMIT}s after SIGINT: SIGKILL"
        kill -KILL -- "-$run_pgid" 2>/dev/null || true
      fi
    fi
  fi
  wait "$run_pgid" 2>/dev/null || code=$?
  rm -f "$WORK/run.pgid"
  log "exit $code (missed: $missed)"
  echo "$code $missed"
}

seconds_since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

# --- platforms --------------------------------------------------------------------------------------------------------

start_moto() {
  moto_port=$(free_port)
  proxy_port=$(free_port)
  MOTO_ECS_SERVICE_RUNNING=2 python3 -m moto.server -H 127.0.0.1 -p "$moto_port" >"$WORK/moto.log" 2>&1 &
  moto_pid=$!
  cat >"$WORK/delay-proxy.py" <<'PY'
# Forwards every request to moto after a random 150-300 ms pause: a CloudFormation that takes its time.
import http.client, http.server, random, sys, time
upstream_port = int(sys.argv[2])

class Delay(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *args): pass
    def body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""): pass
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))
    def forward(self):
        data = self.body()
        if self.path.startswith("/bench-health/"):
            # moto runs no service: the health a Rollback checks is answered here, with the version it rolls back to.
            version = open(sys.argv[3]).read().strip()
            payload = ('{"status":"ok","service":"stand-in","version":"%s"}' % version).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            return
        time.sleep(random.uniform(0.15, 0.30))
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("transfer-encoding", "content-length", "connection", "expect")}
        headers["Content-Length"] = str(len(data))
        connection = http.client.HTTPConnection("127.0.0.1", upstream_port, timeout=120)
        connection.request(self.command, self.path, body=data, headers=headers)
        reply = connection.getresponse()
        payload = reply.read()
        self.send_response(reply.status, reply.reason)
        for k, v in reply.getheaders():
            if k.lower() not in ("transfer-encoding", "content-length", "connection", "server", "date"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)
        connection.close()
    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = forward

http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Delay).serve_forever()
PY
  touch "$WORK/health-version"
  python3 "$WORK/delay-proxy.py" "$proxy_port" "$moto_port" "$WORK/health-version" >"$WORK/proxy.log" 2>&1 &
  proxy_pid=$!
  for _ in $(seq 1 150); do
    curl -fs "http://127.0.0.1:$moto_port/moto-api/" >/dev/null 2>&1 && curl -fs "http://127.0.0.1:$proxy_port/moto-api/" >/dev/null 2>&1 && return
    sleep 0.2
  done
  echo "moto or the delay proxy did not start (logs in $WORK)" >&2
  exit 1
}

moto_direct() { echo "http://127.0.0.1:$moto_port"; }
moto_slow() { echo "http://127.0.0.1:$proxy_port"; }
moto_args=()

# Newest successful Deploy record's id other than the newest one: the record a Rollback goes back to.
previous_deploy_id() {
  (cd "$moto_copy" && run_env "$(moto_direct)" ./build.sh History "${moto_args[@]}" --format json 2>>"$LOG") |
    python3 -c '
import json, sys
text = sys.stdin.read()
records = json.loads(text[text.index("["):text.rindex("]") + 1])
deploys = [r for r in records if r["outcome"] == "succeeded" and r["target"] == "Deploy"]
target = deploys[1] if len(deploys) > 1 else None
print(target["id"] + " " + next(s["tag"] for s in target["services"] if s["service"] == "fastapi") if target else "")'
}

# --- one (platform, target, signal) row --------------------------------------------------------------------------------

# Arguments of the command the row stops and runs again.
command_of() {
  local platform=$1 target=$2 rollback_to=${3:-}
  if [[ $platform == local ]]; then
    case $target in
      Deploy | Deploy+gateway) echo "Deploy --deploy-environment $local_env --gateway-port $gateway_port" ;;
      Redeploy) echo "Redeploy --service fastapi --deploy-environment $local_env --gateway-port $gateway_port" ;;
    esac
    return
  fi
  case $target in
    Deploy) echo "Deploy ${moto_args[*]}" ;;
    Redeploy) echo "Redeploy --service fastapi ${moto_args[*]}" ;;
    Rollback) echo "Rollback --service fastapi --to $rollback_to --profile dev --deploy-environment $moto_env --registry $REGISTRY --health-url http://127.0.0.1:$proxy_port/bench-health" ;;
    Destroy) echo "Destroy --yes --profile dev --deploy-environment $moto_env" ;;
  esac
}

copy_of() { [[ $1 == local ]] && echo "$local_copy" || echo "$moto_copy"; }
env_of() { [[ $1 == local ]] && echo "$local_env" || echo "$moto_env"; }
slow_endpoint() { [[ $1 == local ]] && echo "" || moto_slow; }

# Brings the environment to where a point of this target starts; prints the Rollback record id when there is one.
prepare_point() {
  local platform=$1 target=$2 copy
  copy=$(copy_of "$platform")
  case $platform/$target in
    local/Deploy | local/Redeploy) change_fastapi "$copy" ;;
    local/Deploy+gateway)
      change_fastapi "$copy"
      echo "// crash bench $RUN_ID $RANDOM$RANDOM" >>"$copy/build/Pipeline.Gateway/Program.cs" ;;
    moto/Deploy | moto/Redeploy)
      # On moto the image build would take most of the run, and a stop there says nothing about CloudFormation: the new
      # image is built and pushed first, so the stopped run spends its time on synthesis, change sets and the ECS rollout.
      change_fastapi "$copy"
      run_to_end "$copy" "$(moto_direct)" BuildImages PushImages "${moto_args[@]:0:6}" >&2 || { echo "setup build failed; see $LOG" >&2; exit 1; } ;;
    moto/Rollback)
      # Two deploys with different images, and the Rollback goes to the first. Not to an image a Redeploy or a Rollback
      # set last: moto compares a change set with the parameters of the stack's last parameter update through the
      # rolling path, so it would report "no changes" for that image (a moto quirk, not CloudFormation's behaviour).
      for _ in 1 2; do
        change_fastapi "$copy"
        run_to_end "$copy" "$(moto_direct)" Deploy "${moto_args[@]}" >&2 || { echo "setup Deploy for Rollback failed; see $LOG" >&2; exit 1; }
      done
      local target
      target=$(previous_deploy_id)
      echo "${target#* }" >"$WORK/health-version"
      echo "${target%% *}" ;;
    moto/Destroy)
      if [[ -z $(env_stacks) ]] || ! run_to_end "$copy" "$(moto_direct)" Deploy "${moto_args[@]:0:6}" --skip HealthCheck BuildImages PushImages >&2; then
        run_to_end "$copy" "$(moto_direct)" Deploy "${moto_args[@]}" >&2 || { echo "setup Deploy for Destroy failed; see $LOG" >&2; exit 1; }
      fi ;;
  esac
}

# Removes what a point left, after it was counted, so the next point starts clean.
clear_leftovers() {
  local platform=$1 copy line pid
  copy=$(copy_of "$platform")
  extra_containers "$(env_of "$platform")" | xargs -r docker rm -f >/dev/null 2>&1 || true
  if [[ $platform == local ]]; then
    local recorded
    recorded=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["processId"])' "$copy/artifacts/$local_env/gateway.json" 2>/dev/null || echo "")
    for pid in $(gateway_pids "$copy" "$local_env"); do [[ $pid == "$recorded" ]] || kill "$pid" 2>/dev/null || true; done
  else
    for pid in $(gateway_pids "$copy" "$moto_env"); do kill "$pid" 2>/dev/null || true; done
    while read -r line; do
      [[ -n $line ]] && moto_aws cloudformation delete-change-set --stack-name "${line%% *}" --change-set-name "${line#* }" >/dev/null 2>&1 || true
    done < <(available_change_sets)
  fi
  for pid in $(stray_pids "$copy"); do kill "$pid" 2>/dev/null || true; done
  temp_files "$copy" | xargs -r rm -f
}

run_row() {
  local platform=$1 target=$2 signal=$3 duration=$4 copy endpoint
  copy=$(copy_of "$platform")
  endpoint=$(slow_endpoint "$platform")
  local converged=0 noop=0 change_sets=0 containers=0 processes=0 temps=0 missed=0
  for ((i = 1; i <= points; i++)); do
    local rollback_to delay command stopped expected_gateways before after
    rollback_to=$(prepare_point "$platform" "$target")
    [[ $target == Rollback && -z $rollback_to ]] && { echo "no earlier deploy to roll back to; see $LOG" >&2; exit 1; }
    delay=$(awk -v d="$duration" -v i="$i" -v n="$points" 'BEGIN { printf "%.1f", d * i / (n + 1) }')
    command=$(command_of "$platform" "$target" "$rollback_to")
    say "$platform $target SIG$signal point $i/$points: stop after ${delay}s of ~${duration}s"
    # shellcheck disable=SC2086
    stopped=$(run_and_stop "$copy" "$endpoint" "$signal" "$delay" $command)
    [[ ${stopped#* } == 1 ]] && ((missed += 1))
    log "right after the stop: temp files [$(temp_files "$copy" | tr '\n' ' ')], containers [$(docker ps -a --filter "label=apigw.platform=$(env_of "$platform")" --format '{{.Names}}:{{.State}}' | tr '\n' ' ')], gateways [$(gateway_pids "$copy" "$(env_of "$platform")" | tr '\n' ' ')], TMPDIR [$(find "$PIPELINE_TMP" -maxdepth 3 -printf '%y:%P ' | cut -c1-1500)]"
    # shellcheck disable=SC2086
    if run_to_end "$copy" "$endpoint" $command; then
      ((converged += 1))
      before=$(state_of "$platform" "$target")
      # shellcheck disable=SC2086
      if run_to_end "$copy" "$endpoint" $command; then
        after=$(state_of "$platform" "$target")
        if [[ $before == "$after" ]]; then ((noop += 1)); else log "not a no-op: state before and after differ"$'\n'"$before"$'\n'"---"$'\n'"$after"; fi
      fi
    else
      # Not converged: one more run, so the next point does not start from a broken environment.
      # shellcheck disable=SC2086
      run_to_end "$copy" "$endpoint" $command || true
    fi
    local sets extra gateways strays temps_now
    if [[ $platform == moto ]]; then sets=$(available_change_sets | grep -c . || true); else sets=0; fi
    extra=$(extra_containers "$(env_of "$platform")" | grep -c . || true)
    expected_gateways=0
    [[ $platform == local ]] && expected_gateways=1
    gateways=$(gateway_pids "$copy" "$(env_of "$platform")" | grep -c . || true)
    strays=$(stray_pids "$copy" | grep -c . || true)
    temps_now=$(temp_files "$copy" | grep -c . || true)
    ((change_sets += sets)) || true
    ((containers += extra)) || true
    ((processes += strays + (gateways > expected_gateways ? gateways - expected_gateways : 0))) || true
    ((temps += temps_now)) || true
    [[ $platform == moto ]] && log "change sets left AVAILABLE: [$(available_change_sets | tr '\n' ';')]"
    log "point $i: stopped=[$stopped] change sets=$sets containers=$extra gateways=$gateways strays=$strays temp files=$temps_now"
    clear_leftovers "$platform"
  done
  results+=("$(printf '%-9s %-6s %-8s %-10s %-14s %-16s %-15s %-16s %-10s %s' \
    "$target" "$platform" "SIG$signal" "$converged/$points" "$noop/$points" "$change_sets" "$containers" "$processes" "$temps" \
    "$([[ $missed == 0 ]] && echo - || echo "$missed ended before the signal")")")
}

# Measures one uninterrupted run of the target (after its usual preparation); prints its seconds.
calibrate() {
  local platform=$1 target=$2 copy endpoint rollback_to command start
  copy=$(copy_of "$platform")
  endpoint=$(slow_endpoint "$platform")
  rollback_to=$(prepare_point "$platform" "$target")
  command=$(command_of "$platform" "$target" "$rollback_to")
  say "$platform $target: an uninterrupted run to measure its duration"
  start=$(date +%s.%N)
  # shellcheck disable=SC2086
  run_to_end "$copy" "$endpoint" $command || { echo "$platform $target failed without interruption; see $LOG" >&2; exit 1; }
  seconds_since "$start"
}

# --- main -------------------------------------------------------------------------------------------------------------

bench_start=$(date +%s.%N)
for platform in "${platforms[@]}"; do
  copy=$(copy_of "$platform")
  say "preparing $platform in $copy"
  make_copy "$copy"
  (cd "$copy" && ./build.sh --help >/dev/null 2>>"$LOG")
  if [[ $platform == local ]]; then
    gateway_port=$(free_port)
    run_to_end "$copy" "" Deploy --deploy-environment "$local_env" --gateway-port "$gateway_port" || { echo "first local Deploy failed; see $LOG" >&2; exit 1; }
  else
    start_moto
    moto_args=(--profile dev --deploy-environment "$moto_env" --registry "$REGISTRY" --skip HealthCheck)
    run_to_end "$copy" "$(moto_direct)" Deploy "${moto_args[@]}" || { echo "first moto Deploy failed; see $LOG" >&2; exit 1; }
  fi
  for target in "${targets[@]}"; do
    [[ $platform == local && ($target == Rollback || $target == Destroy) ]] && continue
    [[ $platform == moto && $target == Deploy+gateway ]] && continue
    duration=$(calibrate "$platform" "$target")
    for signal in "${signals[@]}"; do
      run_row "$platform" "$target" "$signal" "$duration"
    done
  done
done

{
  echo
  echo "Crash points: N=$points per row, stopped at i/(N+1) of a calibrated run; the same command run again, then once more."
  echo "moto behind a proxy delaying every call 150-300 ms; HealthCheck skipped on moto (Rollback checks a stand-in). Total $(seconds_since "$bench_start") s."
  printf '%-9s %-6s %-8s %-10s %-14s %-16s %-15s %-16s %-10s %s\n' \
    target platform signal converged "clean no-op" "change sets left" "containers left" "processes left" "temp files" note
  printf '%s\n' "${results[@]}"
}
