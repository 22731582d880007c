"""A chat-completions client for any OpenAI-compatible endpoint, with plain httpx (no provider SDK).

Why its own module: DeepSeek, a Qwen gateway, vLLM, Ollama, llama.cpp's server and OpenAI all speak the same
``POST {base}/chat/completions`` protocol, but differ in what they support (``response_format`` with a JSON
schema, ``json_object`` only, nothing; streaming only) and in how they fail (429 with ``Retry-After``, 5xx,
hanging). The summarizer asks for a reply; this module deals with all of that:

- one request timeout per try and one overall **deadline** for the whole call, so a slow endpoint never
  holds a workflow run hostage;
- **retries** with exponential backoff and jitter on 429, 5xx, timeouts and dropped connections, waiting
  at least what ``Retry-After`` asks (seconds or an HTTP date), never past the deadline;
- **bounded concurrency**: one semaphore per client caps the requests in flight;
- ``response_format``: a JSON schema when the server takes it; on a 400 that names ``response_format`` it
  falls back to ``json_object``, then to none, and remembers what worked;
- a server that streams although asked not to (``text/event-stream``) is read as a stream.

The API key comes from the environment only (settings refuse it in a config file) and never appears in an
error message, a log line or a stored record.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from themeflow.dates import retry_after_seconds
from themeflow.errors import SummarizerError

__all__ = ["ChatClient", "LLMConfig", "Reply"]

RETRYABLE = frozenset({408, 409, 425, 429, 500, 502, 503, 504})


@dataclass(frozen=True)
class LLMConfig:
    """Where and how to ask. ``api_key`` is kept out of ``repr`` so it cannot leak into a log line."""

    base_url: str
    model: str
    api_key: str | None = field(default=None, repr=False)
    timeout: float = 120.0
    """Seconds one try may take (a CPU-served model writes a summary in one to two minutes)."""
    deadline: float = 600.0
    """Seconds a whole call may take, retries and waits included."""
    retries: int = 4
    concurrency: int = 4
    max_tokens: int = 2048
    temperature: float = 0.2


@dataclass(frozen=True, slots=True)
class Reply:
    """The assistant's text and what the call cost."""

    content: str
    model: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    response_format: str = "none"
    """What the server accepted: ``json_schema``, ``json_object`` or ``none``."""
    tries: int = 1
    finish_reason: str | None = None
    """``length`` when the reply was cut at the token limit."""


class ChatClient:
    """Chat completions against one endpoint and model (see the module doc). Thread-safe."""

    _FORMATS = ("json_schema", "json_object", "none")

    def __init__(
        self,
        config: LLMConfig,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.config = config
        self._http = httpx.Client(transport=transport, timeout=httpx.Timeout(config.timeout, connect=10.0))
        self._slots = threading.BoundedSemaphore(config.concurrency)
        self._sleep, self._clock, self._jitter = sleep, clock, jitter
        self._format_index = 0  # how far down _FORMATS this server made us go
        self.in_flight = 0
        self.peak_in_flight = 0
        self._count = threading.Lock()

    def close(self) -> None:
        self._http.close()

    def complete(
        self,
        messages: Sequence[dict[str, str]],
        *,
        schema: dict[str, Any] | None = None,
        max_tokens: int | None = None,
    ) -> Reply:
        """The reply to ``messages`` (at most ``max_tokens``, default the config's); raises SummarizerError
        when the endpoint cannot give one in time."""
        start = self._clock()
        last = "no try made"
        attempt = 0
        while True:
            attempt += 1
            fmt = self._FORMATS[self._format_index] if schema is not None else "none"
            try:
                with self._slots:
                    self._enter()
                    try:
                        response = self._http.post(
                            f"{self.config.base_url}/chat/completions",
                            json=self._payload(messages, schema, fmt, max_tokens),
                            headers=self._headers(),
                        )
                    finally:
                        self._leave()
            except httpx.TimeoutException:
                last, wait = f"no answer within {self.config.timeout:.0f}s", None
            except httpx.TransportError as exc:
                last, wait = f"connection failed ({type(exc).__name__})", None
            else:
                if response.status_code == 200:
                    return self._read(response, fmt, attempt)
                if response.status_code == 400 and fmt != "none" and _mentions_format(response):
                    self._format_index += 1  # the server does not take this response_format: try the next
                    continue
                if response.status_code not in RETRYABLE:
                    raise SummarizerError(
                        f"LLM endpoint {self.config.base_url} refused the request "
                        f"(HTTP {response.status_code}): {_detail(response)}"
                    )
                last, wait = (
                    f"HTTP {response.status_code}",
                    retry_after_seconds(response.headers.get("retry-after")),
                )
            if attempt > self.config.retries:
                raise SummarizerError(
                    f"LLM endpoint {self.config.base_url} gave no answer after {attempt} tries (last: {last})"
                )
            backoff = min(30.0, 1.0 * 2 ** (attempt - 1)) * (0.5 + self._jitter())
            delay = max(backoff, wait or 0.0)
            if self._clock() + delay - start > self.config.deadline:
                raise SummarizerError(
                    f"LLM endpoint {self.config.base_url} did not answer within the "
                    f"{self.config.deadline:.0f}s deadline (last: {last})"
                )
            self._sleep(delay)

    # -- helpers -----------------------------------------------------------------------------------------

    def _enter(self) -> None:
        with self._count:
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)

    def _leave(self) -> None:
        with self._count:
            self.in_flight -= 1

    def _headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.config.api_key:
            headers["Authorization"] = f"Bearer {self.config.api_key}"
        return headers

    def _payload(
        self,
        messages: Sequence[dict[str, str]],
        schema: dict[str, Any] | None,
        fmt: str,
        max_tokens: int | None = None,
    ) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "model": self.config.model,
            "messages": list(messages),
            "temperature": self.config.temperature,
            "max_tokens": max_tokens or self.config.max_tokens,
            "stream": False,
        }
        if schema is not None and fmt == "json_schema":
            payload["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "summary", "schema": schema, "strict": True},
            }
        elif schema is not None and fmt == "json_object":
            payload["response_format"] = {"type": "json_object"}
        return payload

    def _read(self, response: httpx.Response, fmt: str, attempt: int) -> Reply:
        if "text/event-stream" in response.headers.get("content-type", ""):
            return self._read_stream(response.text, fmt, attempt)
        try:
            body = response.json()
            choice = body["choices"][0]
            message = choice["message"]
            content = message.get("content") or ""
            finish = choice.get("finish_reason")
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise SummarizerError(
                f"LLM endpoint {self.config.base_url} answered without a chat completion: {response.text[:200]!r}"
            ) from exc
        usage = body.get("usage") or {}
        return Reply(
            content=str(content),
            model=str(body.get("model") or self.config.model),
            prompt_tokens=int(usage.get("prompt_tokens") or 0),
            completion_tokens=int(usage.get("completion_tokens") or 0),
            response_format=fmt,
            tries=attempt,
            finish_reason=str(finish) if finish else None,
        )

    def _read_stream(self, text: str, fmt: str, attempt: int) -> Reply:
        """A server that streams whatever it is asked: ``data: {...}`` lines, deltas concatenated."""
        parts: list[str] = []
        usage: dict[str, Any] = {}
        model = self.config.model
        finish: str | None = None
        for line in text.splitlines():
            line = line.strip()
            if not line.startswith("data:"):
                continue
            data = line[5:].strip()
            if data == "[DONE]":
                break
            try:
                chunk = json.loads(data)
            except ValueError:
                continue
            model = str(chunk.get("model") or model)
            usage = chunk.get("usage") or usage
            for choice in chunk.get("choices") or []:
                delta = choice.get("delta") or choice.get("message") or {}
                parts.append(str(delta.get("content") or ""))
                finish = choice.get("finish_reason") or finish
        if not parts:
            raise SummarizerError(f"LLM endpoint {self.config.base_url} streamed no content")
        return Reply(
            content="".join(parts),
            model=model,
            prompt_tokens=int(usage.get("prompt_tokens") or 0),
            completion_tokens=int(usage.get("completion_tokens") or 0),
            response_format=fmt,
            tries=attempt,
            finish_reason=finish,
        )


def _mentions_format(response: httpx.Response) -> bool:
    text = response.text.lower()
    return "response_format" in text or "json_schema" in text or "json schema" in text


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
        error = body.get("error") if isinstance(body, dict) else None
        message = error.get("message") if isinstance(error, dict) else error
        return str(message or body)[:200]
    except ValueError:
        return response.text[:200]
