"""GBK, BIG5 and UTF-8 files decode right; undecodable bytes are an error for that file only."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from themeflow.errors import InputError
from themeflow.ingest import read_targets
from themeflow.model import Document, IngestError
from themeflow.text.encoding import declared_charset, decode_bytes

FIX = Path(__file__).parent / "fixtures" / "ingest"
SIMPLIFIED = "央行宣布降准0.5个百分点，释放长期资金约1万亿元。"
TRADITIONAL = "台積電董事會核准資本預算約新台幣1,100億元。"


def test_gbk_fixture_file_decodes() -> None:
    text, enc = decode_bytes((FIX / "gbk_note.txt").read_bytes())
    assert enc == "gb18030"
    assert "央行宣布降准0.5个百分点" in text


def test_big5_fixture_file_decodes() -> None:
    text, enc = decode_bytes((FIX / "big5_note.txt").read_bytes())
    assert enc == "big5"
    assert "台積電資本開支創新高" in text and "1,100億元" in text


@pytest.mark.parametrize(
    ("text", "encoding"),
    [(SIMPLIFIED, "gbk"), (SIMPLIFIED[:6], "gbk"), (TRADITIONAL, "big5"), (TRADITIONAL[:6], "big5")],
)
def test_short_chinese_texts(text: str, encoding: str) -> None:
    decoded, _ = decode_bytes(text.encode(encoding))
    assert decoded == text


def test_utf8_with_and_without_bom() -> None:
    assert decode_bytes(SIMPLIFIED.encode("utf-8")) == (SIMPLIFIED, "utf-8")
    assert decode_bytes(codecs.BOM_UTF8 + SIMPLIFIED.encode("utf-8"))[0] == SIMPLIFIED
    assert decode_bytes(codecs.BOM_UTF16_LE + SIMPLIFIED.encode("utf-16-le"))[0] == SIMPLIFIED


def test_declared_charset() -> None:
    assert declared_charset(b'<meta charset="GB2312">') == "gb18030"
    assert declared_charset(b'<meta http-equiv="Content-Type" content="text/html; charset=big5">') == "big5"
    assert declared_charset(b"<meta charset=nonsense-x>") is None


def test_binary_garbage_is_an_input_error() -> None:
    with pytest.raises(InputError, match="binary"):
        decode_bytes(bytes(range(256)) * 4, source="x.txt")


def test_garbage_file_is_an_ingest_error_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "bad.txt").write_bytes(b"\x00\xff\xfe\x01" * 64)
    (tmp_path / "good.txt").write_bytes(SIMPLIFIED.encode("gbk"))
    results = list(read_targets([str(tmp_path)]))
    errors = [r for r in results if isinstance(r, IngestError)]
    docs = [r for r in results if isinstance(r, Document)]
    assert [e.source for e in errors] == [str(tmp_path / "bad.txt")]
    assert "binary" in errors[0].reason
    assert docs and SIMPLIFIED in docs[0].title + docs[0].text


def test_gbk_and_big5_files_ingest() -> None:
    docs = [r for r in read_targets([str(FIX / "gbk_note.txt"), str(FIX / "big5_note.txt")])]
    assert all(isinstance(d, Document) for d in docs)
    gbk, big5 = docs
    assert isinstance(gbk, Document) and isinstance(big5, Document)
    assert gbk.title == "央行宣布降准0.5个百分点"
    assert gbk.paragraphs[0].startswith("中国人民银行决定下调金融机构存款准备金率0.5个百分点")
    assert len(gbk.paragraphs) == 2
    assert big5.title == "台積電資本開支創新高"
