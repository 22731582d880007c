"""Digests of many items (早报, 8点钟新闻, 周末要闻): each item its own section under its own headline.

The articles here are written for these tests in the shape of the shared corpus's daily digests: a table
of contents, short item headlines, and item headlines of 35–60 characters that the sub-heading rule (up to
30) did not see, so their items were summarized under the headline of the item before them.
"""

from __future__ import annotations

from themeflow.model import Document
from themeflow.summarize import ExtractiveSummarizer
from themeflow.summarize.outline import headed_blocks, outline
from themeflow.summarize.verify import verify

CONTENTS = [
    "今日要闻导览",
    "某云平台回应自动上架用户照片",
    "星河动力发布新一代液体火箭",
    "海川银行下调存款利率",
]
ITEMS = [
    (
        "海川银行下调存款利率",
        "海川银行周一宣布下调人民币存款挂牌利率，三年期定期存款利率下调15个基点至1.6%，新利率自下周起执行。"
        "该行表示，此次调整是为了稳定净息差，活期存款利率保持不变。",
    ),
    (
        "某云平台回应自动上架用户照片",
        "有用户反映，自己上传到某云平台相册的一张古董照片被系统自动生成商品并标价3000元上架，本人毫不知情。"
        "平台客服称，自动上架功能默认开启，用户可在设置中关闭，平台已下架相关商品并启动排查。",
    ),
    (
        "超2万人抢购一款挂钩未上市火箭公司的代币，认购资金合计超过3亿美元",
        "一款宣称可分享某未上市火箭公司上市收益的代币在三天内吸引了超过2万名投资者，认购资金合计超过3亿美元。"
        "然而，代币持有人并不拥有该公司股权，也无权分红或投票，监管人士提醒投资者注意发行人风险。",
    ),
    (
        "星河动力发布新一代液体火箭",
        "星河动力周二发布新一代可复用液体火箭，近地轨道运载能力达到8吨，计划明年完成首飞。"
        "公司称，新火箭的单次发射成本有望比上一代降低40%，已获得多家卫星公司的意向订单。",
    ),
    (
        "机构：第一季度全球折叠屏手机出货量同比增长48%，前五品牌合计市占率达到九成",
        "市场研究机构的最新报告显示，第一季度全球折叠屏手机出货量同比增长48%，达到520万台。"
        "前五大品牌合计占据约九成份额，其中两家中国品牌的出货量增速均超过一倍。",
    ),
    (
        "多家出版商起诉某科技公司盗用版权作品训练模型",
        "多家出版商联合起诉某科技公司，指控其未经许可使用数十万本受版权保护的图书训练人工智能模型。"
        "原告要求法院判令被告停止侵权并赔偿损失，被告尚未回应。",
    ),
]


def roundup() -> Document:
    paragraphs = [*CONTENTS]
    for headline, body in ITEMS:
        paragraphs += [headline, body]
    paragraphs.append("本文来自某某财经，欢迎下载APP查看更多")
    return Document("roundup", "早间要闻：海川银行下调存款利率；星河动力发布新火箭", tuple(paragraphs))


def test_long_item_headlines_are_headings_and_the_contents_is_not_text() -> None:
    doc = roundup()
    roles = [p.role for p in outline(doc.paragraphs)]
    assert roles[: len(CONTENTS)] == ["body"] + ["contents"] * (len(CONTENTS) - 1)
    # every headline a heading, every item's text body; the last headline mentions 版权 and is news about
    # copyright, not a copyright notice
    assert roles[len(CONTENTS) : -1] == ["heading", "body"] * len(ITEMS)
    assert roles[-1] == "boilerplate"
    lead, blocks = headed_blocks(outline(doc.paragraphs))
    assert all(len(b.paras) == 1 for b in blocks)  # each item's own text, never the next item's


def test_each_section_holds_only_its_own_items_text() -> None:
    doc = roundup()
    summary = verify(ExtractiveSummarizer().summarize(doc), doc)
    numbers = {text: n for n, text in enumerate(doc.paragraphs, start=1)}
    assert summary.sections
    for section in summary.sections:
        headline = next(h for h, _ in ITEMS if h.startswith(section.title))
        own = numbers[headline] + 1
        for bullet in section.bullets:
            assert set(bullet.citations) == {own}, (section.title, bullet)
    shown = [b.text for b in summary.core_views] + [b.text for s in summary.sections for b in s.bullets]
    for line in CONTENTS + [h for h, _ in ITEMS]:
        assert line not in shown  # neither a contents line nor a headline becomes a bullet


def test_headline_shapes_that_are_not_headings() -> None:
    """A formula, and a headline-shaped line in an article without sub-headings, stay text."""
    paras = outline(
        [
            "第一部分说明",
            "适用于存续不满一年企业的计算方法如下，请对照填写申报表的对应栏目。",
            "营业收入=企业实际存续期间营业收入/企业实际存续月数×12",
            "该公式只适用于存续不满12个自然月的企业，其他企业按上一年度的营业收入计算。",
            "第二部分说明",
            "申报期内企业应当如实填写，发现错误的应当在截止日前更正。",
        ]
    )
    roles = [p.role for p in paras]
    assert roles == ["heading", "body", "body", "body", "heading", "body"]
    plain = outline(
        [
            "某公司第一季度营收增长，净利润同比增长两成，超出市场预期",
            "公司第一季度实现营业收入120亿元，同比增长18%，净利润15亿元，同比增长21%，均创同期新高。",
        ]
    )
    assert [p.role for p in plain] == ["body", "body"]  # one headline-shaped line is no structure


def test_photo_captions_are_neither_headings_nor_bullets() -> None:
    """A caption under its paragraph (a speaker's name and title, a game's name, ``…截图``) titled a section
    of other people's words when read as a heading."""
    paragraphs = [
        "行业大会在上海举行，来自产业和资本的两百余位嘉宾参会，围绕人工智能与制造业的结合展开讨论。",
        "主题分享：资本如何助力新质生产力",
        "某研究院院长张三发表了题为《资本助力新质生产力》的主题分享，她指出今年一季度硬科技投资同比回升。",
        "某研究院院长张三",
        "圆桌对话：五家企业谈落地",
        "五家企业的负责人依次登台，分享了各自的发展成就和在本地落地的具体诉求，并与投资机构现场交流。",
        "《星海之旅》游戏截图",
        "投资机构表示将重点关注智能网联汽车、人工智能和低空经济等赛道，为本地企业提供融资和市场对接支持。",
        "资金面：股票型ETF净流入超550亿元",
        "本周股票型ETF净流入超550亿元，宽基ETF是吸金主力，半导体主题ETF则由单边净流入转为大进大出。",
        "股票型ETF净流入超550亿元",
        "据统计，周四股票型ETF净流入135亿元，其中沪深300相关产品合计净流入超过40亿元，居各类产品之首。",
    ]
    roles = [p.role for p in outline(paragraphs)]
    assert roles[3] == "caption" and roles[6] == "caption"
    assert roles[1] == roles[4] == "heading"
    assert roles[10] == "heading"  # a line with a figure repeating the lede heads the detail below it
    doc = Document("captions", "行业大会：资本与产业对接", tuple(paragraphs))
    summary = verify(ExtractiveSummarizer().summarize(doc), doc)
    titles = [s.title for s in summary.sections]
    shown = [b.text for b in summary.core_views] + [b.text for s in summary.sections for b in s.bullets]
    assert "某研究院院长张三" not in titles and "《星海之旅》游戏截图" not in titles
    assert not any(t in ("某研究院院长张三", "《星海之旅》游戏截图") for t in shown)
