"""Heavy or fragile modules load only when their work is done: start-up stays short, and a JSONL ingest
never depends on the HTML, PDF or feed parsers being importable."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HEAVY = ("trafilatura", "justext", "pypdf", "feedparser", "datasketch", "scipy", "rjieba", "numpy", "rich")


def loaded_after(code: str) -> list[str]:
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))"
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_the_command_line_starts_without_heavy_modules() -> None:
    assert loaded_after("import themeflow.cli") == []


def test_a_jsonl_ingest_loads_no_html_pdf_or_feed_parser(tmp_path: Path) -> None:
    records = tmp_path / "a.jsonl"
    records.write_text(
        json.dumps({"title": "美联储", "content": "美联储维持利率不变。"}) + "\n", encoding="utf-8"
    )
    code = (
        "from themeflow.service import Themeflow\n"
        f"with Themeflow.open({str(tmp_path / 'x.db')!r}) as tf:\n"
        f"    assert tf.ingest([{str(records)!r}]).new == 1\n"
    )
    loaded = loaded_after(code)
    assert not {"trafilatura", "justext", "pypdf", "feedparser"} & set(loaded), loaded
