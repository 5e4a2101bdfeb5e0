"""The traceable mark of a downloaded file: who took it and when, drawn on the file itself.

Images get a visible band at their foot and the same text faintly across the middle (re-encoded
from pixels, so no metadata survives); a PDF gets the text stamped on every page. A leaked copy
then points to its source. Used by every download that gives a reader their own copy."""

from __future__ import annotations

import io

from .pipeline import IMAGE_KINDS, FileKind


def mark_band_height(height: int) -> int:
    return max(24, height // 12)


def image_mark(data: bytes, text: str) -> bytes:
    """The image with the mark, as a JPEG without metadata."""
    from PIL import Image, ImageDraw, ImageFont

    opened = Image.open(io.BytesIO(data))
    opened.load()
    image = opened.convert("RGB")
    width, height = image.size
    band = mark_band_height(height)
    font = ImageFont.load_default(size=max(12, band * 2 // 3))
    draw = ImageDraw.Draw(image, "RGBA")
    draw.rectangle([0, height - band, width, height], fill=(255, 255, 255, 255))
    draw.text((4, height - band + 2), text, fill=(180, 0, 0, 255), font=font)
    draw.text((4, height // 2), text, fill=(180, 0, 0, 90), font=font)
    out = io.BytesIO()
    clean = Image.frombytes("RGB", image.size, image.tobytes())
    clean.save(out, format="JPEG", quality=90)
    return out.getvalue()


def _stamp_pdf(text: str, width: float, height: float) -> bytes:
    """One page of the given size (PDF points) holding the mark at its foot."""
    from django.utils.html import escape
    from weasyprint import HTML

    from ..exports.sources import static_only_fetcher

    html = (
        f"<style>@page {{ size: {width}pt {height}pt; margin: 0 }}"
        "body { margin: 0 } p { position: absolute; bottom: 4pt; left: 6pt; right: 6pt;"
        " font: 8pt sans-serif; color: #b40000; background: #fff; margin: 0; padding: 1pt 2pt }"
        f"</style><p>{escape(text)}</p>"
    )
    return HTML(string=html, base_url="/", url_fetcher=static_only_fetcher()).write_pdf()


def pdf_mark(data: bytes, text: str) -> bytes:
    """The PDF with the mark stamped at the foot of every page."""
    from pypdf import PageObject, PdfReader, PdfWriter

    writer = PdfWriter(clone_from=io.BytesIO(data))
    stamps: dict[tuple[float, float], PageObject] = {}
    for page in writer.pages:
        size = (float(page.mediabox.width), float(page.mediabox.height))
        if size not in stamps:
            stamps[size] = PdfReader(io.BytesIO(_stamp_pdf(text, *size))).pages[0]
        page.merge_page(stamps[size])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def file_marked(data: bytes, kind: str, text: str) -> tuple[bytes, str]:
    """The reader's marked copy of a checked file and its content type; a kind that cannot
    carry a mark is refused (ValueError) rather than handed out unmarked."""
    if kind in IMAGE_KINDS:
        return image_mark(data, text), "image/jpeg"
    if kind == FileKind.PDF:
        return pdf_mark(data, text), "application/pdf"
    raise ValueError(f"no mark for files of kind {kind!r}")
