"""CPU cost of parsing a query and highlighting a page of results with it, for hostile and ordinary queries.

    python bench/highlight.py

For each query: process CPU seconds to parse it, build its highlighter (regex compile) and find the matches
in 20 article-sized texts (what a search page does), the number of regex alternatives, and whether the
parser refused it (a clear QueryError, which is the intended answer for the hostile ones).
"""

from __future__ import annotations

import re
import time

from themeflow.errors import QueryError
from themeflow.search.query import parse_query
from themeflow.search.snippet import Highlighter

PARAGRAPH = (
    "巴克莱银行发布最新研究报告称，A股、港股和美股的AI资本开支周期远未结束，OpenAI 2025年实际营收比预测高出约15%，"
    "2027年预期营收从600亿美元上调50%至900亿美元；A股,A股,港股 的算力需求在2028年达到峰值约1100亿美元。"
)
PAGE = ["\n".join([PARAGRAPH] * 12) for _ in range(20)]  # 20 hits of ~2,500 characters

QUERIES = {
    "hostile: 'A股,' x 333 (one 999-char term)": "A股," * 333,
    "hostile: 'A股,' x 8 (16 parts, the most one term may have)": "A股," * 8,
    "worst legal: 64 distinct terms": " ".join(f"资本开支{n}期" for n in range(64))[:1000],
    "worst legal: 40 distinct 16-part terms": " ".join("A股," * 7 + f"b{n}股" for n in range(40))[:1000],
    "repeated: 'A股 ' x 60": "A股 " * 60,
    "ordinary: 资本开支 算力 OR GPU": "资本开支 算力 OR GPU",
}


def measure(query: str, repeat: int = 3) -> tuple[float, int | None, str]:
    best = float("inf")
    size: int | None = None
    outcome = "ok"
    for _ in range(repeat):
        re.purge()  # cold: a new query compiles its pattern (the regex cache would hide that)
        start = time.process_time()
        try:
            parsed = parse_query(query)
        except QueryError as exc:
            outcome = f"refused: {str(exc)[:60]}…"
            best = min(best, time.process_time() - start)
            continue
        highlighter = Highlighter.for_query(parsed)
        for text in PAGE:
            highlighter.matches(text)
        best = min(best, time.process_time() - start)
        size = highlighter.size if hasattr(highlighter, "size") else len(highlighter.keys)
    return best, size, outcome


def main() -> None:
    print(f"{'query':<58} {'CPU s':>8} {'alts':>5}  outcome")
    for label, query in QUERIES.items():
        cpu, size, outcome = measure(query)
        print(f"{label:<58} {cpu:>8.4f} {size if size is not None else '-':>5}  {outcome}")


if __name__ == "__main__":
    main()
