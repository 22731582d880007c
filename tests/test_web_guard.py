"""DNS rebinding, cross-site changes and token guessing: the checks every request passes before routing.

The app is real (FastAPI over a real SQLite store); one test goes through a real uvicorn server on
loopback with raw ``http.client`` requests, since a browser under DNS rebinding sends exactly such a
``Host`` header.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.test_web_corpus import build_store, make_client
from themeflow.web.app import create_app
from themeflow.web.guard import HostPolicy, host_name, is_loopback, origin_problem
from themeflow.web.security import CSRF_COOKIE
from themeflow.web.throttle import LoginThrottle, Throttled

TOKEN = "s3cret-token-for-guard-tests-0123456789"
EVIL = "rebind.evil.example"
BODY = {"name": "G", "query": "资本开支"}


@pytest.fixture(scope="module")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_store(tmp_path_factory.mktemp("guard") / "t.db", daily=False)


@pytest.fixture
def db(template_db: Path, tmp_path: Path) -> Path:
    """A private copy per test: these tests create and delete workflows."""
    path = tmp_path / "guard.db"
    path.write_bytes(template_db.read_bytes())
    return path


@pytest.fixture
def client(db: Path) -> Iterator[Any]:
    with make_client(create_app(db), follow_redirects=False) as c:
        yield c


def _workflows(c: Any) -> list[str]:
    return [w["name"] for w in c.get("/api/workflows").json()["workflows"]]


# -- Host ---------------------------------------------------------------------------------------------
def test_rebinding_host_cannot_create_or_delete_a_workflow_without_a_token(client: Any) -> None:
    assert client.post("/api/workflows", json=BODY).status_code == 201
    evil = {"host": f"{EVIL}:8000", "origin": f"http://{EVIL}:8000"}
    r = client.post("/api/workflows", json={**BODY, "name": "Evil"}, headers=evil)
    assert r.status_code == 400 and r.json()["ok"] is False and "Host" in r.json()["error"]
    assert client.delete("/api/workflows/G", headers=evil).status_code == 400
    assert client.put("/api/workflows/G", json={"query": "x"}, headers=evil).status_code == 400
    assert client.post("/api/workflows/G/run", headers=evil).status_code == 400
    assert client.get("/api/workflows", headers=evil).status_code == 400, "reads are refused too"
    assert client.get("/", headers=evil).status_code == 400
    assert _workflows(client) == ["G"], "nothing was created or deleted"


def test_rebinding_host_cannot_post_a_form_either(client: Any) -> None:
    client.get("/")
    csrf = client.cookies.get(CSRF_COOKIE)
    evil = {"host": EVIL, "origin": f"http://{EVIL}"}
    r = client.post("/workflows", data={"csrf_token": csrf, **BODY}, headers=evil)
    assert r.status_code == 400
    assert _workflows(client) == []


def test_refusals_carry_the_security_headers(client: Any) -> None:
    r = client.get("/api/stats", headers={"host": EVIL})
    assert r.status_code == 400 and "default-src 'none'" in r.headers["content-security-policy"]


@pytest.mark.parametrize(
    "host", ["localhost", "localhost:8000", "127.0.0.1:9", "127.0.0.2", "[::1]:8000", "LOCALHOST."]
)
def test_loopback_names_are_served(client: Any, host: str) -> None:
    assert client.get("/api/stats", headers={"host": host}).status_code == 200


@pytest.mark.parametrize(
    "host", ["", "evil.example", "localhost.evil.example", "127.0.0.1.evil.example", "evil@localhost", "[::1"]
)
def test_other_names_are_refused(client: Any, host: str) -> None:
    assert client.get("/api/stats", headers={"host": host}).status_code == 400


def test_allowed_hosts_setting_adds_names(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("THEMEFLOW_ALLOWED_HOSTS", "news.team.example, other.example")
    with make_client(create_app(db)) as c:
        assert c.get("/api/stats", headers={"host": "news.team.example"}).status_code == 200
        assert c.get("/api/stats", headers={"host": "other.example:443"}).status_code == 200
        assert c.get("/api/stats", headers={"host": EVIL}).status_code == 400


def test_star_leaves_the_host_check_to_a_proxy(db: Path) -> None:
    with make_client(create_app(db, allowed_hosts=["*"])) as c:
        assert c.get("/api/stats", headers={"host": EVIL}).status_code == 200


def test_bound_address_is_served(db: Path) -> None:
    with make_client(create_app(db, bind_host="10.1.2.3")) as c:
        assert c.get("/api/stats", headers={"host": "10.1.2.3:8000"}).status_code == 200
        assert c.get("/api/stats", headers={"host": "10.1.2.4:8000"}).status_code == 400
    with make_client(create_app(db, bind_host="0.0.0.0")) as c:  # every interface: IPs, not names
        assert c.get("/api/stats", headers={"host": "192.168.1.5:8000"}).status_code == 200
        assert c.get("/api/stats", headers={"host": "[fe80::1]:8000"}).status_code == 200
        assert c.get("/api/stats", headers={"host": f"{EVIL}:8000"}).status_code == 400


def test_host_helpers() -> None:
    assert host_name("Example.COM:8080") == "example.com"
    assert host_name("[::1]:8000") == "::1"
    assert host_name("a:b:c") is None and host_name("x/y") is None and host_name(None) is None
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5") and not is_loopback("example.com")
    policy = HostPolicy.build("0.0.0.0")
    assert policy.allows(socket.gethostname())


# -- Origin ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
@pytest.mark.parametrize(
    "headers",
    [
        {"origin": "https://evil.example"},
        {"origin": "null"},
        {"origin": "http://localhost:3000"},  # another local app is another origin
        {"referer": "https://evil.example/page"},
        {"sec-fetch-site": "cross-site"},
    ],
)
def test_cross_origin_changes_are_refused_without_a_token(
    client: Any, method: str, headers: dict[str, str]
) -> None:
    client.post("/api/workflows", json=BODY)
    url = "/api/workflows" if method == "POST" else "/api/workflows/G"
    r = client.request(method, url, json={**BODY, "name": "X"}, headers=headers)
    assert r.status_code == 403 and "cross-site" in r.json()["error"], (method, headers, r.text)
    assert _workflows(client) == ["G"]


def test_same_origin_and_non_browser_changes_work(client: Any) -> None:
    r = client.post("/api/workflows", json=BODY, headers={"origin": "http://localhost"})
    assert r.status_code == 201, r.text
    r = client.put(
        "/api/workflows/G", json={"query": "算力"}, headers={"referer": "http://localhost/workflows"}
    )
    assert r.status_code == 200, r.text
    assert client.delete("/api/workflows/G").status_code == 200, "curl sends no Origin: allowed"


def test_proxy_public_name_is_trusted_as_origin(db: Path) -> None:
    """Behind a proxy that rewrites Host to the loopback address, the configured public name is the origin."""
    with make_client(create_app(db, allowed_hosts=["news.team.example"])) as c:
        ok = c.post("/api/workflows", json=BODY, headers={"origin": "https://news.team.example"})
        assert ok.status_code == 201, ok.text
        bad = c.post("/api/workflows", json={**BODY, "name": "Y"}, headers={"origin": "https://evil.example"})
        assert bad.status_code == 403


def test_origin_problem_ignores_default_ports() -> None:
    assert origin_problem({"host": "team.example", "origin": "https://team.example:443"}) is None
    assert origin_problem({"host": "team.example:8443", "origin": "https://team.example"}) is not None
    assert origin_problem({"host": "x", "origin": "ftp://x"}) is not None


# -- a real server -------------------------------------------------------------------------------------
@pytest.fixture
def server(db: Path) -> Iterator[int]:
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(create_app(db), host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not srv.started:
        if time.monotonic() > deadline:
            pytest.fail("uvicorn did not start")
        time.sleep(0.02)
    yield port
    srv.should_exit = True
    thread.join(5)


def _raw(port: int, method: str, path: str, host: str, body: dict[str, Any] | None = None) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Host": host, "Origin": f"http://{host}", "Content-Type": "application/json"}
    conn.request(method, path, body=json.dumps(body) if body else None, headers=headers)
    status = conn.getresponse().status
    conn.close()
    return status


def test_real_server_refuses_a_rebound_host(server: int) -> None:
    assert _raw(server, "POST", "/api/workflows", f"127.0.0.1:{server}", BODY) == 201
    assert _raw(server, "POST", "/api/workflows", f"{EVIL}:{server}", {**BODY, "name": "E"}) == 400
    assert _raw(server, "DELETE", "/api/workflows/G", f"{EVIL}:{server}") == 400
    assert _raw(server, "GET", "/api/workflows/G", f"localhost:{server}") == 200, "still there"


# -- token guessing ------------------------------------------------------------------------------------
class Clock:
    """A settable clock for the throttle (the throttle takes any ``() -> float``)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_throttle_locks_out_with_a_doubling_delay_and_forgives_after_a_quiet_window() -> None:
    clock = Clock()
    t = LoginThrottle(free=3, window=120, base_delay=2, max_delay=20, clock=clock)
    assert [t.failure("a") for _ in range(3)] == [0, 0, 0]
    assert t.failure("a") == 2
    with pytest.raises(Throttled) as exc:
        t.check("a")
    assert exc.value.retry_after == 2
    t.check("b")  # other clients are not affected
    clock.now += 2.5
    t.check("a")
    delays = []
    for _ in range(5):  # wait each lockout out, then fail again: the delay doubles up to the cap
        clock.now += 30
        t.check("a")
        delays.append(t.failure("a"))
    assert delays == [4, 8, 16, 20, 20]
    clock.now += 200  # a quiet window forgives
    assert t.failure("a") == 0
    t.success("a")
    assert t.failures("a") == 0


def test_throttle_memory_is_bounded() -> None:
    t = LoginThrottle(max_clients=50, clock=Clock())
    for n in range(500):
        t.failure(f"10.0.{n // 256}.{n % 256}")
    assert len(t._records) <= 51


def test_200_wrong_logins_are_mostly_refused_unevaluated(db: Path) -> None:
    with make_client(create_app(db, token=TOKEN), follow_redirects=False) as c:
        c.get("/login")
        csrf = c.cookies.get(CSRF_COOKIE)
        codes = [
            c.post("/login", data={"csrf_token": csrf, "token": f"guess-{n}"}).status_code for n in range(200)
        ]
        assert codes[:6] == [401] * 6, codes[:8]
        assert codes.count(401) <= 6 and codes.count(429) >= 194
        locked = c.post("/login", data={"csrf_token": csrf, "token": TOKEN})
        assert locked.status_code == 429, "while locked out even the right token is not looked at"
        assert int(locked.headers["retry-after"]) >= 1
        assert "尝试次数过多" in locked.text


def test_wrong_bearer_tokens_are_throttled_and_the_lockout_ends(db: Path) -> None:
    clock = Clock()
    app = create_app(db, token=TOKEN, throttle=LoginThrottle(free=5, base_delay=2, clock=clock))
    with make_client(app) as c:
        bad = {"authorization": "Bearer nope"}
        codes = [c.post("/api/workflows", json=BODY, headers=bad).status_code for _ in range(8)]
        assert codes == [401] * 6 + [429] * 2
        r = c.post("/api/workflows", json=BODY, headers={"authorization": f"Bearer {TOKEN}"})
        assert r.status_code == 429 and r.json()["status"] == 429 and r.headers["retry-after"] == "2"
        clock.now += 2.1
        r = c.post("/api/workflows", json=BODY, headers={"authorization": f"Bearer {TOKEN}"})
        assert r.status_code == 201, r.text
        assert app.state.web.throttle.failures("testclient") == 0, "a success clears the record"


def test_a_form_token_field_is_throttled_too(db: Path) -> None:
    with make_client(create_app(db, token=TOKEN), follow_redirects=False) as c:
        c.get("/")
        csrf = c.cookies.get(CSRF_COOKIE)
        codes = [
            c.post("/workflows", data={"csrf_token": csrf, "token": "nope", **BODY}).status_code
            for _ in range(10)
        ]
        assert codes[:6] == [401] * 6 and set(codes[6:]) == {429}


# -- serve: a network address needs a token ------------------------------------------------------------
@dataclass
class Served:
    """What ``themeflow serve`` did: its exit code if it refused to start, else the status it gave a
    request to 127.0.0.1 carrying a rebinding Host; and what it printed on stderr."""

    exit_code: int | None
    rebound_status: int | None
    stderr: str


def _serve(db: Path, *args: str, env: dict[str, str] | None = None) -> Served:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "themeflow.cli", "serve", "--port", str(port), *args],
        env={**os.environ, "THEMEFLOW_DB": str(db), **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    rebound: int | None = None
    try:
        deadline = time.monotonic() + 30
        while proc.poll() is None and time.monotonic() < deadline:
            try:
                assert _raw(port, "GET", "/api/stats", f"127.0.0.1:{port}") == 200
                rebound = _raw(port, "GET", "/api/stats", f"{EVIL}:{port}")
                break
            except OSError:
                time.sleep(0.2)
    finally:
        if proc.poll() is None:
            proc.terminate()
        _, stderr = proc.communicate(timeout=20)
    return Served(None if rebound is not None else proc.returncode, rebound, stderr)


def test_serve_refuses_a_network_address_without_a_token(db: Path) -> None:
    served = _serve(db, "--host", "0.0.0.0")
    assert served.exit_code == 2 and served.rebound_status is None, served.stderr
    assert "without an API token" in served.stderr and "--insecure-no-token" in served.stderr


def test_serve_on_a_network_address_with_insecure_no_token_warns(db: Path) -> None:
    served = _serve(db, "--host", "0.0.0.0", "--insecure-no-token")
    assert "WARNING" in served.stderr and "no API token" in served.stderr
    assert served.rebound_status == 400, "the Host check still applies"


def test_serve_on_a_network_address_with_a_token_or_read_only_starts(db: Path) -> None:
    for served in (
        _serve(db, "--host", "0.0.0.0", env={"THEMEFLOW_API_TOKEN": TOKEN}),
        _serve(db, "--host", "0.0.0.0", "--read-only"),
    ):
        assert served.rebound_status == 400 and "WARNING" not in served.stderr, served.stderr


def test_serve_on_loopback_needs_no_token(db: Path) -> None:
    served = _serve(db)
    assert served.rebound_status == 400 and "WARNING" not in served.stderr, served.stderr
