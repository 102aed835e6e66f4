#!/usr/bin/env bash
# Requests lost while the local platform replaces a service (and its gateway), measured through the gateway:
#   1. ./build.sh Deploy of a fresh copy (services and gateway on free ports, an environment of its own)
#   2. for fastapi, then mcp: a one-line change, then ./build.sh Redeploy --service <svc> while 4 clients call
#      /api/<svc>/health through the gateway; after fastapi's, an MCP tool call that needs fastapi (mcp -> fastapi),
#      with a token from ./build.sh Token (the health routes need none)
#   3. a one-line change to the gateway's code, then ./build.sh Deploy (gateway rebuilt and replaced) under the same load
#   4. a fastapi version that fails one request in five on its info route, redeployed under load with a token on that route:
#      the canary (the manifest's strategy) must roll it back, and the failures must stay within the canary's share of the
#      requests made while the command ran
# The Redeploys use each manifest's deployment strategy (fastapi canary, mcp linear); the log keeps the rollout's steps.
# For each: requests, failures, the longest stretch without a successful answer (overall, and while the command ran),
# and stale keep-alive retries (a request that found its kept-alive connection closed before it was sent, retried once on a
# new connection, as curl and HttpClient do; counted apart and never as a success of the closed connection).
# Goal: 0 failures, longest gap < 0.5 s. Bounded: each loop stops after 100,000 requests or 600 s, whichever comes first.
# Everything listens on 127.0.0.1. Cleans up after itself: Down, its images, the copy.
# Needs: Docker engine, a registry on 127.0.0.1:5000 with the base images (.ci/setup), python3, curl.
set -euo pipefail

cd "$(dirname "$0")/.."
readonly REGISTRY=${REGISTRY:-127.0.0.1:5000}
readonly RUN_ID=$(date +%s)$$
readonly WORK=$(mktemp -d "${TMPDIR:-/tmp}/local-rollout-XXXXXX")
readonly COPY=$WORK/repo
readonly LOG=$WORK/bench.log
readonly LOOP=$WORK/loop.py
readonly ENVIRONMENT="roll${RUN_ID: -10}"   # environment names are at most 16 characters
readonly CLIENTS=4 MAX_REQUESTS=100000 MAX_SECONDS=600
gateway_port=""
token=""
status=1

source bench/lib.sh

cleanup() {
  set +e
  if [[ -n $gateway_port && -x $COPY/build.sh ]]; then
    echo "-- Down" >&2
    (cd "$COPY" && ./build.sh Down --deploy-environment "$ENVIRONMENT" --gateway-port "$gateway_port" >>"$LOG" 2>&1)
  fi
  left=$(docker ps -aq --filter "label=apigw.platform=$ENVIRONMENT")
  [[ -n $left ]] && { echo "containers left after Down: $left" >&2; docker rm -f $left >/dev/null; status=1; }
  docker images --format '{{.Repository}}:{{.Tag}}' | grep -E "(^|/)apigw-$ENVIRONMENT/" | xargs -r docker rmi >/dev/null 2>&1
  if [[ $status -eq 0 ]]; then
    rm -rf "$WORK"
  else
    rm -rf "$COPY"
    echo "(full output kept: $LOG)" >&2
  fi
}
trap cleanup EXIT

run() { # label, command... (in the copy; output to the log; stops the bench on failure)
  local label=$1
  shift
  echo "-- $label" >&2
  echo "== $label: $*" >>"$LOG"
  if ! (cd "$COPY" && env BASE_IMAGE_REGISTRY="$REGISTRY" "$@") >>"$LOG" 2>&1; then
    tail -n 40 "$LOG" >&2
    echo "'$label' failed; full output in $LOG" >&2
    exit 1
  fi
}

# The request loop: runs the command given after "--" while the clients call the URL, then prints one line of figures.
cat >"$LOOP" <<'PY'
import http.client, subprocess, sys, threading, time
from urllib.parse import urlsplit

import os
label, url, clients, max_requests, max_seconds, log_path = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]), sys.argv[6]
headers = {"Authorization": "Bearer " + os.environ["LOOP_TOKEN"]} if os.environ.get("LOOP_TOKEN") else {}
command = sys.argv[sys.argv.index("--") + 1:]
parts = urlsplit(url)
assert parts.hostname == "127.0.0.1", "the loop only calls 127.0.0.1"
lock = threading.Lock()
successes, failures, samples, failure_times = [], 0, [], []
requests = retries = 0
stop = threading.Event()
started = time.monotonic()

def client():
    global requests, failures, retries
    connection = None
    while not stop.is_set():
        with lock:
            if requests >= max_requests:
                return
            requests += 1
        error = None
        for attempt in (1, 2):
            reused = connection is not None
            if connection is None:
                connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
            try:
                connection.request("GET", parts.path, headers=headers)
                response = connection.getresponse()
                body = response.read()
                if response.getheader("connection", "").lower() == "close":
                    connection.close(); connection = None
                error = None if response.status == 200 else f"{response.status} {body[:200]!r}"
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as e:
                connection.close(); connection = None
                error = f"{type(e).__name__}: {e}"
                if reused and attempt == 1:   # a kept-alive connection the server had closed: one retry on a new one
                    with lock: retries += 1
                    continue
                break
            except (OSError, http.client.HTTPException) as e:
                if connection: connection.close()
                connection = None
                error = f"{type(e).__name__}: {e}"
                break
        now = time.monotonic() - started
        with lock:
            if error is None:
                successes.append(now)
            else:
                failures += 1
                failure_times.append(now)
                if len(samples) < 5: samples.append(f"{now:.3f} s: {error}")

threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
for t in threads: t.start()
while not successes and time.monotonic() - started < 30: time.sleep(0.01)   # the platform answers before the command starts
command_start = time.monotonic() - started
with open(log_path, "a") as log:
    exit_code = subprocess.call(command, stdout=log, stderr=subprocess.STDOUT)
command_end = time.monotonic() - started
deadline = time.monotonic() + 1.0                      # and keeps answering after it
while time.monotonic() < deadline and time.monotonic() - started < max_seconds and requests < max_requests: time.sleep(0.05)
stop.set()
for t in threads: t.join(15)
end = time.monotonic() - started

def longest_gap(start, stop_at):
    times = sorted(successes)
    before = [t for t in times if t <= start]
    previous, longest = (before[-1] if before else start), 0.0
    for t in [t for t in times if t > start] + [end]:
        longest = max(longest, t - previous)
        previous = t
        if t >= stop_at: break
    return longest

first = min(successes) if successes else 0.0
during = sum(1 for t in successes + failure_times if command_start <= t <= command_end)
failed_during = sum(1 for t in failure_times if command_start <= t <= command_end)
print(f"{label:<36} {requests:>7} requests, {failures} failed, longest gap without a successful answer {longest_gap(first, end):.3f} s "
      f"({longest_gap(command_start, command_end):.3f} s while the command ran, {command_end - command_start:.1f} s), "
      f"stale keep-alive retries {retries}; while the command ran {during} requests, {failed_during} failed"
      + ("" if not samples else "\n      first failures: " + "; ".join(samples)))
sys.exit(exit_code)
PY

results=()
measure() { # [--rejected] label, path, command... : the loop around the command, its figures kept for the summary
  local expect_success=1
  [[ $1 == --rejected ]] && { expect_success=0; shift; }
  local label=$1 path=$2 out code=0
  shift 2
  echo "-- $label (4 clients on $path)" >&2
  echo "== $label: $*" >>"$LOG"
  out=$(cd "$COPY" && env BASE_IMAGE_REGISTRY="$REGISTRY" LOOP_TOKEN="${loop_token:-}" python3 "$LOOP" "$label" "http://127.0.0.1:$gateway_port$path" \
    "$CLIENTS" "$MAX_REQUESTS" "$MAX_SECONDS" "$LOG" -- "$@") || code=$?
  if (( expect_success && code != 0 )) || (( !expect_success && code == 0 )); then
    echo "$out" >&2
    tail -n 40 "$LOG" >&2
    echo "'$label' exited $code, which it should $( ((expect_success)) || echo "not ")have; full output in $LOG" >&2
    exit 1
  fi
  results+=("$out")
  # What the pipeline said about the rollout's steps and the switch (or the gateway's replacement).
  local said
  mapfile -t said < <(sed -n "/^== $label:/,\$p" "$LOG" \
    | grep -E "gateway (switched|refused)|drained in|unavailable for|gateway: (building|replaced|stopping)|% of requests to the new version|bake: all requests|the new version passed|rolled back during" \
    | sed -E 's/\x1b\[[0-9;]*m//g; s/^ */      /; s/(Last [0-9]+ log lines of the new version).*/\1 (in the log)/')
  results+=("${said[@]}")
}

# An MCP tool call through the gateway whose answer comes from fastapi (mcp calls it at SERVICE_URL_FASTAPI).
mcp_reaches_fastapi() {
  local answer
  answer=$(curl -sS --max-time 20 -X POST "http://127.0.0.1:$gateway_port/api/mcp/mcp" \
    -H "Authorization: Bearer $token" \
    -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \
    -d '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"compute_statistics","arguments":{"values":[1,2,3,10]}}}')
  if [[ $answer != *computed_by* || $answer == *'"isError":true'* ]]; then
    echo "the MCP tool compute_statistics did not reach fastapi: $answer" >&2
    exit 1
  fi
  results+=("$(printf '%-36s ok (computed by %s)' "MCP tool call mcp -> fastapi ($1)" "$(grep -o 'fastapi@[0-9a-f]*' <<<"$answer" | head -n 1)")")
}

echo "-- preparing a copy in $WORK" >&2
mkdir -p "$COPY"
# The working tree as it is: tracked files that exist, and new files not yet added.
{ git ls-files; git ls-files --others --exclude-standard; } | sort -u | while IFS= read -r f; do [[ -f $f ]] && printf '%s\0' "$f"; done \
  | xargs -0 cp --parents -t "$COPY"
python3 - "$COPY" <<'PY'
import json, pathlib, socket, sys
for manifest in sorted((pathlib.Path(sys.argv[1]) / "services").glob("*/service.json")):
    data = json.loads(manifest.read_text())
    s = socket.socket(); s.bind(("127.0.0.1", 0)); data["port"] = s.getsockname()[1]; s.close()
    manifest.write_text(json.dumps(data, indent=2) + "\n")
PY
gateway_port=$(free_port)
local_args=(--deploy-environment "$ENVIRONMENT" --gateway-port "$gateway_port")

run "Deploy (fresh environment $ENVIRONMENT, gateway on 127.0.0.1:$gateway_port)" ./build.sh Deploy "${local_args[@]}"
# The token is the last line of stdout; it stays valid across the redeploys and the gateway's replacement below.
token=$(cd "$COPY" && ./build.sh Token "${local_args[@]}" | tail -1)
mcp_reaches_fastapi "after Deploy"

echo "# bench $RUN_ID $RANDOM" >>"$COPY/services/fastapi/app/main.py"
loop_token=$token
measure "Redeploy --service fastapi" /api/fastapi/ ./build.sh Redeploy --service fastapi "${local_args[@]}"
loop_token=
mcp_reaches_fastapi "after fastapi moved"

echo "// bench $RUN_ID $RANDOM" >>"$COPY/services/mcp/Program.cs"
measure "Redeploy --service mcp" /api/mcp/health ./build.sh Redeploy --service mcp "${local_args[@]}"
mcp_reaches_fastapi "after mcp moved"

echo "// bench $RUN_ID $RANDOM" >>"$COPY/build/Pipeline.Gateway/Program.cs"
measure "Deploy with a changed gateway" /api/fastapi/health ./build.sh Deploy "${local_args[@]}"

# A release with a bug on the route the clients call: every fifth call of fastapi's info route fails (the image's own
# tests call it fewer times than that, so the build passes, as a real bug's would).
python3 - "$COPY/services/fastapi/app/main.py" <<'PY'
import pathlib, sys
path = pathlib.Path(sys.argv[1])
source = path.read_text()
marker = "    def info(request: Request) -> dict[str, object]:\n"
assert marker in source, "fastapi's info route moved; update the bench"
path.write_text(source.replace(marker, marker + "        _calls.append(1)\n        if len(_calls) % 5 == 0:\n"
                                        "            raise RuntimeError('a bug that fails one request in five')\n", 1)
                + "\n_calls: list[int] = []\n")
PY
loop_token=$token
measure --rejected "Redeploy --service fastapi (a version that fails 1 request in 5)" /api/fastapi/ ./build.sh Redeploy --service fastapi "${local_args[@]}"
loop_token=
mcp_reaches_fastapi "after the bad version was rolled back"

echo
echo "local rollout ($CLIENTS clients through the gateway on 127.0.0.1, each loop bounded by $MAX_REQUESTS requests and $MAX_SECONDS s):"
printf '  %s\n' "${results[@]}"
status=0
