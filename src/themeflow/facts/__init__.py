"""Key figures across documents: extract figure facts with citations, line them up, flag conflicts.

``extract`` reads facts out of paragraphs; ``keys`` says when two figures are about the same metric, period and owner; ``group`` lines facts about the same (entity, metric, period)
up across outlets and flags sources that disagree; ``render`` turns the result into the JSON contract
and the terminal view. The report and the service call :func:`figures_for_documents`.
"""

from themeflow.facts.confirm import CheckedFacts, FactChecker, LLMFactChecker
from themeflow.facts.extract import extract_facts, extract_paragraph
from themeflow.facts.group import (
    Conflict,
    ConflictValue,
    FigureGroup,
    ThemeFigures,
    figures_for_documents,
    group_facts,
)
from themeflow.facts.keys import metric_key, metrics_match, period_key
from themeflow.facts.render import theme_figures_to_dict

__all__ = [
    "CheckedFacts",
    "Conflict",
    "ConflictValue",
    "FactChecker",
    "FigureGroup",
    "LLMFactChecker",
    "ThemeFigures",
    "extract_facts",
    "extract_paragraph",
    "figures_for_documents",
    "group_facts",
    "metric_key",
    "metrics_match",
    "period_key",
    "theme_figures_to_dict",
]
