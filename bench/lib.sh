# What the benchmark scripts share; each sources it from the repository root: source bench/lib.sh

# A TCP port on 127.0.0.1 that nothing listens on now.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

# Starts moto's server on a free 127.0.0.1 port with ECS services reporting 2 running tasks, logging to $1, and waits until
# it answers (the script stops, naming the log, if it does not within 20 s). Sets moto_port and moto_pid (the caller's
# cleanup stops it by that PID).
start_moto() {
  moto_port=$(free_port)
  MOTO_ECS_SERVICE_RUNNING=2 python3 -m moto.server -H 127.0.0.1 -p "$moto_port" >"$1" 2>&1 &
  moto_pid=$!
  for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$moto_port/moto-api/" >/dev/null 2>&1 && return
    sleep 0.2
  done
  echo "moto did not start (log: $1)" >&2
  exit 1
}
