"""A small composed corpus for the web tests (written for these tests, in the style of the seed page).

Six articles: an AI-capex research note and its syndicated copy from another outlet, a southbound-flows
piece, a Fed piece, a short flash (excerpt-only summary), and a hostile article whose title, body, outlet
and URL carry script/HTML injection. ``many_docs`` adds near-identical daily notes for pagination.
``CAPACITY`` (only with ``build_store(capacity=True)``) is two articles that disagree on a figure — the
seed's misprint, 1143GW for 114.3GW — for the key-figures page; they match none of the other tests' queries.
Other web test modules import :func:`build_store` and the constants from here.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from themeflow.model import Document
from themeflow.service import Themeflow

CST = timezone(timedelta(hours=8))
XSS_SCRIPT = "<script>alert(1)</script>"
XSS_IMG = "<img src=x onerror=alert(1)>"

CAPEX_PARAS = (
    "巴克莱银行发布最新研究报告称，AI资本开支周期远未结束，行业投资不会在短期内放缓。",
    "OpenAI 2025年实际营收比年中内部预测高出约15%，2027年预期营收从600亿美元上调50%至900亿美元。",
    "报告指出，OpenAI所有收入均意味着算力需求，2024至2030年间计算运营支出预算总额超过4500亿美元。",
    "预计2028年计算支出达到峰值约1100亿美元，公司已与合作伙伴签订约6500亿美元的算力租赁合同。",
    "行业竞争加剧引发军备竞赛，谷歌、Meta等科技巨头被迫同步扩大资本开支并加快模型迭代。",
    "预计2024至2030年间，全球AI数据中心总容量将从114.3GW增长至236GW，实现翻倍。",
)
CAPEX = Document(
    id="t-capex-wsj",
    title="巴克莱：AI资本开支周期仍将持续，2028年算力支出将达1100亿美元峰值",
    paragraphs=CAPEX_PARAS,
    source="华尔街见闻",
    published_at=datetime(2025, 11, 20, 20, 41, tzinfo=CST),
    time_origin="document",
    url="https://wallstreetcn.example/articles/3760001",
)
CAPEX_COPY = Document(
    id="t-capex-ipo",
    title=CAPEX.title,
    paragraphs=CAPEX_PARAS,
    source="美股IPO",
    published_at=datetime(2025, 11, 21, 0, 7, tzinfo=CST),
    time_origin="document",
    url="https://ipo.example/news/88121",
)
SOUTHBOUND = Document(
    id="t-southbound",
    title="万亿资金抢筹港股科技，南下资金年内净买入突破1.2万亿港元",
    paragraphs=(
        "港股科技板块在震荡市中成为资金青睐的资产，被视为四季度最具爆发力的进攻选择。",
        "南下资金年内净买入突破1.2万亿港元，创下历史新高，内资定价权持续提升。",
        "全球AI资本开支周期启动，国际投行纷纷看好中国科技资产。",
        "港股通科技ETF覆盖科技全产业链，恒生互联网ETF聚焦互联网龙头。",
    ),
    source="每日经济新闻",
    published_at=datetime(2025, 10, 30, 9, 4, tzinfo=CST),
    time_origin="document",
    url="https://nbd.example/articles/2025-10-30/4100001.html",
)
FED = Document(
    id="t-fed",
    title="美联储降息预期升温，2026年美国经济或再加速",
    paragraphs=(
        "高盛研报指出，美国明年经济可能重新提速，而非软着陆，这将使2026年货币政策陷入两难。",
        "高盛模型已将三季度GDP环比年化增速上调至2.6%，明年上半年或突破3.5%。",
        "期货曲线显示2026年中政策利率仅略高于3%，市场尚未计入再加息场景。",
        "当前MOVE指数仅90，远低于历史均值120，一旦数据连续超预期，债市或重现抛售。",
        "AI资本开支周期刚进入第二年，财政扩张与低实际利率共同支撑需求。",
    ),
    source="搜狐财经",
    published_at=datetime(2025, 9, 29, 17, 14, tzinfo=CST),
    time_origin="document",
    url="https://sohu.example/a/9001",
)
FLASH = Document(
    id="t-flash",
    title="港股科技ETF午后拉升，AI资本开支概念走强",
    paragraphs=("港股科技ETF午后拉升涨超2%，成交额突破15亿元，AI资本开支概念股走强。",),
    source="证券时报",
    published_at=datetime(2025, 11, 3, 14, 30, tzinfo=CST),
    time_origin="fetch",
)
HOSTILE = Document(
    id="t-hostile",
    title=f"{XSS_SCRIPT}注入测试{XSS_IMG}",
    paragraphs=(
        f"正文第一段{XSS_SCRIPT}，这是一篇注入测试文章。",
        f'第二段包含图片注入{XSS_IMG}以及 <a href="javascript:alert(1)">链接</a>。',
        "第三段：注入测试的规模约为100亿美元，需求持续上升。",
        "第四段：<style>body{display:none}</style>样式注入也必须原样显示为文本。",
    ),
    source=f"<b onmouseover=alert(1)>恶意来源</b>{XSS_SCRIPT}",
    published_at=datetime(2025, 11, 1, 8, 0, tzinfo=CST),
    time_origin="document",
    url="javascript:alert(1)",
)
DOCS = (CAPEX, CAPEX_COPY, SOUTHBOUND, FED, FLASH, HOSTILE)

GW_SOURCE = Document(
    id="t-gw-source",
    title="大摩：全球AI数据中心容量六年翻倍",
    paragraphs=(
        "摩根士丹利最新报告认为，全球AI数据中心建设仍处于早期阶段。",
        "报告预计，2024至2030年间，全球AI数据中心总容量将从114.3GW增长至236GW，实现翻倍。",
        "电力供应将成为数据中心扩张的主要约束。",
    ),
    source="第一财经",
    published_at=datetime(2025, 11, 18, 10, 0, tzinfo=CST),
    time_origin="document",
)
GW_TYPO = Document(
    id="t-gw-typo",
    title="数据中心电力需求激增，容量将翻倍",
    paragraphs=(
        "多家机构认为，数据中心的电力需求正在快速增长。",
        "有研究指出，2024至2030年间，全球AI数据中心总容量将从1143GW增长至236GW。",
    ),
    source="财联社",
    published_at=datetime(2025, 11, 19, 9, 30, tzinfo=CST),
    time_origin="document",
)
CAPACITY = (GW_SOURCE, GW_TYPO)
CAPACITY_QUERY = "数据中心总容量"


def many_docs(n: int = 25) -> list[Document]:
    """Daily notes that all match 算力日报, for pagination."""
    start = datetime(2025, 8, 1, 8, 0, tzinfo=CST)
    return [
        Document(
            id=f"t-daily-{i:02d}",
            title=f"算力日报第{i}期：智算中心建设提速",
            paragraphs=(
                f"算力日报第{i}期：本周新增智算中心{i}个，合计算力规模{i * 100}P。",
                "多地出台政策支持算力基础设施建设，数据中心电力需求上升。",
                f"分析人士认为，算力租赁价格第{i}周保持稳定。",
            ),
            source="科创板日报" if i % 2 else "第一财经",
            published_at=start + timedelta(days=i),
            time_origin="document",
        )
        for i in range(1, n + 1)
    ]


def build_store(path: str | Path, *, daily: bool = True, capacity: bool = False) -> str | Path:
    """Write the corpus into the store at ``path`` (an SQLite file or a PostgreSQL URL), closing it, so the
    app opens its own."""
    with Themeflow.open(path) as tf:
        tf.ingest_documents([*DOCS, *(many_docs() if daily else []), *(CAPACITY if capacity else [])])
    return path


def test_corpus_ids_are_unique() -> None:
    docs = [*DOCS, *many_docs(), *CAPACITY]
    assert len({d.id for d in docs}) == len(docs)


def make_client(app: object, **kwargs: object) -> object:
    """A Starlette TestClient; its import warns that httpx2 is preferred (not installed here).

    It talks to ``http://localhost`` (TestClient's own ``testserver`` is a Host name the app refuses)."""
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*starlette.testclient.*")
        from fastapi.testclient import TestClient
    kwargs.setdefault("base_url", "http://localhost")
    return TestClient(app, **kwargs)  # type: ignore[arg-type]
