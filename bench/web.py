"""Load check for the web app: N concurrent clients on loopback against /api/search and the search page.

The server is the real app under uvicorn, started as a subprocess (``--workers`` processes) over
``--db`` in read-only mode. Clients are asyncio coroutines speaking minimal HTTP/1.1 keep-alive over raw
streams, so the load generator spends as little CPU as possible on the shared machine. Each target runs
for half of ``--seconds`` after a warm-up pass (first-view summaries are computed and cached then). The
whole run is bounded: per-request timeouts, a hard deadline, and the server is always stopped.

    python bench/web.py --db ~/.themeflow/themeflow.db --clients 50 --seconds 30

Prints, per target: requests/s, p50/p95/p99 latency in ms, error count.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

QUERIES = (
    "AI资本开支", "美联储 降息", "南下资金", "资本开支 算力", "港股 科技", "新能源汽车", "人民币 汇率",
    "房地产 政策", "芯片", "光伏", "央行 降准", "消费 复苏", "黄金 价格", "原油", "银行 净息差",
    "ETF 资金", "券商", "医药 集采", "债券 收益率", "数据中心",
)  # fmt: skip
REQUEST_TIMEOUT = 10.0


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    first_error: str | None = None

    def error(self, what: str) -> None:
        self.errors += 1
        self.first_error = self.first_error or what


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def start_server(db: Path, port: int, workers: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "THEMEFLOW_DB": str(db), "THEMEFLOW_READ_ONLY": "1"}
    cmd = [
        sys.executable, "-m", "uvicorn", "themeflow.web.app:app_from_env", "--factory",
        "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
        "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip
    return subprocess.Popen(cmd, env=env, start_new_session=True)


def wait_ready(base: str, proc: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(base + "/api/stats", timeout=5) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("server did not become ready")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)


def paths(target: str, *, uncached: bool = False) -> list[str]:
    """The request paths; ``uncached`` spreads each query over 40 result offsets (800 distinct requests,
    more than the server's 512-entry results cache holds), so every request runs the search itself."""
    offsets = range(0, 200, 5) if uncached else (0,)
    if target == "api":
        return [
            "/api/search?" + urlencode({"q": q, "sort": "time", "limit": 20, "offset": o})
            for o in offsets
            for q in QUERIES
        ]
    return [
        "/?" + urlencode({"q": q, "sort": "time", "offset": o} if o else {"q": q, "sort": "time"})
        for o in offsets
        for q in QUERIES
    ]


async def get(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, path: str) -> int:
    """One keep-alive GET; returns the status (the body is read and dropped)."""
    writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n".encode())
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length = None
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    if length is None:
        raise ValueError("response without Content-Length")
    await reader.readexactly(length)
    return status


async def client(port: int, urls: list[str], offset: int, until: float, tally: Tally) -> None:
    reader = writer = None
    i = offset
    while time.monotonic() < until:
        path = urls[i % len(urls)]
        i += 1
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            assert reader is not None
            t0 = time.perf_counter()
            status = await asyncio.wait_for(get(reader, writer, path), REQUEST_TIMEOUT)
            tally.latencies.append(time.perf_counter() - t0)
            if status != 200:
                tally.error(f"HTTP {status} for {path}")
        except (TimeoutError, OSError, ValueError, asyncio.IncompleteReadError) as exc:
            tally.error(f"{type(exc).__name__}: {exc}")
            if writer is not None:
                writer.close()
            reader = writer = None
    if writer is not None:
        writer.close()


async def run_load(port: int, urls: list[str], clients: int, seconds: float) -> tuple[Tally, float]:
    tally = Tally()
    t0 = time.monotonic()
    until = t0 + seconds
    await asyncio.gather(*(client(port, urls, k, until, tally) for k in range(clients)))
    return tally, time.monotonic() - t0


def pct(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, round(p / 100 * (len(sorted_values) - 1))))
    return sorted_values[k] * 1000


def report(name: str, tally: Tally, elapsed: float) -> dict[str, float]:
    lat = sorted(tally.latencies)
    row = {
        "requests": float(len(lat)),
        "rps": len(lat) / elapsed if elapsed else 0.0,
        "p50_ms": pct(lat, 50),
        "p95_ms": pct(lat, 95),
        "p99_ms": pct(lat, 99),
        "errors": float(tally.errors),
    }
    print(
        f"{name:<14} {row['requests']:>8.0f} req  {row['rps']:>8.1f} req/s  p50 {row['p50_ms']:>7.1f} ms"
        f"  p95 {row['p95_ms']:>7.1f} ms  p99 {row['p99_ms']:>7.1f} ms  errors {tally.errors}"
    )
    if tally.first_error:
        print(f"{'':<14} first error: {tally.first_error}")
    return row


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--db", type=Path, default=Path(os.environ.get("THEMEFLOW_DB", "~/.themeflow/themeflow.db"))
    )
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=30.0, help="total load time, split over the targets")
    ap.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    ap.add_argument("--target", choices=("api", "page", "both"), default="both")
    ap.add_argument(
        "--uncached", action="store_true", help="distinct requests that defeat the server's results cache"
    )
    args = ap.parse_args(argv)
    db = args.db.expanduser()
    if not db.exists():
        ap.error(f"no database at {db}; ingest something first (themeflow ingest … --db {db})")
    targets = ["api", "page"] if args.target == "both" else [args.target]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = start_server(db, port, args.workers)
    try:
        wait_ready(base, proc)
        for target in targets:  # warm-up: first-view summaries are computed and cached here
            for path in paths(target):
                with urllib.request.urlopen(base + path, timeout=120) as r:
                    r.read()
        print(f"db {db} · {args.clients} clients · {args.workers} worker(s) · {len(QUERIES)} queries")
        failed = False
        for target in targets:
            name = "/api/search" if target == "api" else "search page"
            tally, elapsed = asyncio.run(
                run_load(
                    port, paths(target, uncached=args.uncached), args.clients, args.seconds / len(targets)
                )
            )
            failed |= report(name, tally, elapsed)["errors"] > 0
        return 1 if failed else 0
    finally:
        stop_server(proc)


if __name__ == "__main__":
    sys.exit(main())
