"""JSON digest: the machine-readable twin of the HTML page (keys follow the stable contract in DESIGN.md).

Each item is ``{"hit": <search hit>, "summary": <summary>}`` exactly as ``search --json`` and
``summarize --json`` print them, plus the workflow's ``status``, ``new_doc_ids``, ``aboutness`` (主题/提及)
and ``late`` (补录: published before the previous run); the summary keeps
every bullet with its ``verified`` verdict (consumers filter, as the HTML does). ``figures`` and
``conflicts`` are ``themeflow figures --json``'s keys for the digest's documents (copies included).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from themeflow.report.digest import Digest, DigestItem
from themeflow.serialize import hit_to_dict, iso, run_to_dict, summary_to_dict

if TYPE_CHECKING:
    from themeflow.workflow.runner import RunResult
    from themeflow.workflow.scheduler import Outcome

__all__ = [
    "digest_item_to_dict",
    "digest_to_dict",
    "figures_to_dict",
    "outcome_to_dict",
    "render_json",
    "run_result_to_dict",
]


def figures_to_dict(d: Digest) -> dict[str, Any]:
    """``figures`` and ``conflicts`` as ``themeflow figures --json`` prints them (all figures, not only
    the ones the HTML shows); both None when figures were not computed."""
    if d.figures is None:
        return {"figures": None, "conflicts": None}
    from themeflow.facts.render import theme_figures_to_dict

    body = theme_figures_to_dict(d.figures.result)
    return {"figures": body["figures"], "conflicts": body["conflicts"]}


def digest_item_to_dict(it: DigestItem) -> dict[str, Any]:
    """One story of a digest: ``search --json``'s hit, ``summarize --json``'s summary (every bullet, with
    its verdict), and what the workflow made of it."""
    return {
        "hit": hit_to_dict(it.hit()),
        "summary": summary_to_dict(it.summary) if it.summary is not None else None,
        "status": it.status,
        "new_doc_ids": list(it.new_doc_ids),
        "aboutness": it.aboutness,
        "late": it.late,
    }


def digest_to_dict(d: Digest) -> dict[str, Any]:
    """The JSON digest (``report --format json``, the workflow's JSON file, ``/api/runs/{id}``)."""
    return {
        "kind": d.kind,
        "title": d.title,
        "query": d.query,
        "generated_at": iso(d.generated_at),
        "run_id": d.run_id,
        "window": {"start": iso(d.window_start), "end": iso(d.window_end)},
        "total": d.total,
        "new_documents": d.new_documents,
        "counts": {
            "stories": len(d.items),
            "articles": len(d.articles()),
            "by_day": dict(d.counts_by_day()),
            "by_outlet": dict(d.counts_by_outlet()),
        },
        **figures_to_dict(d),
        "items": [digest_item_to_dict(it) for it in d.items],
        "notes": list(d.notes),
    }


def render_json(d: Digest) -> str:
    return json.dumps(digest_to_dict(d), ensure_ascii=False, indent=2) + "\n"


def run_result_to_dict(result: RunResult) -> dict[str, Any]:
    """``workflow run --json`` and ``POST /api/workflows/{name}/run``: the run's digest plus its bookkeeping
    (window, candidates, what was new, the report files)."""
    d = digest_to_dict(result.digest)
    run = result.run
    return {
        "run_id": run.id,
        "theme": result.theme.name,
        "status": run.status,
        "window": {"start": iso(run.window_start), "end": iso(run.window_end)},
        "candidates": run.candidates,
        "new_documents": run.new_documents,
        "summarized": run.summarized,
        "prompt_tokens": run.prompt_tokens,
        "completion_tokens": run.completion_tokens,
        "items": d["items"],
        "counts": d["counts"],
        "figures": d["figures"],
        "conflicts": d["conflicts"],
        "reports": dict(result.reports),
        "notifications": [d.as_dict() for d in result.deliveries],
    }


def outcome_to_dict(outcome: Outcome) -> dict[str, Any]:
    """One due theme the scheduler tried, as ``scheduler --once --json`` lists it (``run``: None when the
    run failed before it was recorded)."""
    return {
        "theme": outcome.name,
        "status": outcome.status,
        "error": outcome.error,
        "run": run_to_dict(outcome.result.run) if outcome.result else None,
    }
