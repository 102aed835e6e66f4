"""Runs pytest in a process whose heavy imports are already done (the inner loop's test runner).

`serve SOCKET`: imports pytest and the service's libraries once, then for each request forks a child that runs pytest in
the requested folder; the child has none of the service's own modules loaded, so it tests exactly that snapshot.
`run SOCKET FOLDER ARGS...`: sends one request and relays its output and exit code (a bare interpreter: fast to start).
"""

import json
import os
import socket
import sys
import time

EXIT_MARK = "\n@@pytest-exit "


def serve(path: str) -> None:
    import importlib

    import pytest

    # The libraries a service's tests import; whichever are installed are loaded once here instead of in every run.
    for name in ("fastapi", "fastapi.testclient", "starlette.testclient", "httpx", "pydantic", "uvicorn"):
        try:
            importlib.import_module(name)
        except ImportError:
            pass
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    if os.path.exists(path):
        os.unlink(path)
    server.bind(path)
    server.listen(4)
    while True:
        connection, _ = server.accept()
        with connection:
            request = json.loads(connection.makefile("r").readline())
            child = os.fork()
            if child == 0:
                server.close()
                os.dup2(connection.fileno(), 1)
                os.dup2(connection.fileno(), 2)
                os.chdir(request["folder"])
                sys.path.insert(0, request["folder"])
                code = pytest.main(request["args"])
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(int(code))
            _, status = os.waitpid(child, 0)
            code = os.waitstatus_to_exitcode(status)
            connection.sendall(f"{EXIT_MARK}{code}\n".encode())


def run(path: str, folder: str, args: list[str]) -> int:
    deadline = time.monotonic() + 30
    while True:
        try:
            client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            client.connect(path)
            break
        except (FileNotFoundError, ConnectionRefusedError):
            client.close()
            if time.monotonic() > deadline:
                print(f"the test runner did not start: nothing listens on {path}", file=sys.stderr)
                return 3
            time.sleep(0.05)
    with client:
        client.sendall((json.dumps({"folder": folder, "args": args}) + "\n").encode())
        received = bytearray()
        while chunk := client.recv(65536):
            received.extend(chunk)
    text = received.decode(errors="replace")
    output, mark, code = text.rpartition(EXIT_MARK)
    if not mark:
        sys.stdout.write(text)
        return 3
    sys.stdout.write(output)
    return int(code.strip())


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(sys.argv[2])
    else:
        sys.exit(run(sys.argv[2], sys.argv[3], sys.argv[4:]))
