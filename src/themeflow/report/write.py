"""Write a digest to disk in one or more formats; returns the paths (the ``reports`` of a run)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from themeflow.errors import InputError, StoreError
from themeflow.report.digest import Digest

__all__ = ["FORMATS", "EXTENSIONS", "render", "write_reports"]

FORMATS = ("html", "markdown", "json")
EXTENSIONS = {"html": ".html", "markdown": ".md", "json": ".json"}
_ALIASES = {"md": "markdown", "htm": "html"}


def normalize_format(name: str) -> str:
    fmt = _ALIASES.get(name.lower(), name.lower())
    if fmt not in FORMATS:
        raise InputError(f"unknown report format {name!r}; choose html, md or json")
    return fmt


def render(digest: Digest, fmt: str) -> str:
    """The digest as text in ``fmt`` (html, markdown/md or json)."""
    fmt = normalize_format(fmt)
    if fmt == "html":
        from themeflow.report.html import render_html

        return render_html(digest)
    if fmt == "markdown":
        from themeflow.report.markdown import render_markdown

        return render_markdown(digest)
    from themeflow.report.json import render_json

    return render_json(digest)


def write_text(path: Path, text: str) -> None:
    """Write via a temp file and rename, so a reader never sees half a report."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        raise StoreError(f"cannot write report {path}: {exc}") from exc


def write_reports(
    digest: Digest, folder: str | Path, stem: str, formats: Sequence[str] = FORMATS
) -> dict[str, str]:
    """Write ``folder/stem.{html,md,json}``; returns ``{format: absolute path}``."""
    out: dict[str, str] = {}
    for name in formats:
        fmt = normalize_format(name)
        path = (Path(folder) / f"{stem}{EXTENSIONS[fmt]}").resolve()
        write_text(path, render(digest, fmt))
        out[fmt] = str(path)
    return out
