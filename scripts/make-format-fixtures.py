#!/usr/bin/env python3
"""Generates fixtures/formats/: the same two contracts (contract-ja.txt, contract-en.txt,
written for this project) as PDF, DOCX and HTML, so tests can check that every format
extracts the same headings and sentences as the text version.

Needs: pip install reportlab python-docx; apt-get install fonts-ipafont-gothic (for the
PDF with an embedded Japanese TrueType font). Output is deterministic (fixed dates and ids)
so re-running it does not churn the committed files.

    python3 scripts/make-format-fixtures.py
"""
import io
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "fixtures", "formats")
IPA_GOTHIC = "/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf"


def read(name):
    with open(os.path.join(OUT, name), encoding="utf-8") as f:
        return f.read().splitlines()


def write(name, data):
    path = os.path.join(OUT, name)
    with open(path, "wb") as f:
        f.write(data)
    print(f"{name}: {len(data)} bytes")


# --------------------------------------------------------------------------- PDF

def pdf(lines, font, size, width, header, footer, break_before, ja):
    """Draws `lines` wrapped at `width` points, with a running header and a page-number
    footer (both must be dropped by extraction), and a page break before `break_before`."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    # invariant=1: no timestamps or random ids, so the output is reproducible.
    c = canvas.Canvas(buf, pagesize=A4, invariant=1)
    c.setTitle("clausegap fixture")
    page_w, page_h = A4
    left, top, bottom = 72, page_h - 90, 80
    leading = size * 1.6

    def wrap(line):
        if stringWidth(line, font, size) <= width:
            return [line]
        out, cur = [], ""
        tokens = list(line) if ja else re.split(r"(?<= )", line)
        for tok in tokens:
            if stringWidth(cur + tok, font, size) > width and cur:
                out.append(cur.rstrip())
                cur = tok.lstrip() if not ja else tok
            else:
                cur += tok
        if cur:
            out.append(cur)
        return out

    pages = []
    page = []
    for line in lines:
        if line == break_before and page:
            pages.append(page)
            page = []
        if "\t" in line:
            page.append(("row", line.split("\t")))
        elif not line.strip():
            page.append(("blank", ""))
        else:
            for part in wrap(line):
                page.append(("text", part))
    pages.append(page)

    total = len(pages)
    for n, page in enumerate(pages, 1):
        c.setFont(font, 9)
        c.drawString(left, page_h - 50, header)
        c.drawCentredString(page_w / 2, 40, footer(n, total))
        c.setFont(font, size)
        y = top
        for kind, content in page:
            if kind == "row":
                for i, cell in enumerate(content):
                    c.drawString(left + i * 110, y, cell)
            elif kind == "text":
                c.drawString(left, y, content)
            y -= leading
            if y < bottom:
                raise SystemExit("page overflow: add a page break")
        c.showPage()
    c.save()
    return buf.getvalue()


def make_pdfs():
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfbase.ttfonts import TTFont

    ja = read("contract-ja.txt")
    en = read("contract-en.txt")
    # Non-embedded CID font (UniJIS-UCS2-H), as older government/Word PDFs have.
    pdfmetrics.registerFont(UnicodeCIDFont("HeiseiMin-W3"))
    write(
        "contract-ja-cid.pdf",
        pdf(ja, "HeiseiMin-W3", 10.5, 330, "サンプル契約（テスト用）", lambda n, t: f"- {n} -", "第5条（事故報告）", True),
    )
    # Embedded, subset TrueType font (Identity-H), as Word and LibreOffice write.
    if os.path.exists(IPA_GOTHIC):
        pdfmetrics.registerFont(TTFont("IPAGothic", IPA_GOTHIC))
        write(
            "contract-ja-embedded.pdf",
            pdf(ja, "IPAGothic", 10.5, 330, "サンプル契約（テスト用）", lambda n, t: f"{n}/{t}", "第5条（事故報告）", True),
        )
    else:
        print(f"skipping contract-ja-embedded.pdf: {IPA_GOTHIC} missing (apt-get install fonts-ipafont-gothic)", file=sys.stderr)
    write(
        "contract-en.pdf",
        pdf(en, "Helvetica", 10.5, 380, "Sample DPA - test fixture", lambda n, t: f"Page {n} of {t}", "Article 5 Personal Data Breach", False),
    )


# --------------------------------------------------------------------------- DOCX

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def make_docx():
    import docx
    from docx.oxml import parse_xml
    from docx.oxml.ns import qn

    lines = read("contract-ja.txt")
    d = docx.Document()
    d.core_properties.author = "clausegap"
    import datetime
    fixed = datetime.datetime(2024, 1, 1)
    d.core_properties.created = fixed
    d.core_properties.modified = fixed
    d.core_properties.revision = 1

    # Three list definitions: 第%1条 headings, (%1) items, ① items.
    numbering = d.part.numbering_part.element
    defs = [
        (91, "decimal", "第%1条", "nothing"),
        (92, "decimal", "(%1)", "space"),
        (93, "decimalEnclosedCircle", "%1", "space"),
    ]
    first_num = numbering.find(qn("w:num"))
    for abs_id, fmt, text, suff in defs:
        el = parse_xml(
            f'<w:abstractNum xmlns:w="{W}" w:abstractNumId="{abs_id}">'
            f'<w:multiLevelType w:val="singleLevel"/>'
            f'<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/>'
            f'<w:suff w:val="{suff}"/><w:lvlText w:val="{text}"/><w:lvlJc w:val="left"/></w:lvl>'
            f"</w:abstractNum>"
        )
        # Word requires every abstractNum before the first num.
        if first_num is not None:
            first_num.addprevious(el)
        else:
            numbering.append(el)
        numbering.append(parse_xml(f'<w:num xmlns:w="{W}" w:numId="{abs_id}"><w:abstractNumId w:val="{abs_id}"/></w:num>'))

    def numbered(text, num_id):
        p = d.add_paragraph(text)
        num_pr = p._p.get_or_add_pPr().get_or_add_numPr()
        num_pr.get_or_add_ilvl().val = 0
        num_pr.get_or_add_numId().val = num_id
        return p

    # The header must not end up in the body text.
    d.sections[0].header.paragraphs[0].text = "サンプル契約（テスト用）ヘッダー"
    d.sections[0].footer.paragraphs[0].text = "社外秘"

    table_rows = [l.split("\t") for l in lines if "\t" in l]
    for line in lines:
        if not line.strip() or "\t" in line:
            continue
        m = re.match(r"^第(\d+)条(.*)$", line)
        if m:
            numbered(m.group(2), 91)
            continue
        m = re.match(r"^\((\d+)\) (.*)$", line)
        if m:
            numbered(m.group(2), 92)
            continue
        m = re.match(r"^[①②③④⑤] (.*)$", line)
        if m:
            numbered(m.group(1), 93)
            continue
        d.add_paragraph(line)
    table = d.add_table(rows=len(table_rows), cols=len(table_rows[0]))
    for r, row in enumerate(table_rows):
        for c, cell in enumerate(row):
            table.cell(r, c).text = cell

    buf = io.BytesIO()
    d.save(buf)
    write("contract-ja.docx", normalize_zip(buf.getvalue()))


def normalize_zip(data):
    """Rewrites a ZIP with fixed timestamps so the fixture is reproducible."""
    import zipfile

    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2024, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


# --------------------------------------------------------------------------- HTML

def to_html(lines, charset, lang):
    body = []
    table = []
    items = []

    def flush_table():
        if table:
            rows = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>\n" for r in table)
            body.append(f"<table>\n{rows}</table>")
            table.clear()

    def flush_items():
        if items:
            body.append('<ul class="plain">' + "".join(f"<li>{i}</li>" for i in items) + "</ul>")
            items.clear()

    for line in lines:
        if "\t" in line:
            table.append(line.split("\t"))
            continue
        flush_table()
        if re.match(r"^(\(\d+\)|[①②③]) ", line):
            items.append(line)
            continue
        flush_items()
        if not line.strip():
            continue
        if re.match(r"^(第\d+条|Article \d+)", line):
            body.append(f"<h2>{line}</h2>")
        else:
            # Break long Japanese paragraphs in the source between two kanji/kana: a browser
            # (and our extractor) must not show a space there.
            if len(line) > 40 and lang == "ja":
                line = line[:20] + "\n    " + line[20:]
            body.append(f"<p>{line}</p>")
    flush_items()
    flush_table()
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="{charset}">\n'
        f"<title>fixture</title>\n<style>ul.plain{{list-style:none}}</style>\n"
        f"<script>var secret = '秘密保持 script text';</script>\n</head>\n<body>\n"
        f"<noscript>JavaScriptを有効にしてください</noscript>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )


def make_html():
    ja = read("contract-ja.txt")
    en = read("contract-en.txt")
    write("contract-ja-utf8.html", to_html(ja, "utf-8", "ja").encode("utf-8"))
    write("contract-ja-sjis.html", to_html(ja, "Shift_JIS", "ja").encode("cp932"))
    write("contract-en.html", to_html(en, "utf-8", "en").encode("utf-8"))


def make_encodings():
    """The Japanese text in the legacy encodings and UTF-16 (text extraction tests)."""
    text = "\n".join(read("contract-ja.txt")) + "\n"
    write("contract-ja-sjis.txt", text.replace("\n", "\r\n").encode("cp932"))
    write("contract-ja-eucjp.txt", text.encode("euc_jis_2004"))
    write("contract-ja-utf16le-bom.txt", b"\xff\xfe" + text.replace("\n", "\r\n").encode("utf-16-le"))


if __name__ == "__main__":
    make_pdfs()
    make_docx()
    make_html()
    make_encodings()
