#!/usr/bin/env python3
"""Generates fixtures/hostile/: small files built to break document parsers. Each must end
as a per-file error (or text) within seconds, never a crash of clausegap.

    python3 scripts/make-hostile.py

Only the standard library is needed (plus reportlab for the scanned-like PDF, if present).
Deterministic: fixed seeds and timestamps.
"""
import io
import os
import random
import zipfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "fixtures", "hostile")
FORMATS = os.path.join(HERE, "..", "fixtures", "formats")


def write(name, data):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)
    print(f"{name}: {len(data)} bytes")


def pdf_file(objects, root=1):
    """Assembles a PDF with a correct xref table from {number: body bytes}."""
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for num in sorted(objects):
        offsets[num] = out.tell()
        out.write(b"%d 0 obj\n" % num + objects[num] + b"\nendobj\n")
    xref = out.tell()
    size = max(objects) + 1
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % size)
    for num in range(1, size):
        out.write(b"%010d 00000 n \n" % offsets.get(num, 0))
    out.write(b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, root, xref))
    return out.getvalue()


def stream(data, extra=b""):
    return b"<< /Length %d %s >>\nstream\n" % (len(data), extra) + data + b"\nendstream"


FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def make_truncated():
    with open(os.path.join(FORMATS, "contract-en.pdf"), "rb") as f:
        data = f.read()
    write("truncated.pdf", data[: len(data) * 2 // 5])


def make_random():
    rng = random.Random(20240101)
    write("random-bytes.pdf", bytes(rng.getrandbits(8) for _ in range(8192)))


def make_self_kids():
    # The page tree's /Kids contains the tree itself: a naive walk never ends.
    write(
        "self-referencing-kids.pdf",
        pdf_file({
            1: b"<< /Type /Catalog /Pages 2 0 R >>",
            2: b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>",
            3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
            4: stream(b"BT /F1 12 Tf 72 720 Td (Article 1 Confidentiality) Tj ET"),
            5: FONT,
        }),
    )


def make_deep_nesting():
    # 200,000 nested arrays in a page's content stream (Flate-compressed: the file stays
    # small) — recursive parsers overflow the stack.
    depth = 200_000
    content = b"BT /F1 12 Tf 72 720 Td " + b"[" * depth + b"]" * depth + b" TJ (Deep) Tj ET"
    write(
        "deep-nesting.pdf",
        pdf_file({
            1: b"<< /Type /Catalog /Pages 2 0 R >>",
            2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> /Annots 6 0 R >>",
            4: stream(zlib.compress(content, 9), b"/Filter /FlateDecode"),
            5: FONT,
            # And the same nesting as a plain object the document structure refers to.
            6: b"[" * depth + b"]" * depth,
        }),
    )


def make_bomb():
    # 1 GiB of zeros, deflated twice (FlateDecode applied two times) so the file is small.
    comp = zlib.compressobj(9)
    chunk = b"\0" * (1 << 20)
    once = b"".join(comp.compress(chunk) for _ in range(1024)) + comp.flush()
    twice = zlib.compress(once, 9)
    write(
        "decompression-bomb.pdf",
        pdf_file({
            1: b"<< /Type /Catalog /Pages 2 0 R >>",
            2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
            4: stream(twice, b"/Filter [/FlateDecode /FlateDecode]"),
            5: FONT,
        }),
    )


def make_scanned():
    # A page whose only content is an image: no text layer (needs OCR).
    rng = random.Random(7)
    w, h = 64, 64
    pixels = bytes(rng.getrandbits(8) for _ in range(w * h))
    image = stream(
        zlib.compress(pixels),
        b"/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode" % (w, h),
    )
    write(
        "scanned-image-only.pdf",
        pdf_file({
            1: b"<< /Type /Catalog /Pages 2 0 R >>",
            2: b"<< /Type /Pages /Kids [3 0 R 6 0 R] /Count 2 >>",
            3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /XObject << /Im1 5 0 R >> >> >>",
            4: stream(b"q 500 0 0 700 56 46 cm /Im1 Do Q"),
            5: image,
            6: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /XObject << /Im1 5 0 R >> >> >>",
        }),
    )


def docx(parts):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts:
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data, compresslevel=9)
    return out.getvalue()


CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)
W = b'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def make_zip_bomb():
    # word/document.xml inflates to 150 MB of whitespace (about 1000:1).
    body = b"<w:document " + W + b"><w:body><w:p><w:r><w:t>" + b" " * (150 << 20) + b"</w:t></w:r></w:p></w:body></w:document>"
    write("zip-bomb.docx", docx([("[Content_Types].xml", CONTENT_TYPES), ("word/document.xml", body)]))


def make_entity_expansion():
    # "Billion laughs": 10 levels of 10 references expand to 10^10 characters.
    ents = b'<!ENTITY lol0 "lol">'
    for i in range(1, 10):
        ents += b'<!ENTITY lol%d "%s">' % (i, b"&lol%d;" % (i - 1) * 10)
    body = (
        b'<?xml version="1.0"?><!DOCTYPE w:document [' + ents + b"]>"
        b"<w:document " + W + b"><w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>"
    )
    write("entity-expansion.docx", docx([("[Content_Types].xml", CONTENT_TYPES), ("word/document.xml", body)]))


def make_broken_docx():
    body = b"<w:document " + W + b"><w:body><w:p><w:r><w:t>unclosed"
    write("malformed-xml.docx", docx([("[Content_Types].xml", CONTENT_TYPES), ("word/document.xml", body)]))


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    make_truncated()
    make_random()
    make_self_kids()
    make_deep_nesting()
    make_bomb()
    make_scanned()
    make_zip_bomb()
    make_entity_expansion()
    make_broken_docx()
