"""Word segmentation and index tokens for Chinese financial text (first cut; see search issue)."""

from __future__ import annotations

import rjieba

ANALYZER_VERSION = "0"


def words(text: str) -> list[str]:
    """Plain word segmentation (rjieba, precise mode), whitespace and punctuation-only tokens dropped."""
    return [t for t in rjieba.cut(text) if t.strip() and any(ch.isalnum() for ch in t)]


def analyze(text: str) -> list[str]:
    """Index/query tokens: search-mode words, lower-cased."""
    return [t.lower() for t in rjieba.cut_for_search(text) if t.strip() and any(ch.isalnum() for ch in t)]
