"""Real files made in the test, benign and hostile, and uploading them to an item.

Every file is built here with Pillow or pypdf (or byte by byte where a hostile file needs it),
so that the tests feed the pipeline what an attacker would, not a stand-in.
"""

import io
import struct
import zlib
from pathlib import Path

from django.core.files.base import ContentFile
from django.urls import reverse

from iconet.files.pipeline import FileKind
from iconet.models import Attachment


def png_bytes(width: int = 64, height: int = 48, colour=(200, 30, 30)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "PNG")
    return out.getvalue()


def jpeg_bytes(
    width: int = 64,
    height: int = 48,
    *,
    gps: bool = False,
    orientation: int | None = None,
    noise: bool = False,
) -> bytes:
    """A JPEG, optionally with EXIF GPS tags, a camera model and an orientation tag."""
    from PIL import Image

    if noise:  # incompressible pixels, so that truncation cuts image data, not padding
        pixels = bytes((i * 7919) % 251 for i in range(width * height * 3))
        image = Image.frombytes("RGB", (width, height), pixels)
    else:
        image = Image.new("RGB", (width, height), (30, 120, 200))
    exif = Image.Exif()
    if gps:
        exif[0x0110] = "Camera of the officer"  # Model
        gps_ifd = exif.get_ifd(0x8825)
        gps_ifd[1] = "N"
        gps_ifd[2] = (48.0, 51.0, 24.0)
        gps_ifd[3] = "E"
        gps_ifd[4] = (2.0, 21.0, 7.0)
    if orientation:
        exif[0x0112] = orientation
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes(), quality=90)
    return out.getvalue()


def pdf_bytes(*, javascript: str = "", escaped: bool = False) -> bytes:
    """A real one-page PDF, written object by object with a correct cross-reference table.
    With `javascript`, an action runs it when the document opens; `escaped` spells the action's
    names with #xx escapes (/J#61vaScript), as attackers do to slip past a plain byte search."""
    objects = [
        "<< /Type /Catalog /Pages 2 0 R{open} >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
    open_action = ""
    if javascript:
        names = ("/J#61vaScript", "/J#53") if escaped else ("/JavaScript", "/JS")
        objects.append(f"<< /S {names[0]} {names[1]} ({javascript}) >>")
        open_action = " /OpenAction 4 0 R"
    objects[0] = objects[0].format(open=open_action)
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{offset:010d} 00000 n \n" for offset in offsets).encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\n".encode()
    out += f"startxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def png_bomb(width: int = 20000, height: int = 20000) -> bytes:
    """A valid PNG of huge dimensions in a small file: one bit per pixel, all zero, deflated."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    row = b"\x00" + b"\x00" * ((width + 7) // 8)
    compressor = zlib.compressobj(9)
    rows = row * 1000
    idat = b"".join(compressor.compress(rows) for _ in range(height // 1000))
    idat += compressor.compress(row * (height % 1000)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1 bit, greyscale
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


def jpeg_pdf_polyglot() -> bytes:
    """A JPEG whose comment segment starts a PDF: viewers of either format would open it."""
    jpeg, pdf = jpeg_bytes(), pdf_bytes()
    comment = b"%PDF-1.7\n"
    segment = b"\xff\xfe" + struct.pack(">H", len(comment) + 2) + comment
    return jpeg[:2] + segment + jpeg[2:] + pdf


HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(document.cookie)"><rect/></svg>'
# A GIF header followed by HTML: a browser sniffing it would run the script.
GIF_HTML_POLYGLOT = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;" + HTML


def attachment_upload(client, item, name: str, data: bytes, description: str = ""):
    """Post a file to the item's attachments as its detail page's form does; follow the redirect."""
    url = reverse("sharing:attachment_create", args=[item.type_slug(), item.pk])
    upload = ContentFile(data, name=name)
    return client.post(url, {"file": upload, "description": description}, follow=True)


def attachment_url(attachment) -> str:
    item = attachment.item
    return reverse("sharing:attachment", args=[item.type_slug(), item.pk, attachment.pk])


def attachment_make(item, *, name: str = "route-map.png", data: bytes | None = None) -> Attachment:
    """A stored PNG attachment of the item, as the upload service leaves it (for matrix rows)."""
    data = data or png_bytes()
    attachment = Attachment(
        item=item,
        original_name=name,
        kind=FileKind.PNG,
        size=len(data),
        width=64,
        height=48,
        uploaded_by=item.author,
        organisation_id=item.owner_id,
    )
    attachment.file.save(name, ContentFile(data), save=True)
    return attachment


def media_files(root) -> list[Path]:
    return sorted(p for p in Path(root).rglob("*") if p.is_file())
