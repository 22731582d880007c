"""Single-document files (HTML, Markdown, TXT, PDF) and how targets expand: folders, globs, bad paths."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

from themeflow.ingest import read_targets
from themeflow.ingest.pdf import rebuild_paragraphs
from themeflow.model import Document, IngestError

FIX = Path(__file__).parent / "fixtures" / "ingest"
CST = timezone(timedelta(hours=8))


def _one(target: Path) -> Document | IngestError:
    (result,) = list(read_targets([str(target)]))
    return result


def make_pdf(lines: list[str], title: str | None = None) -> bytes:
    """A real one-page PDF (Helvetica, one text line per entry) written by hand, with a correct xref."""

    def esc(s: str) -> str:
        return s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    ops = ["BT", "/F1 11 Tf", "14 TL", "72 760 Td"]
    for line in lines:
        ops.append(f"({esc(line)}) Tj T*" if line else "T*")
    ops.append("ET")
    stream = "\n".join(ops).encode("latin-1")
    info = f"<< /Title ({esc(title)}) >>".encode() if title else b"<< >>"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        info,
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


PDF_LINES = [
    "Hyperscaler capital expenditure rose to 114.3 billion dollars in the",
    "quarter, up 1,100 basis points from a year earlier, driven by AI servers.",
    "Analysts expect the cycle to continue.",
    "",
    "Data centre power demand is the next constraint on the build-out of",
    "accelerated computing, according to the note.",
]


def test_html_page_with_boilerplate() -> None:
    doc = _one(FIX / "boilerplate.html")
    assert isinstance(doc, Document)
    assert doc.title == "云厂商资本开支继续上行"
    assert doc.source == "示例财经网"
    assert doc.published_at == datetime(2025, 11, 20, 20, 41, tzinfo=CST)
    assert doc.time_origin == "document"
    assert doc.url == "https://news.example.com/a/2025/1120/capex.html"
    assert len(doc.paragraphs) == 3
    assert doc.paragraphs[0].startswith("多家云厂商在最新财报中上调全年资本开支指引，合计规模超过3,800亿美元")
    text = doc.text
    for junk in ("首页", "股票频道", "登录", "热门", "版权所有", "ICP", "关于我们"):
        assert junk not in text


def test_html_without_date_has_no_publish_time(tmp_path: Path) -> None:
    page = tmp_path / "nodate.htm"
    body = "".join(
        f"<p>第{i}段：芯片库存周期进入补库阶段，需求回暖明显，行业景气度继续改善。</p>" for i in range(1, 5)
    )
    page.write_text(
        f"<html><head><title>无日期</title></head><body><article>{body}</article></body></html>",
        encoding="utf-8",
    )
    doc = _one(page)
    assert isinstance(doc, Document)
    assert doc.published_at is None and doc.time_origin == "unknown" and doc.fetched_at is None
    assert len(doc.paragraphs) == 4 and doc.paragraphs[0].startswith("第1段")


def test_gbk_html_with_meta_charset(tmp_path: Path) -> None:
    body = "".join(f"<p>第{i}段：美联储降息预期升温，美元指数回落至98.5附近。</p>" for i in range(1, 4))
    html = f'<html><head><meta charset="gb2312"><title>降息预期</title></head><body><article>{body}</article></body></html>'
    (tmp_path / "gbk.html").write_bytes(html.encode("gbk"))
    doc = _one(tmp_path / "gbk.html")
    assert isinstance(doc, Document) and "美元指数回落至98.5附近" in doc.paragraphs[0]


def test_markdown_title_and_paragraphs(tmp_path: Path) -> None:
    md = tmp_path / "note.md"
    md.write_text(
        "---\nauthor: x\n---\n# AI 资本开支周期\n\n"
        "第一段讲**算力**需求，\n继续第一段。\n\n"
        "## 风险\n\n- 折旧压力\n- 电力约束 [链接](https://ex.com)\n\n"
        "Hard wrapped English\nline continues.\n",
        encoding="utf-8",
    )
    doc = _one(md)
    assert isinstance(doc, Document)
    assert doc.title == "AI 资本开支周期"
    assert doc.paragraphs == (
        "第一段讲算力需求，继续第一段。",
        "风险",
        "折旧压力",
        "电力约束 链接",
        "Hard wrapped English line continues.",
    )


def test_txt_one_paragraph_per_line_and_first_line_title(tmp_path: Path) -> None:
    txt = tmp_path / "note.txt"
    txt.write_text("降准点评\n\n第一段。\n第二段，数字1,100亿元。\n", encoding="utf-8")
    doc = _one(txt)
    assert isinstance(doc, Document)
    assert doc.title == "降准点评" and doc.paragraphs == ("第一段。", "第二段，数字1,100亿元。")


def test_pdf_paragraphs_rebuilt_from_lines(tmp_path: Path) -> None:
    pdf = tmp_path / "note.pdf"
    pdf.write_bytes(make_pdf(PDF_LINES, title="AI capex note"))
    doc = _one(pdf)
    assert isinstance(doc, Document), doc
    assert doc.title == "AI capex note"
    assert len(doc.paragraphs) == 2, doc.paragraphs
    assert "114.3 billion dollars in the quarter, up 1,100 basis points" in doc.paragraphs[0]
    assert doc.paragraphs[1].startswith("Data centre power demand")


def test_truncated_pdf_is_an_ingest_error(tmp_path: Path) -> None:
    data = make_pdf(PDF_LINES)
    for cut in (len(data) // 2, len(data) - 30):
        pdf = tmp_path / f"cut{cut}.pdf"
        pdf.write_bytes(data[:cut])
        err = _one(pdf)
        assert isinstance(err, IngestError) and err.source == str(pdf)
        assert "truncated" in err.reason or "corrupt" in err.reason


def test_corrupt_pdf_body_is_an_ingest_error(tmp_path: Path) -> None:
    pdf = tmp_path / "junk.pdf"
    pdf.write_bytes(b"%PDF-1.4\n" + b"garbage " * 100 + b"\n%%EOF\n")
    err = _one(pdf)
    assert isinstance(err, IngestError)


def test_rebuild_paragraphs_rules() -> None:
    lines = [
        "全行业资本开支在第三季度继续上行，云厂商合计投入",
        "超过一千亿美元。",
        "  新段落以缩进开始，",
        "并在这里结束。",
        "",
        "空行之后是第三段。",
    ]
    assert rebuild_paragraphs(lines) == [
        "全行业资本开支在第三季度继续上行，云厂商合计投入超过一千亿美元。",
        "新段落以缩进开始，并在这里结束。",
        "空行之后是第三段。",
    ]


def test_folder_of_mixed_good_and_bad_files(tmp_path: Path) -> None:
    folder = tmp_path / "inbox"
    (folder / "sub").mkdir(parents=True)
    shutil.copy(FIX / "boilerplate.html", folder / "page.html")
    shutil.copy(FIX / "gbk_note.txt", folder / "sub" / "gbk.txt")
    shutil.copy(FIX / "malformed.xml", folder / "feed.xml")
    (folder / "data.xlsx").write_bytes(b"PK\x03\x04")
    (folder / ".hidden.txt").write_text("ignored", encoding="utf-8")
    (folder / "cut.pdf").write_bytes(make_pdf(PDF_LINES)[:200])
    results = list(read_targets([str(folder), str(tmp_path / "missing.jsonl")]))
    docs = [r for r in results if isinstance(r, Document)]
    errors = {Path(e.source).name: e.reason for e in results if isinstance(e, IngestError)}
    assert len(docs) == 2
    assert set(errors) == {"data.xlsx", "feed.xml", "cut.pdf", "missing.jsonl"}
    assert "unsupported file type '.xlsx'" in errors["data.xlsx"]
    assert "malformed feed" in errors["feed.xml"]
    assert errors["missing.jsonl"] == "no such file or folder"


def test_globs(tmp_path: Path) -> None:
    shutil.copy(FIX / "gbk_note.txt", tmp_path / "a.txt")
    shutil.copy(FIX / "big5_note.txt", tmp_path / "b.txt")
    docs = list(read_targets([str(tmp_path / "*.txt")]))
    assert len(docs) == 2 and all(isinstance(d, Document) for d in docs)
    (err,) = list(read_targets([str(tmp_path / "*.md")]))
    assert isinstance(err, IngestError) and "no files match" in err.reason


def test_ids_and_hashes_are_stable_across_reads() -> None:
    first = [(d.id, d.content_hash) for d in read_targets([str(FIX)]) if isinstance(d, Document)]
    second = [(d.id, d.content_hash) for d in read_targets([str(FIX)]) if isinstance(d, Document)]
    assert first == second and len(first) == 3
