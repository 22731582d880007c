"""Structured, cited summaries: the ``Summarizer`` protocol, the extractive default and the verifier.

Every summary, whichever summarizer made it, goes through :func:`verify` (a verdict per bullet) and
then :func:`drop_unverified` before it is stored or shown.
"""

from themeflow.summarize.base import Summarizer, summarizer_key
from themeflow.summarize.extractive import ExtractiveSummarizer
from themeflow.summarize.verify import check_bullet, drop_unverified, verify

__all__ = [
    "ExtractiveSummarizer",
    "Summarizer",
    "check_bullet",
    "drop_unverified",
    "summarizer_key",
    "verify",
]
