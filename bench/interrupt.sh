#!/usr/bin/env bash
# Interrupt benchmark: how long ./build.sh takes to exit after Ctrl-C (SIGINT) or SIGTERM when no CloudFormation
# operation is in flight (goal: under 2 s). A local Deploy in a scratch copy is interrupted while it builds images (a
# one-line change makes the build real); the script reports the exit code (130 / 143 expected) and the seconds from the
# signal to the exit, for each signal and a few delays.
# Needs: Docker engine and base images (.ci/setup). Usage: bench/interrupt.sh [delay-seconds...]   (default: 3 6)
set -euo pipefail

cd "$(dirname "$0")/.."
readonly WORK=$(mktemp -d "${TMPDIR:-/tmp}/interrupt-bench-XXXXXX")
readonly RUN_ID=$(date +%s)$$
readonly ENV_NAME="intr${RUN_ID: -10}"   # environment names are at most 16 characters
delays=("$@")
((${#delays[@]} > 0)) || delays=(3 6)
copy=$WORK/copy
gateway_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')

cleanup() {
  set +e
  (cd "$copy" && ./build.sh Down --deploy-environment "$ENV_NAME" --gateway-port "$gateway_port" >/dev/null 2>&1)
  docker images --format '{{.Repository}}:{{.Tag}}' | grep -E "^apigw-$ENV_NAME/" | xargs -r docker rmi >/dev/null 2>&1
  rm -rf "$WORK"
}
trap cleanup EXIT

mkdir -p "$copy"
git ls-files -z | xargs -0 cp --parents -t "$copy"
python3 - "$copy" <<'PY'
import json, pathlib, socket, sys
for manifest in sorted((pathlib.Path(sys.argv[1]) / "services").glob("*/service.json")):
    data = json.loads(manifest.read_text())
    s = socket.socket(); s.bind(("127.0.0.1", 0)); data["port"] = s.getsockname()[1]; s.close()
    manifest.write_text(json.dumps(data, indent=2) + "\n")
PY
(cd "$copy" && ./build.sh --help >/dev/null)

printf '%-8s %-8s %-10s %s\n' signal delay "exit code" "seconds to exit"
for signal in INT TERM; do
  for delay in "${delays[@]}"; do
    echo "# bench $RUN_ID $signal $delay $RANDOM" >>"$copy/services/fastapi/app/main.py"
    (cd "$copy" && exec ./build.sh Deploy --deploy-environment "$ENV_NAME" --gateway-port "$gateway_port") >"$WORK/run.log" 2>&1 &
    pid=$!
    sleep "$delay"
    sent=$(date +%s.%N)
    kill -"$signal" "$pid"
    code=0
    wait "$pid" || code=$?
    done_at=$(date +%s.%N)
    printf '%-8s %-8s %-10s %s\n' "SIG$signal" "${delay}s" "$code" "$(awk -v a="$sent" -v b="$done_at" 'BEGIN { printf "%.2f", b - a }')"
  done
done
