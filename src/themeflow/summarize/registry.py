"""Summarizers by name: ``extractive`` (built in) and ``llm`` (an OpenAI-compatible endpoint).

The service asks here for the summarizer a command, a theme or the settings name. Settings are read through
a getter (``Settings.get``) so this package needs no configuration module of its own.
"""

from __future__ import annotations

from collections.abc import Callable

from themeflow.errors import ConfigError, InputError
from themeflow.summarize.base import Summarizer
from themeflow.summarize.llm_client import LLMConfig

__all__ = ["NAMES", "llm_config", "make_summarizer"]

NAMES = ("extractive", "llm")

Get = Callable[[str], str | None]


def make_summarizer(name: str, get: Get) -> Summarizer:
    """The summarizer called ``name``; InputError for an unknown name, ConfigError for missing settings."""
    if name == "extractive":
        from themeflow.summarize.extractive import ExtractiveSummarizer

        return ExtractiveSummarizer()
    if name == "llm":
        from themeflow.summarize.llm import LLMSummarizer
        from themeflow.summarize.llm_client import ChatClient

        return LLMSummarizer(ChatClient(llm_config(get)))
    raise InputError(f"unknown summarizer {name!r}; choose {' or '.join(NAMES)}")


def llm_config(get: Get) -> LLMConfig:
    """The LLM endpoint the settings name; ConfigError saying what to set when they name none."""
    base_url = (get("llm_base_url") or "").strip()
    model = (get("llm_model") or "").strip()
    if not base_url or not model:
        raise ConfigError(
            "LLM summaries and figure checks need an OpenAI-compatible endpoint: set THEMEFLOW_LLM_BASE_URL "
            "(e.g. http://127.0.0.1:8080/v1) and THEMEFLOW_LLM_MODEL, and THEMEFLOW_LLM_API_KEY if it needs one"
        )
    if not base_url.startswith(("http://", "https://")):
        raise ConfigError(f"THEMEFLOW_LLM_BASE_URL must be an http(s) URL (got {base_url!r})")

    def number(name: str) -> float:
        raw = get(name)
        try:
            return float(raw or "")
        except ValueError as exc:
            raise ConfigError(f"THEMEFLOW_{name.upper()} must be a number (got {raw!r})") from exc

    return LLMConfig(
        base_url=base_url.rstrip("/"),
        model=model,
        api_key=get("llm_api_key") or None,
        timeout=number("llm_timeout"),
        deadline=number("llm_deadline"),
        concurrency=max(1, int(number("llm_concurrency"))),
    )
