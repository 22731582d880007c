"""Build the bundled demo corpus ``src/themeflow/data/sample.jsonl`` from ``../shared/data/news.jsonl``.

Only ``crud-`` records are eligible: the CRUD-RAG release is Apache-2.0, the other shared texts may not
be redistributed (see ../shared/data/README.md). The pick favours the themes the demo searches — AI,
算力, 资本开支, chips, data centres, cloud, the Fed and rate cuts — then adds a deterministic mix of
general finance news. CRUD-RAG flattened paragraphs; breaks marked by runs of spaces are restored and
walls of text are split at sentence ends so that citations ``[n]`` point at something readable.

Run from the repository root:  python scripts/build_sample.py [--src ../shared/data] [--limit 360]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from themeflow.text.normalize import clean_text, restore_breaks, split_long_paragraph  # noqa: E402

AI_STRONG = (
    "算力",
    "资本开支",
    "数据中心",
    "GPU",
    "大模型",
    "云计算",
    "服务器",
    "光模块",
    "英伟达",
    "AIGC",
    "智算",
)
AI_WEAK = ("芯片", "半导体", "人工智能", "AI", "存储", "云服务", "华为云", "阿里云", "腾讯云")
MACRO = ("美联储", "降息", "加息", "降准", "利率")
RESIDUE = ("股票行情快报", "广告 ", "点击进入", "扫码下载")
MAX_PARAGRAPH = 250
# CRUD-RAG's outlet names were inferred from the body and some are fragments of a sentence
# ("AMD发布2023财年第"). Only names that look like an outlet are kept; the rest become unknown.
_OUTLET_SUFFIXES = ("网", "社", "报", "财经", "新闻", "客户端", "之家", "日报", "时报", "数据", "资讯", "APP")
_KNOWN_OUTLETS = frozenset(
    "格隆汇 TechWeb Wind 金融界 华尔街见闻 钛媒体 快科技 36氪 虎嗅 第一财经 21世纪经济报道 每日经济新闻 澎湃新闻".split()
)
_NOT_OUTLET = re.compile(r"[0-9０-９]|据悉|供图|流程|发布|表示|公告|记者")


def _plausible_source(source: object) -> str | None:
    """The inferred outlet when it looks like one (短, an outlet suffix or a Latin brand), else None."""
    if not isinstance(source, str) or not source:
        return None
    if source in _KNOWN_OUTLETS:
        return source
    if len(source) > 8 or _NOT_OUTLET.search(source):
        return None
    if source.endswith(_OUTLET_SUFFIXES):
        return source
    return None


_ORIGINAL_TITLE = re.compile(
    r"^原标题[:：]\s*(.{4,32}?)(?=(?:\d{4}年)?\d{1,2}月\d{1,2}日|截至|财联社|智通财经|每经|新华社|本文|【|（|。)"
)


def _score(text: str, title: str) -> tuple[int, int, int]:
    both = f"{title} {text}"
    return (
        sum(both.count(k) for k in AI_STRONG),
        sum(both.count(k) for k in AI_WEAK),
        sum(both.count(k) for k in MACRO),
    )


def _paragraphs(text: str) -> list[str]:
    out: list[str] = []
    for para in clean_text(restore_breaks(text)).split("\n"):
        out.extend(split_long_paragraph(para, MAX_PARAGRAPH))
    return [p for p in out if p]


def _title(rec: dict[str, object], paragraphs: list[str]) -> str | None:
    """The upstream title, or the one a ``原标题：`` line carries (up to its dateline); else None."""
    if rec.get("title"):
        return str(rec["title"])
    m = _ORIGINAL_TITLE.match(paragraphs[0]) if paragraphs else None
    return m.group(1).strip() if m else None


def _stable_key(record_id: str) -> str:
    return hashlib.sha256(record_id.encode()).hexdigest()


def select(records: list[dict[str, object]], limit: int) -> list[dict[str, object]]:
    """AI/compute first (strongest signal first), then chips/AI, then the Fed, then general finance."""
    tiers: dict[str, list[tuple[int, str, dict[str, object]]]] = {
        "ai": [],
        "chips": [],
        "macro": [],
        "mix": [],
    }
    for rec in records:
        text, title = str(rec["text"]), str(rec.get("title") or "")
        strong, weak, macro = _score(text, title)
        key = _stable_key(str(rec["id"]))
        if strong >= 1:
            tiers["ai"].append((-(strong * 2 + weak), key, rec))
        elif weak >= 2:
            tiers["chips"].append((-weak, key, rec))
        elif macro >= 2:
            tiers["macro"].append((-macro, key, rec))
        else:
            tiers["mix"].append((0, key, rec))
    quotas = {"ai": limit - 110, "chips": 45, "macro": 35, "mix": limit}
    chosen: list[dict[str, object]] = []
    for tier, items in tiers.items():
        items.sort(key=lambda t: (t[0], t[1]))
        room = min(quotas[tier], limit - len(chosen))
        chosen.extend(rec for _, _, rec in items[:room])
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--src", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=REPO / "src" / "themeflow" / "data" / "sample.jsonl")
    parser.add_argument("--limit", type=int, default=400)
    args = parser.parse_args()

    eligible: list[dict[str, object]] = []
    seen: set[str] = set()
    with (args.src / "news.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            text = rec.get("text") or ""
            if not str(rec["id"]).startswith("crud-") or not 300 <= len(text) <= 4000:
                continue
            if any(r in text for r in RESIDUE):
                continue
            digest = hashlib.sha256(text[:500].encode()).hexdigest()
            if digest in seen:  # near-verbatim syndicated copies add nothing to a demo
                continue
            seen.add(digest)
            eligible.append(rec)

    chosen = select(eligible, args.limit)
    chosen.sort(key=lambda r: (str(r.get("published") or ""), str(r["id"])), reverse=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8") as out:
        for rec in chosen:
            paragraphs = _paragraphs(str(rec["text"]))
            row = {
                "id": rec["id"],
                "title": _title(rec, paragraphs),
                "source": _plausible_source(rec.get("source")),
                "published": rec.get("published"),
                "url": rec.get("url"),
                "text": "\n".join(paragraphs),
                "license": "Apache-2.0 (CRUD-RAG); article text © its outlet",
            }
            for note in ("title_note", "source_note", "published_note"):
                if rec.get(note):
                    row[note] = rec[note]
            if row["title"] and not rec.get("title"):
                row["title_note"] = "taken from the 原标题 line of the body"
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    size = args.out.stat().st_size
    print(f"wrote {len(chosen)} records ({size / 1e6:.2f} MB) to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
