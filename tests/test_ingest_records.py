"""JSONL, JSON and CSV readers: field names in two languages, --map, broken lines, giant records."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from themeflow.errors import InputError
from themeflow.ingest import Limits, read_targets
from themeflow.model import Document, IngestError

CST = timezone(timedelta(hours=8))


def _split(results: list[Document | IngestError]) -> tuple[list[Document], list[IngestError]]:
    return [r for r in results if isinstance(r, Document)], [r for r in results if isinstance(r, IngestError)]


def _jsonl(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_jsonl_with_one_broken_line(tmp_path: Path) -> None:
    good = {
        "title": "美联储宣布降息25个基点",
        "text": "美联储宣布降息。\n市场反应平稳。",
        "published": "2025-09-18 02:00",
    }
    path = _jsonl(
        tmp_path / "news.jsonl",
        [
            json.dumps(good, ensure_ascii=False),
            '{"title": "坏行", "text": ',
            json.dumps({**good, "title": "第三条"}),
        ],
    )
    docs, errors = _split(list(read_targets([str(path)])))
    assert [d.title for d in docs] == ["美联储宣布降息25个基点", "第三条"]
    assert len(errors) == 1
    assert errors[0].source == str(path) and errors[0].record == "line 2"
    assert "not valid JSON" in errors[0].reason
    assert docs[0].paragraphs == ("美联储宣布降息。", "市场反应平稳。")
    assert docs[0].published_at == datetime(2025, 9, 18, 2, 0, tzinfo=CST)
    assert docs[0].time_origin == "document"
    assert docs[0].origin == f"{path}:line 1"


def test_chinese_field_names_source_id_and_capture_dates(tmp_path: Path) -> None:
    rec = {
        "id": "up-1",
        "标题": "芯片出口数据",
        "正文": "一季度芯片出口增长12.5%。",
        "来源": "示例网",
        "发布时间": "2025年3月1日 09:30",
        "链接": "https://ex.com/a?utm_source=x",
    }
    cap = {
        "title": "抓取时间",
        "content": "正文。",
        "published": "2025-03-02",
        "published_note": "capture date",
    }
    path = _jsonl(tmp_path / "a.jsonl", [json.dumps(rec, ensure_ascii=False), json.dumps(cap)])
    (a, b), errors = _split(list(read_targets([str(path)])))
    assert not errors
    assert (a.title, a.source, a.url) == ("芯片出口数据", "示例网", "https://ex.com/a?utm_source=x")
    assert a.id.startswith("u") and a.meta["source_id"] == "up-1"
    assert a.published_at == datetime(2025, 3, 1, 9, 30, tzinfo=CST)
    assert b.time_origin == "fetch" and b.fetched_at == b.published_at
    assert b.meta["published_note"] == "capture date"


def test_field_map_overrides_and_unknown_field_is_rejected(tmp_path: Path) -> None:
    path = _jsonl(
        tmp_path / "m.jsonl",
        [json.dumps({"headline_x": "标题甲", "article_body": "正文甲。", "text": "不是它"})],
    )
    (doc,) = list(read_targets([str(path)], field_map={"title": "headline_x", "text": "article_body"}))
    assert isinstance(doc, Document) and doc.title == "标题甲" and doc.paragraphs == ("正文甲。",)
    with pytest.raises(InputError, match="unknown field"):
        read_targets([str(path)], field_map={"bogus": "x"})


def test_empty_document_and_missing_text(tmp_path: Path) -> None:
    path = _jsonl(
        tmp_path / "e.jsonl",
        [json.dumps({"title": "空", "text": " \n\u3000 \u200b"}), json.dumps({"title": "无正文"}), "[1, 2]"],
    )
    docs, errors = _split(list(read_targets([str(path)])))
    assert not docs
    assert [e.record for e in errors] == ["line 1", "line 2", "line 3"]
    assert "empty document" in errors[0].reason and "--map text=" in errors[1].reason
    assert "expected an object" in errors[2].reason


def test_empty_text_file_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_text("\n\n   \n", encoding="utf-8")
    (err,) = list(read_targets([str(tmp_path / "empty.txt")]))
    assert isinstance(err, IngestError) and "empty document" in err.reason


def test_flattened_text_gets_breaks_restored(tmp_path: Path) -> None:
    path = _jsonl(
        tmp_path / "f.jsonl", [json.dumps({"text": "第一段内容。  第二段内容。   第三段 8 月 16 日。"})]
    )
    (doc,) = list(read_targets([str(path)]))
    assert isinstance(doc, Document)
    assert doc.paragraphs == ("第一段内容。", "第二段内容。", "第三段 8 月 16 日。")
    assert doc.title == "第一段内容。" and doc.meta["title_origin"]


def test_csv_with_bom_gbk_and_map(tmp_path: Path) -> None:
    rows = "标题,内容,来源,时间\n降准落地,央行下调存款准备金率0.5个百分点。,示例网,2025-05-08 10:00\n,,,\n"
    (tmp_path / "gbk.csv").write_bytes(rows.encode("gbk"))
    (tmp_path / "bom.csv").write_bytes(b"\xef\xbb\xbf" + "headline;body\nA;正文一。\n".encode())
    docs, errors = _split(list(read_targets([str(tmp_path / "gbk.csv")])))
    assert [d.title for d in docs] == ["降准落地"] and docs[0].source == "示例网"
    assert errors[0].record == "line 3"
    docs, errors = _split(
        list(read_targets([str(tmp_path / "bom.csv")], field_map={"title": "headline", "body": "body"}))
    )
    assert not errors and docs[0].title == "A" and docs[0].text == "正文一。"
    (err,) = list(read_targets([str(tmp_path / "bom.csv")], field_map={"title": "nope"}))
    assert isinstance(err, IngestError) and "nope" in err.reason


def test_json_array_and_wrapped_object(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text(
        json.dumps({"items": [{"title": "甲", "body": "正文。"}, {"title": "乙"}]}), encoding="utf-8"
    )
    docs, errors = _split(list(read_targets([str(tmp_path / "a.json")])))
    assert [d.title for d in docs] == ["甲"] and [e.record for e in errors] == ["record 2"]


def test_twenty_megabyte_document_is_capped_not_fatal(tmp_path: Path) -> None:
    line = "算力需求推动数据中心资本开支上行，芯片供应仍然偏紧。" * 20 + "\n"  # ~520 chars, ~1.5 KB
    path = tmp_path / "huge.txt"
    with path.open("w", encoding="utf-8") as fh:
        fh.write("超大文档\n")
        fh.write(line * (20 * 1024 * 1024 // len(line.encode("utf-8")) + 1))
    assert path.stat().st_size >= 20 * 1024 * 1024
    limits = Limits(max_chars=500_000, max_paragraphs=2_000)
    (doc,) = list(read_targets([str(path)], limits=limits))
    assert isinstance(doc, Document)
    assert doc.title == "超大文档"
    assert len(doc.paragraphs) <= 2_000 and sum(map(len, doc.paragraphs)) <= 500_000
    assert "truncated" in doc.meta["truncated"]


def test_twenty_megabyte_single_record(tmp_path: Path) -> None:
    body = "美联储降息预期升温。" * (2 * 1024 * 1024)  # 20M characters, one paragraph
    path = tmp_path / "big.jsonl"
    path.write_text(json.dumps({"title": "大", "text": body}, ensure_ascii=False) + "\n", encoding="utf-8")
    (doc,) = list(read_targets([str(path)]))
    assert isinstance(doc, Document)
    assert sum(map(len, doc.paragraphs)) <= Limits().max_chars
    assert max(map(len, doc.paragraphs)) <= Limits().max_paragraph_chars
    assert doc.meta["truncated"]


def test_language_counts_runs_as_it_counted_characters() -> None:
    """``_lang`` counts CJK and Latin characters by the length of their runs: the same as counting each."""
    import re

    from hypothesis import given, settings
    from hypothesis import strategies as st

    from themeflow.ingest.document import _lang

    def by_character(paragraphs: list[str]) -> str:
        sample = "".join(paragraphs)[:4000]
        cjk = len(re.findall(r"[\u3400-\u9fff]", sample))
        latin = len(re.findall(r"[A-Za-z]", sample))
        return "en" if cjk < 0.05 * max(len(sample), 1) and latin > 0.3 * max(len(sample), 1) else "zh"

    @settings(max_examples=200, deadline=None)
    @given(
        st.lists(
            st.text(alphabet=st.sampled_from(list("ab Z1，资本ö\u3400\u9fffé")), max_size=80), max_size=5
        )
    )
    def same(paragraphs: list[str]) -> None:
        assert _lang(paragraphs) == by_character(paragraphs)

    same()
