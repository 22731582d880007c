"""Word lists the fact extractor and the grouper share: who can be an entity, what a metric is called.

Why hand-written tables rather than a model: the figures an analyst tracks come from a few hundred
companies, indices, institutions and fund flows, and the stock rjieba tagger mislabels many of them
(``微软`` as an adjective, ``英伟达`` split in two). A short list we can read and extend is more precise
than any tagger we could ship without a model, and the extractor's precision target (≥ 0.9) depends on it.
We never add these words to rjieba's dictionary: segmentation is shared with the search index, whose
analyzer version would change under it.
"""

from __future__ import annotations

import re

# -- entities ---------------------------------------------------------------------------------------
# canonical name → aliases (the canonical name is itself an alias). Grouping compares canonical names, so
# 英伟达 in one outlet and NVIDIA in another are the same entity.
ENTITY_ALIASES: dict[str, tuple[str, ...]] = {
    "OpenAI": ("OpenAI",),
    "Anthropic": ("Anthropic",),
    "英伟达": ("英伟达", "NVIDIA", "Nvidia", "辉达"),
    "微软": ("微软", "Microsoft"),
    "谷歌": ("谷歌", "Google", "Alphabet"),
    "亚马逊": ("亚马逊", "Amazon"),
    "甲骨文": ("甲骨文", "Oracle"),
    "Meta": ("Meta", "脸书"),
    "苹果": ("苹果公司", "苹果", "Apple"),
    "特斯拉": ("特斯拉", "Tesla"),
    "博通": ("博通", "Broadcom"),
    "台积电": ("台积电", "TSMC"),
    "三星电子": ("三星电子", "三星", "Samsung"),
    "SK海力士": ("SK海力士", "海力士", "SK Hynix"),
    "美光": ("美光科技", "美光", "Micron"),
    "AMD": ("超威半导体", "AMD"),
    "英特尔": ("英特尔", "Intel"),
    "阿里巴巴": ("阿里巴巴", "阿里云", "阿里"),
    "腾讯": ("腾讯控股", "腾讯"),
    "字节跳动": ("字节跳动", "字节", "火山引擎"),
    "百度": ("百度",),
    "京东": ("京东",),
    "美团": ("美团",),
    "拼多多": ("拼多多",),
    "小米": ("小米集团", "小米"),
    "华为": ("华为",),
    "中芯国际": ("中芯国际",),
    "华虹半导体": ("华虹半导体", "华虹公司", "华虹"),
    "地平线": ("地平线机器人", "地平线"),
    "寒武纪": ("寒武纪",),
    "xAI": ("xAI",),
    "SpaceX": ("SpaceX",),
    "CoreWeave": ("CoreWeave",),
    "巴克莱": ("巴克莱银行", "巴克莱", "Barclays"),
    "高盛": ("高盛", "Goldman Sachs"),
    "摩根士丹利": ("摩根士丹利", "大摩"),
    "摩根大通": ("摩根大通", "小摩"),
    "花旗": ("花旗",),
    "瑞银": ("瑞银",),
    "伯克希尔": ("伯克希尔",),
    "贝莱德": ("贝莱德",),
    "中金公司": ("中金公司", "中金"),
    "美联储": ("美联储", "联储", "Fed", "FOMC"),
    "欧洲央行": ("欧洲央行",),
    "日本央行": ("日本央行",),
    "英国央行": ("英国央行",),
    "中国人民银行": ("中国人民银行", "人民银行"),
    "央行": ("央行",),
    "财政部": ("财政部",),
    "国家统计局": ("国家统计局",),
    "劳工统计局": ("劳工统计局",),
    "海关总署": ("海关总署",),
    "证监会": ("证监会",),
    "南下资金": ("南下资金", "港股通资金"),
    "北向资金": ("北向资金", "北上资金"),
    "恒生指数": ("恒生指数", "恒指"),
    "恒生科技指数": ("恒生科技指数", "恒生科技", "恒科指"),
    "纳斯达克指数": ("纳斯达克指数", "纳斯达克综合指数", "纳指"),
    "标普500指数": ("标普500指数", "标普500", "标普"),
    "纳斯达克100指数": ("纳斯达克100指数", "纳斯达克100", "纳指100"),
    "道琼斯指数": ("道琼斯工业平均指数", "道琼斯指数", "道指"),
    "费城半导体指数": ("费城半导体指数", "费城半导体"),
    "上证指数": ("上证指数", "上证综指", "沪指"),
    "深证成指": ("深证成指", "深成指"),
    "创业板指": ("创业板指",),
    "科创50": ("科创50指数", "科创50"),
    "A股": ("A股", "沪深两市", "两市"),
    "港股": ("港股",),
    "美股": ("美股",),
    "黄金": ("现货黄金", "黄金", "金价"),
    "白银": ("现货白银", "白银"),
    "原油": ("布伦特原油", "WTI原油", "原油", "油价"),
    "比特币": ("比特币",),
    # companies whose name opens with a country: without them 中国海油 reads as the scope 中国 + 海油
    **{
        name: (name,)
        for name in """中国石油 中国石化 中国平安 中国人寿 中国太保 中国人保 中国财险 中国移动
    中国电信 中国联通 中国中免 中国神华 中国建筑 中国银行 中国铝业 中国船舶 中国宏桥 中国中车 中国核电
    中国广核 中国稀土 中国黄金 中国建材 中国国航 中国东航 中国重汽 中国中铁 中国铁建 中国交建 中国电建
    中国能建 中国巨石 中国软件 中国长城 中国卫星 中国卫通 中国动力 中国重工 中国西电 中国汽研 中国生物制药
    中国海外发展 中国海外宏洋 中国旺旺 中国飞鹤 中国有色矿业 中国中药 美国银行 美国钢铁 美国航空
    美国运通""".split()
    },
    "中国海油": ("中国海油", "中海油"),
    "美国": ("美国",),
    "中国": ("中国", "我国"),
    "全球": ("全球",),
}

ALIAS_TO_ENTITY: dict[str, str] = {a: canon for canon, aliases in ENTITY_ALIASES.items() for a in aliases}

ENTITY_RE = re.compile(
    "|".join(
        re.escape(a) + (r"(?![A-Za-z])" if a[-1].isascii() else "")
        for a in sorted(ALIAS_TO_ENTITY, key=len, reverse=True)
    )
)
"""Known entities, longest alias first (``恒生科技指数`` before ``恒生``)."""

INDEX_RE = re.compile(
    r"(?:恒生|纳斯达克|纳斯达克100|标普|道琼斯|日经|东证|富时|中证|上证|深证|国证|北证|科创|创业板|沪深|MSCI|"
    r"费城|罗素|韩国|首尔|台湾|德国|法国|英国|欧洲|斯托克|万得|彭博|美元)"
    r"[\u4e00-\u9fffA-Za-z0-9]{0,10}?(?:指数|综指|成指)(?:[(（][\u4e00-\u9fff]{1,4}[)）])?"
)
"""Index names by family (``恒生生物科技指数``, ``纳斯达克中国金龙指数``, ``日经225指数``, ``集运指数(欧线)``
is not one): the whole name is the entity, never the segmenter's pieces (生物科技, 金龙)."""

SOURCES = frozenset(
    """Polymarket Kalshi PredictIt FactSet LSEG Refinitiv Wind Bloomberg Reuters Dealogic EPFR CME FedWatch
    Trendforce TrendForce 集邦咨询 彭博 路透 万得 同花顺 东方财富 芝商所 FedWatch工具 预测市场 IBES
    伦敦证券交易所集团""".split()
)
"""Prediction markets and data vendors: they report or price a figure, they never own it."""

SPEAKER_ROLES = re.compile(
    r"(?:分析师|策略师|经济学家|首席[\u4e00-\u9fff]{0,6}官|首席执行官|CEO|总裁|董事长|主席|行长|部长|发言人|"
    r"研究员|基金经理|组合经理|创始人|负责人|主管|合伙人|投资人|交易员|官员|总干事|主任)\s?$"
)
"""Role words right before a name: that name is a speaker or forecaster, not the owner of the figure."""

SAYS_AFTER = re.compile(
    r"\s*(?:还|则|也|亦|更|曾|同时|此前|随后|进一步)?\s*(?:[：:]|称|表示|认为|预计|预测|警告|指出|写道|分析称|强调|透露|提醒|估计|测算|统计)"
)
"""A verb of saying or forecasting right after a name."""

COMMODITIES = frozenset({"黄金", "白银", "原油"})
"""Entities that are also words inside company names (紫金黄金国际, 中国白银集团): matched only when not
glued to other Chinese characters on the left."""

WEAK_ENTITIES = frozenset({"A股", "港股", "美股", "美国", "中国", "全球"})
"""Scopes rather than actors: used only when no company or institution is nearer to the figure."""

ACRONYM_STOPLIST = frozenset(
    """AI AGI API ARR ASIC CEO CFO COO CTO CPU GPU TPU NPU HBM DRAM NAND ETF ETFs IPO GDP CPI PPI PCE PMI
    EPS PE PB ROE ROI YoY QoQ MoM Q1 Q2 Q3 Q4 H1 H2 FY GW MW TW GWh MWh USD HKD RMB CNY EUR JPY TB PB
    LLM OK APP App PC IT IDC AIDC DC B2B B2C SaaS PaaS IaaS Token Tokens ADR ADRs LPR MLF OMO RRR VC PE
    LP GP BD CRO CDMO EV SUV MPV OTA KOL TV UP MAU DAU WAU DeepSeek ChatGPT GPT Sora Gemini Claude Grok
    Llama Copilot Blackwell Rubin Hopper NVL CUDA AWS GCP OCI Azure iPhone iPad Mac Vision Pro Max Plus
    Ultra Mini Pro SZ SH Group Inc Corp Ltd LLC HK US Exp Beta Alpha Delta Labs News Energy The A An GAAP Non
    EBITDA EBIT GBV GMV ARPU ROAS ROIC FCF CAGR NIM INE GFEX SHFE DCE CZCE IFRS""".split()
)
"""Capitalized tokens that are not organizations (products, units, finance jargon). Products are not
entities: ``Azure 2500亿美元`` is a contract *with* Microsoft."""

PRODUCT_TAILS = frozenset({"OCI", "Azure", "AWS", "GCP", "Cloud"})
"""Cloud products written right after their company (甲骨文OCI): one mention of the company."""

APPROXIMATIONS = frozenset(
    "约 约合 大约 约为 超过 超出 超 逾 将近 接近 近 不到 不足 不超过 不超 不低于 不少于 至少 最多 最高 最低 "
    "突破 多达 多 余 左右 以上 以下 以内 上下".split()
)
"""Qualifiers that make a figure approximate or a bound (kept on the fact and used to widen the
tolerance); verbs the parser also reports (增至, 达到, 预计) are not qualifiers of the value."""

ENTITY_STOPLIST = frozenset(
    "高达 华尔街 华尔街见闻 媒体 知情人士 消息人士 市场 投资者 分析师 机构 外资 内资 券商 报道 彭博 路透 路透社 "
    "金融时报 华尔街日报 纽约时报 新华社 财联社 记者 归母 公司股份 毛利润 满负荷 安抚 远高于 远低于 高于 低于 "
    "略高于 略低于 明显高于 明显低于 人工智能 芯片智能 高开高 低开低 季增 年增 月增 周增 环增 小幅 大幅 微幅".split()
)
"""Words rjieba tags as names that are never the subject of a figure (高达 is 'as much as', 远高于 'far
above'; outlets report figures, they do not own them)."""

STATISTICS_SOURCES = re.compile(
    r"[)）]?\s*[\d月日年周一二三四五六七]{0,8}(?:(?:发布|公布)的?(?:最新)?|的?最新)(?:数据|统计|报告)"
    r"|[)）]?\s*[\d月日年]{0,8}(?:数据|统计)(?:显示|表明)"
)
"""``海关总署6月9日发布数据显示``, ``根据CFTC的最新数据``: an agency publishing data reports the figure of
whatever the data is about (我国外贸, 投机性头寸), it is not its subject. A name before 数据中心 or 报告期
is not publishing anything, so the pattern needs 发布/公布/最新 before the data word or 显示/表明 after it."""

METRIC_VERBS = frozenset(
    "营收 收入 买入 卖出 净买入 净卖出 流入 流出 投入 投资 追加 套现 融资 募资 支出 开支 出资 亏损 盈利 回购 减持 增持 "
    "持股 出售 收购 增发 发行 成交 采购 订购 拨款 补贴 罚款 罚没 担保 借款 贷款 募集 筹集 签约 营业 盈余 消耗 承诺".split()
)
"""Verbs that name what is measured (营收900亿, 净买入1.2万亿): kept at the end of a metric."""

ORG_SUFFIXES = (
    "有限公司",
    "公司",
    "银行",
    "集团",
    "证券",
    "基金",
    "资本",
    "控股",
    "资管",
    "保险",
    "研究院",
    "交易所",
    "科技",
    "智能",
    "汽车",
    "股份",
)
"""A CJK token ending in one of these (and tagged a noun) names an organization."""

# -- metrics ----------------------------------------------------------------------------------------
METRIC_SYNONYMS: tuple[tuple[str, str], ...] = (
    # (surface, canonical): applied longest first, inside a metric phrase
    ("compute spending", "计算支出"),
    ("compute spend", "计算支出"),
    ("capital expenditure", "资本开支"),
    ("capex", "资本开支"),
    ("revenue", "营收"),
    ("net income", "净利润"),
    ("market cap", "市值"),
    ("valuation", "估值"),
    ("计算运营支出", "计算支出"),
    ("算力支出", "计算支出"),
    ("算力开支", "计算支出"),
    ("算力投入", "计算支出"),
    ("资本支出", "资本开支"),
    ("资本性支出", "资本开支"),
    ("营业收入", "营收"),
    ("营业总收入", "营收"),
    ("总营收", "营收"),
    ("收入", "营收"),
    ("归母净利润", "净利润"),
    ("净利", "净利润"),
    ("募资", "融资"),
    ("募集资金", "融资"),
    ("总市值", "市值"),
    ("成交额", "成交额"),
    ("成交金额", "成交额"),
    ("净买入额", "净买入"),
    ("净买入金额", "净买入"),
    ("联邦基金利率目标区间", "联邦基金利率"),
    ("利率目标区间", "联邦基金利率"),
)

NON_MEASURES = frozenset(
    "大关 关口 心理关口 整数关口 数据 数字 公司 团队 投资者 原本 落地 调整 异议 关联 布局 消息 报道 报告 研报 "
    "文件 论文 学术论文 分析 人士 媒体 平台 模型 机器人 聊天机器人 有所 大概率".split()
)
"""Nouns that name a landmark, a document, a speaker or an anaphor, never what a figure measures
(``突破4000美元大关`` is a price; ``这一数字预计降至56美分`` points back to a metric named earlier)."""

MOVE_MEASURES = tuple(
    "股价 价格 金价 油价 币价 市值 指数 收益率 利率 汇率 单日 盘中 日内 开盘 收盘 盘初 早盘 午后 尾盘 累计 "
    "环比 同比 年内 全天 全周 全月 动量 流动性 期货 净值".split()
)
"""What a price move (涨/跌/暴涨…) is a move of: ``股价单日暴涨`` is a metric, ``零跑汽车涨`` is a company
the lexicon does not know."""

GENERIC_ATTRIBUTES = frozenset("价值 总价值 金额 总金额 规模 总规模 总额 目标 价格".split())
"""Attributes that need the noun they belong to: ``价值最高270亿美元的算力供应协议`` → 算力供应协议价值."""

CLAUSE_VERBS = frozenset("预计 预期将 表示 显示 认为 指出 称 存在 导致 推动 引发".split())
"""Verbs that end a clause, not a metric phrase (``数字预计``)."""

METRIC_FILLERS = ("预算总额", "总额", "总计", "合计", "规模", "金额", "总量", "水平", "峰值")
"""Words that do not change what is measured (计算运营支出预算总额 ~ 计算支出); dropped from the
comparison key only, never from the metric shown."""

CHANGE_WORDS = (
    "同比",
    "环比",
    "增长",
    "增速",
    "增幅",
    "增加",
    "减少",
    "下降",
    "下滑",
    "上升",
    "上涨",
    "下跌",
    "涨幅",
    "跌幅",
    "蒸发",
    "缩水",
    "回落",
    "上调",
    "下调",
    "提升",
    "降息",
    "加息",
    "放量",
    "缩量",
    "涨",
    "跌",
)
"""A metric with one of these measures a change, never a level: 市值蒸发 must not be compared with 市值."""

COPULAS = (
    "上调至",
    "下调至",
    "提升至",
    "提高至",
    "增长至",
    "增加至",
    "下降至",
    "降低至",
    "扩大至",
    "缩小至",
    "攀升至",
    "回落至",
    "增至",
    "升至",
    "降至",
    "跌至",
    "涨至",
    "达到",
    "高达",
    "多达",
    "录得",
    "实现",
    "共计",
    "合计",
    "总计",
    "累计",
    "约为",
    "分别为",
    "分别",
    "报收",
    "收于",
    "报",
    "达",
    "为",
    "是",
    "至",
    "到",
)
"""Verbs that link a metric to its value and say nothing about it (营收达到900亿 = 营收 900亿)."""

LEAD_FILLERS = (
    "预计将",
    "预计",
    "预期将",
    "有望",
    "将会",
    "已经",
    "已",
    "将",
    "也",
    "还",
    "则",
    "并",
    "又",
    "再",
    "共",
    "仅",
    "其中",
    "此外",
    "同时",
    "以及",
    "而",
    "在",
    "的",
    "和",
    "与",
    "及",
    "从",
    "由",
    "对",
    "向",
    "给",
    "把",
    "被",
    "其",
    "该",
    "此",
    "这",
    "了",
    "后",
    "前",
    "中",
    "间",
)
"""Function words trimmed from either end of a metric phrase."""

# -- confidence features ----------------------------------------------------------------------------
FORECASTERS = re.compile(
    r"^(?:高盛|摩根士丹利|摩根大通|花旗|瑞银|巴克莱|中金公司|贝莱德|美国银行|美银|野村|德意志银行|德银|汇丰|"
    r"富国银行|杰富瑞|伯恩斯坦|麦格理|瑞穗|法巴|法国巴黎银行|桥水|先锋领航|惠誉|穆迪|标普全球|晨星|"
    r"Jefferies|Bernstein|Goldman Sachs|Morgan Stanley|Citi|UBS|Nomura|HSBC|Macquarie|Moody's|Fitch)"
    r"|(?:证券|研究院|研究所|研究中心|咨询|资管|资产管理|投行|评级|Research|Securities|Capital)$"
)
"""Banks, brokers, rating agencies and research houses: they publish forecasts and target prices about
other companies far more often than figures of their own (``花旗…三星电子目标价``)."""

INSTITUTIONS = re.compile(
    r"联储|央行|中央银行|货币基金组织|IMF|世界银行|统计局|财政部|政府|交易所|委员会|总署"
)
"""Central banks, agencies and governments: the subject of a paragraph about the markets they move
(美联储…美元指数上涨1%), rarely the owner of the market's figures."""

MEASURE_WORDS = re.compile(
    r"涨|跌|营收|收入|利润|净利|市值|价|收益率|利率|规模|估值|开支|支出|成交|买入|卖出|融资|募资|出货|销量|销售|"
    r"份额|占比|比例|增速|增长|同比|环比|毛利|回报|订单|产能|装机|需求|投资|股息|分红|派息|目标|指数|概率|通胀|"
    r"失业|GDP|就业|储备|持仓|余额|流入|流出|发行|配售|认购|金额|成本|费用|亏损|现金|资产|负债|EPS|市盈率|"
    r"算力|容量|产量|出口|进口|用电|功率|储量|人数|用户|员工|裁员|贷款|存款|贸易|赤字|盈余|"
    r"率|额|量|值|数|税|息|薪|租金|运价|报价|售价|票价|评级|仓位|敞口|头寸"
)
"""Words that name a measure: a metric holding one is a measure, not a stray noun phrase."""

EXPECTATION_WORDS = re.compile(r"预期|预估|共识|预测")
"""``远超市场预期的19.9亿美元``: the figure is the consensus, a metric of its own kind."""
