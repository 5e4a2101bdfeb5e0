"""The safe-file pipeline: every uploaded file is untrusted input.

A file is accepted only if its CONTENT is a JPEG, PNG, WebP, TIFF or PDF, whatever its name
says. Images are decoded in full within byte and pixel limits and re-encoded from their
pixels, which applies the orientation and drops everything else: EXIF (GPS), XMP, ICC
profiles, comments and any payload appended to the file. A PDF cannot be re-encoded: it is
refused when it carries active content (JavaScript, launch actions, embedded files), markup
in its first kilobyte, or data after its end. Office documents and plain text, which alerts
accepted by name before, are not accepted: office files are ZIP containers with macros,
external links and embedded objects that the portal cannot check, and CSV invites formula
injection; the information they carry goes in the item's own fields.

`file_check(upload)` returns a `CheckedFile` ready to store, or raises `FileRefused`, a
ValidationError whose message names the file and the reason. What the portal makes from a
file's pixels (a redacted copy, a thumbnail, a marked download) is written by `image_encode`,
from the pixels alone. A stored file has a random name (`storage_name`); the files of a row
that could not be saved are removed (`stored_files_delete`). Every file leaves the portal
through `file_response`: its type, a harmless name, no sniffing, never cached.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import uuid
import warnings
from dataclasses import dataclass
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.http import FileResponse, HttpResponse
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class FileKind(models.TextChoices):
    JPEG = "jpeg", "JPEG"
    PNG = "png", "PNG"
    WEBP = "webp", "WebP"
    TIFF = "tiff", "TIFF"
    PDF = "pdf", "PDF"
    # Files stored before the content check existed (migrated alert attachments); never
    # given to a new upload, served as opaque bytes.
    OTHER = "other", gettext_lazy("Other (accepted before the content check)")


CONTENT_TYPES: dict[str, str] = {
    FileKind.JPEG: "image/jpeg",
    FileKind.PNG: "image/png",
    FileKind.WEBP: "image/webp",
    FileKind.TIFF: "image/tiff",
    FileKind.PDF: "application/pdf",
    FileKind.OTHER: "application/octet-stream",
}
EXTENSIONS: dict[str, tuple[str, ...]] = {
    FileKind.JPEG: (".jpg", ".jpeg"),
    FileKind.PNG: (".png",),
    FileKind.WEBP: (".webp",),
    FileKind.TIFF: (".tif", ".tiff"),
    FileKind.PDF: (".pdf",),
    FileKind.OTHER: ("",),
}
IMAGE_KINDS = {FileKind.JPEG, FileKind.PNG, FileKind.WEBP, FileKind.TIFF}
PILLOW_FORMATS: dict[str, str] = {
    FileKind.JPEG: "JPEG",
    FileKind.PNG: "PNG",
    FileKind.WEBP: "WEBP",
    FileKind.TIFF: "TIFF",
}

# Markup that a browser or viewer would run if it ever sniffed the file as HTML or SVG. Not
# `<?xml`: images carry XMP metadata packets in XML, which the re-encoding drops anyway.
MARKUP = re.compile(rb"<\s*(?:html|script|svg|!doctype|body|iframe)", re.IGNORECASE)
# Active content of a PDF, as name keys or values once pypdf has decoded #xx escapes.
PDF_ACTIVE = frozenset(
    {
        "/JavaScript",
        "/JS",
        "/Launch",
        "/EmbeddedFile",
        "/EmbeddedFiles",
        "/RichMedia",
        "/SubmitForm",
        "/ImportData",
        "/GoToE",
        "/XFA",
    }
)
PDF_ACTIVE_RAW = re.compile(rb"/(?:JavaScript|JS|Launch|EmbeddedFiles?|RichMedia)\b")
PDF_MAX_OBJECTS = 200_000


def max_bytes() -> int:
    return settings.ATTACHMENT_MAX_BYTES


def max_pixels() -> int:
    return settings.ATTACHMENT_MAX_PIXELS


class FileRefused(ValidationError):
    """An upload that is not stored; the message names the file and the reason."""

    def __init__(self, name: str, reason: str):
        self.file_name = name
        self.reason = reason
        super().__init__(
            _("%(name)s was not accepted: %(reason)s") % {"name": name, "reason": reason},
            code="file_refused",
        )


@dataclass(frozen=True)
class CheckedFile:
    """Bytes safe to store, with what the portal knows about them."""

    content: bytes
    kind: str
    name: str  # the original name, sanitised, with the extension of its real kind
    width: int | None = None
    height: int | None = None

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.kind]

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.kind][0]

    @property
    def size(self) -> int:
        return len(self.content)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def display_name(name: str, kind: str | None = None) -> str:
    """The user's file name made harmless for display and Content-Disposition: no path, no
    control or reserved characters, at most 200 characters, the extension of its real kind."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C" and c not in '<>:"|?*')
    name = re.sub(r"\s+", " ", name).strip(" .") or "file"
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    if kind is not None and kind != FileKind.OTHER:
        if f".{ext.lower()}" not in EXTENSIONS[kind]:
            stem = name
            ext = EXTENSIONS[kind][0][1:]
    suffix = f".{ext}" if ext else ""
    return stem[: 200 - len(suffix)] + suffix


def sniff(head: bytes) -> str | None:
    """The kind the leading bytes announce, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return FileKind.JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return FileKind.PNG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return FileKind.WEBP
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return FileKind.TIFF
    if head.startswith(b"%PDF-"):
        return FileKind.PDF
    return None


def file_check(upload) -> CheckedFile:
    """Read, identify by content and clean one upload, or raise FileRefused."""
    name = display_name(getattr(upload, "name", "") or "file")
    limit = max_bytes()
    if upload.size is not None and upload.size > limit:
        raise FileRefused(name, _("it is larger than %(mb)s MB.") % {"mb": limit // (1024 * 1024)})
    upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise FileRefused(name, _("it is larger than %(mb)s MB.") % {"mb": limit // (1024 * 1024)})
    if not data:
        raise FileRefused(name, _("it is empty."))
    head = data[:1024]
    kind = sniff(head)
    if MARKUP.search(head):
        raise FileRefused(name, _("it contains HTML or SVG markup, which is never accepted."))
    if kind is None:
        raise FileRefused(name, _("its content is not a JPEG, PNG, WebP, TIFF or PDF file."))
    if kind != FileKind.PDF and b"%PDF-" in head:
        # A file that reads as an image and as a PDF is a polyglot.
        raise FileRefused(name, _("its content matches two file formats."))
    if kind == FileKind.PDF:
        _pdf_check(name, data)
        return CheckedFile(content=data, kind=kind, name=display_name(name, kind))
    content, width, height = _image_clean(name, data, kind)
    return CheckedFile(
        content=content, kind=kind, name=display_name(name, kind), width=width, height=height
    )


def _image_clean(name: str, data: bytes, kind: str) -> tuple[bytes, int, int]:
    """Decode the whole image within the limits and re-encode it from its pixels."""
    from PIL import Image, ImageFile, ImageOps

    unreadable = _("it is not a complete, readable %(kind)s image.") % {"kind": kind.upper()}
    too_large = _("the image has more than %(mp)s million pixels.") % {
        "mp": max_pixels() // 1_000_000
    }
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            # Only the header is read here: the dimensions are checked before decoding.
            image: Image.Image = Image.open(io.BytesIO(data), formats=[PILLOW_FORMATS[kind]])
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise FileRefused(name, too_large) from exc
        except (OSError, SyntaxError, ValueError) as exc:
            raise FileRefused(name, unreadable) from exc
        width, height = image.size
        if width <= 0 or height <= 0 or width * height > max_pixels():
            raise FileRefused(name, too_large)
        if getattr(image, "n_frames", 1) > 1:
            raise FileRefused(name, _("it has several frames or pages; send one image a file."))
        # WeasyPrint sets Pillow's LOAD_TRUNCATED_IMAGES when it is imported (for the PDF
        # exports); a truncated upload must still fail, in every process.
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            image.load()  # decode every byte: a truncated file fails here
            image = ImageOps.exif_transpose(image)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise FileRefused(name, too_large) from exc
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            raise FileRefused(name, unreadable) from exc
    try:
        content = _reencode(image, kind)
    except (OSError, ValueError) as exc:  # a pixel format we cannot write back
        raise FileRefused(name, unreadable) from exc
    return content, image.width, image.height


def _reencode(image, kind: str) -> bytes:
    """A new file from the decoded pixels only: no metadata, no trailing bytes."""
    return image_encode(image, kind)


def image_encode(image, kind: str = FileKind.JPEG, *, quality: int = 90) -> bytes:
    """A new file of `kind` from the pixels of a Pillow image alone: no EXIF, XMP, ICC profile,
    comment or trailing byte of any file it came from is written."""
    from PIL import Image

    if image.mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    if image.mode not in ("1", "L", "LA", "RGB", "RGBA"):
        image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    if kind == FileKind.JPEG and image.mode not in ("L", "RGB"):
        image = image.convert("L" if image.mode in ("1", "LA") else "RGB")
    if kind == FileKind.WEBP and image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    clean = Image.frombytes(image.mode, image.size, image.tobytes())
    out = io.BytesIO()
    if kind == FileKind.JPEG:
        clean.save(out, "JPEG", quality=quality)
    elif kind == FileKind.PNG:
        clean.save(out, "PNG", optimize=True)
    elif kind == FileKind.WEBP:
        clean.save(out, "WEBP", quality=quality)
    else:
        clean.save(out, "TIFF", compression="tiff_deflate")
    return out.getvalue()


def _pdf_check(name: str, data: bytes) -> None:
    """Refuse a PDF that is unreadable, encrypted, active or has data after its end."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    active = _("it is a PDF with active content (JavaScript, actions or embedded files).")
    end = data.rfind(b"%%EOF")
    if end < 0 or data[end + 5 :].strip(b"\r\n\t \x00"):
        raise FileRefused(name, _("it has data after the end of the PDF."))
    if PDF_ACTIVE_RAW.search(data):
        raise FileRefused(name, active)
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise FileRefused(name, _("it is an encrypted PDF, whose content cannot be checked."))
        if len(reader.pages) == 0:
            raise FileRefused(name, _("it is a PDF without pages."))
        # Walk every object reachable from the trailer, with names decoded by pypdf, so that
        # neither compressed object streams nor #xx escapes hide an action.
        seen: set[tuple[int, int]] = set()
        stack = [reader.trailer]
        while stack:
            node = stack.pop()
            if isinstance(node, IndirectObject):
                key = (node.idnum, node.generation)
                if key in seen:
                    continue
                seen.add(key)
                if len(seen) > PDF_MAX_OBJECTS:
                    raise FileRefused(name, _("the PDF has too many objects."))
                node = node.get_object()
            if isinstance(node, DictionaryObject):
                for key, value in node.items():
                    if key in PDF_ACTIVE or (isinstance(value, str) and value in PDF_ACTIVE):
                        raise FileRefused(name, active)
                    stack.append(value)
            elif isinstance(node, ArrayObject):
                stack.extend(node)
    except FileRefused:
        raise
    except (
        PyPdfError,
        OSError,
        ValueError,
        KeyError,
        TypeError,
        AttributeError,
        RecursionError,
    ) as exc:
        raise FileRefused(name, _("it is not a readable PDF.")) from exc


# The text kept of one file for search: enough for a manual, not a whole archive.
TEXT_LIMIT = 200_000


def file_text(data: bytes, kind: str) -> str:
    """The text of a checked file, for search: a PDF's text layer, page after page (a scan
    has none); "" for an image or a PDF whose text cannot be read."""
    if kind != FileKind.PDF:
        return ""
    from pypdf import PdfReader

    parts: list[str] = []
    size = 0
    try:
        for page in PdfReader(io.BytesIO(data), strict=False).pages:
            text = page.extract_text() or ""
            parts.append(text)
            size += len(text)
            if size >= TEXT_LIMIT:
                break
    except Exception:  # noqa: BLE001 - a text layer pypdf cannot read is no text, not an error
        return ""
    text = " ".join(" ".join(parts).split())
    return text[:TEXT_LIMIT].replace("\x00", "")


def storage_name(folder: str, extension: str) -> str:
    """A random path in `folder`: neither the user's file name nor the item is in it."""
    return f"{folder}/{uuid.uuid4().hex}{extension}"


def stored_files_delete(*files) -> None:
    """Remove the stored files of these file fields (those that hold one): the files of a row
    that was not saved, or of one that is gone."""
    for file in files:
        if file:
            file.storage.delete(file.name)


def content_disposition(name: str, *, inline: bool = False) -> str:
    """`attachment` (or `inline`) with an ASCII fallback name and the exact name in RFC 5987
    form."""
    fallback = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in name
    )
    disposition = "inline" if inline else "attachment"
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def file_response(
    content, *, name: str, content_type: str, inline: bool = False
) -> HttpResponseBase:
    """A file for the browser, from bytes or a stored file: its type as the portal checked it,
    its name harmless, no type sniffing, and no copy kept by the browser or a proxy."""
    if isinstance(content, bytes | str):
        response: HttpResponseBase = HttpResponse(content, content_type=content_type)
    else:
        response = FileResponse(content.open("rb"), content_type=content_type)
    response["Content-Disposition"] = content_disposition(name, inline=inline)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store, private"
    return response
