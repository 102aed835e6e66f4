#!/usr/bin/env bash
# Benchmarks the inner loop: the time from saving a one-line change that alters a response to the new response coming back
# through the local gateway (with a token), per service, median of several changes:
#   before: ./build.sh Redeploy --service <s> --strategy rolling after each save (rolling: no canary time in the figure)
#   after:  ./build.sh Dev running, nothing else done
# Goals: fastapi <= 2 s and mcp <= 6 s with Dev. Runs in a copy of the repository's tracked files, with its own environment,
# ports and gateway, and takes it all down at the end. Needs a Docker engine and a registry on 127.0.0.1:5000 with the base
# images (.ci/setup provides them). CHANGES (default 5) sets how many saves Dev gets per service; REDEPLOYS (default 3).
set -euo pipefail

cd "$(dirname "$0")/.."
readonly REGISTRY=${REGISTRY:-127.0.0.1:5000}
readonly CHANGES=${CHANGES:-5}
readonly REDEPLOYS=${REDEPLOYS:-3}
readonly RUN_ID=$(date +%s)$$
readonly WORK=$(mktemp -d "${TMPDIR:-/tmp}/dev-bench-XXXXXX")
readonly LOG=$WORK/bench.log
readonly COPY=$WORK/repo
readonly ENV_NAME="dv${RUN_ID: -12}"
source bench/lib.sh
readonly GATEWAY_PORT=$(free_port)
dev_pid=""

mkdir -p "$COPY"
git ls-files -z | xargs -0 cp --parents -t "$COPY"
python3 - "$COPY" <<'PY'
import json, pathlib, socket, sys
root = pathlib.Path(sys.argv[1])
for manifest in sorted((root / "services").glob("*/service.json")):
    data = json.loads(manifest.read_text())
    s = socket.socket(); s.bind(("127.0.0.1", 0)); data["port"] = s.getsockname()[1]; s.close()
    manifest.write_text(json.dumps(data, indent=2) + "\n")
# A value each service returns on GET /, which every save changes.
main = root / "services/fastapi/app/main.py"
main.write_text(main.read_text().replace('"health": f"{prefix}/health",', '"health": f"{prefix}/health", "bench": "bench-0",', 1))
app = root / "services/mcp/McpServerApplication.cs"
app.write_text(app.read_text().replace('whose tools use the fastapi service.', 'whose tools use the fastapi service. bench-0', 1))
PY

build() { (cd "$COPY" && env BASE_IMAGE_REGISTRY="$REGISTRY" ./build.sh "$@" --deploy-environment "$ENV_NAME" --gateway-port "$GATEWAY_PORT"); }

cleanup() {
  set +e
  if [[ -n $dev_pid ]] && kill -0 "$dev_pid" 2>/dev/null; then kill -TERM -- "-$dev_pid"; wait "$dev_pid"; fi
  build Down >>"$LOG" 2>&1
  docker images --format '{{.Repository}}:{{.Tag}}' | grep -E "(^|/)apigw-$ENV_NAME/" | xargs -r docker rmi >/dev/null 2>&1
  rm -rf "$COPY"
  echo "(full output: $LOG)"
}
trap cleanup EXIT

# Saves a new bench value into the service's source and prints it.
save() {
  local service=$1 value="bench-$RANDOM$RANDOM"
  case $service in
    fastapi) sed -i -E "s/\"bench\": \"bench-[0-9]+\"/\"bench\": \"$value\"/" "$COPY/services/fastapi/app/main.py" ;;
    mcp) sed -i -E "s/fastapi service\. bench-[0-9]+/fastapi service. $value/" "$COPY/services/mcp/McpServerApplication.cs" ;;
  esac
  echo "$value"
}

# Waits until GET /api/<service>/ answers with the value; prints the seconds since the save (given as epoch seconds).
served_after() {
  python3 - "$GATEWAY_PORT" "$1" "$2" "$3" "$TOKEN" <<'PY'
import sys, time, urllib.request
port, service, value, saved, token = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), sys.argv[5]
url = f"http://127.0.0.1:{port}/api/{service}/"
while time.time() - saved < 180:
    try:
        request = urllib.request.Request(url, headers={"Authorization": "Bearer " + token})
        if value in urllib.request.urlopen(request, timeout=10).read().decode():
            print(f"{time.time() - saved:.2f}"); sys.exit(0)
    except Exception:
        pass
    time.sleep(0.02)
sys.exit(f"{service} did not serve {value} within 180 s of the save")
PY
}

median() { python3 -c 'import statistics, sys; print(f"{statistics.median(float(x) for x in sys.argv[1:]):.2f}")' "$@"; }

echo "-- Deploy of the copy (environment $ENV_NAME, gateway 127.0.0.1:$GATEWAY_PORT)" >&2
build Deploy --strategy rolling >>"$LOG" 2>&1 || { tail -n 40 "$LOG" >&2; exit 1; }
TOKEN=$(build Token 2>>"$LOG" | tail -1)

declare -A before after
for service in fastapi mcp; do
  times=()
  for _ in $(seq "$REDEPLOYS"); do
    value=$(save "$service"); saved=$(date +%s.%N)
    build Redeploy --service "$service" --strategy rolling >>"$LOG" 2>&1 || { tail -n 40 "$LOG" >&2; exit 1; }
    times+=("$(served_after "$service" "$value" "$saved")")
    echo "   Redeploy $service: ${times[-1]} s" >&2
  done
  before[$service]=$(median "${times[@]}")
done

echo "-- Dev" >&2
(cd "$COPY" && exec setsid env BASE_IMAGE_REGISTRY="$REGISTRY" ./build.sh Dev --deploy-environment "$ENV_NAME" --gateway-port "$GATEWAY_PORT") >>"$LOG" 2>&1 &
dev_pid=$!
for _ in $(seq 600); do grep -q "watching services" "$LOG" && break; kill -0 "$dev_pid" 2>/dev/null || { tail -n 40 "$LOG" >&2; exit 1; }; sleep 0.5; done
for service in fastapi mcp; do
  times=()
  for _ in $(seq "$CHANGES"); do
    value=$(save "$service"); saved=$(date +%s.%N)
    times+=("$(served_after "$service" "$value" "$saved")")
    echo "   Dev $service: ${times[-1]} s" >&2
    sleep 1
  done
  after[$service]=$(median "${times[@]}")
done
# SIGTERM, which Dev handles as Ctrl-C: a script's background job ignores SIGINT.
kill -TERM -- "-$dev_pid"; wait "$dev_pid" || true; dev_pid=""

echo
printf '%-8s  %-28s  %-24s  %s\n' service "before: Redeploy (median of $REDEPLOYS)" "after: Dev (median of $CHANGES)" goal
printf '%-8s  %-28s  %-24s  %s\n' fastapi "${before[fastapi]} s" "${after[fastapi]} s" "<= 2 s"
printf '%-8s  %-28s  %-24s  %s\n' mcp "${before[mcp]} s" "${after[mcp]} s" "<= 6 s"
