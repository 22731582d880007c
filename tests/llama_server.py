"""llama.cpp's OpenAI-compatible server (the ``xllamacpp`` wheel) on loopback, for the real-model LLM tests.

The server runs in a child process (its threads and logs stay out of pytest's) with
``OMP_WAIT_POLICY=passive``, 2 threads and one slot; it ends when its stdin closes, so it also ends when
pytest dies. Until ``/health`` answers 200 (503 while the model loads) nothing is yielded; a server that
exits or never gets ready fails the test with the end of its log.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

_CHILD = """
import sys
import xllamacpp

gguf, port, alias, n_ctx = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
params = xllamacpp.CommonParams()
params.model.path = gguf
params.model_alias = {alias}
params.hostnames = ["127.0.0.1"]
params.port = port
params.n_ctx = n_ctx
params.n_parallel = 1
params.cpuparams.n_threads = 2
params.cpuparams_batch.n_threads = 2
params.offline = True
server = xllamacpp.Server(params)  # starts serving; deleting it stops the server
sys.stdin.read()
del server
"""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def llama_server(gguf: Path, *, alias: str, n_ctx: int, start_timeout: float) -> Iterator[str]:
    """The base URL (``http://127.0.0.1:<port>/v1``) of a running server with ``gguf`` named ``alias``."""
    port = _free_port()
    env = {**os.environ, "OMP_WAIT_POLICY": "passive"}
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(
            [sys.executable, "-c", _CHILD, str(gguf), str(port), alias, str(n_ctx)],
            stdin=subprocess.PIPE,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
        )

        def tail() -> str:
            log.seek(0)
            return log.read().decode("utf-8", "replace")[-2000:]

        try:
            root = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + start_timeout
            while True:
                if proc.poll() is not None:
                    pytest.fail(f"llama.cpp server exited with {proc.returncode} while starting:\n{tail()}")
                try:
                    if httpx.get(f"{root}/health", timeout=2.0).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(f"llama.cpp server not ready within {start_timeout:.0f}s:\n{tail()}")
                time.sleep(0.1)
            yield f"{root}/v1"
        finally:
            assert proc.stdin is not None
            proc.stdin.close()  # the child deletes its Server and exits
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
