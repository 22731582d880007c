"""Synthetic articles written for these tests (no outlet's text): originals, doctored copies,
rewrites of the same event and templated reports that differ only in their numbers."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from opencc import OpenCC

from themeflow.model import Document

CST = timezone(timedelta(hours=8))

CHIP = (
    "星河半导体周二晚间发布公告称，公司拟在合肥投资一百二十亿元建设十二英寸晶圆厂，项目分两期实施，一期预计二零二七年投产。",
    "公告显示，新工厂主要生产车规级功率器件和模拟芯片，满产后月产能可达四万片，预计每年新增营业收入约八十五亿元。",
    "公司董事长在电话会议上表示，汽车电动化和数据中心电源需求的增长速度超出预期，现有产线的利用率已经连续三个季度维持在百分之九十五以上。",
    "资金方面，公司计划通过自有资金、银行贷款和定向增发三种方式筹集，其中定向增发规模不超过四十亿元，发行对象不超过三十五名。",
    "分析人士认为，在行业库存逐步消化的背景下，扩产节奏仍需关注下游订单的兑现情况，短期内折旧增加可能对毛利率形成一定压力。",
    "受消息影响，星河半导体周三早盘高开，盘中一度上涨百分之六点五，成交额较前一交易日明显放大。",
)

CHIP_REWRITE = (
    "合肥将迎来一座新的十二英寸晶圆厂。星河半导体在公告中披露，计划为此投入一百二十亿元，首期工程有望在二零二七年建成。",
    "据记者了解，这座工厂聚焦汽车和工业领域所需的功率与模拟器件，全部达产以后每月能够加工四万片晶圆，对应年收入大约八十五亿元。",
    "谈及扩产原因，星河半导体管理层对记者说，新能源汽车和服务器电源订单持续走强，工厂已接近满负荷运转。",
    "也有业内人士提醒，半导体周期尚未完全走出底部，新增产能集中释放后，企业盈利能力可能阶段性承压。",
)

BANK = (
    "中国人民银行周五公布的数据显示，七月末广义货币余额为二百九十二万亿元，同比增长百分之十点七，增速比上月末低零点六个百分点。",
    "当月人民币贷款增加三千四百五十九亿元，同比少增三千四百四十亿元，其中住户部门贷款减少两千零七亿元，企业部门贷款增加两千二百零五亿元。",
    "从结构看，居民中长期贷款连续两个月收缩，反映出房地产销售依旧偏弱，而企业中长期贷款保持正增长，制造业投资仍有韧性。",
    "多位经济学家预计，央行将在三季度继续通过降准和结构性工具稳定信贷投放，政策利率仍有下调空间。",
    "七月末社会融资规模存量为三百六十五万亿元，同比增长百分之八点九，政府债券融资对社融的支撑作用进一步显现。",
)

TEMPLATE = (
    "截至{d}日收盘，东岳环保报收于{p}元，{dir}{chg}%，换手率{t}%，成交量{v}万手，成交额{a}万元。",
    "{d}日的资金流向数据方面，主力资金净{flow}{m}万元，占总成交额{s}%，游资资金净流入{y}万元，散户资金净流出{z}万元。",
    "该股最近五个交易日的资金流向一览见下表，公司主营业务为固体废物处理与资源化利用，所属行业为环保工程及服务。",
    "以上内容由本站根据公开信息整理，由智能算法生成，不构成投资建议，请投资者注意风险。",
)


def template(day: int, seed: int) -> tuple[str, ...]:
    """A machine-written fund-flow report: the same words every day, different numbers."""
    vals = {
        "d": f"8月{day}",
        "p": f"{6 + seed * 0.37:.2f}",
        "dir": "上涨" if seed % 2 else "下跌",
        "chg": f"{0.5 + seed * 0.21:.2f}",
        "t": f"{1.1 + seed * 0.13:.2f}",
        "v": f"{2.3 + seed * 0.7:.2f}",
        "a": f"{1500 + seed * 97.3:.2f}",
        "flow": "流入" if seed % 3 else "流出",
        "m": f"{120 + seed * 33.1:.2f}",
        "s": f"{5 + seed * 1.7:.2f}",
        "y": f"{40 + seed * 11.9:.2f}",
        "z": f"{80 + seed * 21.4:.2f}",
    }
    return tuple(p.format(**vals) for p in TEMPLATE)


def doc(
    doc_id: str,
    paragraphs: tuple[str, ...] | list[str],
    *,
    title: str = "",
    source: str | None = None,
    hour: int | None = 9,
    day: int = 5,
) -> Document:
    published = None if hour is None else datetime(2025, 8, day, hour, 0, tzinfo=CST)
    return Document(
        id=doc_id, title=title, paragraphs=tuple(paragraphs), source=source, published_at=published
    )


def traditional(paragraphs: tuple[str, ...]) -> tuple[str, ...]:
    cc = OpenCC("s2t")
    return tuple(cc.convert(p) for p in paragraphs)


def strip_punct(paragraphs: tuple[str, ...]) -> tuple[str, ...]:
    table = str.maketrans("", "", "，。、；：“”（）%")
    return tuple(p.translate(table) for p in paragraphs)


def with_boilerplate(paragraphs: tuple[str, ...]) -> tuple[str, ...]:
    return (
        "原标题：星河半导体拟投建晶圆厂",
        *paragraphs,
        "责任编辑：王明　来源：某某财经网　返回首页查看更多",
    )


def drop_paragraph(paragraphs: tuple[str, ...], n: int) -> tuple[str, ...]:
    return paragraphs[:n] + paragraphs[n + 1 :]
