"""Outlet names: one canonical spelling per outlet, and no headline fragments posing as outlets.

Why this exists: the ``source`` field arrives in many spellings (东方财富 / 东方财富网, 央视 / 央视网 / 央视新闻,
Wind / WIND, 上证报 / 上海证券报), so facets split one outlet into several chips and a filter on one spelling
missed the others. Worse, upstream scrapers that read the outlet from a "来源：" line in the body sometimes
took the next words of the article instead (``英伟达涨破5000美元``, ``宁德时代上半年营收189``), and those
stood in the facet list as if they were outlets.

The table is a data file (``data/outlets.toml``, loaded once) so adding a spelling is a one-line change
with no code to read. :func:`canonical_outlet` is what ingest stores; :func:`filter_keys` is what the
search filters compare, so an old spelling typed by a user still finds the canonical outlet.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from urllib.parse import urlsplit

from themeflow.errors import ConfigError
from themeflow.text.normalize import clean_line

__all__ = [
    "UNKNOWN_OUTLET",
    "OutletTable",
    "canonical_outlet",
    "filter_keys",
    "fold_outlet",
    "implausible_reason",
    "is_unknown_outlet",
    "outlet_table",
]

UNKNOWN_OUTLET = "来源未知"
"""How a document without an outlet is shown (one label everywhere: CLI, web, reports)."""

_UNKNOWN_SPELLINGS = frozenset({"(unknown)", "unknown", "来源未知", "未知来源", "未知", "(none)", "无来源"})
"""Filter values that ask for the documents with no outlet (the facet chip links with ``(unknown)``)."""

_FOLD_DROP = re.compile(r"[\s·•・|｜_\-—]+")
_WRAPPERS = re.compile(r"^[\s【\[（(「『《<“\"'‘]+|[\s】\]）)」』》>”\"'’。，,；;：:]+$")
_LABEL = re.compile(r"^(?:本文|文章|稿件|新闻|消息)?(?:来源|来自|出处)[：:]\s*|^(?:转载自|转自|来自|据)\s*")
_DATE_TAIL = re.compile(
    r"(?:\d{4}年)?\d{1,2}月(?:\d{1,2}日?)?(?:上午|下午|晚间|早间|晚|早)?$|\d{4}年\d{0,2}$"
)
"""A dateline glued after a credit (嘉兴日报7月31日下午, 中国酒业协会2023年8): the whole tail is a date."""
_CJK_OR_LATIN = re.compile(r"[\u3400-\u9fffA-Za-z]")
_SENTENCE_PUNCT = re.compile(r"[，。！？；：、“”‘’\"？!?,;]")
_AMOUNT = re.compile(
    r"\d+(?:\.\d+)?\s*(?:%|％|亿|万|千|百|元|美元|港元|港币|欧元|年|月|日|季|倍|点|家|个|只|台|辆|款|人|股|GWh|GW|MW)"
)
_YEAR_EDGE = re.compile(r"^\d{4}|\d{4}$")
_HOST = re.compile(r"^(?:https?://)?(?:[a-z0-9-]+\.)+[a-z]{2,}(?:/.*)?$", re.IGNORECASE)


def fold_outlet(name: str) -> str:
    """Matching key of an outlet name: width and case folded, spaces and separators (``·``, ``|``) dropped."""
    return _FOLD_DROP.sub("", unicodedata.normalize("NFKC", name).casefold())


@dataclass(frozen=True, slots=True)
class OutletTable:
    """The parsed ``outlets.toml``: folded spelling → canonical name, web host → canonical name, rules."""

    by_key: dict[str, str]
    by_host: dict[str, str]
    not_outlets: frozenset[str]
    max_length: int
    strip_suffixes: tuple[str, ...]
    desk_endings: tuple[str, ...]
    headline_words: tuple[str, ...]
    allowed_endings: tuple[str, ...]

    @property
    def canonical_names(self) -> list[str]:
        """Every canonical outlet, in table order."""
        return list(dict.fromkeys(self.by_key.values()))

    def variants(self, canonical: str) -> list[str]:
        """Folded spellings (hosts excluded) that mean ``canonical``."""
        return [k for k, v in self.by_key.items() if v == canonical]


@cache
def outlet_table() -> OutletTable:
    """The bundled table, parsed once per process."""
    try:
        text = (resources.files("themeflow") / "data" / "outlets.toml").read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"the bundled outlet table data/outlets.toml cannot be read: {exc}") from exc
    return table_from_dict(data)


def table_from_dict(data: dict[str, object]) -> OutletTable:
    """Build a table from parsed TOML (tests build small ones); raises ConfigError on a malformed table."""
    rules = data.get("rules", {})
    outlets = data.get("outlets", {})
    if not isinstance(rules, dict) or not isinstance(outlets, dict):
        raise ConfigError("outlet table: [rules] and [outlets] must be tables")
    by_key: dict[str, str] = {}
    by_host: dict[str, str] = {}
    for canonical, variants in outlets.items():
        if not isinstance(variants, list) or not all(isinstance(v, str) for v in variants):
            raise ConfigError(f"outlet table: the variants of {canonical!r} must be a list of strings")
        for spelling in [canonical, *variants]:
            if "." in spelling and " " not in spelling and _HOST.match(spelling):
                by_host[spelling.lower()] = canonical
                continue
            key = fold_outlet(spelling)
            other = by_key.get(key)
            if other is not None and other != canonical:
                raise ConfigError(
                    f"outlet table: {spelling!r} is listed under both {other!r} and {canonical!r}"
                )
            by_key[key] = canonical

    def words(name: str) -> tuple[str, ...]:
        value = rules.get(name, [])
        if not isinstance(value, list):
            raise ConfigError(f"outlet table: rules.{name} must be a list")
        return tuple(str(v) for v in value)

    return OutletTable(
        by_key=by_key,
        by_host=by_host,
        not_outlets=frozenset(fold_outlet(n) for n in words("not_outlets")),
        max_length=int(rules.get("max_length", 16)),
        strip_suffixes=words("strip_suffixes"),
        desk_endings=tuple(fold_outlet(w) for w in words("desk_endings")),
        headline_words=words("headline_words"),
        allowed_endings=words("allowed_endings"),
    )


def is_unknown_outlet(value: str) -> bool:
    """True for a filter value that asks for documents with no outlet (``(unknown)``, ``unknown``, 来源未知)."""
    return value.strip().casefold() in _UNKNOWN_SPELLINGS


def implausible_reason(name: str, table: OutletTable | None = None) -> str | None:
    """Why ``name`` cannot be an outlet name (it reads like a headline or a sentence), or None if it can.

    Real outlet names are short noun phrases (21世纪经济报道, 36氪, 西安发布); a scraped headline has amounts
    with units, verbs of market news (涨, 营收, 宣布) or sentence punctuation.
    """
    t = table or outlet_table()
    if not _CJK_OR_LATIN.search(name):
        return "no letters"
    if len(name) > t.max_length:
        return f"longer than {t.max_length} characters"
    if _SENTENCE_PUNCT.search(name):
        return "sentence punctuation"
    if _AMOUNT.search(name):
        return "an amount with a unit"
    if _YEAR_EDGE.search(name):
        return "starts or ends with a year"
    core = name
    for ending in t.allowed_endings:
        if core.endswith(ending) and len(core) > len(ending):
            core = core[: -len(ending)]
            break
    for word in t.headline_words:
        if word in core:
            return f"headline word {word!r}"
    return None


def _host_outlet(value: str, t: OutletTable) -> str | None:
    host = (urlsplit(value if "//" in value else "//" + value).hostname or "").lower().rstrip(".")
    host = host.removeprefix("www.")
    parts = host.split(".")
    for i in range(len(parts) - 1):
        hit = t.by_host.get(".".join(parts[i:]))
        if hit:
            return hit
    return host or None


def _prefix_outlet(key: str, t: OutletTable) -> tuple[str | None, bool]:
    """The outlet a credit with trailing residue starts with ("Wind消息面上" → Wind): (canonical, found).

    A known outlet followed by a desk ending (央视 + 财经, 中国网 + 地产) is a desk of its own, not residue.
    """
    for cut in range(len(key) - 1, 1, -1):
        head, tail = key[:cut], key[cut:]
        known = head in t.by_key or head in t.not_outlets
        if not known:
            continue
        if any(tail.endswith(e) for e in t.desk_endings) and len(tail) <= 6:
            return None, False
        return t.by_key.get(head), True
    return None, False


@lru_cache(maxsize=8192)
def canonical_outlet(raw: str | None) -> str | None:
    """The outlet name to store for ``raw``: its canonical spelling, or None when it names no outlet.

    Steps, in order: clean and unwrap (``【TechWeb】``, ``来源：X``); a web host maps through the table's
    hosts; a known spelling maps to its canonical name; glued residue is cut (``…流程``, a dateline
    ``嘉兴日报7月31日下午``, text after a known outlet); picture agencies and platforms are no outlet; what is
    left must pass :func:`implausible_reason`, else None. An unknown but plausible name is kept as given.
    """
    if raw is None:
        return None
    t = outlet_table()
    name = _LABEL.sub("", _WRAPPERS.sub("", clean_line(raw)))
    name = _WRAPPERS.sub("", name)
    if not name:
        return None
    if _HOST.match(name):
        return _host_outlet(name, t)
    for _ in range(3):  # each pass may uncover another layer of residue
        key = fold_outlet(name)
        if key in t.not_outlets:
            return None
        if key in t.by_key:
            return t.by_key[key]
        trimmed = _trim(name, t)
        if trimmed == name:
            break
        name = trimmed
    key = fold_outlet(name)
    canonical, found = _prefix_outlet(key, t)
    if found:
        return canonical
    if implausible_reason(name, t) is not None:
        return None
    return name


def _trim(name: str, t: OutletTable) -> str:
    """``name`` without one layer of glued residue: a junk suffix or a trailing date."""
    for suffix in t.strip_suffixes:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    m = _DATE_TAIL.search(name)
    if m and m.start() >= 2 and _CJK_OR_LATIN.search(name[: m.start()]):
        return name[: m.start()]
    return name


def filter_keys(value: str) -> list[str]:
    """Folded names a source filter value stands for: as typed, and its canonical outlet when the table
    knows the spelling (``上证报`` also means 上海证券报). Callers match stored names by prefix."""
    keys = [fold_outlet(value)]
    key = keys[0]
    canonical = outlet_table().by_key.get(key)
    if canonical is None and _HOST.match(value.strip()):
        canonical = _host_outlet(value.strip(), outlet_table())
    if canonical is not None and fold_outlet(canonical) not in keys:
        keys.append(fold_outlet(canonical))
    return [k for k in keys if k]
