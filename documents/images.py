"""Pillow work on note images: redaction, thumbnails and the traceable download mark.

Every output is re-encoded from pixels by the safe-file pipeline
(`iconet.files.pipeline.image_encode`): no metadata of the original survives."""

import io

from PIL import Image, ImageDraw

from iconet.files import marks as file_marks
from iconet.files.pipeline import FileKind, image_encode

THUMBNAIL_SIZE = (320, 320)


def _open(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image.convert("RGB")


def _jpeg(image: Image.Image, quality: int = 90) -> bytes:
    return image_encode(image, FileKind.JPEG, quality=quality)


def redact(data: bytes, boxes) -> bytes:
    """The image with each (x, y, w, h) box filled in black, as a JPEG without metadata."""
    image = _open(data)
    draw = ImageDraw.Draw(image)
    for x, y, w, h in boxes:
        draw.rectangle([x, y, x + w - 1, y + h - 1], fill=(0, 0, 0))
    return _jpeg(image)


def thumbnail(data: bytes) -> bytes:
    image = _open(data)
    image.thumbnail(THUMBNAIL_SIZE)
    return _jpeg(image, quality=80)


# The download mark is the core's, shared with every marked download (iconet.files.marks).
mark_band_height = file_marks.mark_band_height
mark = file_marks.image_mark
