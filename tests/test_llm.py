"""The LLM summarizer against a local HTTP server that speaks the chat-completions protocol, scripted per test.

No bullet that fails verification is ever returned: invented figures, wrong citations and meaning-changing
bullets get one targeted re-ask and are dropped when still wrong; a summary left too thin is the extractive
one, labelled. The client survives 429 (honouring Retry-After), 5xx, hanging answers and streaming-only
servers, and never lets the API key into a message.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from themeflow.config import load_settings
from themeflow.errors import ConfigError, SummarizerError
from themeflow.model import Document
from themeflow.service import Themeflow
from themeflow.store.sqlite import SQLiteStore
from themeflow.summarize.llm import LLMSummarizer
from themeflow.summarize.llm_client import ChatClient, LLMConfig
from themeflow.summarize.llm_prompt import PROMPT_VERSION, parse_reply
from themeflow.summarize.registry import llm_config
from themeflow.summarize.verify import verify
from themeflow.workflow.runner import MAX_SUMMARIES

SECRET = "sk-test-never-shown-0123456789"

ARTICLE = Document(
    id="a1",
    title="全球AI数据中心容量将翻倍，算力投资进入高峰期",
    paragraphs=(
        "华岳证券预测，2024至2030年间，全球AI数据中心总容量将从114.3GW增长至236GW，实现翻倍。",
        "星河智能2025至2031年间的计算运营支出预算总额超过5200亿美元，2029年计算支出将达到约1250亿美元的峰值。",
        "此外，星河智能已与合作伙伴签订总额约7300亿美元的算力租赁合同，其中北辰云合同金额为3200亿美元。",
        "伊朗外交部发言人巴加埃表示，没有谈判，未来数日也没有派出或接待代表团的安排。",
        "分析人士认为，资本开支高峰期过后，算力租赁价格可能回落，但龙头厂商的订单仍然饱满。",
    ),
)

GOOD = {
    "core_views": [
        {"text": "华岳证券预测，2024至2030年间全球AI数据中心总容量将从114.3GW增长至236GW", "citations": [1]},
        {"text": "星河智能2029年计算支出将达到约1250亿美元的峰值", "citations": [2]},
    ],
    "sections": [
        {
            "title": "算力合同",
            "bullets": [
                {"text": "星河智能已与合作伙伴签订总额约7300亿美元的算力租赁合同", "citations": [3]},
                {"text": "北辰云合同金额为3200亿美元", "citations": [3]},
            ],
        },
        {
            "title": "行业展望",
            "bullets": [
                {
                    "text": "分析人士认为，资本开支高峰期过后，算力租赁价格可能回落，但龙头厂商的订单仍然饱满",
                    "citations": [5],
                },
            ],
        },
    ],
}


def completion(
    content: str,
    *,
    prompt: int = 900,
    completion_tokens: int = 300,
    model: str = "test-model",
    finish: str = "stop",
) -> str:
    return json.dumps(
        {
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "model": model,
            "choices": [
                {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": finish}
            ],
            "usage": {"prompt_tokens": prompt, "completion_tokens": completion_tokens},
        },
        ensure_ascii=False,
    )


@dataclass
class Answer:
    status: int = 200
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    content_type: str = "application/json"


@dataclass
class Scripted:
    """The server's script (answers in order; the last one repeats) and what it received."""

    answers: list[Answer] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    route: Any = None
    """Optional: payload -> Answer (or None for the script), to answer by what is asked."""

    def next(self, payload: dict[str, Any] | None = None) -> Answer:
        if self.route is not None and payload is not None:
            routed = self.route(payload)
            if routed is not None:
                return routed
        with self.lock:
            return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]


@pytest.fixture()
def server() -> Iterator[tuple[str, Scripted]]:
    script = Scripted()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # quiet
            pass

        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            length = int(self.headers.get("Content-Length") or 0)
            payload = json.loads(self.rfile.read(length) or b"{}")
            with script.lock:
                script.requests.append(payload)
                script.headers.append(dict(self.headers))
            if self.path != "/v1/chat/completions":
                self.send_error(404)
                return
            answer = script.next(payload)
            if answer.delay:
                time.sleep(answer.delay)
            body = answer.body.encode("utf-8")
            try:
                self.send_response(answer.status)
                self.send_header("Content-Type", answer.content_type)
                self.send_header("Content-Length", str(len(body)))
                for k, v in answer.headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/v1", script
    httpd.shutdown()
    httpd.server_close()


class Waits:
    """Records the client's backoff waits instead of sleeping them (the deadline clock still advances)."""

    def __init__(self) -> None:
        self.waits: list[float] = []
        self.now = 0.0

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now + time.monotonic()


def summarizer(url: str, waits: Waits | None = None, **config: Any) -> LLMSummarizer:
    cfg = LLMConfig(base_url=url, model="test-model", api_key=SECRET, **{"timeout": 5.0, **config})
    waits = waits or Waits()
    client = ChatClient(cfg, sleep=waits.sleep, clock=waits.clock, jitter=lambda: 0.5)
    return LLMSummarizer(client)


def shown(summary: Any) -> list[str]:
    return [b.text for b in summary.bullets()]


def test_a_good_reply_becomes_a_verified_summary_with_its_model_and_tokens(
    server: tuple[str, Scripted],
) -> None:
    url, script = server
    script.answers = [Answer(body=completion(json.dumps(GOOD, ensure_ascii=False)))]
    s = summarizer(url).summarize(ARTICLE)
    assert s.summarizer == f"llm@p{PROMPT_VERSION}:test-model" and s.model == "test-model"
    assert s.fallback is None and s.dropped == 0
    assert (s.prompt_tokens, s.completion_tokens) == (900, 300)
    assert all(b.verified for b in s.bullets()) and len(s.bullets()) == 5
    assert [sec.title for sec in s.sections] == ["算力合同", "行业展望"]
    request = script.requests[0]
    assert request["model"] == "test-model" and request["stream"] is False
    assert request["response_format"]["type"] == "json_schema"
    assert "[1] 华岳证券预测" in request["messages"][1]["content"]  # numbered paragraphs
    assert script.headers[0]["Authorization"] == f"Bearer {SECRET}"


def test_fenced_json_with_words_around_it_is_read(server: tuple[str, Scripted]) -> None:
    url, script = server
    fenced = "好的，以下是摘要：\n```json\n" + json.dumps(GOOD, ensure_ascii=False) + "\n```\n希望有帮助。"
    script.answers = [Answer(body=completion(fenced))]
    s = summarizer(url).summarize(ARTICLE)
    assert len(s.bullets()) == 5 and s.fallback is None


def test_a_reply_without_json_falls_back_to_the_extractive_summary_labelled(
    server: tuple[str, Scripted],
) -> None:
    url, script = server
    script.answers = [Answer(body=completion("抱歉，我无法完成这个任务。"))]
    s = summarizer(url).summarize(ARTICLE)
    assert s.fallback and s.fallback.startswith("extractive")
    assert s.summarizer.startswith("llm@") and s.model == "test-model"  # cached under the llm's key
    assert s.bullets() and all(verify(s, ARTICLE).bullets()[i].verified for i in range(len(s.bullets())))


def test_invented_figures_wrong_citations_and_meaning_changes_are_reasked_then_dropped(
    server: tuple[str, Scripted],
) -> None:
    url, script = server
    hostile = json.loads(json.dumps(GOOD))
    hostile["core_views"].append(
        {"text": "全球AI数据中心总容量将从1143GW增长至236GW", "citations": [1]}
    )  # 114.3GW
    hostile["core_views"].append(
        {"text": "北辰云合同金额为3200亿美元", "citations": [99]}
    )  # no such paragraph
    hostile["sections"][1]["bullets"].append(
        {"text": "没有谈判，未来数日也没有派出或接待代表团的安排", "citations": [4]}
    )
    fixed = {
        "core_views": [
            {
                "text": "华岳证券预测2024至2030年间全球AI数据中心总容量将从114.3GW增长至236GW",
                "citations": [1],
            },
            {
                "text": "伊朗外交部发言人巴加埃表示，没有谈判，未来数日也没有派出或接待代表团的安排",
                "citations": [4],
            },
        ],
        "sections": [],
    }
    script.answers = [
        Answer(body=completion(json.dumps(hostile, ensure_ascii=False))),
        Answer(body=completion(json.dumps(fixed, ensure_ascii=False), prompt=1200, completion_tokens=100)),
    ]
    s = summarizer(url).summarize(ARTICLE)
    texts = shown(s)
    assert "全球AI数据中心总容量将从1143GW增长至236GW" not in texts
    assert not any("1143" in t for t in texts)
    assert "没有谈判，未来数日也没有派出或接待代表团的安排" not in texts
    assert (
        "华岳证券预测2024至2030年间全球AI数据中心总容量将从114.3GW增长至236GW" in texts
    )  # the rewrite took its place
    assert "伊朗外交部发言人巴加埃表示，没有谈判，未来数日也没有派出或接待代表团的安排" in texts
    assert s.dropped == 1  # the out-of-range citation had no rewrite
    assert all(b.verified for b in s.bullets())
    assert (s.prompt_tokens, s.completion_tokens) == (2100, 400)
    reask = script.requests[1]["messages"][-1]["content"]
    assert "1143GW" in reask and "问题" in reask  # the re-ask names the failing bullet and why


def test_a_still_wrong_rewrite_is_dropped_and_never_shown(server: tuple[str, Scripted]) -> None:
    url, script = server
    hostile = json.loads(json.dumps(GOOD))
    hostile["core_views"][0] = {"text": "全球AI数据中心总容量将从1143GW增长至236GW", "citations": [1]}
    script.answers = [
        Answer(body=completion(json.dumps(hostile, ensure_ascii=False))),
        Answer(
            body=completion(
                json.dumps({"core_views": [hostile["core_views"][0]], "sections": []}, ensure_ascii=False)
            )
        ),
    ]
    s = summarizer(url).summarize(ARTICLE)
    assert not any("1143" in t for t in shown(s)) and s.dropped == 1 and all(b.verified for b in s.bullets())


def test_429_with_retry_after_is_honoured(server: tuple[str, Scripted]) -> None:
    url, script = server
    script.answers = [
        Answer(status=429, body='{"error": {"message": "rate limited"}}', headers={"Retry-After": "7"}),
        Answer(body=completion(json.dumps(GOOD, ensure_ascii=False))),
    ]
    waits = Waits()
    s = summarizer(url, waits).summarize(ARTICLE)
    assert len(s.bullets()) == 5
    assert waits.waits and waits.waits[0] >= 7.0


def test_5xx_are_retried_with_backoff_then_reported_without_the_key(server: tuple[str, Scripted]) -> None:
    url, script = server
    script.answers = [
        Answer(status=503, body="busy"),
        Answer(status=500, body="oops"),
        Answer(body=completion(json.dumps(GOOD, ensure_ascii=False))),
    ]
    waits = Waits()
    assert len(summarizer(url, waits).summarize(ARTICLE).bullets()) == 5
    assert len(waits.waits) == 2 and waits.waits[1] > waits.waits[0]  # exponential backoff
    script.answers = [Answer(status=500, body="always down")]
    with pytest.raises(SummarizerError) as err:
        summarizer(url, retries=2).summarize(ARTICLE)
    assert "3 tries" in str(err.value) and "HTTP 500" in str(err.value)
    assert SECRET not in str(err.value) and SECRET not in repr(summarizer(url).client.config)


def test_a_hanging_answer_times_out_and_the_deadline_stops_retries(server: tuple[str, Scripted]) -> None:
    url, script = server
    script.answers = [
        Answer(delay=2.0, body=completion(json.dumps(GOOD, ensure_ascii=False))),
        Answer(body=completion(json.dumps(GOOD, ensure_ascii=False))),
    ]
    s = summarizer(url, timeout=0.5).summarize(ARTICLE)  # first try times out, second answers
    assert len(s.bullets()) == 5
    script.answers = [Answer(delay=2.0, body="{}")]
    with pytest.raises(SummarizerError) as err:
        summarizer(url, timeout=0.3, deadline=1.0).summarize(ARTICLE)
    assert "deadline" in str(err.value) or "tries" in str(err.value)


def test_a_streaming_only_server_is_read_as_a_stream(server: tuple[str, Scripted]) -> None:
    url, script = server
    text = json.dumps(GOOD, ensure_ascii=False)
    chunks = [text[i : i + 40] for i in range(0, len(text), 40)]
    events = (
        "".join(
            "data: "
            + json.dumps({"model": "test-model", "choices": [{"delta": {"content": c}}]}, ensure_ascii=False)
            + "\n\n"
            for c in chunks
        )
        + 'data: {"choices": [], "usage": {"prompt_tokens": 50, "completion_tokens": 60}}\n\ndata: [DONE]\n\n'
    )
    script.answers = [Answer(body=events, content_type="text/event-stream")]
    s = summarizer(url).summarize(ARTICLE)
    assert len(s.bullets()) == 5 and (s.prompt_tokens, s.completion_tokens) == (50, 60)


def test_a_server_without_json_schema_support_gets_json_object_then_nothing(
    server: tuple[str, Scripted],
) -> None:
    url, script = server
    script.answers = [
        Answer(status=400, body='{"error": {"message": "response_format json_schema is not supported"}}'),
        Answer(status=400, body='{"error": {"message": "unknown field response_format"}}'),
        Answer(body=completion(json.dumps(GOOD, ensure_ascii=False))),
    ]
    s = summarizer(url).summarize(ARTICLE)
    assert len(s.bullets()) == 5
    formats = [r.get("response_format", {}).get("type") for r in script.requests]
    assert formats == ["json_schema", "json_object", None]


def test_concurrency_is_bounded(server: tuple[str, Scripted]) -> None:
    url, script = server
    script.answers = [Answer(delay=0.2, body=completion("{}"))]
    client = ChatClient(LLMConfig(base_url=url, model="m", concurrency=2, timeout=5.0))
    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(lambda _: client.complete([{"role": "user", "content": "hi"}]), range(6)))
    assert client.peak_in_flight == 2


def test_the_service_caches_llm_summaries_under_model_and_prompt_and_stores_only_verified_bullets(
    server: tuple[str, Scripted], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, script = server
    hostile = json.loads(json.dumps(GOOD))
    hostile["core_views"].append({"text": "全球AI数据中心总容量将从1143GW增长至236GW", "citations": [1]})
    script.answers = [
        Answer(body=completion(json.dumps(hostile, ensure_ascii=False))),
        Answer(body=completion('{"core_views": [], "sections": []}')),
    ]
    monkeypatch.setenv("THEMEFLOW_LLM_BASE_URL", url)
    monkeypatch.setenv("THEMEFLOW_LLM_MODEL", "test-model")
    monkeypatch.setenv("THEMEFLOW_LLM_API_KEY", SECRET)
    tf = Themeflow(SQLiteStore(tmp_path / "llm.db"))
    tf.store.upsert_documents([ARTICLE])
    first = tf.summarize("a1", summarizer="llm")
    assert first.model == "test-model" and first.dropped == 1
    assert all(b.verified for b in first.bullets()) and not any("1143" in b.text for b in first.bullets())
    asked = len(script.requests)
    again = tf.summarize("a1", summarizer="llm")
    assert again == first and len(script.requests) == asked  # served from the cache
    raw = tf.store.conn.execute("SELECT payload FROM summaries WHERE summarizer LIKE 'llm@%'").fetchall()
    assert raw and "1143GW" not in raw[0][0] and SECRET not in raw[0][0]
    tf.store.close()


def test_settings_say_what_to_set() -> None:
    with pytest.raises(ConfigError) as err:
        llm_config(load_settings({"llm_base_url": None, "llm_model": None}).get)
    assert "THEMEFLOW_LLM_BASE_URL" in str(err.value)
    with pytest.raises(ConfigError):
        llm_config(load_settings({"llm_base_url": "ftp://x", "llm_model": "m"}).get)


def test_the_reader_drops_what_it_cannot_read() -> None:
    parsed = parse_reply(
        '{"core_views": [{"text": "A [1]", "citations": ["[1]"]}, "junk", {"text": ""}], '
        '"sections": [{"title": "", "bullets": [{"text": "B", "citations": [2]}]}]}'
    )
    assert [b.text for b in parsed.core_views] == ["A"] and parsed.core_views[0].citations == (1,)
    assert parsed.unreadable == 3 and parsed.sections == ()
    with pytest.raises(SummarizerError):
        parse_reply("no json here")
    # a reply cut off at the token limit: its inner bullet objects are complete, the summary is not
    with pytest.raises(SummarizerError):
        parse_reply('{"core_views": [{"text": "A", "citations": [1]}, {"text": "B", "citations": [2]}, {"te')


def test_llm_check_reports_model_latency_and_schema_support(
    server: tuple[str, Scripted], tmp_path: Path
) -> None:
    import os
    import subprocess
    import sys

    url, script = server
    script.answers = [
        Answer(body=completion('{"ok": true}', prompt=20, completion_tokens=5, model="served-model"))
    ]
    env = {
        **os.environ,
        "THEMEFLOW_HOME": str(tmp_path),
        "THEMEFLOW_LLM_BASE_URL": url,
        "THEMEFLOW_LLM_MODEL": "test-model",
        "THEMEFLOW_LLM_API_KEY": SECRET,
    }
    done = subprocess.run(
        [sys.executable, "-m", "themeflow.cli", "llm", "check", "--json"],
        capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["model"] == "served-model" and report["json_schema"] is True
    assert report["prompt_tokens"] == 20 and report["latency_s"] >= 0
    assert SECRET not in done.stdout + done.stderr
    missing = subprocess.run(
        [sys.executable, "-m", "themeflow.cli", "llm", "check"],
        capture_output=True, text=True, env={**env, "THEMEFLOW_LLM_BASE_URL": ""}, timeout=60,
    )  # fmt: skip
    assert missing.returncode != 0 and "THEMEFLOW_LLM_BASE_URL" in missing.stderr


def test_a_workflow_run_with_the_llm_survives_429s_and_a_dead_endpoint_without_losing_documents(
    server: tuple[str, Scripted], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import datetime, timedelta, timezone

    url, script = server
    bj = timezone(timedelta(hours=8))
    docs = []
    cities = ["北京", "上海", "深圳", "杭州", "成都", "武汉", "西安", "南京"]
    topics = [
        "液冷服务器",
        "光模块",
        "高带宽内存",
        "电力设备",
        "数据中心选址",
        "算力租赁",
        "芯片封装",
        "交换机",
    ]
    for i in range(8):
        own = [
            f"{cities[i]}第{i + 1}个智算中心项目{topics[i]}采购规模达到{10 + i}亿元，当地政府配套{3 + i}项扶持政策。",
            f"{topics[i]}供应商{cities[i]}工厂扩产{20 + 5 * i}%，预计{cities[i]}园区明年新增{100 + i}个机柜。",
            f"{cities[i]}本地券商分析师称{topics[i]}订单排期已到{i + 2}个季度之后，价格环比上涨{i + 1}%。",
        ]
        paras = own + list(ARTICLE.paragraphs[i % 5 : i % 5 + 1])
        docs.append(
            Document(
                id=f"w{i}",
                title=("故障文章 " if i == 5 else "") + f"算力投资观察{i}",
                paragraphs=tuple(paras),
                published_at=datetime(2026, 8, 1 + i, 9, tzinfo=bj),
            )
        )
    good = json.loads(json.dumps(GOOD))

    def route(payload: dict[str, Any]) -> Answer | None:
        if "故障文章" in payload["messages"][-1]["content"]:
            return Answer(status=500, body="model crashed")
        return None

    script.route = route
    script.answers = [Answer(status=429, body="slow down", headers={"Retry-After": "0"})] + [
        Answer(body=completion(json.dumps(good, ensure_ascii=False)))
    ]
    monkeypatch.setenv("THEMEFLOW_LLM_BASE_URL", url)
    monkeypatch.setenv("THEMEFLOW_LLM_MODEL", "test-model")
    monkeypatch.setenv("THEMEFLOW_LLM_DEADLINE", "4")
    monkeypatch.setenv("THEMEFLOW_LLM_CONCURRENCY", "3")
    monkeypatch.setenv("THEMEFLOW_HOME", str(tmp_path))
    tf = Themeflow(SQLiteStore(tmp_path / "wf.db"))
    tf.store.upsert_documents(docs)
    tf.add_theme({"name": "算力投资", "query": "算力", "summarizer": "llm"})
    # One document the endpoint cannot summarize even after its retries: the run fails as a whole (nothing
    # half-reported), says why, and the next run covers the same window again: no document is lost.
    with pytest.raises(SummarizerError):
        tf.run_workflow("算力投资", write_reports=False)
    failed = tf.runs("算力投资")[0]
    assert failed.status == "failed" and "HTTP 500" in (failed.error or "")
    # the endpoint recovers, slowly: documents are summarized concurrently, within the limit
    script.route = None
    script.answers = [Answer(delay=0.3, body=completion(json.dumps(good, ensure_ascii=False)))]
    result = tf.run_workflow("算力投资", write_reports=False)
    client = tf.summarizer_named("llm").client  # type: ignore[attr-defined]
    assert 1 < client.peak_in_flight <= 3
    items = result.digest.items
    assert sorted(it.document.id for it in items) == [f"w{i}" for i in range(8)]
    assert all(it.summary is not None and it.summary.model == "test-model" for it in items)
    assert all(b.verified for it in items for b in it.summary.bullets())  # type: ignore[union-attr]
    assert len(script.requests) > 8  # every document asked for
    # what the run's summaries cost is recorded with it, shown in its digest and in stats; a run that finds
    # nothing new pays nothing
    run = tf.runs("算力投资")[0]
    assert run.prompt_tokens > 0 and run.completion_tokens > 0
    assert any("LLM 用量" in note for note in result.digest.notes)
    assert tf.stats().llm_prompt_tokens >= run.prompt_tokens
    quiet = tf.run_workflow("算力投资", write_reports=False)
    assert (quiet.run.prompt_tokens, quiet.run.completion_tokens) == (0, 0)
    tf.store.close()


def _echo_summary(payload: dict[str, Any]) -> str:
    """A reply built from the request: the first sentence of each of the first paragraphs, cited."""
    import re as _re

    numbered = _re.findall(r"^\[(\d+)\] (.+)$", payload["messages"][1]["content"], flags=_re.M)
    bullets = []
    for n, text in numbered[:4]:
        first = _re.split(r"(?<=[。！？])", text)[0].rstrip("。")
        if len(first) >= 8:
            bullets.append({"text": first, "citations": [int(n)]})
    return json.dumps(
        {"core_views": bullets[:2], "sections": [{"title": "要点", "bullets": bullets[2:]}]},
        ensure_ascii=False,
    )


def test_a_workflow_run_over_fifty_documents_keeps_the_concurrency_limit_through_429s_and_timeouts(
    server: tuple[str, Scripted], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, script = server
    sample = Path(__file__).resolve().parents[1] / "src" / "themeflow" / "data" / "sample.jsonl"
    seen = {"n": 0}
    lock = threading.Lock()

    def route(payload: dict[str, Any]) -> Answer:
        with lock:
            seen["n"] += 1
            n = seen["n"]
        if n % 7 == 0:
            return Answer(status=429, body="busy", headers={"Retry-After": "0"})
        if n % 23 == 0:
            return Answer(delay=4.0, body=completion(_echo_summary(payload)))  # past the client's timeout
        return Answer(delay=0.05, body=completion(_echo_summary(payload), prompt=700, completion_tokens=120))

    script.route = route
    script.answers = [Answer(body="{}")]
    monkeypatch.setenv("THEMEFLOW_LLM_BASE_URL", url)
    monkeypatch.setenv("THEMEFLOW_LLM_MODEL", "test-model")
    monkeypatch.setenv("THEMEFLOW_LLM_CONCURRENCY", "4")
    # generous: server and client share this process's GIL with the verifier's work
    monkeypatch.setenv("THEMEFLOW_LLM_TIMEOUT", "3")
    monkeypatch.setenv("THEMEFLOW_HOME", str(tmp_path))
    tf = Themeflow(SQLiteStore(tmp_path / "fifty.db"))
    tf.ingest([str(sample)])
    tf.add_theme({"name": "美联储", "query": "美联储", "summarizer": "llm"})
    result = tf.run_workflow("美联储", write_reports=False)
    items = result.digest.items
    assert len(items) >= 45
    summarized = [it for it in items if it.summary is not None]
    # every story the run summarizes got its summary: none lost to a 429 or a timeout
    assert len(summarized) == min(len(items), MAX_SUMMARIES)
    assert all(b.verified for it in summarized for b in it.summary.bullets())  # type: ignore[union-attr]
    client = tf.summarizer_named("llm").client  # type: ignore[attr-defined]
    assert 1 < client.peak_in_flight <= 4
    assert seen["n"] > len(items)  # the 429s and timeouts were retried
    assert result.run.prompt_tokens > 0 and result.run.completion_tokens > 0
    tf.store.close()


def test_a_reply_cut_at_the_token_limit_is_asked_again_with_more_room(server: tuple[str, Scripted]) -> None:
    url, script = server
    whole = json.dumps(GOOD, ensure_ascii=False)
    script.answers = [
        Answer(body=completion(whole[:150], finish="length")),
        Answer(body=completion(whole)),
    ]
    s = summarizer(url, max_tokens=1000).summarize(ARTICLE)
    assert len(s.bullets()) == 5 and s.fallback is None
    assert [r["max_tokens"] for r in script.requests] == [1000, 2000]
