"""Helpers shared by the workflow, schedule and report tests (this module holds no tests itself).

Articles here are written for the tests (no third-party text). The summarizer is the real extractive one,
wrapped to count calls: a counting wrapper, not a mock, so the cache and verifier run for real.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from themeflow.errors import SummarizerError
from themeflow.model import Document, Summary
from themeflow.service import Themeflow
from themeflow.store import open_store

SH = ZoneInfo("Asia/Shanghai")

AI_PARAS = (
    "{co}宣布，公司将在未来三年把AI资本开支提高到{n}00亿美元，主要用于算力集群和数据中心建设。",
    "公司首席财务官表示，{n}00亿美元中约六成用于采购GPU服务器，其余用于电力和土地。",
    "分析师认为，超大规模云厂商的资本开支周期仍将持续，算力需求在2027年前不会见顶。",
    "不过也有投资者担心，数据中心电力供应紧张可能拖慢算力扩张节奏，资本开支回报存在不确定性。",
)
OTHER_PARAS = (
    "今年夏季猪肉价格小幅上涨，养殖户补栏意愿有所回升。",
    "业内人士表示，饲料成本下降为养殖利润提供了支撑。",
    "多地农业部门提示，应关注生猪产能的阶段性过剩风险。",
)


def ai_doc(
    i: int,
    *,
    published: datetime | None = None,
    source: str = "华尔街见闻",
    co: str | None = None,
    url: str | None = None,
    title: str | None = None,
    extra: str = "",
    doc_id: str | None = None,
) -> Document:
    """An article on AI capex (matches 资本开支 / 算力); ``i`` varies the figures so texts differ."""
    company = co or f"第{i}号科技公司"
    paras = tuple(p.format(co=company, n=i + 1) for p in AI_PARAS)
    if extra:
        paras = (*paras, extra)
    return Document(
        id=doc_id or f"u{i:016x}",
        title=title or f"{company}上调AI资本开支至{i + 1}00亿美元",
        paragraphs=paras,
        source=source,
        published_at=published or datetime(2025, 11, 20, 8, 0, tzinfo=SH),
        time_origin="document",
        url=url or f"https://example.com/ai/{i}",
    )


def other_doc(i: int, *, published: datetime | None = None) -> Document:
    return Document(
        id=f"c{i:016x}",
        title=f"猪肉价格观察第{i}期",
        paragraphs=OTHER_PARAS,
        source="农业日报",
        published_at=published or datetime(2025, 11, 20, 9, 0, tzinfo=SH),
        time_origin="document",
    )


@dataclass
class CountingSummarizer:
    """Wraps a real summarizer; counts calls and can be told to fail on chosen documents."""

    inner: object = None
    calls: list[str] = field(default_factory=list)
    fail_on: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        if self.inner is None:
            from themeflow.summarize.extractive import ExtractiveSummarizer

            self.inner = ExtractiveSummarizer()
        self.name: str = self.inner.name  # type: ignore[attr-defined]
        self.version: str = self.inner.version  # type: ignore[attr-defined]

    def summarize(self, doc: Document) -> Summary:
        self.calls.append(doc.id)
        if doc.id in self.fail_on:
            raise SummarizerError(f"test: summarizer down for {doc.id}")
        return self.inner.summarize(doc)  # type: ignore[attr-defined,no-any-return]


def open_service(location: str | Path, summarizer: CountingSummarizer | None = None) -> Themeflow:
    """A service on a real store with the counting summarizer (reports go under the test's home):
    ``location`` is an SQLite file path or a PostgreSQL URL (the ``store_url`` fixture gives both)."""
    return Themeflow(open_store(location), summarizer=summarizer or CountingSummarizer())


AI_THEME = {
    "name": "AI资本开支周期",
    "query": "资本开支",
    "keywords": ["算力 GPU"],
    "exclusions": ["猪肉"],
}
