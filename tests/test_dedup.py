"""Pure dedup logic on synthetic text: normalization, fingerprints, the copy decision, same-event."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta

import numpy as np
import pytest

from tests.test_dedup_synthetic import (
    BANK,
    CHIP,
    CHIP_REWRITE,
    CST,
    drop_paragraph,
    strip_punct,
    template,
    traditional,
    with_boilerplate,
)
from themeflow import dedup


def fp(paragraphs: tuple[str, ...], title: str = "") -> dedup.Fingerprint:
    return dedup.fingerprint(paragraphs, title)


def test_normalize_folds_width_script_case_and_punctuation() -> None:
    assert dedup.normalize("ＡＢＣ，１２３。") == "abc123"
    assert dedup.normalize("臺灣銀行 發佈 報告！") == dedup.normalize("台湾银行发布报告")
    assert dedup.normalize("  \n\t ") == ""


def test_shingles_are_deterministic_and_distinct() -> None:
    h = dedup.shingle_hashes("星河半导体星河半导体", 5)
    assert h.dtype == np.uint32
    assert len(h) == len(set(h.tolist())) == 5  # 6 windows, one repeated
    assert np.array_equal(h, dedup.shingle_hashes("星河半导体星河半导体", 5))
    assert len(dedup.shingle_hashes("短", 5)) == 0


@pytest.mark.parametrize(
    "variant",
    [traditional, strip_punct, with_boilerplate, lambda p: drop_paragraph(p, 3), lambda p: p[:-1]],
    ids=["traditional", "no-punctuation", "boilerplate", "paragraph-dropped", "end-trimmed"],
)
def test_doctored_copies_are_copies(variant) -> None:  # type: ignore[no-untyped-def]
    assert dedup.is_copy(fp(CHIP), fp(variant(CHIP)))
    assert dedup.linked(fp(CHIP), fp(variant(CHIP)))


def test_traditional_and_stripped_copy_is_an_exact_match() -> None:
    assert fp(CHIP).content_hash == fp(strip_punct(traditional(CHIP))).content_hash


def test_rewrite_of_the_same_event_is_not_a_copy() -> None:
    assert dedup.similarity(fp(CHIP), fp(CHIP_REWRITE)) < 0.3
    assert not dedup.is_copy(fp(CHIP), fp(CHIP_REWRITE))


def test_different_articles_are_not_copies() -> None:
    assert dedup.similarity(fp(CHIP), fp(BANK)) < 0.05
    assert not dedup.is_copy(fp(CHIP), fp(BANK))


def test_templated_reports_with_different_numbers_are_not_copies() -> None:
    a, b = fp(template(7, 1)), fp(template(8, 5))
    assert not dedup.is_copy(a, b)
    assert dedup.is_copy(a, fp(template(7, 1)))


def test_title_only_never_suffices() -> None:
    title = "星河半导体拟投资120亿元建设晶圆厂"
    assert not dedup.is_copy(fp(CHIP, title), fp(BANK, title))


def test_unrelated_titles_veto_a_similar_body_but_not_an_identical_one() -> None:
    body = CHIP + ("站点导航：首页 快讯 行情 数据 研报 专栏 视频 直播 关于我们 联系我们 " * 6,)
    a = fp((*body, "甲文章独有的一句话，讲的是另一件事。"), "央行公布七月金融数据")
    b = fp((*body, "乙文章独有的一句话，说的又是别的。"), "新能源车企八月交付创新高")
    assert dedup.similarity(a, b) < dedup.DEFAULT_CONFIG.no_veto
    assert not dedup.is_copy(a, b)
    assert dedup.is_copy(fp(CHIP, "央行公布七月金融数据"), fp(CHIP, "新能源车企八月交付创新高"))


def test_conflicting_title_figures_veto_daily_editions() -> None:
    a = fp(CHIP, "早餐FM | 2026年5月9日")
    b = fp(drop_paragraph(CHIP, 5), "早餐FM | 2026年5月11日")
    assert not dedup.is_copy(a, b)
    assert dedup.is_copy(a, fp(drop_paragraph(CHIP, 5), "早餐FM | 2026年5月9日"))


def test_short_bodies_match_only_exactly() -> None:
    a = fp(("沪指收涨百分之零点五。",))
    assert a.signature is None
    assert dedup.is_copy(a, fp(("沪指收涨，百分之零点五",)))
    assert not dedup.is_copy(a, fp(("沪指收涨百分之零点六。",)))
    assert not dedup.is_copy(fp(("",)), fp(("",)))


def test_signature_roundtrips_through_bytes() -> None:
    f = fp(CHIP)
    assert f.signature is not None
    back = dedup.Fingerprint.array_from_bytes(f.signature_bytes())
    assert back is not None and np.array_equal(back, f.signature)
    assert len(dedup.band_keys(f.signature)) == dedup.DEFAULT_CONFIG.bands


def test_config_rejects_impossible_bands() -> None:
    with pytest.raises(ValueError):
        dedup.DedupConfig(num_perm=64, bands=20, rows=4)


def test_canonical_order_earliest_then_longest_then_id() -> None:
    early, late = datetime(2025, 8, 5, 9, tzinfo=CST), datetime(2025, 8, 5, 10, tzinfo=CST)
    keys = [
        dedup.canonical_order_key(dedup.published_key(late), 900, "a"),
        dedup.canonical_order_key(dedup.published_key(early), 100, "z"),
        dedup.canonical_order_key(dedup.published_key(early), 500, "y"),
        dedup.canonical_order_key(dedup.published_key(early), 500, "x"),
        dedup.canonical_order_key(dedup.published_key(None), 9999, "0"),
    ]
    assert min(keys)[2] == "x"
    assert max(keys)[2] == "0"  # unknown publish time sorts last
    naive = datetime(2025, 8, 5, 9)
    assert dedup.published_key(naive) == dedup.published_key(early)  # naive = China time


def test_story_id_is_a_function_of_the_canonical_document() -> None:
    assert dedup.story_id_for("doc-1") == dedup.story_id_for("doc-1") != dedup.story_id_for("doc-2")


def test_same_event_groups_rewrites_that_copies_keep_apart() -> None:
    from themeflow.events import event_signature, same_event
    from themeflow.model import Document

    t = datetime(2025, 8, 5, 9, tzinfo=CST)

    def doc(i: str, title: str, body: str, at: datetime) -> Document:
        return Document(id=i, title=title, paragraphs=(body,), source=i, published_at=at)

    body_a = "星河半导体拟在合肥投资120亿元建设晶圆厂，2027年投产，月产能4万片，年收入85亿元。"
    body_b = "星河半导体合肥晶圆厂总投资120亿元，预计2027年建成，月产能4万片，年收入约85亿元。"
    a = doc("a", "星河半导体拟投资120亿元建晶圆厂", body_a, t)
    b = doc("b", "星河半导体120亿元晶圆厂落地合肥", body_b, t)
    fa, fb = dedup.fingerprint(a.paragraphs, a.title), dedup.fingerprint(b.paragraphs, b.title)
    assert not dedup.is_copy(fa, fb), "a rewrite, not a copy"
    assert same_event(event_signature(a), event_signature(b))
    far = doc("c", b.title, body_b, t + timedelta(days=5))
    assert not same_event(event_signature(a), event_signature(far))
    other = doc("d", "央行公布七月金融数据", "央行公布七月金融数据，M2同比增长8.8%。", t)
    assert not same_event(event_signature(a), event_signature(other))


@pytest.mark.parametrize("seed", [1, 7, 20250, dedup.DEFAULT_CONFIG.seed])
@pytest.mark.parametrize("num_perm", [16, dedup.DEFAULT_CONFIG.num_perm])
def test_the_permutations_are_datasketchs(seed: int, num_perm: int) -> None:
    """Drawn here without importing datasketch, they must be the ones it draws for the same seed."""
    from datasketch import MinHash

    expected = MinHash(num_perm=num_perm, seed=seed, scheme="affine32").permutations
    mine = dedup._permutations(num_perm, seed)
    assert mine.dtype == expected.dtype and mine.shape == expected.shape
    assert np.array_equal(mine, expected)


def test_fingerprinting_does_not_import_datasketch() -> None:
    """Its import pulls in scipy: a writer or a worker would pay ~0.3 s before its first batch."""
    code = (
        "import sys; from themeflow import dedup; dedup.fingerprint_text('星河半导体发布公告称，' * 20);"
        " print('datasketch' in sys.modules, 'scipy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


@pytest.mark.parametrize("n", [1, 37, 4096, 9001])
def test_the_signature_is_datasketchs_affine32_minhash(n: int) -> None:
    """Stored signatures must not change: the numpy MinHash equals datasketch's on the same hashes."""
    from datasketch import MinHash

    rng = np.random.default_rng(n)
    hashes = np.unique(rng.integers(0, 2**32, size=n, dtype=np.uint64).astype(np.uint32))
    perms = dedup._permutations(128, 20250)
    reference = MinHash(num_perm=128, seed=20250, hashfunc=lambda x: x, permutations=perms, scheme="affine32")
    for start in range(0, len(hashes), 4096):
        reference.update_batch(hashes[start : start + 4096].tolist())
    expected = np.asarray(reference.hashvalues, dtype=np.uint32)
    assert np.array_equal(dedup.minhash_signature(hashes, perms), expected)


@pytest.mark.parametrize(
    "body",
    [
        "\n".join(CHIP),
        "星河半导体星河半导体星河半导体星河半导体星河半导体星河半导体星河半导体星河半导体星河半导体星河半导体",
        "\n".join(BANK) * 3,  # every shingle repeated
        "ＡＢＣ１２３" * 40,
    ],
)
def test_the_signature_ignores_repeated_shingles(body: str) -> None:
    """Fingerprints hash every shingle, repeats kept; the signature is that of the distinct shingles."""
    norm = dedup.normalize(body)
    perms = dedup._permutations(dedup.DEFAULT_CONFIG.num_perm, dedup.DEFAULT_CONFIG.seed)
    all_of_them = dedup.shingle_hashes(norm, 5, distinct=False)
    assert len(all_of_them) == len(norm) - 4 > len(dedup.shingle_hashes(norm, 5))
    signature = dedup.fingerprint_text(body).signature
    assert signature is not None
    assert np.array_equal(signature, dedup.minhash_signature(dedup.shingle_hashes(norm, 5), perms))
