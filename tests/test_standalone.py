"""A bullet must say the whole of what it takes from its sentence and stand on its own: each case is a
bullet readers judged unfaithful on the shared corpus (``tests/data/faithfulness``), with its paragraph."""

from __future__ import annotations

import pytest

from themeflow.summarize.alignment import align
from themeflow.summarize.meaning import meaning_reason, title_reason
from themeflow.summarize.standalone import context_reason, omission_reason
from themeflow.summarize.verify import reason_code

CUT = {
    "the action cut after its time": (
        "宏和科技：控股股东/实控人的一致行动人SHARPTONE及UNICORN ACE于2026年7月2日至7月3日期间，"
        "通过集中竞价和大宗交易合计减持公司股份875.03万股，占公司总股本0.9673%。",
        "宏和科技：控股股东/实控人的一致行动人SHARPTONE及UNICORN ACE于2026年7月2日至7月3日期间",
    ),
    "what the order requires, cut": (
        "与此同时，特朗普本周二签署行政令，要求主要AI开发商在向公众发布最强大模型之前，自愿提交政府网络安全测试。",
        "特朗普本周二签署行政令，要求主要AI开发商在向公众发布最强大模型之前",
    ),
    "the consequence cut off its condition": (
        "而用于无人零售等场景的人形机器人，要真正将人从凌晨值守便利店、药店的劳苦工作中彻底解放，"
        "就必须具备持续稳定的连续作业能力，这对核心零部件的可靠性就有更高要求。",
        "就必须具备持续稳定的连续作业能力，这对核心零部件的可靠性就有更高要求",
    ),
    "an announcement without what was announced": (
        "星河动力今日宣布，公司自主研制的苍穹-50可重复使用液氧/煤油发动机于7月1日完成第163次常态化热试车。",
        "星河动力今日宣布",
    ),
}


@pytest.mark.parametrize("case", sorted(CUT))
def test_a_cut_the_rest_needs_is_rejected(case: str) -> None:
    source, bullet = CUT[case]
    assert meaning_reason(bullet, [source], year=2026) is not None


SAFE = {
    "dateline": ("财联社7月1日讯，英伟达股价涨3%。", "英伟达股价涨3%"),
    "filler and stock code": ("此外，泛亚微透(688386)公告拟收购天缘电工。", "泛亚微透公告拟收购天缘电工"),
    "a trailing clause with its own subject": (
        "英伟达第二财季营收达到467亿美元，同比增长56%，数据中心业务贡献了411亿美元。",
        "英伟达第二财季营收达到467亿美元，同比增长56%",
    ),
    "leading clauses before a named subject": (
        "此外，星河智能已与合作伙伴签订总额约7300亿美元的算力租赁合同，其中北辰云合同金额为3200亿美元。",
        "北辰云合同金额为3200亿美元",
    ),
}


@pytest.mark.parametrize("case", sorted(SAFE))
def test_what_may_go_goes(case: str) -> None:
    source, bullet = SAFE[case]
    al = align(bullet, [source])
    assert al is not None and omission_reason(al) is None


def test_every_summarizers_cut_is_held_to_the_same_rule() -> None:
    """An LLM's bullet is checked by the same verifier: a cut it cannot prove safe is rejected, the whole
    sentence passes."""
    source, bullet = CUT["what the order requires, cut"]
    assert reason_code(meaning_reason(bullet, [source], year=2026)) in {"cut", "dangling"}
    whole = "特朗普本周二签署行政令，要求主要AI开发商在向公众发布最强大模型之前，自愿提交政府网络安全测试"
    assert meaning_reason(whole, [source], year=2026) is None


CONTEXT = {
    "an interview answer without its speaker": (
        "罗飞：大家好，我是华科智能的罗飞。我所在的研究院主要是赋能传统行业的AI转型，做培训、咨询和陪跑。",
        "我所在的研究院主要是赋能传统行业的AI转型，做培训、咨询和陪跑",
        "speaker",
    ),
    "a quotation nobody in the bullet says": (
        "王小川在采访中表示：“AI并不能够替代你的员工。但如果说AI具有持续学习的能力，那就可以替代天下的人了。”",
        "“AI并不能够替代你的员工。但如果说AI具有持续学习的能力，那就可以替代天下的人了。”",
        "speaker",
    ),
    "该命令 before any name": (
        "美国总统拜登签署行政命令。消息人士称，该命令涉及的大多数投资都需要通知政府，某些交易将被禁止。",
        "消息人士称，该命令涉及的大多数投资都需要通知政府，某些交易将被禁止",
        "referent",
    ),
    "a numbered heading": ("三、涨跌家数", "三、涨跌家数", "boilerplate"),
    "starts by pointing back": (
        "分析师认为需求强劲。正因如此，为AI数据中心提供电力的需求正以前所未有的速度飙升。",
        "正因如此，为AI数据中心提供电力的需求正以前所未有的速度飙升",
        "referent",
    ),
    "an announced list with none of its items": (
        "雷军将这一产品的实现路径归结为三个要素的叠加。AI技术、智能生态、智能制造缺一不可。",
        "雷军将小米的实现路径归结为三个要素的叠加",
        "enumeration",
    ),
    "a lead-in to a list": (
        "微信内部曾在一场高管会议上总结了微信入局AI的几个趋势：一是入口，二是社交。",
        "微信内部曾在一场高管会议上总结了微信入局AI的几个趋势",
        "enumeration",
    ),
    "a counted list whose other items are in the next sentences": (
        "消息面上，主要有三大利好：首先，高层要求全链条推进关键核心技术攻关。其次，两部门发文支持算力建设。最后，多地出台补贴。",
        "消息面上，主要有三大利好：首先，高层要求全链条推进关键核心技术攻关",
        "enumeration",
    ),
    "several routes announced, one given": (
        "行业里有几条主流路线：超导可以复用半导体产业链，技术成熟度最高。离子阱的保真度更高。",
        "行业里有几条主流路线：超导可以复用半导体产业链，技术成熟度最高",
        "enumeration",
    ),
    "the second of two kinds, its list left out": (
        "龙虾服务分为两类。第一类是云端部署的托管服务。第二类，是腾讯自研的桌面智能体WorkBuddy。",
        "第二类，是腾讯自研的桌面智能体WorkBuddy",
        "referent",
    ),
    "an item of a list whose head is left out": (
        "吴清介绍了五项举措，包括：扩大第五套标准适用范围至人工智能领域。",
        "包括：扩大第五套标准适用范围至人工智能领域",
        "referent",
    ),
    "an unnamed 我们": (
        "中金公司发布研报。我们认为，精益化分工的AI硬件基础设施有望进一步提高大模型训练效率。",
        "我们认为，精益化分工的AI硬件基础设施有望进一步提高大模型训练效率",
        "speaker",
    ),
}


@pytest.mark.parametrize("case", sorted(CONTEXT))
def test_a_sentence_that_leans_on_what_came_before_is_not_shown_alone(case: str) -> None:
    source, bullet, code = CONTEXT[case]
    why = context_reason(bullet, align(bullet, [source]), [source])
    assert reason_code(why) == code, why
    assert reason_code(meaning_reason(bullet, [source], year=2026)) is not None


def test_a_list_given_whole_passes() -> None:
    for source in (
        "黄金目前被夹在两条关键趋势线之间：一条是长期上升支撑线，另一条是持续压制价格的下降阻力线。",
        "公司有两大优势：一是成本低，二是技术强。",
        "雷军将其归结为三个要素：AI技术、智能生态与智能制造能力。",
    ):
        bullet = source.rstrip("。")
        assert context_reason(bullet, align(bullet, [source]), [source]) is None, source


def test_a_continued_excerpt_keeps_its_pronoun() -> None:
    source = "某银行宣布下调存款利率。该行表示，此次调整是根据市场利率变化作出的常规安排。"
    bullet = "该行表示，此次调整是根据市场利率变化作出的常规安排"
    assert context_reason(bullet, align(bullet, [source]), [source], continued=True) is None
    assert context_reason(bullet, align(bullet, [source]), [source]) is not None


def test_a_headline_title_heads_only_bullets_about_its_subject() -> None:
    other = ["长川科技预计上半年归母净利润9亿元至10亿元，同比增长110.76%至134.18%。"]
    assert reason_code(title_reason("赛伍技术", other)) == "title"
    assert reason_code(title_reason("国家发展改革委：一季度投资、消费平稳", other)) == "title"
    assert title_reason("长川科技：上半年预增", other) is None
    assert title_reason("全球市场", other) is None  # a topic, not a subject


def test_a_stock_page_s_lines_without_the_stock_name_nobody() -> None:
    """A money-flow page's lines (大单净流入…, 占总成交额13%) say whose only in the page's title: with no title
    naming the stock they state figures of nobody."""
    source = "7月24日的资金流向数据方面，主力资金净流入1698.33万元，大单净流入1208.72万元，占总成交额13%。"
    for bullet in ("大单净流入1208.72万元", "资金流向数据：主力资金净流入1698.33万元", "占总成交额13%"):
        assert reason_code(meaning_reason(bullet, [source], year=2026, article_title="")) == "referent", (
            bullet
        )


def test_greetings_captions_and_disclaimers_are_never_bullets() -> None:
    from themeflow.summarize.fragments import is_boilerplate_sentence

    for line in (
        "崔健南：谢谢主持人，大家下午好，各位领导、嘉宾下午好，我是今天的分享嘉宾",
        "薛冰：谢谢崔总，圆桌就到这里",
        "国家发展改革委固定资产投资司司长罗国三",
        "风险提示：以上内容仅作为作者或者嘉宾的观点，不代表和讯的任何立场，不构成与和讯相关的任何投资建议",
    ):
        assert is_boilerplate_sentence(line), line
    for line in (
        "大家好才是真的好",
        "外交部发言人汪文斌表示，中方愿同各方加强合作",
        "公司董事长张三表示，今年营收增长20%",
    ):
        assert not is_boilerplate_sentence(line), line


CREDITS = {
    "a byline glued to the first sentence": (
        "每经记者：王帆 每经编辑：文多前四名地位稳固，但第五名悄然发生了变化。",
        "每经记者：王帆 每经编辑：文多前四名地位稳固，但第五名悄然发生了变化",
    ),
    "a source and author credit glued to the text": (
        "来源：巨灵财经，作者：巨灵团队基金经理是一只基金产品最核心的成员。",
        "来源：巨灵财经，作者：巨灵团队基金经理是一只基金产品最核心的成员",
    ),
    "a picture credit inside a sentence": (
        "7月22日北京鸡蛋平均批发价每斤超5元/图片来源：北京新发地批发市场不仅是北京，全国多地已出现鸡蛋价格上涨情况。",
        "7月22日北京鸡蛋平均批发价每斤超5元/图片来源：北京新发地批发市场不仅是北京，全国多地已出现鸡蛋价格上涨情况",
    ),
    "a compiled-from credit line": (
        "每日经济新闻综合第一财经、市场公开消息。",
        "每日经济新闻综合第一财经、市场公开消息",
    ),
    "a call to follow": (
        "如果您想看每日复盘、券商金股、一周策略、资金流向，请点下面的名片加关注点个“分享”。",
        "如果您想看每日复盘、券商金股、一周策略、资金流向，请点下面的名片加关注点个“分享”",
    ),
}


@pytest.mark.parametrize("case", sorted(CREDITS))
def test_a_credit_or_prompt_is_never_a_bullet(case: str) -> None:
    source, bullet = CREDITS[case]
    assert reason_code(meaning_reason(bullet, [source], year=2025)) == "boilerplate"


@pytest.mark.parametrize(
    "sentence",
    [
        "公司主要收入来源：广告和游戏，两项合计占比超过九成。",
        "记者了解到，该项目总投资约12亿元，预计明年投产。",
        "数据来源显示，今年上半年新能源汽车销量同比增长40%。",
    ],
)
def test_a_sentence_that_only_mentions_a_source_or_reporter_is_not_a_credit(sentence: str) -> None:
    bullet = sentence.rstrip("。")
    assert reason_code(meaning_reason(bullet, [sentence], year=2025)) != "boilerplate"


def test_a_dateline_with_spaced_digits_is_a_dateline() -> None:
    from themeflow.summarize.fragments import fragment_reason, strip_dateline

    text = "IT之家 7 月 28 日消息，据中国信通院官方公众号报道，开源供应链论坛日前在北京举办"
    assert strip_dateline(text) == "据中国信通院官方公众号报道，开源供应链论坛日前在北京举办"
    assert fragment_reason(text) is not None


MAIN_CLAUSE_CUT = {
    "a purpose clause without what was done for it": (
        "为进一步防范和打击非法跨境证券期货基金经营活动，维护金融市场秩序和投资者合法权益，"
        "近日，经国务院同意，中国证监会等部门联合开展专项整治行动。",
        "为进一步防范和打击非法跨境证券期货基金经营活动，维护金融市场秩序和投资者合法权益",
    ),
    "a condition without its consequence": (
        "如果在七年前，有人告诉一个投资人，量子计算公司会有订单，还能在纳斯达克上市，市值破150亿美元，"
        "对方大概率会把这人当个骗子。",
        "如果在七年前，有人告诉一个投资人，量子计算公司会有订单，还能在纳斯达克上市，市值破150亿美元",
    ),
    "a setting without what happened there": (
        "在苏州大学，记者走进江苏省新型光纤技术与通信网络工程研究中心，科研人员正在推进多个企业合作项目的开发测试。",
        "在苏州大学，记者走进江苏省新型光纤技术与通信网络工程研究中心",
    ),
    "an admission without what was admitted": (
        "摩根大通首席执行官Jamie Dimon公开承认，人工智能将在长期内压缩银行业就业规模。",
        "摩根大通首席执行官Jamie Dimon公开承认",
    ),
}


@pytest.mark.parametrize("case", sorted(MAIN_CLAUSE_CUT))
def test_a_bullet_cut_before_its_main_clause_is_dangling(case: str) -> None:
    source, bullet = MAIN_CLAUSE_CUT[case]
    assert reason_code(meaning_reason(bullet, [source], year=2025)) == "dangling"


def test_the_whole_sentence_keeps_its_main_clause() -> None:
    source, _ = MAIN_CLAUSE_CUT["a purpose clause without what was done for it"]
    assert reason_code(meaning_reason(source.rstrip("。"), [source], year=2025)) != "dangling"
    source, _ = MAIN_CLAUSE_CUT["a condition without its consequence"]
    assert reason_code(meaning_reason(source.rstrip("。"), [source], year=2025)) != "dangling"
